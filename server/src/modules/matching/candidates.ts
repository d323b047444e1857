import {
  SERVICE_UTC_OFFSET_MINUTES,
  distanceMeters,
  isAvailableNow,
  scoreCandidate,
  scoreCeiling,
  type CandidateDto,
  type MatchWeights,
  type RosterSlot,
} from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import type { OrderRow } from '../orders/order-row';

/**
 * Candidates for orders (推荐接单人): who could take each now, best first, each with the reasons a dispatcher reads.
 *
 * Hard rules, in SQL: the skill (or for a squad, one of its categories) fits the order's category; on duty; inside
 * the order's area at its current escalation level; has not rejected this order; does not already hold a place on
 * it. Then, in code: inside a roster slot now (rosters are read in Beijing time) and fewer tasks in hand than the
 * limit. What is left is scored by shared/matching.ts's `scoreCandidate` with the deployment's weights.
 *
 * Fast at region scale (2,000,000 volunteers, `pnpm bench:match`) without changing the answer:
 * - An order whose area holds at most SCOPE_FIRST_MAX eligible people (a grid or a community) has all of them scored:
 *   one statement for many orders at once (batch dispatch), by the GIN index over (place, skills) of on-duty people.
 * - A wider area (town, county) is walked outward from the door, nearest first, through the people with the order's
 *   skill only (duty_skill_spot and its GiST index over (skill, point), migration AddDutySkillSpots), in growing rounds. A volunteer not yet reached is farther than
 *   everyone reached, so `scoreCeiling` bounds what they could score; the walk stops when that bound falls below the
 *   k-th best score found. The resident's own grid and paired cadre (their bonuses are not in the ceiling) and anyone
 *   on duty with no location (the walk cannot find them) are fetched and scored separately.
 * - The signals (load, today's tasks, rating and acceptance in the category) are read only for people who could
 *   still make the top k: HISTORY_CHUNK at a time, best ceiling first, one set-based statement per category for
 *   every order being searched (settleAll): a handful of round trips per call, whatever the area.
 */

/** At most this many eligible people in the order's area: score them all; more: walk outward from the door. */
export const SCOPE_FIRST_MAX = 400;
/** The walk's first round; each further round reads four times as many. */
const WALK_FIRST = 200;
/** Past this the walk stops whatever the bound says (the answer may then miss someone very far and very good). */
const WALK_MAX = 51_200;

/**
 * The walk's plane, exactly as the index is built: longitude × cos 42°, latitude, in degrees. Between two points
 * whose latitudes are at most φ, a plane distance d is at least d × 111,195 m × min(1, cos φ / cos 42°) on the
 * ground (the east–west scale shrinks with latitude); PLANE_LAT_MARGIN degrees are added to the door's latitude for
 * the people reached.
 */
const PLANE_LNG_SCALE = 0.743144825477394;
const METERS_PER_DEGREE = 111_195;
const PLANE_LAT_MARGIN = 2;

function groundMetersAtLeast(planeDegrees: number, doorLat: number): number {
  const lat = Math.min(89, Math.abs(doorLat) + PLANE_LAT_MARGIN);
  const shrink = Math.min(1, Math.cos((lat * Math.PI) / 180) / PLANE_LNG_SCALE);
  return planeDegrees * METERS_PER_DEGREE * shrink;
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
  /** Squads too (default); batch dispatch assigns people one by one and leaves them out. */
  squads?: boolean;
  /** Tuning (the defaults suit a region's scale): score everyone when the area holds at most this many; else walk. */
  scopeFirstMax?: number;
  /** Tuning: the walk's first round. */
  walkFirst?: number;
}

/** What the order's row does not say but every rule needs: the resident's pairing and ledger, who refused it, who holds it. */
interface OrderFacts {
  pairedId: string | null;
  ledger: boolean;
  /** Volunteers who refused it (or let an automatic dispatch time out) and squads that refused it. */
  refusedBy: Set<string>;
  refusedBySquads: Set<string>;
  holders: Set<string>;
}

async function orderFacts(m: EntityManager, orders: readonly OrderRow[]): Promise<Map<string, OrderFacts>> {
  const rows = await m.query<
    Array<{ id: string; paired_cadre_id: string | null; ledger: boolean; refused: string[]; refused_squads: string[]; holders: string[] }>
  >(
    `WITH o AS (SELECT o.id, o.round, u.paired_cadre_id, cardinality(u.tags) > 0 AS ledger
                FROM service_order o JOIN app_user u ON u.id = o.resident_id WHERE o.id = ANY ($1::uuid[])),
          refused AS (
            SELECT e.order_id, array_agg(DISTINCT v.x) FILTER (WHERE v.x IS NOT NULL) AS people,
                   array_agg(DISTINCT e.data->>'squadId') FILTER (WHERE e.data ? 'squadId') AS squads
            FROM order_event e CROSS JOIN LATERAL (VALUES (e.actor_id::text), (e.data->>'userId')) v(x)
            WHERE e.order_id = ANY ($1::uuid[]) AND e.type = 'reject' GROUP BY e.order_id),
          holding AS (
            SELECT a.order_id, array_agg(a.volunteer_id::text) AS people
            FROM order_assignment a JOIN o ON o.id = a.order_id AND a.round = o.round
            WHERE a.order_id = ANY ($1::uuid[]) AND a.state IN ('accepted', 'in_service', 'completed') GROUP BY a.order_id)
     SELECT o.id, o.paired_cadre_id, o.ledger, COALESCE(r.people, '{}') AS refused, COALESCE(r.squads, '{}') AS refused_squads,
            COALESCE(h.people, '{}') AS holders
     FROM o LEFT JOIN refused r ON r.order_id = o.id LEFT JOIN holding h ON h.order_id = o.id`,
    [orders.map((o) => o.id)],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      { pairedId: r.paired_cadre_id, ledger: r.ledger, refusedBy: new Set(r.refused), refusedBySquads: new Set(r.refused_squads), holders: new Set(r.holders) },
    ]),
  );
}

/** The hard rules every query of people applies (besides the area), for a person `u` and a category `cat`. */
// the skill as `skills @> ARRAY[code]`: the form the GIN index over (place, skills) answers (AddDutySkillsByPlaceIndex)
const eligible = (cat: string) => `u.on_duty AND u.skills @> ARRAY[${cat}]::text[] AND u.roles && ARRAY['volunteer', 'grid_worker']::text[]`;

/** What a person's own row says: enough for the rules checked in code and for the ceiling of their score. */
const PERSON = `u.id, u.name, u.on_duty, u.roster, u.party_member, u.region_id, u.location_lat, u.location_lng`;

interface Person {
  id: string;
  name: string;
  on_duty: boolean;
  roster: RosterSlot[] | null;
  party_member: boolean;
  region_id: string;
  location_lat: number | null;
  location_lng: number | null;
}

/** The signals read from a person's history: load, today's tasks, and in the order's category assignments, rating, rejected dispatches. */
interface History {
  active: number;
  today: number;
  accepted: number;
  rating: number | null;
  rated: number;
  rejected: number;
}

/** People read at most this many at a time for their history, best ceiling first. */
const HISTORY_CHUNK = 100;

/**
 * The histories of many people in one category, set-based (indexes by volunteer and by rejecter, visited in index
 * order rather than one probe per person). `active` counts the orders dispatched to them and still awaiting their
 * answer as well as those they hold: otherwise auto-dispatch and batch would pile new orders on the best person
 * before they have answered the first (the limit and the load signal would not see them).
 */
async function readHistories(m: EntityManager, ids: string[], category: string, since: Date): Promise<Map<string, History>> {
  const rows = await m.query<Array<History & { id: string }>>(
    `WITH p AS (SELECT unnest($1::uuid[]) AS id),
          l AS (SELECT a.volunteer_id AS id, count(*) FILTER (WHERE a.state IN ('accepted', 'in_service'))::int AS active,
                       count(*) FILTER (WHERE a.accepted_at >= $3)::int AS today,
                       count(*) FILTER (WHERE o.category_code = $2)::int AS accepted,
                       avg(o.rating) FILTER (WHERE o.category_code = $2 AND a.state = 'completed' AND o.rating IS NOT NULL)::float8 AS rating,
                       count(o.rating) FILTER (WHERE o.category_code = $2 AND a.state = 'completed')::int AS rated
                FROM order_assignment a JOIN service_order o ON o.id = a.order_id
                WHERE a.volunteer_id = ANY ($1::uuid[]) GROUP BY a.volunteer_id),
          d AS (SELECT o.dispatched_to_user_id AS id, count(*)::int AS awaiting
                FROM service_order o
                WHERE o.dispatched_to_user_id = ANY ($1::uuid[]) AND o.status = 'dispatched' GROUP BY o.dispatched_to_user_id),
          r AS (SELECT e.actor_id AS id, count(*)::int AS rejected
                FROM order_event e JOIN service_order o ON o.id = e.order_id
                WHERE e.type = 'reject' AND e.actor_id = ANY ($1::uuid[]) AND o.category_code = $2 GROUP BY e.actor_id)
     SELECT p.id, COALESCE(l.active, 0) + COALESCE(d.awaiting, 0) AS active, COALESCE(l.today, 0) AS today, COALESCE(l.accepted, 0) AS accepted, l.rating, COALESCE(l.rated, 0) AS rated,
            COALESCE(r.rejected, 0) AS rejected
     FROM p LEFT JOIN l ON l.id = p.id LEFT JOIN d ON d.id = p.id LEFT JOIN r ON r.id = p.id`,
    [ids, category, since],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

interface Pending {
  p: Person;
  distance: number | null;
  ceiling: number;
}

/**
 * One order's search, branch and bound: people reached are checked against the rules their own row decides (refusals,
 * places held, roster), given the most they could score (everything but their history is known: distance, grid,
 * pairing, party membership), and their history is read only while that ceiling can still beat the k-th best.
 */
class Search {
  readonly scored = new Map<string, CandidateDto>();
  private readonly seen = new Set<string>();
  /** Reached, passing the rules, history not read yet: with their distance and ceiling. */
  private pending: Pending[] = [];

  constructor(
    readonly o: OrderRow,
    readonly facts: OrderFacts,
    private readonly opts: CandidateOptions,
  ) {}

  reach(people: readonly Person[]): void {
    const o = this.o;
    const w = this.opts.weights;
    for (const p of people) {
      if (this.seen.has(p.id)) continue;
      this.seen.add(p.id);
      if (this.facts.refusedBy.has(p.id) || this.facts.holders.has(p.id) || !isAvailableNow(p.on_duty, p.roster, this.opts.now)) continue;
      const distance =
        p.location_lat === null || p.location_lng === null || o.location_lat === null || o.location_lng === null
          ? null
          : distanceMeters({ lat: p.location_lat, lng: p.location_lng }, { lat: o.location_lat, lng: o.location_lng });
      // scoreCeiling has the best rating, acceptance and party bonus; the grid and pairing are known here
      const ceiling =
        scoreCeiling(distance ?? 0, this.facts.ledger && p.party_member, w) +
        (p.region_id === o.region_id ? w.sameGrid : 0) +
        (p.id === this.facts.pairedId ? w.pairedCadre : 0);
      this.pending.push({ p, distance, ceiling });
    }
  }

  /**
   * The next people whose history must be read (at most HISTORY_CHUNK, best ceiling first), taken off the pending
   * list; none when nobody pending could beat the k-th best any more (the rest are dropped).
   */
  next(k: number): Pending[] {
    this.pending.sort((a, b) => b.ceiling - a.ceiling);
    // scores are rounded to 0.1: a raw score at the ceiling may show 0.05 higher
    const kth = this.kthBest(k);
    const cut = this.pending.findIndex((x, i) => i >= HISTORY_CHUNK || x.ceiling + 0.05 < kth);
    const chunk = this.pending.splice(0, cut === -1 ? this.pending.length : cut);
    if (chunk.length === 0) this.pending = [];
    return chunk;
  }

  scoreAll(chunk: readonly Pending[], histories: Map<string, History>): void {
    for (const x of chunk) this.score(x.p, x.distance, histories.get(x.p.id)!);
  }

  private score(p: Person, distance: number | null, h: History): void {
    if (h.active >= this.opts.maxActiveTasks) return;
    const judged = h.accepted + h.rejected;
    const { score, reasons } = scoreCandidate(
      {
        distanceMeters: distance,
        sameGrid: p.region_id === this.o.region_id,
        pairedCadre: p.id === this.facts.pairedId,
        activeTasks: h.active,
        todayTasks: h.today,
        rating: h.rating,
        ratingCount: h.rated,
        acceptanceRate: judged === 0 ? null : h.accepted / judged,
        answers: judged,
        partyMember: p.party_member,
        ledgerHousehold: this.facts.ledger,
      },
      this.opts.weights,
    );
    this.scored.set(p.id, { kind: 'volunteer', id: p.id, name: p.name, score, distanceMeters: distance === null ? null : Math.round(distance), activeTasks: h.active, reasons });
  }

  /** The k-th best score so far (−∞ while fewer than k are scored). */
  kthBest(k: number): number {
    if (this.scored.size < k) return -Infinity;
    return [...this.scored.values()].map((c) => c.score).sort((a, b) => b - a)[k - 1]!;
  }
}

/**
 * Reads the histories the searches still need, best ceilings first, one statement per category per round, until no
 * search has anyone left who could make its top k.
 */
async function settleAll(m: EntityManager, searches: readonly Search[], k: number, since: Date): Promise<void> {
  for (;;) {
    const wanted = new Map<string, Array<{ s: Search; chunk: Pending[] }>>();
    for (const s of searches) {
      const chunk = s.next(k);
      if (chunk.length > 0) wanted.set(s.o.category_code, [...(wanted.get(s.o.category_code) ?? []), { s, chunk }]);
    }
    if (wanted.size === 0) return;
    for (const [category, list] of wanted) {
      const ids = [...new Set(list.flatMap((x) => x.chunk.map((c) => c.p.id)))];
      const histories = await readHistories(m, ids, category, since);
      for (const { s, chunk } of list) s.scoreAll(chunk, histories);
    }
  }
}

/** Best first; equal scores: nearer first, then by name (a stable order for the same data). */
function byRank(a: CandidateDto, b: CandidateDto): number {
  return b.score - a.score || (a.distanceMeters ?? Infinity) - (b.distanceMeters ?? Infinity) || a.name.localeCompare(b.name, 'zh');
}

/**
 * Everyone eligible in each order's area, for the orders whose area holds at most `cap` of them (one statement for
 * all the orders); the others get only their count (cap + 1: they are walked instead).
 */
async function peopleInScope(m: EntityManager, orders: readonly OrderRow[], cap: number): Promise<{ counts: Map<string, number>; people: Map<string, Person[]> }> {
  if (orders.length === 0) return { counts: new Map(), people: new Map() };
  // the area as a range of paths (`~>=~`/`~<~`: the byte order of the path index; paths are ASCII, so every path
  // under x sorts below x || 'ÿ'), which the index can scan for each order although the prefix is not a constant
  const rows = await m.query<Array<Person & { order_id: string; n: number }>>(
    `WITH x AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(order_id, path, category)),
          found AS MATERIALIZED (
            SELECT x.order_id, p.* FROM x CROSS JOIN LATERAL (
              SELECT ${PERSON} FROM region r JOIN app_user u ON u.region_id = r.id
              WHERE r.path ~>=~ x.path AND r.path ~<~ (x.path || 'ÿ') AND ${eligible('x.category')}
              LIMIT ${cap + 1}) p),
          n AS (SELECT order_id, count(*)::int AS n FROM found GROUP BY order_id)
     -- one row per person of a small area; one row with no person for an area over the cap
     SELECT n.order_id, n.n, ${PERSON.replaceAll('u.', 'f.')} FROM n LEFT JOIN found f ON f.order_id = n.order_id AND n.n <= ${cap}`,
    [orders.map((o) => o.id), orders.map((o) => o.scope_path), orders.map((o) => o.category_code)],
  );
  const counts = new Map<string, number>();
  const people = new Map<string, Person[]>();
  for (const r of rows) {
    counts.set(r.order_id, r.n);
    if (r.id === null) continue;
    const list = people.get(r.order_id) ?? [];
    list.push(r);
    people.set(r.order_id, list);
  }
  return { counts, people };
}

/**
 * One round of the walk: the next `limit` people of the order's area with its skill nearest the door, after the
 * `offset` nearest already read, with their distance on the index's plane ($1/$2 the door's longitude and latitude,
 * $3 the area's path, $4 the category). They are found in duty_skill_spot (migration AddDutySkillSpots: on duty,
 * located, volunteer or grid worker, one row per skill, with their place's path) by its GiST index over
 * (skill, point) alone — the area is checked on the index's copy of the path — and then only their own rows are read.
 * The nearest-first scan is alone in its subquery, so that PostgreSQL cannot trade it for reading the whole area and
 * sorting it.
 */
export function walkStatement(limit: number, offset = 0): string {
  const door = `point($1::float8 * ${PLANE_LNG_SCALE}, $2::float8)`;
  return `SELECT ${PERSON}, near.plane
     FROM (SELECT d.user_id, d.pt <-> ${door} AS plane
           FROM duty_skill_spot d
           WHERE d.skill = $4 AND d.path LIKE $3 || '%'
           ORDER BY d.pt <-> ${door}
           LIMIT ${limit} OFFSET ${offset}) near
     JOIN app_user u ON u.id = near.user_id`;
}

/** Walks outward from the door, nearest first, until nobody farther could make the top k. */
async function walk(m: EntityManager, s: Search, k: number, since: Date, opts: CandidateOptions): Promise<void> {
  const o = s.o;
  // the resident's grid and paired cadre carry bonuses the walk's stopping bound leaves out, and people with no
  // location are not in the walk's index: all of them are reached first
  s.reach(
    await m.query<Person[]>(
      `SELECT ${PERSON} FROM app_user u WHERE u.region_id = $1 AND ${eligible('$3')}
       UNION
       SELECT ${PERSON} FROM app_user u JOIN region r ON r.id = u.region_id WHERE u.id = $2::uuid AND r.path LIKE $4 || '%' AND ${eligible('$3')}
       UNION
       SELECT ${PERSON} FROM region r JOIN app_user u ON u.region_id = r.id WHERE r.path LIKE $4 || '%' AND u.location_lat IS NULL AND ${eligible('$3')}`,
      [o.region_id, s.facts.pairedId, o.category_code, o.scope_path],
    ),
  );
  // each round reads only the people past the previous rounds' (the index skips the nearer ones by itself)
  for (let n = opts.walkFirst ?? WALK_FIRST, read = 0; ; read = n, n *= 4) {
    const rows = await m.query<Array<Person & { plane: number }>>(walkStatement(n - read, read), [
      o.location_lng,
      o.location_lat,
      o.scope_path,
      o.category_code,
    ]);
    s.reach(rows);
    await settleAll(m, [s], k, since);
    if (rows.length < n - read || n >= WALK_MAX) return;
    const reach = groundMetersAtLeast(Math.max(...rows.map((r) => r.plane)), o.location_lat!);
    if (scoreCeiling(reach, s.facts.ledger, opts.weights) + 0.05 < s.kthBest(k)) return;
  }
}

/** Everyone eligible in the order's area (an order with no location: it cannot be walked). */
async function everyoneInArea(m: EntityManager, o: OrderRow): Promise<Person[]> {
  return m.query<Person[]>(`SELECT ${PERSON} FROM region r JOIN app_user u ON u.region_id = r.id WHERE r.path LIKE $1 || '%' AND ${eligible('$2')}`, [
    o.scope_path,
    o.category_code,
  ]);
}

interface SquadRow {
  order_id: string;
  id: string;
  name: string;
  distance: number | null;
  /** Read for the SQUADS_FIRST nearest of each order in the first statement; null for the others until needed. */
  active: number | null;
  members: Array<{ on_duty: boolean; roster: RosterSlot[] | null }> | null;
}

/** The squads whose state (load, members) the first statement reads, nearest first, per order. */
const SQUADS_FIRST = 40;

const SQUAD_STATE = `(SELECT count(*)::int FROM service_order o3 WHERE o3.dispatched_to_squad_id = s.id
                       AND o3.status IN ('pending', 'dispatched', 'accepted', 'in_service'))`;
const SQUAD_MEMBERS = `COALESCE((SELECT json_agg(json_build_object('on_duty', u.on_duty, 'roster', u.roster))
                                FROM squad_member sm JOIN app_user u ON u.id = sm.user_id WHERE sm.squad_id = s.id), '[]')`;

/** Squads for each order, nearest first, scored until no farther squad could make the top k. */
async function squadCandidates(m: EntityManager, searches: Search[], k: number, opts: CandidateOptions): Promise<Map<string, CandidateDto[]>> {
  // squads whose categories fit, serving the resident's area (its place is the resident's or an ancestor of it) or
  // inside the order's area; the state of the nearest ones in the same statement
  const rows = await m.query<SquadRow[]>(
    `WITH fit AS (
       SELECT o.id AS order_id, s.id, s.name,
              CASE WHEN sr.center_lat IS NULL OR o.location_lat IS NULL THEN NULL ELSE
                2 * 6371008.8 * asin(least(1, sqrt(power(sin(radians(sr.center_lat - o.location_lat) / 2), 2)
                  + cos(radians(o.location_lat)) * cos(radians(sr.center_lat)) * power(sin(radians(sr.center_lng - o.location_lng) / 2), 2)))) END AS distance
       FROM service_order o
       JOIN LATERAL (
         SELECT r.id, r.center_lat, r.center_lng FROM region r WHERE r.path ~>=~ o.scope_path AND r.path ~<~ (o.scope_path || 'ÿ')
         UNION
         SELECT r.id, r.center_lat, r.center_lng FROM region r WHERE r.id = ANY (string_to_array(trim(BOTH '/' FROM o.region_path), '/')::uuid[])
       ) sr ON true
       JOIN squad s ON s.region_id = sr.id AND o.category_code = ANY (s.categories)
       WHERE o.id = ANY ($1::uuid[])),
     ranked AS (SELECT fit.*, row_number() OVER (PARTITION BY order_id ORDER BY distance NULLS FIRST, id) AS rank FROM fit)
     SELECT s.order_id, s.id, s.name, s.distance,
            CASE WHEN s.rank <= ${SQUADS_FIRST} THEN ${SQUAD_STATE} END AS active,
            CASE WHEN s.rank <= ${SQUADS_FIRST} THEN ${SQUAD_MEMBERS} END AS members
     FROM ranked s ORDER BY s.order_id, s.rank`,
    [searches.map((s) => s.o.id)],
  );
  const byOrder = new Map<string, SquadRow[]>();
  for (const r of rows) byOrder.set(r.order_id, [...(byOrder.get(r.order_id) ?? []), r]);
  const out = new Map<string, CandidateDto[]>();
  for (const search of searches) {
    const list = (byOrder.get(search.o.id) ?? []).filter((r) => !search.facts.refusedBySquads.has(r.id));
    const found: CandidateDto[] = [];
    const scores = [...search.scored.values()].map((c) => c.score);
    for (let i = 0; i < list.length; i += 1) {
      const c = list[i]!;
      // a squad scores at most 100 − distance (no bonuses; load only subtracts): once the next cannot beat the
      // k-th best of the order (its volunteers included), none farther can
      const kth = [...scores].sort((a, b) => b - a)[k - 1] ?? -Infinity;
      if (c.distance !== null && 100 - opts.weights.perKm * (c.distance / 1000) + 0.05 < kth) break;
      if (c.members === null || c.active === null) {
        // past the nearest ones read with the list: read the rest of this order's squads' state now (rare)
        const rest = list.slice(i).filter((r) => r.members === null);
        const states = await m.query<Array<{ id: string; active: number; members: SquadRow['members'] }>>(
          `SELECT s.id, ${SQUAD_STATE} AS active, ${SQUAD_MEMBERS} AS members FROM squad s WHERE s.id = ANY ($1::uuid[])`,
          [rest.map((r) => r.id)],
        );
        const state = new Map(states.map((st) => [st.id, st]));
        for (const r of rest) {
          r.active = state.get(r.id)?.active ?? 0;
          r.members = state.get(r.id)?.members ?? [];
        }
      }
      const ready = c.members!.filter((u) => isAvailableNow(u.on_duty, u.roster, opts.now)).length;
      if (ready === 0) continue;
      const { score, reasons } = scoreCandidate(
        { distanceMeters: c.distance, sameGrid: false, pairedCadre: false, activeTasks: c.active!, todayTasks: 0, rating: null, ratingCount: 0, acceptanceRate: null, answers: 0, partyMember: false, ledgerHousehold: false },
        opts.weights,
      );
      scores.push(score);
      found.push({
        kind: 'squad',
        id: c.id,
        name: c.name,
        score,
        distanceMeters: c.distance === null ? null : Math.round(c.distance),
        activeTasks: c.active!,
        reasons: [{ code: 'members', text: `可出动 ${ready} 人` }, ...reasons],
      });
    }
    out.set(search.o.id, found);
  }
  return out;
}

/** Candidates for many orders at once (batch dispatch): the best `opts.limit` of each, keyed by order id. */
export async function findCandidatesForOrders(m: EntityManager, orders: readonly OrderRow[], opts: CandidateOptions): Promise<Map<string, CandidateDto[]>> {
  const result = new Map<string, CandidateDto[]>();
  if (orders.length === 0) return result;
  const k = opts.limit;
  const since = startOfServiceDay(opts.now);
  const facts = await orderFacts(m, orders);
  const searches = orders.flatMap((o) => {
    const f = facts.get(o.id);
    return f ? [new Search(o, f, opts)] : [];
  });

  const cap = Math.min(opts.scopeFirstMax ?? SCOPE_FIRST_MAX, 1_000_000);
  // a town or a county holds thousands: walked from the door without counting them first
  const located = (o: OrderRow) => o.location_lat !== null && o.location_lng !== null;
  const wide = (o: OrderRow) => located(o) && (o.escalation_level === 'town' || o.escalation_level === 'county');
  const { counts, people } = await peopleInScope(
    m,
    orders.filter((o) => !wide(o)),
    cap,
  );
  for (const s of searches) {
    if (wide(s.o)) await walk(m, s, k, since, opts);
    else if ((counts.get(s.o.id) ?? 0) <= cap) s.reach(people.get(s.o.id) ?? []);
    // orders with no location cannot be walked: everyone in their area is reached (rare: the resident's place is known)
    else if (!located(s.o)) s.reach(await everyoneInArea(m, s.o));
    else await walk(m, s, k, since, opts);
  }
  // the histories of the orders' people, by category, in as few statements as possible
  await settleAll(m, searches, k, since);

  const squads = opts.squads === false ? new Map<string, CandidateDto[]>() : await squadCandidates(m, searches, k, opts);
  for (const s of searches) {
    const all = [...s.scored.values(), ...(squads.get(s.o.id) ?? [])].sort(byRank);
    result.set(s.o.id, all.slice(0, k));
  }
  return result;
}

/** Candidates for one order, best first. */
export async function findCandidates(m: EntityManager, o: OrderRow, opts: CandidateOptions): Promise<CandidateDto[]> {
  return (await findCandidatesForOrders(m, [o], opts)).get(o.id) ?? [];
}
