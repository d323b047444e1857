import { ORDER_STATUSES, type OrderStatus, type StatsOverviewDto, type StatsQuery } from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import type { Clock } from '../../clock';
import { ForbiddenError, fieldError } from '../../errors';
import { isStaff, jurisdictionOf, pathCondition } from '../access/jurisdiction';
import type { Actor } from '../auth/actor';
import { overview } from './stats.repo';
import { regionOr404 } from '../regions/lookup';

function round(n: number | null, digits: number): number | null {
  if (n === null) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Figures for the people running the service (the 调度 dashboard), over their jurisdiction or a place in it. */
export function createStatsService({ db, clock }: { db: DataSource; clock: Clock }) {
  return {
    async overview(actor: Actor, q: StatsQuery): Promise<StatsOverviewDto> {
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看统计。');
      if (q.from !== undefined && q.to !== undefined && Date.parse(q.to) <= Date.parse(q.from)) throw fieldError('to', '结束时间须晚于开始时间');
      const j = jurisdictionOf(actor);
      let regionPath: string | undefined;
      if (q.regionId !== undefined) {
        const region = await regionOr404(db.manager, q.regionId, j);
        regionPath = region.path;
      }
      const r = await overview(db.manager, clock(), (params) => pathCondition(j, 'o.region_path', params), { regionPath, from: q.from, to: q.to });
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
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
