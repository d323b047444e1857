import { ORDER_STATUSES, STATS_PATH, StatsQuery, type OrderStatus, type StatsOverviewDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { ForbiddenError, NotFoundError, fieldError } from '../../errors';
import { docs } from '../../http/openapi';
import { validateQuery } from '../../http/validate';
import { covers, isStaff, jurisdictionOf, pathCondition } from '../access/jurisdiction';
import { requireActor } from '../auth/plugin';
import { statsOverviewSchema } from '../orders/schemas';

interface OverviewRow {
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

function round(n: number | null, digits: number): number | null {
  if (n === null) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Figures for the people running the service (the 调度 dashboard): all computed by PostgreSQL in one query. */
export default async function statsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    `${STATS_PATH}/overview`,
    {
      schema: docs({
        tags: ['stats'],
        summary: '统计概览',
        description: [
          '工作人员查看管辖范围内（或其中一个地区）的需求统计，`from`/`to` 按点单时间筛选：',
          '各状态、各服务类别的需求数；服务居民人数（有已完成需求的不同居民）；志愿服务时长（签到到完成）；',
          '点单到首次接单的分钟数中位数与 90 分位；在服务类别时限内接单的比例（分母为已接单或已过时限的需求，时限前取消的不计）；平均评分；升级次数。',
        ].join(''),
        auth: 'required',
        response: { 200: statsOverviewSchema },
        errors: [403, [404, '地区不存在或不在管辖范围内']],
      }),
      preValidation: validateQuery(StatsQuery),
    },
    async (request): Promise<StatsOverviewDto> => {
      const actor = requireActor(request);
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看统计。');
      const q = request.query as StatsQuery;
      if (q.from !== undefined && q.to !== undefined && Date.parse(q.to) <= Date.parse(q.from)) throw fieldError('to', '结束时间须晚于开始时间');
      const j = jurisdictionOf(actor);
      const params: unknown[] = [app.clock()];
      const where = [pathCondition(j, 'o.region_path', params)];
      if (q.regionId !== undefined) {
        const [region] = await app.db.query<Array<{ path: string }>>(`SELECT path FROM region WHERE id = $1`, [q.regionId]);
        if (!region || !covers(j, region.path)) throw new NotFoundError('地区不存在。');
        params.push(region.path);
        where.push(`o.region_path LIKE $${params.length} || '%'`);
      }
      if (q.from !== undefined) {
        params.push(q.from);
        where.push(`o.created_at >= $${params.length}`);
      }
      if (q.to !== undefined) {
        params.push(q.to);
        where.push(`o.created_at < $${params.length}`);
      }
      const [row] = await app.db.query<OverviewRow[]>(
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
      const r = row!;
      const byStatus = Object.fromEntries(ORDER_STATUSES.map((s) => [s, r.by_status?.[s] ?? 0])) as Record<OrderStatus, number>;
      return {
        regionId: q.regionId ?? (j.kind === 'subtree' ? j.regionId : null),
        from: q.from === undefined ? null : new Date(q.from).toISOString(),
        to: q.to === undefined ? null : new Date(q.to).toISOString(),
        total: r.total,
        byStatus,
        byCategory: r.by_category,
        peopleServed: r.people_served,
        volunteerServiceHours: round(r.service_hours, 1) ?? 0,
        medianMinutesToAccept: round(r.median_minutes, 1),
        p90MinutesToAccept: round(r.p90_minutes, 1),
        acceptedBeforeDeadlineShare: round(r.before_deadline_share, 3),
        averageRating: round(r.average_rating, 2),
        escalations: r.escalations,
      };
    },
  );
}
