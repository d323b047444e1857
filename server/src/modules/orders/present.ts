import { distanceMeters, type AssignmentDto, type OrderDto } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { covers, isStaff } from '../access/jurisdiction';
import { writeAccessLog, type AccessLogEntry } from '../access/access-log';
import { maskLandline, maskName, maskPhone, type FullViewReason } from '../access/privacy';
import { loadAssignments } from './order.repo';
import type { AssignmentRow, OrderRow } from './order-row';
import { actionsFor, maySee, standingOf, type Standing, type Viewer } from './standing';

/**
 * Orders as a viewer sees them. The resident's phone, the exact address and the location are shown only to the
 * resident (and the proxy who ordered for them), to staff whose jurisdiction covers the resident, and to a person
 * holding a place on the order (they must find the door and call ahead), until VOLUNTEER_CONTACT_HOURS after the
 * order ended. Everyone else — a volunteer browsing the task hall — sees `孙**`, `138****0001` and the community's
 * name. Every full view by someone other than the resident is
 * written to access_log in the same transaction, as for people.
 */

function fullViewReason(v: Viewer, o: OrderRow, s: Standing): FullViewReason | undefined {
  if (v.actor.id === o.resident_id || v.actor.id === o.requester_id) return 'self';
  if (isStaff(v.actor) && covers(v.j, o.region_path)) return 'jurisdiction';
  // family (家属) know their parent's phone and door
  if (s.relations.includes('family')) return 'family';
  if (s.holding && !contactEnded(v, o)) return 'accepted_order';
  return undefined;
}

/**
 * The people who served an order see the resident in full while they need to (to find the door, to call ahead)
 * and for `v.contactHours` after the order ended (closed or cancelled), not for ever.
 */
function contactEnded(v: Viewer, o: Pick<OrderRow, 'closed_at' | 'cancelled_at'>): boolean {
  const ended = o.closed_at ?? o.cancelled_at;
  return ended !== null && v.now.getTime() - ended.getTime() > v.contactHours * 3_600_000;
}

function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

function toAssignmentDto(a: AssignmentRow): AssignmentDto {
  return {
    userId: a.volunteer_id,
    name: a.volunteer_name,
    squadId: a.squad_id,
    state: a.state,
    acceptedAt: a.accepted_at.toISOString(),
    checkedInAt: iso(a.checked_in_at),
    completedAt: iso(a.completed_at),
    serviceMinutes: a.service_minutes,
    checkInDistanceMeters: a.check_in_distance_m === null ? null : Math.round(a.check_in_distance_m),
    checkInFar: a.check_in_far,
    note: a.note,
    photoUrls: a.photo_urls,
  };
}

export interface PresentedOrder {
  dto: OrderDto;
  standing: Standing;
  /** May the viewer see it at all (callers answer 404 when not). */
  visible: boolean;
}

/**
 * Presents orders (in the given order) to the viewer, writing the access records of full views. The people on them
 * are read here unless the caller has read them already (`known`, every round's).
 */
export async function presentOrders(
  m: EntityManager,
  v: Viewer,
  rows: readonly OrderRow[],
  known?: ReadonlyMap<string, AssignmentRow[]>,
): Promise<PresentedOrder[]> {
  const assignments = known ?? (await loadAssignments(m, rows));
  const logged: AccessLogEntry[] = [];
  const out = rows.map((o) => {
    const everyone = assignments.get(o.id) ?? [];
    const people = everyone.filter((a) => a.round === o.round);
    const standing = standingOf(v, o, everyone);
    const reason = fullViewReason(v, o, standing);
    const full = reason !== undefined;
    if (full && reason !== 'self') {
      const fields = [
        o.resident_phone !== null ? 'phone' : null,
        o.resident_landline !== null ? 'landline' : null,
        o.address !== null ? 'address' : null,
      ].filter((f): f is string => f !== null);
      if (fields.length > 0) logged.push({ subject: o.resident_id, fields, reason });
    }
    const dto: OrderDto = {
      id: o.id,
      status: o.status,
      categoryCode: o.category_code,
      categoryName: o.category_name,
      description: o.description,
      address: full ? o.address : o.address === null ? null : o.community_name,
      addressMasked: !full && o.address !== null,
      location: full && o.location_lat !== null && o.location_lng !== null ? { lat: o.location_lat, lng: o.location_lng } : null,
      urgency: o.urgency,
      headcount: o.headcount,
      acceptedCount: o.accepted_count,
      channel: o.channel,
      resident: {
        id: o.resident_id,
        // the task hall and anyone else without a full view: the surname only (孙**)
        name: full ? o.resident_name : maskName(o.resident_name),
        phone: o.resident_phone === null ? null : full ? o.resident_phone : maskPhone(o.resident_phone),
        landline: o.resident_landline === null ? null : full ? o.resident_landline : maskLandline(o.resident_landline),
        phoneMasked: !full && (o.resident_phone !== null || o.resident_landline !== null),
      },
      requesterId: o.requester_id,
      regionId: o.region_id,
      regionName: o.region_name,
      escalationLevel: o.escalation_level,
      escalateAt: o.status === 'pending' || o.status === 'dispatched' ? iso(o.escalate_at) : null,
      deadlineAt: o.deadline_at.toISOString(),
      preferredStart: iso(o.preferred_start),
      preferredEnd: iso(o.preferred_end),
      dispatchedToUserId: o.dispatched_to_user_id,
      dispatchedToSquadId: o.dispatched_to_squad_id,
      dispatchMode: o.dispatch_mode,
      assignees: people.map(toAssignmentDto),
      farCheckIn: o.far_check_in,
      reopenCount: o.round - 1,
      rating: o.rating,
      ratingComment: o.rating_comment,
      cancelReason: o.cancel_reason,
      contentReview: standing.oversees ? o.content_review : null,
      // a staff member's work phone: in full to whoever sees the order in full (the resident calls their grid worker)
      responsible:
        o.responsible_id === null || o.responsible_name === null
          ? null
          : {
              id: o.responsible_id,
              name: o.responsible_name,
              phone: o.responsible_phone === null ? null : full ? o.responsible_phone : maskPhone(o.responsible_phone),
              phoneMasked: !full && o.responsible_phone !== null,
            },
      waitedMinutes: waitedMinutes(o, v.now),
      urgeCount: o.urge_count,
      lastUrgedAt: iso(o.last_urged_at),
      repeatOf: o.repeat_of,
      createdAt: o.created_at.toISOString(),
      updatedAt: o.updated_at.toISOString(),
      actions: actionsFor(v, o, standing, people),
    };
    return { dto, standing, visible: maySee(v, o, standing, everyone) };
  });
  await writeAccessLog(m, v.actor.id, logged);
  return out;
}

/**
 * An order still waiting for someone (pending, or dispatched without an answer) past its deadline: how long its
 * resident has waited, whole minutes since it was placed (or, reopened, since then); null for any other order.
 */
export function waitedMinutes(o: Pick<OrderRow, 'status' | 'deadline_at' | 'created_at' | 'reopened_at'>, now: Date): number | null {
  if ((o.status !== 'pending' && o.status !== 'dispatched') || o.deadline_at > now) return null;
  return Math.floor((now.getTime() - (o.reopened_at ?? o.created_at).getTime()) / 60_000);
}

/** From the viewer's own location to the resident's door, whole metres; null when either is unknown. */
export function distanceFromViewer(v: Viewer, o: Pick<OrderRow, 'location_lat' | 'location_lng'>): number | null {
  const { locationLat, locationLng } = v.actor.user;
  if (locationLat === null || locationLng === null || o.location_lat === null || o.location_lng === null) return null;
  return Math.round(distanceMeters({ lat: locationLat, lng: locationLng }, { lat: o.location_lat, lng: o.location_lng }));
}
