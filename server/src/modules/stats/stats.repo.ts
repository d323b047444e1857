import type { EntityManager } from 'typeorm';
import { filterConditions, type OrderFilter } from '../orders/order.repo';

/** The statistics module's data access: the dashboard's figures, computed by PostgreSQL in one statement. */

export interface OverviewRow {
  total: number;
  by_status: Record<string, number> | null;
  by_category: Array<{ categoryCode: string; categoryName: string; count: number }>;
  people_served: number;
  service_hours: number;
  median_minutes: number | null;
  p90_minutes: number | null;
  before_deadline_share: number | null;
  average_rating: number | null;
  escalations: number;
}

/**
 * The figures over the orders of a jurisdiction (`jurisdiction`: a condition on `o.region_path` with its values in
 * `params`, from $2 on) narrowed by the filter; `now` ($1) is when a deadline counts as passed.
 */
export async function overview(m: Pick<EntityManager, 'query'>, now: Date, jurisdiction: (params: unknown[]) => string, f: OrderFilter): Promise<OverviewRow> {
  const params: unknown[] = [now];
  const where = [jurisdiction(params), ...filterConditions(f, params)];
  const [row] = await m.query<OverviewRow[]>(
    // on time: the first acceptance against the first round's deadline (a reopening sets deadline_at anew)
    `WITH o AS MATERIALIZED (SELECT o.*, COALESCE(o.first_deadline_at, o.deadline_at) AS first_due FROM service_order o WHERE ${where.join(' AND ')}),
          accept_minutes AS (SELECT extract(epoch FROM first_accepted_at - created_at) / 60 AS m FROM o WHERE first_accepted_at IS NOT NULL)
     SELECT
       (SELECT count(*)::int FROM o) AS total,
       (SELECT json_object_agg(status, n) FROM (SELECT status, count(*)::int AS n FROM o GROUP BY status) s) AS by_status,
       (SELECT COALESCE(json_agg(json_build_object('categoryCode', c.code, 'categoryName', c.name, 'count', x.n) ORDER BY x.n DESC, c.sort_order), '[]')
          FROM (SELECT category_code, count(*)::int AS n FROM o GROUP BY category_code) x JOIN service_category c ON c.code = x.category_code) AS by_category,
       (SELECT count(DISTINCT resident_id)::int FROM o WHERE status IN ('completed', 'closed')) AS people_served,
       (SELECT COALESCE(sum(a.service_minutes), 0)::float8 / 60 FROM order_assignment a JOIN o ON o.id = a.order_id WHERE a.state = 'completed')
         + (SELECT COALESCE(sum(o.minutes), 0)::float8 / 60 FROM (${PROJECT_MINUTES}) o WHERE ${where.join(' AND ')}) AS service_hours,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m) FROM accept_minutes)::float8 AS median_minutes,
       (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY m) FROM accept_minutes)::float8 AS p90_minutes,
       (SELECT (count(*) FILTER (WHERE first_accepted_at <= first_due))::float8 / NULLIF(count(*), 0) FROM o
          WHERE first_accepted_at IS NOT NULL OR (first_due <= $1 AND (cancelled_at IS NULL OR cancelled_at > first_due))) AS before_deadline_share,
       (SELECT avg(rating)::float8 FROM o WHERE rating IS NOT NULL) AS average_rating,
       (SELECT count(*)::int FROM order_event e JOIN o ON o.id = e.order_id WHERE e.type = 'escalate') AS escalations`,
    params,
  );
  return row!;
}

/**
 * Project hours count like service hours (项目清单): the attended claims as rows shaped like orders for the same
 * conditions — `region_path` the project's community, `created_at` when attendance was confirmed.
 */
const PROJECT_MINUTES = `SELECT r.path AS region_path, c.confirmed_at AS created_at, c.minutes
    FROM project_claim c JOIN project p ON p.id = c.project_id JOIN region r ON r.id = p.region_id WHERE c.status = 'attended'`;

/** The project minutes under a place per child place (and the total, `whole`), with the conditions of `figuresByChild`. */
export async function projectMinutesByChild(
  m: Pick<EntityManager, 'query'>,
  jurisdiction: (params: unknown[]) => string,
  placePath: string | null,
  f: Pick<OrderFilter, 'from' | 'to'>,
): Promise<Array<{ child: string | null; whole: boolean; minutes: number }>> {
  const params: unknown[] = [];
  const where = [jurisdiction(params), ...filterConditions({ ...f, regionPath: placePath ?? undefined }, params)];
  params.push(placePath ?? '/');
  const prefix = `$${params.length}`;
  const child = `NULLIF(split_part(substr(o.region_path, length(${prefix}::text) + 1), '/', 1), '')::uuid`;
  return m.query(
    `SELECT ${child} AS child, GROUPING(${child}) = 1 AS whole, COALESCE(sum(o.minutes), 0)::int AS minutes
       FROM (${PROJECT_MINUTES}) o WHERE ${where.join(' AND ')}
      GROUP BY GROUPING SETS ((${child}), ())`,
    params,
  );
}

/** The figures of one group of orders, as PostgreSQL computes them (`child` null with `whole` true: the parent's totals). */
export interface PlaceFiguresRow {
  /** The child place the orders lie under; null for orders of the parent itself (本级) or for the totals. */
  child: string | null;
  /** True on the row of the parent's totals. */
  whole: boolean;
  orders: number;
  people_served: number;
  service_minutes: number;
  median_minutes: number | null;
  on_time: number;
  on_time_base: number;
  rating_sum: number;
  ratings: number;
  escalations: number;
  never_served: number;
}

export interface ChildPlaceRow {
  id: string;
  name: string;
  level: string;
  has_children: boolean;
}

/**
 * The figures of the orders under a place (`placePath`, or every order when null: the whole tree) in a period, in
 * one statement: a row of totals and one row per child place the orders lie under — the path's next segment after
 * the place's own, so a grid's order counts for its community, its town and its county alike — and a row for the
 * orders of the place itself (本级, `child` null). GROUPING SETS computes both from the same rows, so the children's
 * counts add up to the totals by construction. `jurisdiction` is a condition on `o.region_path` with its values in
 * `params` (from $2 on); `now` ($1) is when a deadline counts as passed.
 */
export async function figuresByChild(
  m: Pick<EntityManager, 'query'>,
  now: Date,
  jurisdiction: (params: unknown[]) => string,
  placePath: string | null,
  f: Pick<OrderFilter, 'from' | 'to'>,
): Promise<PlaceFiguresRow[]> {
  const params: unknown[] = [now];
  const where = [jurisdiction(params), ...filterConditions({ ...f, regionPath: placePath ?? undefined }, params)];
  params.push(placePath ?? '/');
  const prefix = `$${params.length}`;
  // a path is `/id/id/…/`: what follows the place's own path starts with the child's id
  const child = `NULLIF(split_part(substr(o.region_path, length(${prefix}::text) + 1), '/', 1), '')::uuid`;
  return m.query<PlaceFiguresRow[]>(
    `WITH o AS MATERIALIZED (
        -- first_due: the first round's deadline (a reopening sets deadline_at anew), which on time is measured against
        SELECT o.id, o.status, o.resident_id, o.created_at, o.first_accepted_at, COALESCE(o.first_deadline_at, o.deadline_at) AS first_due,
               o.cancelled_at, o.rating, ${child} AS child
          FROM service_order o WHERE ${where.join(' AND ')}),
      hours AS (SELECT a.order_id, sum(a.service_minutes) AS minutes FROM order_assignment a JOIN o ON o.id = a.order_id
                 WHERE a.state = 'completed' GROUP BY a.order_id),
      esc AS (SELECT e.order_id, count(*) AS n FROM order_event e JOIN o ON o.id = e.order_id WHERE e.type = 'escalate' GROUP BY e.order_id)
     SELECT o.child, GROUPING(o.child) = 1 AS whole,
            count(*)::int AS orders,
            (count(DISTINCT o.resident_id) FILTER (WHERE o.status IN ('completed', 'closed')))::int AS people_served,
            COALESCE(sum(h.minutes), 0)::int AS service_minutes,
            (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.first_accepted_at - o.created_at) / 60))::float8 AS median_minutes,
            (count(*) FILTER (WHERE o.first_accepted_at <= o.first_due))::int AS on_time,
            (count(*) FILTER (WHERE o.first_accepted_at IS NOT NULL
                                 OR (o.first_due <= $1 AND (o.cancelled_at IS NULL OR o.cancelled_at > o.first_due))))::int AS on_time_base,
            COALESCE(sum(o.rating), 0)::int AS rating_sum,
            count(o.rating)::int AS ratings,
            COALESCE(sum(x.n), 0)::int AS escalations,
            (count(*) FILTER (WHERE o.first_accepted_at IS NULL AND o.first_due <= $1
                                AND (o.cancelled_at IS NULL OR o.cancelled_at > o.first_due)))::int AS never_served
       FROM o LEFT JOIN hours h ON h.order_id = o.id LEFT JOIN esc x ON x.order_id = o.id
      GROUP BY GROUPING SETS ((o.child), ())`,
    params,
  );
}

/** The places directly under a place (the cities under none), and whether each has children of its own. */
export async function childPlaces(m: Pick<EntityManager, 'query'>, parentId: string | null): Promise<ChildPlaceRow[]> {
  return m.query<ChildPlaceRow[]>(
    `SELECT r.id, r.name, r.level, EXISTS (SELECT 1 FROM region c WHERE c.parent_id = r.id) AS has_children
       FROM region r WHERE ${parentId === null ? 'r.parent_id IS NULL' : 'r.parent_id = $1'} ORDER BY r.name, r.id`,
    parentId === null ? [] : [parentId],
  );
}

/** Places by id (a child an order still names after its place was moved elsewhere in the tree), with the same fields. */
export async function placesById(m: Pick<EntityManager, 'query'>, ids: readonly string[]): Promise<ChildPlaceRow[]> {
  if (ids.length === 0) return [];
  return m.query<ChildPlaceRow[]>(
    `SELECT r.id, r.name, r.level, EXISTS (SELECT 1 FROM region c WHERE c.parent_id = r.id) AS has_children FROM region r WHERE r.id = ANY($1::uuid[])`,
    [[...ids]],
  );
}

/** The places on a path (`/id/…/`), top first: the breadcrumb. */
export async function placesOnPath(m: Pick<EntityManager, 'query'>, path: string): Promise<Array<{ id: string; name: string; level: string; path: string }>> {
  return m.query(
    `SELECT r.id, r.name, r.level, r.path FROM unnest(string_to_array(trim(both '/' from $1::text), '/')::uuid[]) WITH ORDINALITY AS p(id, n)
       JOIN region r ON r.id = p.id ORDER BY p.n`,
    [path],
  );
}
