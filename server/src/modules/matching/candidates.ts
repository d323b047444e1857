import { SERVICE_UTC_OFFSET_MINUTES, isAvailableNow, scoreCandidate, type CandidateDto, type MatchWeights, type RosterSlot } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import type { OrderRow } from '../orders/order-row';

/**
 * Candidates for an order (推荐接单人): who could take it now, best first, each with the reasons a dispatcher reads.
 *
 * Hard rules, in SQL: the skill (or for a squad, one of its categories) fits the order's category; on duty; inside
 * the order's area at its current escalation level; has not rejected this order; does not already hold a place on
 * it. Then, in code: inside a roster slot now (rosters are read in Beijing time) and fewer tasks in hand than the
 * limit. What is left is scored by shared/matching.ts's `scoreCandidate` with the deployment's weights.
 */

interface VolunteerRow {
  id: string;
  name: string;
  on_duty: boolean;
  roster: RosterSlot[] | null;
  party_member: boolean;
  same_grid: boolean;
  paired: boolean;
  distance: number | null;
  active: number;
  today: number;
  rating: number | null;
  accepted_in_category: number;
  rejected_in_category: number;
}

interface SquadRow {
  id: string;
  name: string;
  distance: number | null;
  active: number;
  members: Array<{ on_duty: boolean; roster: RosterSlot[] | null }>;
}

/** Great-circle metres in SQL, between the point (lat, lng) columns given and the order's door. */
function distanceSql(lat: string, lng: string): string {
  return `CASE WHEN ${lat} IS NULL OR o.location_lat IS NULL THEN NULL ELSE
            2 * 6371008.8 * asin(least(1, sqrt(power(sin(radians(${lat} - o.location_lat) / 2), 2)
              + cos(radians(o.location_lat)) * cos(radians(${lat})) * power(sin(radians(${lng} - o.location_lng) / 2), 2)))) END`;
}

/** Midnight of today in Beijing time, as an instant: "today's tasks" are counted from it. */
export function startOfServiceDay(now: Date): Date {
  const offset = SERVICE_UTC_OFFSET_MINUTES * 60_000;
  const local = new Date(now.getTime() + offset);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - offset);
}

export interface CandidateOptions {
  weights: MatchWeights;
  maxActiveTasks: number;
  now: Date;
  limit: number;
}

export async function findCandidates(m: EntityManager, o: OrderRow, opts: CandidateOptions): Promise<CandidateDto[]> {
  const [resident] = await m.query<Array<{ paired_cadre_id: string | null; ledger: boolean }>>(
    `SELECT paired_cadre_id, cardinality(tags) > 0 AS ledger FROM app_user WHERE id = $1`,
    [o.resident_id],
  );
  const volunteers = await m.query<VolunteerRow[]>(
    `WITH o AS (SELECT * FROM service_order WHERE id = $1)
     SELECT u.id, u.name, u.on_duty, u.roster, u.party_member,
            u.region_id = o.region_id AS same_grid,
            u.id IS NOT DISTINCT FROM $2::uuid AS paired,
            ${distanceSql('u.location_lat', 'u.location_lng')} AS distance,
            (SELECT count(*)::int FROM order_assignment a WHERE a.volunteer_id = u.id AND a.state IN ('accepted', 'in_service')) AS active,
            (SELECT count(*)::int FROM order_assignment a WHERE a.volunteer_id = u.id AND a.accepted_at >= $3) AS today,
            (SELECT avg(o2.rating)::float8 FROM order_assignment a JOIN service_order o2 ON o2.id = a.order_id
              WHERE a.volunteer_id = u.id AND a.state = 'completed' AND o2.category_code = o.category_code AND o2.rating IS NOT NULL) AS rating,
            (SELECT count(*)::int FROM order_assignment a JOIN service_order o2 ON o2.id = a.order_id
              WHERE a.volunteer_id = u.id AND o2.category_code = o.category_code) AS accepted_in_category,
            (SELECT count(*)::int FROM order_event e JOIN service_order o2 ON o2.id = e.order_id
              WHERE e.type = 'reject' AND e.actor_id = u.id AND o2.category_code = o.category_code) AS rejected_in_category
     FROM o, app_user u JOIN region r ON r.id = u.region_id
     WHERE r.path LIKE o.scope_path || '%'
       AND o.category_code = ANY (u.skills)
       AND u.on_duty
       AND u.roles && ARRAY['volunteer', 'grid_worker']
       -- declined it, or let an automatic dispatch time out (recorded as a refusal on their behalf)
       AND NOT EXISTS (SELECT 1 FROM order_event e WHERE e.order_id = o.id AND e.type = 'reject'
                       AND (e.actor_id = u.id OR e.data->>'userId' = u.id::text))
       AND NOT EXISTS (SELECT 1 FROM order_assignment a WHERE a.order_id = o.id AND a.round = o.round AND a.volunteer_id = u.id
                       AND a.state IN ('accepted', 'in_service', 'completed'))`,
    [o.id, resident?.paired_cadre_id ?? null, startOfServiceDay(opts.now)],
  );
  const ledger = resident?.ledger ?? false;
  const scored: CandidateDto[] = volunteers
    .filter((v) => isAvailableNow(v.on_duty, v.roster, opts.now) && v.active < opts.maxActiveTasks)
    .map((v) => {
      const judged = v.accepted_in_category + v.rejected_in_category;
      const { score, reasons } = scoreCandidate(
        {
          distanceMeters: v.distance,
          sameGrid: v.same_grid,
          pairedCadre: v.paired,
          activeTasks: v.active,
          todayTasks: v.today,
          rating: v.rating,
          acceptanceRate: judged === 0 ? null : v.accepted_in_category / judged,
          partyMember: v.party_member,
          ledgerHousehold: ledger,
        },
        opts.weights,
      );
      return { kind: 'volunteer', id: v.id, name: v.name, score, distanceMeters: v.distance === null ? null : Math.round(v.distance), activeTasks: v.active, reasons };
    });

  // squads whose categories fit, serving the resident's area or inside the order's, with someone available now
  const squads = await m.query<SquadRow[]>(
    `WITH o AS (SELECT * FROM service_order WHERE id = $1)
     SELECT s.id, s.name, ${distanceSql('sr.center_lat', 'sr.center_lng')} AS distance,
            (SELECT count(*)::int FROM service_order o3 WHERE o3.dispatched_to_squad_id = s.id
              AND o3.status IN ('pending', 'dispatched', 'accepted', 'in_service')) AS active,
            COALESCE((SELECT json_agg(json_build_object('on_duty', u.on_duty, 'roster', u.roster))
                      FROM squad_member sm JOIN app_user u ON u.id = sm.user_id WHERE sm.squad_id = s.id), '[]') AS members
     FROM o, squad s JOIN region sr ON sr.id = s.region_id
     WHERE o.category_code = ANY (s.categories)
       AND (sr.path LIKE o.scope_path || '%' OR o.region_path LIKE sr.path || '%')
       AND NOT EXISTS (SELECT 1 FROM order_event e WHERE e.order_id = o.id AND e.type = 'reject' AND e.data->>'squadId' = s.id::text)`,
    [o.id],
  );
  for (const s of squads) {
    const ready = s.members.filter((u) => isAvailableNow(u.on_duty, u.roster, opts.now)).length;
    if (ready === 0) continue;
    const { score, reasons } = scoreCandidate(
      { distanceMeters: s.distance, sameGrid: false, pairedCadre: false, activeTasks: s.active, todayTasks: 0, rating: null, acceptanceRate: null, partyMember: false, ledgerHousehold: false },
      opts.weights,
    );
    scored.push({
      kind: 'squad',
      id: s.id,
      name: s.name,
      score,
      distanceMeters: s.distance === null ? null : Math.round(s.distance),
      activeTasks: s.active,
      reasons: [{ code: 'members', text: `可出动 ${ready} 人` }, ...reasons],
    });
  }
  // best first; equal scores: nearer first, then by name (a stable order for the same data)
  scored.sort((a, b) => b.score - a.score || (a.distanceMeters ?? Infinity) - (b.distanceMeters ?? Infinity) || a.name.localeCompare(b.name, 'zh'));
  return scored.slice(0, opts.limit);
}
