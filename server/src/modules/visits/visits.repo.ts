import type { LedgerTag, RegionLevel, VisitCondition, VisitFrequency } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';

/** The SQL of 走访 (visits and visit plans): the only file of the module that speaks to the database. */

type Db = Pick<EntityManager, 'query'>;

// ---------- plans ----------

export interface PlanRow {
  tag: LedgerTag;
  frequency: VisitFrequency;
  region_id: string;
  region_name: string;
  /** Depth of the place that set it: the nearest wins. */
  depth: number;
}

/** The plans set at the place with `path` and every place above it, nearest first. */
export async function plansAbove(m: Db, path: string): Promise<PlanRow[]> {
  return m.query<PlanRow[]>(
    `SELECT p.tag, p.frequency, r.id AS region_id, r.name AS region_name, length(r.path) AS depth
     FROM visit_plan p JOIN region r ON r.id = p.region_id
     WHERE $1 LIKE r.path || '%'
     ORDER BY length(r.path) DESC`,
    [path],
  );
}

/** Sets (frequency) or removes (null) the place's own plan of each tag; answers the rows before. */
export async function writePlans(
  m: Db,
  regionId: string,
  items: ReadonlyArray<{ tag: LedgerTag; frequency: VisitFrequency | null }>,
  by: string,
  at: Date,
): Promise<void> {
  const set = items.filter((i) => i.frequency !== null);
  const removed = items.filter((i) => i.frequency === null).map((i) => i.tag);
  if (set.length > 0) {
    await m.query(
      `INSERT INTO visit_plan (region_id, tag, frequency, updated_by, updated_at)
       SELECT $1, x.tag, x.frequency, $4, $5 FROM unnest($2::text[], $3::text[]) AS x(tag, frequency)
       ON CONFLICT (region_id, tag) DO UPDATE SET frequency = EXCLUDED.frequency, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [regionId, set.map((i) => i.tag), set.map((i) => i.frequency), by, at],
    );
  }
  if (removed.length > 0) await m.query(`DELETE FROM visit_plan WHERE region_id = $1 AND tag = ANY ($2::text[])`, [regionId, removed]);
}

// ---------- generation ----------

/** One frequency's period at the generation's instant: the rank orders frequencies, most frequent first. */
export interface PeriodParam {
  rank: number;
  frequency: VisitFrequency;
  key: string;
  dueAt: Date;
}

/**
 * Who visits a household: its paired cadre (包联) when it has one; otherwise a grid worker of its grid — and where
 * the grid has none, the staff of the nearest place above (grid workers before dispatchers). Among several, the
 * highest hash of (person, household): a household always gets the same person, and each of n gets about 1/n (the
 * rule of an order's 兜底责任人, see orders/order.repo.ts `RESPONSIBLE`).
 */
const VISITOR = `COALESCE(h.paired_cadre_id,
       (SELECT w.id FROM app_user w
        WHERE w.region_id = ANY (string_to_array(trim(BOTH '/' FROM h.path), '/')::uuid[])
          AND w.roles && ARRAY['grid_worker', 'dispatcher']::text[]
        ORDER BY array_position(string_to_array(trim(BOTH '/' FROM h.path), '/')::uuid[], w.region_id) DESC,
                 'grid_worker' = ANY (w.roles) DESC, hashtext(w.id::text || h.id::text) DESC, w.id
        LIMIT 1))`;

/**
 * One batch of generation, ONE statement: the next `batch` ledger households after `after` (in id order, on
 * app_user_ledger_idx), each household's frequency (per tag the nearest place's plan, else the default; the most
 * frequent tag wins), and a visit for the current period of that frequency, INSERT … ON CONFLICT DO NOTHING on
 * UNIQUE (household_id, period): a household already given this period's visit — by an earlier run or by another
 * process at the same moment — gets nothing more. Answers how many households were read, the last one's id (the next
 * batch starts after it) and how many visits were made.
 */
export async function generateBatch(
  m: Db,
  args: { after: string | null; batch: number; at: Date; periods: readonly PeriodParam[]; defaults: ReadonlyArray<{ tag: LedgerTag; rank: number }> },
): Promise<{ scanned: number; last: string | null; created: number }> {
  const [row] = await m.query<Array<{ scanned: number; last: string | null; created: number }>>(
    `WITH h AS (
       SELECT u.id, u.tags, u.region_id, u.paired_cadre_id, g.path
       FROM app_user u JOIN region g ON g.id = u.region_id
       WHERE cardinality(u.tags) > 0 AND ($1::uuid IS NULL OR u.id > $1::uuid)
       ORDER BY u.id LIMIT $2
     ), d AS (
       SELECT * FROM unnest($3::text[], $4::int[]) AS d(tag, rank)
     ), f AS (
       SELECT h.id, min(COALESCE(
                (SELECT CASE p.frequency WHEN 'weekly' THEN 1 WHEN 'monthly' THEN 2 ELSE 3 END
                 FROM visit_plan p JOIN region pr ON pr.id = p.region_id
                 WHERE p.tag = t.tag AND h.path LIKE pr.path || '%'
                 ORDER BY length(pr.path) DESC LIMIT 1),
                d.rank)) AS rank
       FROM h CROSS JOIN LATERAL unnest(h.tags) AS t(tag) JOIN d ON d.tag = t.tag
       GROUP BY h.id
     ), per AS (
       SELECT * FROM unnest($5::int[], $6::text[], $7::text[], $8::timestamptz[]) AS per(rank, frequency, period, due_at)
     ), ins AS (
       INSERT INTO visit (household_id, period, frequency, region_id, assignee_id, due_at, created_at)
       SELECT h.id, per.period, per.frequency, h.region_id, ${VISITOR}, per.due_at, $9
       FROM h JOIN f ON f.id = h.id JOIN per ON per.rank = f.rank
       ORDER BY h.id
       ON CONFLICT (household_id, period) DO NOTHING
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM h)::int AS scanned, (SELECT id FROM h ORDER BY id DESC LIMIT 1) AS last, (SELECT count(*) FROM ins)::int AS created`,
    [
      args.after,
      args.batch,
      args.defaults.map((d) => d.tag),
      args.defaults.map((d) => d.rank),
      args.periods.map((p) => p.rank),
      args.periods.map((p) => p.frequency),
      args.periods.map((p) => p.key),
      args.periods.map((p) => p.dueAt),
      args.at,
    ],
  );
  return row!;
}

// ---------- visits ----------

export interface VisitRow {
  id: string;
  household_id: string;
  period: string;
  frequency: VisitFrequency;
  region_id: string;
  region_path: string;
  region_name: string;
  assignee_id: string | null;
  assignee_name: string | null;
  due_at: Date;
  checked_in_at: Date | null;
  check_in_distance: number | null;
  far_check_in: boolean;
  done_at: Date | null;
  condition: VisitCondition | null;
  note: string | null;
  order_id: string | null;
  escalation_level: number;
  household_name: string;
  household_address: string | null;
  household_tags: LedgerTag[];
  household_lat: number | null;
  household_lng: number | null;
}

const VISIT_SELECT = `SELECT v.id, v.household_id, v.period, v.frequency, v.region_id, g.path AS region_path, g.name AS region_name,
       v.assignee_id, a.name AS assignee_name, v.due_at, v.checked_in_at, v.check_in_distance, v.far_check_in, v.done_at, v.condition, v.note,
       v.order_id, v.escalation_level, u.name AS household_name, u.address AS household_address, u.tags AS household_tags,
       u.location_lat AS household_lat, u.location_lng AS household_lng
     FROM visit v JOIN app_user u ON u.id = v.household_id JOIN region g ON g.id = v.region_id LEFT JOIN app_user a ON a.id = v.assignee_id`;

/** One visit; `lock`: its row FOR UPDATE (the visit only: the joins are read, not locked). */
export async function loadVisit(m: Db, id: string, lock = false): Promise<VisitRow | undefined> {
  const [row] = await m.query<VisitRow[]>(`${VISIT_SELECT} WHERE v.id = $1${lock ? ' FOR UPDATE OF v' : ''}`, [id]);
  return row;
}

/**
 * 我的走访: a person's visits still to do (this period's and missed ones), and those of the current periods already
 * done; missed first, then by due time.
 */
export async function visitsOf(m: Db, assigneeId: string, now: Date, limit = 200): Promise<VisitRow[]> {
  return m.query<VisitRow[]>(
    `${VISIT_SELECT}
     WHERE v.assignee_id = $1 AND (v.done_at IS NULL OR v.due_at > $2)
     ORDER BY (v.done_at IS NULL AND v.due_at <= $2) DESC, v.done_at IS NOT NULL, v.due_at, u.name
     LIMIT $3`,
    [assigneeId, now, limit],
  );
}

/** Visits of a place (path prefix) past due and not done, the longest missed first, with their number. */
export async function missedUnder(m: Db, pathPrefix: string | null, now: Date, limit: number): Promise<{ count: number; rows: VisitRow[] }> {
  const where = `v.done_at IS NULL AND v.due_at <= $1 AND ($2::text IS NULL OR g.path LIKE $2 || '%')`;
  const [{ count }] = await m.query<[{ count: number }]>(`SELECT count(*)::int AS count FROM visit v JOIN region g ON g.id = v.region_id WHERE ${where}`, [
    now,
    pathPrefix,
  ]);
  const rows = limit > 0 ? await m.query<VisitRow[]>(`${VISIT_SELECT} WHERE ${where} ORDER BY v.due_at, v.id LIMIT $3`, [now, pathPrefix, limit]) : [];
  return { count, rows };
}

export async function recordCheckIn(
  m: Db,
  id: string,
  c: { at: Date; lat: number | null; lng: number | null; distance: number | null; far: boolean },
): Promise<void> {
  await m.query(`UPDATE visit SET checked_in_at = $2, check_in_lat = $3, check_in_lng = $4, check_in_distance = $5, far_check_in = $6 WHERE id = $1`, [
    id,
    c.at,
    c.lat,
    c.lng,
    c.distance,
    c.far,
  ]);
}

export async function recordVisit(
  m: Db,
  id: string,
  r: { at: Date; by: string; condition: VisitCondition; note: string | null; orderId: string | null },
): Promise<void> {
  await m.query(`UPDATE visit SET done_at = $2, done_by = $3, condition = $4, note = $5, order_id = $6 WHERE id = $1`, [
    id,
    r.at,
    r.by,
    r.condition,
    r.note,
    r.orderId,
  ]);
}

/** The order's `created` event says it came from a visit (its timeline shows 走访发现). */
export async function markOrderFromVisit(m: Db, orderId: string, visitId: string): Promise<void> {
  await m.query(`UPDATE order_event SET data = data || jsonb_build_object('visitId', $2::text) WHERE order_id = $1 AND seq = 1`, [orderId, visitId]);
}

// ---------- missed visits: escalation ----------

export interface EscalatedRow {
  id: string;
  level: number;
  period: string;
  due_at: Date;
  household_name: string;
  household_tags: LedgerTag[];
  region_path: string;
  region_name: string;
  assignee_id: string | null;
  assignee_name: string | null;
}

/**
 * Missed visits moved one alarm level up: level 1 when the period ends (the assignee), then one more level every
 * `everyMs` (2 the community, 3 the town, 4 the county). The rows are taken FOR UPDATE SKIP LOCKED and moved by
 * the same statement, so two sweepers at once never move one visit twice. By assignee within a due time, so that
 * one person's visits tend to fall in one batch (one alarm naming them, see service.ts).
 */
export async function escalateMissed(m: Db, now: Date, everyMs: number, batch: number): Promise<EscalatedRow[]> {
  return m.query<EscalatedRow[]>(
    `WITH due AS (
       SELECT v.id FROM visit v
       WHERE v.done_at IS NULL AND v.escalation_level < 4 AND v.due_at + v.escalation_level * make_interval(secs => $2::float8 / 1000) <= $1
       ORDER BY v.due_at, v.assignee_id LIMIT $3 FOR UPDATE SKIP LOCKED
     ), up AS (
       UPDATE visit v SET escalation_level = v.escalation_level + 1, escalated_at = $1 FROM due WHERE v.id = due.id
       RETURNING v.id, v.escalation_level AS level, v.period, v.due_at, v.household_id, v.region_id, v.assignee_id
     )
     SELECT up.id, up.level, up.period, up.due_at, u.name AS household_name, u.tags AS household_tags, g.path AS region_path,
            g.name AS region_name, up.assignee_id, a.name AS assignee_name
     FROM up JOIN app_user u ON u.id = up.household_id JOIN region g ON g.id = up.region_id LEFT JOIN app_user a ON a.id = up.assignee_id`,
    [now, everyMs, batch],
  );
}

/** The staff (grid workers, dispatchers) of the place of `level` above each path: who hears of a missed visit there. */
export async function staffAtLevel(m: Db, paths: readonly string[], level: RegionLevel): Promise<Array<{ path: string; id: string }>> {
  if (paths.length === 0) return [];
  return m.query<Array<{ path: string; id: string }>>(
    `SELECT x.path, w.id
     FROM unnest($1::text[]) AS x(path)
     JOIN region r ON x.path LIKE r.path || '%' AND r.level = $2
     JOIN app_user w ON w.region_id = r.id AND w.roles && ARRAY['grid_worker', 'dispatcher']::text[]`,
    [paths, level],
  );
}

// ---------- coverage ----------

export interface CoverageRow {
  region_id: string | null;
  name: string;
  level: RegionLevel | null;
  households: number;
  households_visited: number;
  due: number;
  on_time: number;
  late: number;
  missed: number;
}

/**
 * 走访覆盖率 per place: the visits whose period ended in (from, to] under each place — done before the end (on
 * time), after it (late), not at all (missed) — and the ledger households living there now. `parentId` null: the
 * top places (cities); `self`: the place's own row instead of its children's.
 */
export async function coverageRows(m: Db, placeId: string | null, self: boolean, from: Date, to: Date): Promise<CoverageRow[]> {
  const which = self ? 'c.id = $1' : placeId === null ? 'c.parent_id IS NULL' : 'c.parent_id = $1';
  return m.query<CoverageRow[]>(
    `SELECT c.id AS region_id, c.name, c.level,
            (SELECT count(*) FROM app_user u JOIN region ug ON ug.id = u.region_id WHERE cardinality(u.tags) > 0 AND ug.path LIKE c.path || '%')::int AS households,
            count(DISTINCT v.household_id) FILTER (WHERE v.done_at IS NOT NULL)::int AS households_visited,
            count(v.id)::int AS due,
            count(v.id) FILTER (WHERE v.done_at < v.due_at)::int AS on_time,
            count(v.id) FILTER (WHERE v.done_at >= v.due_at)::int AS late,
            count(v.id) FILTER (WHERE v.done_at IS NULL)::int AS missed
     FROM region c
     LEFT JOIN (visit v JOIN region vg ON vg.id = v.region_id) ON vg.path LIKE c.path || '%' AND v.due_at > $2 AND v.due_at <= $3
     WHERE ${which} AND ($1::uuid IS NULL OR TRUE)
     GROUP BY c.id, c.name, c.level, c.path
     ORDER BY c.name`,
    [placeId, from, to],
  );
}
