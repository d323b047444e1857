import { shortOfPeople, type NotificationKind } from '@bangbang/shared';
import type { EventFacts, NewNotification } from './notifications.repo';
import { orderTextFacts, textOf, type TextFacts } from './texts';

/**
 * Who hears what (issue 19, item 4), decided from an order event and the order as it is when the job runs. Pure:
 * the caller loads the people around the orders (`Around`) in a few set-based queries and writes what this
 * answers. The person who made the change is never told of it.
 */

export interface Around {
  /** order id → places on it (every round). */
  assignments: Map<string, Array<{ round: number; volunteer_id: string; state: string }>>;
  /** resident id → family contacts (a login with the same mobile, or only the phone). */
  family: Map<string, Array<{ phone: string; user_id: string | null }>>;
  /** region id → its grid workers and dispatchers. */
  staff: Map<string, string[]>;
  /** squad id → members. */
  members: Map<string, string[]>;
  /** person id → name (no-shows). */
  names: Map<string, string>;
}

/** A recipient: a person with a login, or only a phone (a family contact who never logged in). */
type To = { userId: string } | { phone: string };

export interface FanOut {
  notifications: NewNotification[];
  /** Orders to offer to on-duty volunteers nearby (附近新需求), with the source that makes each offer once. */
  nearby: Array<{ orderId: string; source: string }>;
}

/** The resident and their family: a login is told in the app; a family contact with no login only by text. */
function residentSide(e: EventFacts, around: Around): To[] {
  const to: To[] = [{ userId: e.resident_id }];
  for (const f of around.family.get(e.resident_id) ?? []) to.push(f.user_id ? { userId: f.user_id } : { phone: f.phone });
  return to;
}

const staffOf = (around: Around, ...regionIds: Array<string | null | undefined>): To[] =>
  [...new Set(regionIds.flatMap((r) => (r ? (around.staff.get(r) ?? []) : [])))].map((userId) => ({ userId }));

const minutesSince = (from: Date, to: Date): number => Math.max(0, Math.floor((to.getTime() - from.getTime()) / 60_000));

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * An event older than this when its job runs (the queue was stopped for hours) is history: its live signal still
 * goes out, but nobody is told of it.
 */
export const STALE_AFTER_MS = 6 * 3600_000;

/** Kinds that ask someone to act: said only while the order still needs that (a late job must not ask for nothing). */
const WAITING = ['pending', 'dispatched'];
function stillNeeded(kind: NotificationKind, e: EventFacts): boolean {
  switch (kind) {
    case 'task.dispatched':
      return e.status === 'dispatched';
    case 'task.offered':
      return e.status === 'pending';
    case 'staff.new_order':
    case 'staff.escalated':
    case 'staff.unmatched':
    case 'staff.waiting':
    case 'order.escalated':
      return WAITING.includes(e.status);
    default:
      return true;
  }
}

export function fanOut(events: readonly EventFacts[], around: Around, now: Date): FanOut {
  const out: FanOut = { notifications: [], nearby: [] };
  for (const e of events) {
    const source = `e:${e.order_id}:${e.seq}`;
    const facts = orderTextFacts(e, { actorName: e.actor_name, reason: e.reason });
    const stale = now.getTime() - e.at.getTime() > STALE_AFTER_MS;
    const say = (kind: NotificationKind, to: To[], extra: Partial<TextFacts> = {}) => {
      if (stale || !stillNeeded(kind, e)) return;
      const text = textOf(kind, { ...facts, ...extra }, now);
      const seen = new Set<string>();
      for (const t of to) {
        const key = 'userId' in t ? t.userId : t.phone;
        if (seen.has(key) || ('userId' in t && t.userId === e.actor_id)) continue;
        seen.add(key);
        out.notifications.push({
          recipientId: 'userId' in t ? t.userId : null,
          recipientPhone: 'phone' in t ? t.phone : null,
          kind,
          orderId: e.order_id,
          source,
          title: text.title,
          body: text.body,
          urgent: facts.urgent,
        });
      }
    };
    // still waiting for someone, and nobody in particular is asked: tell on-duty volunteers nearby. A place freed
    // while the others already serve is never offered by the dispatching (it is not waiting): nearby, whatever the mode
    const offerNearby = () => {
      if (stale) return;
      if (shortOfPeople(e.status, e.accepted_count, e.headcount) || (e.status === 'pending' && e.dispatch_mode !== 'auto' && e.dispatch_mode !== 'sequential'))
        out.nearby.push({ orderId: e.order_id, source: `near:${e.order_id}:${e.seq}` });
    };
    const holders = (round: number, states: string[]) =>
      (around.assignments.get(e.order_id) ?? []).filter((a) => a.round === round && states.includes(a.state)).map((a) => ({ userId: a.volunteer_id }));

    switch (e.type) {
      case 'created':
        say('staff.new_order', staffOf(around, e.scope_region_id));
        offerNearby();
        break;
      case 'dispatch': {
        const assignee = str(e.data.assigneeId);
        const squad = str(e.data.squadId);
        const to: To[] = assignee ? [{ userId: assignee }] : squad ? (around.members.get(squad) ?? []).map((userId) => ({ userId })) : [];
        // under auto-dispatch the order moves on when their time is up; otherwise it escalates
        say('task.dispatched', to, { answerBy: e.data.auto === true ? e.auto_dispatch_at : e.escalate_at });
        break;
      }
      case 'offer': {
        // 同时请几位: each person asked, to answer by the next wave's time
        const people = Array.isArray(e.data.people) ? (e.data.people as unknown[]).filter((x): x is string => typeof x === 'string') : [];
        const answerBy = str(e.data.answerBy);
        say(
          'task.offered',
          people.map((userId) => ({ userId })),
          { answerBy: answerBy === null ? null : new Date(answerBy) },
        );
        break;
      }
      case 'reject':
        // a person said no: the staff of the level must act; a timeout under auto-dispatch goes on by itself
        if (e.data.timeout !== true) say('staff.unmatched', staffOf(around, e.scope_region_id), { declined: true });
        offerNearby();
        break;
      case 'accept':
        say('order.accepted', residentSide(e, around));
        break;
      case 'release':
        offerNearby();
        break;
      case 'check_in':
        say('order.checked_in', residentSide(e, around));
        break;
      case 'complete': {
        if (e.to_status === 'completed') say('order.completed', residentSide(e, around));
        const noShow = Array.isArray(e.data.noShow) ? (e.data.noShow as unknown[]).filter((x): x is string => typeof x === 'string') : [];
        if (noShow.length > 0) {
          say('staff.no_show', staffOf(around, e.region_id, e.scope_region_id), { noShowNames: noShow.map((id) => around.names.get(id) ?? '志愿者') });
        }
        break;
      }
      case 'reopen': {
        // the people who served the previous round
        say('task.reopened', holders(e.round - 1, ['completed', 'in_service', 'accepted']));
        say('staff.new_order', staffOf(around, e.scope_region_id));
        offerNearby();
        break;
      }
      case 'cancel': {
        if (e.data.by === 'staff') say('order.cancelled', residentSide(e, around));
        const to = holders(e.round, ['cancelled']);
        if (e.dispatched_to_user_id) to.push({ userId: e.dispatched_to_user_id });
        say('task.cancelled', to);
        break;
      }
      case 'recall': {
        // the people taken off it (a squad's members when the dispatch to the squad was taken back)
        const recalled = Array.isArray(e.data.recalled) ? (e.data.recalled as Array<{ userId?: unknown }>).map((r) => str(r.userId)) : [];
        const squad = str(e.data.squadId);
        const to: To[] = recalled.filter((id): id is string => id !== null).map((userId) => ({ userId }));
        if (squad) to.push(...(around.members.get(squad) ?? []).map((userId) => ({ userId })));
        say('task.recalled', to);
        // places freed while the others serve: volunteers nearby may come and fill them
        if (e.to_status === 'in_service') offerNearby();
        break;
      }
      case 'urge': {
        // 催一下: the order's responsible person (兜底), the staff of the resident's grid and of the level the order
        // waits at; whoever is on their way
        const count = typeof e.data.count === 'number' ? e.data.count : undefined;
        const responsible: To[] = e.responsible_id ? [{ userId: e.responsible_id }] : [];
        say('staff.urged', [...responsible, ...staffOf(around, e.region_id, e.scope_region_id)], { urgeCount: count });
        // a volunteer hears it in words already theirs: come now (accepted), answer now (dispatched); nobody in service
        say('task.check_in_reminder', holders(e.round, ['accepted']));
        if (e.status === 'dispatched' && e.dispatched_to_user_id) {
          say('task.dispatched', [{ userId: e.dispatched_to_user_id }], { answerBy: e.dispatch_mode === 'manual' ? e.escalate_at : e.auto_dispatch_at });
        }
        break;
      }
      case 'escalate':
        say('order.escalated', residentSide(e, around));
        say('staff.escalated', staffOf(around, str(e.data.scopeRegionId) ?? e.scope_region_id));
        // 兜底: a deadline passed with nobody on it; the person answerable for it hears at once, at every level
        if (e.responsible_id) say('staff.waiting', [{ userId: e.responsible_id }], { waitedMinutes: minutesSince(e.waiting_since, e.at) });
        offerNearby();
        break;
      case 'remind': {
        // 提醒上门: the volunteer who accepted is due at the door and has not checked in
        const volunteer = str(e.data.volunteerId);
        if (volunteer) say('task.check_in_reminder', [{ userId: volunteer }]);
        break;
      }
      case 'no_show': {
        // never came: they are told the order went on; whoever answers for it must see it gets served
        const volunteer = str(e.data.volunteerId);
        if (volunteer) say('task.no_show', [{ userId: volunteer }]);
        const names = { noShowNames: volunteer ? [around.names.get(volunteer) ?? '志愿者'] : [] };
        say('staff.no_show', e.responsible_id ? [{ userId: e.responsible_id }] : staffOf(around, e.scope_region_id), names);
        offerNearby();
        break;
      }
      default:
        break;
    }
  }
  return out;
}
