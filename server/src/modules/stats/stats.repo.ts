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
    `WITH o AS MATERIALIZED (SELECT o.* FROM service_order o WHERE ${where.join(' AND ')}),
          accept_minutes AS (SELECT extract(epoch FROM first_accepted_at - created_at) / 60 AS m FROM o WHERE first_accepted_at IS NOT NULL)
     SELECT
       (SELECT count(*)::int FROM o) AS total,
       (SELECT json_object_agg(status, n) FROM (SELECT status, count(*)::int AS n FROM o GROUP BY status) s) AS by_status,
       (SELECT COALESCE(json_agg(json_build_object('categoryCode', c.code, 'categoryName', c.name, 'count', x.n) ORDER BY x.n DESC, c.sort_order), '[]')
          FROM (SELECT category_code, count(*)::int AS n FROM o GROUP BY category_code) x JOIN service_category c ON c.code = x.category_code) AS by_category,
       (SELECT count(DISTINCT resident_id)::int FROM o WHERE status IN ('completed', 'closed')) AS people_served,
       (SELECT COALESCE(sum(a.service_minutes), 0)::float8 / 60 FROM order_assignment a JOIN o ON o.id = a.order_id WHERE a.state = 'completed') AS service_hours,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m) FROM accept_minutes)::float8 AS median_minutes,
       (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY m) FROM accept_minutes)::float8 AS p90_minutes,
       (SELECT (count(*) FILTER (WHERE first_accepted_at <= deadline_at))::float8 / NULLIF(count(*), 0) FROM o
          WHERE first_accepted_at IS NOT NULL OR (deadline_at <= $1 AND (cancelled_at IS NULL OR cancelled_at > deadline_at))) AS before_deadline_share,
       (SELECT avg(rating)::float8 FROM o WHERE rating IS NOT NULL) AS average_rating,
       (SELECT count(*)::int FROM order_event e JOIN o ON o.id = e.order_id WHERE e.type = 'escalate') AS escalations`,
    params,
  );
  return row!;
}
