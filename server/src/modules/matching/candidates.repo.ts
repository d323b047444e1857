import { createHash } from 'node:crypto';
import { skillFits, type RosterSlot } from '@bangbang/shared';
import type { QueryResultRow } from 'pg';
import type { EntityManager } from 'typeorm';
import { run, Statement } from '../../db/prepared';
import { skillFitsSql, walkSkill } from '../catalogue/catalogue.repo';
import type { OrderRow } from '../orders/order-row';

/**
 * The matching engine's data access: the statements that find people and squads for orders and read their
 * histories (candidates.ts decides who is reached, scored and kept). Every statement is set-based over many orders
 * or people; the indexes each relies on are named beside it.
 */

type Db = EntityManager;

/**
 * The engine's statements run prepared (db/prepared.ts), each named by its text: PostgreSQL plans them once per
 * connection. Planning was a third of a grid-level search (bench:match: the squads statement alone planned in about
 * 3 ms and ran in 1–2; a search is four such statements).
 *
 * Planned once only if PostgreSQL keeps the statement's generic plan. After five calls it compares that plan with
 * the custom ones it made for the values given, and keeps planning anew on every call (1–1.5 ms each here) when the
 * custom ones look cheaper — as they do whenever the values let it count exactly: an array of one order id, the path
 * of one grid. So the values that only say which orders or which area are passed as scalar subqueries,
 * `(SELECT $1::uuid[])`: the planner cannot look into them in either plan, both are costed alike and the generic one
 * is kept, with the same index scans (the subquery's value is the index key). On the kept bench:match dataset: a
 * grid-level search 6.4 → 3.8 ms p50 from this alone (docs/benchmarks.md).
 */
const preparedStatements = new Map<string, Statement<QueryResultRow>>();
async function query<T>(m: Db, text: string, values: unknown[]): Promise<T[]> {
  let statement = preparedStatements.get(text);
  if (!statement) {
    statement = new Statement(`match_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text);
    preparedStatements.set(text, statement);
  }
  return (await run(m, statement, values)) as T[];
}

/**
 * The walk's plane, exactly as the index is built: longitude × cos 42°, latitude, in degrees (migration
 * AddDutySkillSpots; candidates.ts turns plane distances back into metres).
 */
export const PLANE_LNG_SCALE = 0.743144825477394;

/** What the order's row does not say but every rule needs: the resident's pairing and ledger, who refused it, who holds it. */
export interface OrderFacts {
  pairedId: string | null;
  ledger: boolean;
  /** Volunteers who refused it (or let an automatic dispatch time out) and squads that refused it. */
  refusedBy: Set<string>;
  refusedBySquads: Set<string>;
  holders: Set<string>;
  /** The squads that could take it, nearest first (`fittingSquads`); empty when not asked for. */
  squads: SquadRow[];
}

/**
 * The facts of many orders, and (`withSquads`) the squads that could take each: one statement, as both depend on
 * the order alone (a grid-level search was four round trips of 1–2 ms each; this makes it three).
 */
export async function orderFacts(m: Db, orders: readonly OrderRow[], withSquads = false): Promise<Map<string, OrderFacts>> {
  const rows = await query<{
    id: string;
    paired_cadre_id: string | null;
    ledger: boolean;
    refused: string[];
    refused_squads: string[];
    holders: string[];
    squads: Array<Omit<SquadRow, 'order_id'>>;
  }>(
    m,
    `WITH ord AS (SELECT o.id, o.round, u.paired_cadre_id, cardinality(u.tags) > 0 AS ledger
                  FROM service_order o JOIN app_user u ON u.id = o.resident_id WHERE o.id = ANY ((SELECT $1::uuid[])::uuid[])),
          refused AS (
            SELECT e.order_id, array_agg(DISTINCT v.x) FILTER (WHERE v.x IS NOT NULL) AS people,
                   array_agg(DISTINCT e.data->>'squadId') FILTER (WHERE e.data ? 'squadId') AS squads
            FROM order_event e CROSS JOIN LATERAL (VALUES (e.actor_id::text), (e.data->>'userId')) v(x)
            WHERE e.order_id = ANY ((SELECT $1::uuid[])::uuid[]) AND e.type = 'reject' GROUP BY e.order_id),
          holding AS (
            SELECT a.order_id, array_agg(a.volunteer_id::text) AS people
            FROM order_assignment a JOIN ord ON ord.id = a.order_id AND a.round = ord.round
            WHERE a.order_id = ANY ((SELECT $1::uuid[])::uuid[]) AND a.state IN ('accepted', 'in_service', 'completed') GROUP BY a.order_id)
          ${withSquads ? `, ${FITTING_SQUADS}` : ''}
     SELECT ord.id, ord.paired_cadre_id, ord.ledger, COALESCE(r.people, '{}') AS refused, COALESCE(r.squads, '{}') AS refused_squads,
            COALESCE(h.people, '{}') AS holders, ${withSquads ? `COALESCE(sq.list, '[]')` : `'[]'::json`} AS squads
     FROM ord LEFT JOIN refused r ON r.order_id = ord.id LEFT JOIN holding h ON h.order_id = ord.id
     ${withSquads ? 'LEFT JOIN squads sq ON sq.order_id = ord.id' : ''}`,
    [orders.map((o) => o.id)],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        pairedId: r.paired_cadre_id,
        ledger: r.ledger,
        refusedBy: new Set(r.refused),
        refusedBySquads: new Set(r.refused_squads),
        holders: new Set(r.holders),
        squads: r.squads.map((sq) => ({ ...sq, order_id: r.id })),
      },
    ]),
  );
}

/**
 * The hard rules every query of people applies (besides the area), for a person `u`, a category `cat` of kind
 * `kind`: the skill only for a qualified service (the catalogue's one rule, `skillFitsSql`, also the task hall's).
 */
const eligible = (cat: string, kind: string) => `u.on_duty AND ${skillFitsSql(kind, cat, 'u.skills')} AND u.roles && ARRAY['volunteer', 'grid_worker']::text[]`;

/** What a person's own row says: enough for the rules checked in code and for the ceiling of their score. */
const PERSON = `u.id, u.name, u.on_duty, u.roster, u.party_member, u.region_id, u.location_lat, u.location_lng`;

export interface Person {
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
export interface History {
  active: number;
  today: number;
  /** Tasks taken in the last 7 days (today's included). */
  week: number;
  accepted: number;
  rating: number | null;
  rated: number;
  rejected: number;
}

/** What one category of a person's history says (assignments, rating, rejected dispatches in it). */
interface CategoryHistory {
  accepted: number;
  ratingSum: number;
  rated: number;
  rejected: number;
}

/** A person's history in every category at once: `historyIn` gives the signals for one. */
export interface PersonHistory {
  active: number;
  today: number;
  week: number;
  byCategory: Map<string, CategoryHistory>;
}

/** The signals of a person's history for an order of `category`. */
export function historyIn(h: PersonHistory, category: string): History {
  const c = h.byCategory.get(category);
  return {
    active: h.active,
    today: h.today,
    week: h.week,
    accepted: c?.accepted ?? 0,
    rating: c && c.rated > 0 ? c.ratingSum / c.rated : null,
    rated: c?.rated ?? 0,
    rejected: c?.rejected ?? 0,
  };
}

/**
 * The histories of many people, in every category at once, set-based in one statement (indexes by volunteer, by
 * assignee and by rejecter, visited in index order rather than one probe per person): a batch's orders of seven
 * categories read each person once, not once per category. `active` counts the orders dispatched to them and still
 * awaiting their answer as well as those they hold: otherwise auto-dispatch and batch would pile new orders on the
 * best person before they have answered the first (the limit and the load signal would not see them). Every id asked
 * has an entry.
 */
export async function readHistories(m: Db, ids: readonly string[], since: { today: Date; week: Date }): Promise<Map<string, PersonHistory>> {
  const out = new Map<string, PersonHistory>(ids.map((id) => [id, { active: 0, today: 0, week: 0, byCategory: new Map() }]));
  if (ids.length === 0) return out;
  // one row per person and category of their assignments ('a'), per person awaiting answers ('d'), per person and
  // category of their rejections ('r')
  const rows = await query<{
    t: 'a' | 'd' | 'r';
    id: string;
    category: string | null;
    n: number;
    today: number;
    week: number;
    rating_sum: number | null;
    rated: number;
    active: number;
  }>(
    m,
    `SELECT 'a' AS t, a.volunteer_id AS id, o.category_code AS category, count(*)::int AS n,
            count(*) FILTER (WHERE a.accepted_at >= $2)::int AS today,
            count(*) FILTER (WHERE a.accepted_at >= $3)::int AS week,
            sum(o.rating) FILTER (WHERE a.state = 'completed' AND o.rating IS NOT NULL)::float8 AS rating_sum,
            count(o.rating) FILTER (WHERE a.state = 'completed')::int AS rated,
            count(*) FILTER (WHERE a.state IN ('accepted', 'in_service'))::int AS active
     FROM order_assignment a JOIN service_order o ON o.id = a.order_id
     WHERE a.volunteer_id = ANY ($1::uuid[]) GROUP BY a.volunteer_id, o.category_code
     UNION ALL
     SELECT 'd', o.dispatched_to_user_id, NULL, count(*)::int, 0, 0, NULL, 0, 0
     FROM service_order o
     WHERE o.dispatched_to_user_id = ANY ($1::uuid[]) AND o.status = 'dispatched' GROUP BY o.dispatched_to_user_id
     UNION ALL
     SELECT 'r', e.actor_id, o.category_code, count(*)::int, 0, 0, NULL, 0, 0
     FROM order_event e JOIN service_order o ON o.id = e.order_id
     WHERE e.type = 'reject' AND e.actor_id = ANY ($1::uuid[]) GROUP BY e.actor_id, o.category_code`,
    [ids, since.today, since.week],
  );
  for (const r of rows) {
    const h = out.get(r.id);
    if (!h) continue;
    if (r.t === 'd') {
      h.active += r.n;
      continue;
    }
    const c = h.byCategory.get(r.category!) ?? { accepted: 0, ratingSum: 0, rated: 0, rejected: 0 };
    h.byCategory.set(r.category!, c);
    if (r.t === 'r') {
      c.rejected += r.n;
      continue;
    }
    h.active += r.active;
    h.today += r.today;
    h.week += r.week;
    c.accepted += r.n;
    c.ratingSum += r.rating_sum ?? 0;
    c.rated += r.rated;
  }
  return out;
}

/**
 * Everyone eligible in each order's area, for the orders whose area holds at most `cap` of them; the others get only
 * their count (cap + 1: they are walked instead). Orders that ask the same question share one answer: the same area
 * and, for a qualified service, the same skill (a general service's people are everyone on duty there). An area
 * several questions ask about (a batch's orders of one grid, of several services) is read once, everyone on duty
 * there with their skills, and each order takes those who fit it — as long as the area's people are at most `cap`;
 * areas asked about once, or holding more, get the question's own statement (the GIN index over place and skills
 * for a qualified service). At most two statements, whatever the number of orders.
 */
export async function peopleInScope(m: Db, orders: readonly OrderRow[], cap: number): Promise<{ counts: Map<string, number>; people: Map<string, Person[]> }> {
  const counts = new Map<string, number>();
  const people = new Map<string, Person[]>();
  if (orders.length === 0) return { counts, people };
  const questionOf = (o: OrderRow) => `${o.scope_path}\n${o.category_kind === 'general' ? '*' : o.category_code}`;
  const questionsByArea = new Map<string, Set<string>>();
  for (const o of orders) questionsByArea.set(o.scope_path, (questionsByArea.get(o.scope_path) ?? new Set()).add(questionOf(o)));
  const shared = [...questionsByArea].filter(([, qs]) => qs.size > 1).map(([area]) => area);

  // the areas several questions ask about: everyone on duty there, with their skills
  const byArea = new Map<string, Array<Person & { skills: string[] }>>();
  if (shared.length > 0) {
    const rows = await query<Person & { skills: string[]; area: number }>(
      m,
      `SELECT x.area, p.* FROM unnest($1::text[]) WITH ORDINALITY AS x(path, area) CROSS JOIN LATERAL (
         SELECT ${PERSON}, u.skills FROM region r JOIN app_user u ON u.region_id = r.id
         WHERE r.path ~>=~ x.path AND r.path ~<~ (x.path || 'ÿ') AND ${eligible("''", "'general'")}
         LIMIT ${cap + 1}) p`,
      [shared],
    );
    for (const path of shared) byArea.set(path, []);
    for (const { area, ...person } of rows) byArea.get(shared[Number(area) - 1]!)!.push(person);
  }
  const rest: OrderRow[] = [];
  for (const o of orders) {
    const everyone = byArea.get(o.scope_path);
    if (everyone === undefined || everyone.length > cap) {
      rest.push(o);
      continue;
    }
    const fit = everyone.filter((p) => skillFits(o.category_kind, o.category_code, p.skills));
    counts.set(o.id, fit.length);
    if (fit.length > 0) people.set(o.id, fit);
  }
  if (rest.length === 0) return { counts, people };

  // the rest: one answer per question
  const questions = new Map<string, { n: number; path: string; category: string; kind: string }>();
  const asks = rest.map((o) => {
    const key = questionOf(o);
    let q = questions.get(key);
    if (!q) {
      q = { n: questions.size, path: o.scope_path, category: o.category_code, kind: o.category_kind };
      questions.set(key, q);
    }
    return q.n;
  });
  const list = [...questions.values()];
  // the area as a range of paths (`~>=~`/`~<~`: the byte order of the path index; paths are ASCII, so every path
  // under x sorts below x || 'ÿ'), which the index can scan for each question although the prefix is not a constant
  const rows = await query<Person & { q: number; n: number }>(
    m,
    `WITH x AS (SELECT * FROM unnest((SELECT $1::int[]), (SELECT $2::text[]), (SELECT $3::text[]), (SELECT $4::text[])) AS x(q, path, category, kind)),
          found AS MATERIALIZED (
            SELECT x.q, p.* FROM x CROSS JOIN LATERAL (
              -- the kind as a gate of its own branch (a one-time filter per question), not an OR inside the skill
              -- test: a qualified one keeps the GIN index over (place, skills), a general one the index by place
              (SELECT ${PERSON} FROM region r JOIN app_user u ON u.region_id = r.id
               WHERE x.kind = 'qualified' AND r.path ~>=~ x.path AND r.path ~<~ (x.path || 'ÿ') AND ${eligible('x.category', "'qualified'")}
               LIMIT ${cap + 1})
              UNION ALL
              (SELECT ${PERSON} FROM region r JOIN app_user u ON u.region_id = r.id
               WHERE x.kind = 'general' AND r.path ~>=~ x.path AND r.path ~<~ (x.path || 'ÿ') AND ${eligible('x.category', "'general'")}
               LIMIT ${cap + 1})) p),
          n AS (SELECT q, count(*)::int AS n FROM found GROUP BY q)
     -- one row per person of a small area; one row with no person for an area over the cap
     SELECT n.q, n.n, ${PERSON.replaceAll('u.', 'f.')} FROM n LEFT JOIN found f ON f.q = n.q AND n.n <= ${cap}`,
    [list.map((q) => q.n), list.map((q) => q.path), list.map((q) => q.category), list.map((q) => q.kind)],
  );
  const countOf = new Map<number, number>();
  const peopleOf = new Map<number, Person[]>();
  for (const { q, n, ...person } of rows) {
    countOf.set(q, n);
    if (person.id === null) continue;
    const found = peopleOf.get(q);
    if (found) found.push(person);
    else peopleOf.set(q, [person]);
  }
  rest.forEach((o, i) => {
    const q = asks[i]!;
    if (countOf.has(q)) counts.set(o.id, countOf.get(q)!);
    const found = peopleOf.get(q);
    if (found) people.set(o.id, found);
  });
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

/** One round of the walk (see `walkStatement`): `limit` people after the `offset` nearest, with their plane distance. */
export async function walkRound(m: Db, o: OrderRow, limit: number, offset: number): Promise<Array<Person & { plane: number }>> {
  // a general service walks everyone on duty (their '*' rows), a qualified one those with its skill
  return query<Person & { plane: number }>(m, walkStatement(limit, offset), [
    o.location_lng,
    o.location_lat,
    o.scope_path,
    walkSkill(o.category_kind, o.category_code),
  ]);
}

/**
 * Who a walk reaches before walking: the resident's grid and paired cadre (their bonuses are not in the walk's
 * stopping bound) and everyone of the area with no location (not in the walk's index) — except with `locatedOnly`:
 * a wave of offers within a radius leaves them out anyway, and across a county they can be thousands.
 */
export async function reachedFirst(m: Db, o: OrderRow, pairedId: string | null, locatedOnly = false): Promise<Person[]> {
  const nowhere = `SELECT ${PERSON} FROM region r JOIN app_user u ON u.region_id = r.id WHERE r.path LIKE $4 || '%' AND u.location_lat IS NULL AND ${eligible('$3', '$5')}`;
  return query<Person>(
    m,
    `SELECT ${PERSON} FROM app_user u WHERE u.region_id = $1 AND ${eligible('$3', '$5')}
     UNION
     SELECT ${PERSON} FROM app_user u JOIN region r ON r.id = u.region_id WHERE u.id = $2::uuid AND r.path LIKE $4 || '%' AND ${eligible('$3', '$5')}
     ${locatedOnly ? '' : `UNION\n     ${nowhere}`}`,
    [o.region_id, pairedId, o.category_code, o.scope_path, o.category_kind],
  );
}

/** Everyone eligible in the order's area (a grid or community over SCOPE_FIRST_MAX; an order with no location). */
export async function everyoneInArea(m: Db, o: OrderRow): Promise<Person[]> {
  return query<Person>(
    m,
    `WITH x AS (SELECT (SELECT $1::text) AS path)
     SELECT ${PERSON} FROM x JOIN region r ON r.path ~>=~ x.path AND r.path ~<~ (x.path || 'ÿ') JOIN app_user u ON u.region_id = r.id
     WHERE ${eligible('$2', '$3')}`,
    [o.scope_path, o.category_code, o.category_kind],
  );
}

export interface SquadRow {
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

/**
 * Squads for each order whose categories fit, serving the resident's area (its place is the resident's or an
 * ancestor of it) or inside the order's area, nearest first, as a JSON list per order (`squads`); the state (load,
 * members) of the nearest SQUADS_FIRST in the same statement. CTEs of `orderFacts`' statement ($1: the order ids).
 */
const FITTING_SQUADS = `fit AS (
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
       -- per place, by the index on the squad's place (OFFSET 0 keeps the subquery from being flattened into a join):
       -- joined as a whole, all 26,000 squads were read and hashed, 3.4 ms of a grid search's 8 (now 0.4)
       JOIN LATERAL (SELECT s.id, s.name FROM squad s WHERE s.region_id = sr.id AND o.category_code = ANY (s.categories) OFFSET 0) s ON true
       WHERE o.id = ANY ((SELECT $1::uuid[])::uuid[])),
     ranked AS (SELECT fit.*, row_number() OVER (PARTITION BY order_id ORDER BY distance NULLS FIRST, id) AS rank FROM fit),
     squads AS (
       SELECT s.order_id, json_agg(json_build_object(
                'id', s.id, 'name', s.name, 'distance', s.distance,
                'active', CASE WHEN s.rank <= ${SQUADS_FIRST} THEN ${SQUAD_STATE} END,
                'members', CASE WHEN s.rank <= ${SQUADS_FIRST} THEN ${SQUAD_MEMBERS} END) ORDER BY s.rank) AS list
       FROM ranked s GROUP BY s.order_id)`;

/** The state (load, members) of these squads, for those past the nearest ones read with the list. */
export async function squadStates(m: Db, ids: readonly string[]): Promise<Array<{ id: string; active: number; members: SquadRow['members'] }>> {
  return query(m, `SELECT s.id, ${SQUAD_STATE} AS active, ${SQUAD_MEMBERS} AS members FROM squad s WHERE s.id = ANY ($1::uuid[])`, [[...ids]]);
}
