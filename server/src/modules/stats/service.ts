import {
  OWN_LEVEL_NAME,
  ORDER_STATUSES,
  WHOLE_TREE_NAME,
  type OrderStatus,
  type PlaceFiguresDto,
  type StatsPlaceDto,
  type PlaceRowDto,
  type RegionLevel,
  type StatsByPlaceDto,
  type StatsByPlaceQuery,
  type StatsOverviewDto,
  type StatsQuery,
} from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import type { Clock } from '../../clock';
import { ForbiddenError, fieldError } from '../../errors';
import { covers, isStaff, jurisdictionOf, pathCondition } from '../access/jurisdiction';
import type { Actor } from '../auth/actor';
import { childPlaces, figuresByChild, overview, placesById, placesOnPath, projectMinutesByChild, type PlaceFiguresRow } from './stats.repo';
import { regionOr404 } from '../regions/lookup';

function round(n: number | null, digits: number): number | null {
  if (n === null) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const EMPTY: PlaceFiguresRow = {
  child: null,
  whole: false,
  orders: 0,
  people_served: 0,
  service_minutes: 0,
  median_minutes: null,
  on_time: 0,
  on_time_base: 0,
  rating_sum: 0,
  ratings: 0,
  escalations: 0,
  never_served: 0,
};

function figuresOf(r: PlaceFiguresRow): PlaceFiguresDto {
  return {
    orders: r.orders,
    peopleServed: r.people_served,
    serviceHours: round(r.service_minutes / 60, 1) ?? 0,
    serviceMinutes: r.service_minutes,
    medianMinutesToAccept: round(r.median_minutes, 1),
    onTimeShare: r.on_time_base === 0 ? null : round(r.on_time / r.on_time_base, 3),
    onTime: r.on_time,
    onTimeBase: r.on_time_base,
    averageRating: r.ratings === 0 ? null : round(r.rating_sum / r.ratings, 2),
    ratings: r.ratings,
    escalations: r.escalations,
    neverServed: r.never_served,
  };
}

/** Project hours count like service hours: each place's (and the totals') project minutes added to its figures. */
function withProjectMinutes(figures: PlaceFiguresRow[], projects: Array<{ child: string | null; whole: boolean; minutes: number }>): PlaceFiguresRow[] {
  const out = figures.map((f) => ({ ...f }));
  for (const p of projects) {
    if (p.minutes === 0) continue;
    let row = out.find((f) => f.whole === p.whole && f.child === p.child);
    if (!row) {
      row = { ...EMPTY, child: p.child, whole: p.whole };
      out.push(row);
    }
    row.service_minutes += p.minutes;
  }
  return out;
}

/** A period as the service reads it: both bounds checked by the DTO (to after from, at most a year). */
export interface Period {
  from?: string;
  to?: string;
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

    /**
     * 按地区统计: the figures of a place (default: the top of the viewer's jurisdiction; for an administrator of
     * everything, the whole tree) and of each place directly under it, plus 「本级」 when orders were placed at the
     * place itself. Every child is listed, those without orders too; a child an order still names after it was moved
     * elsewhere is listed by its name, so the rows always add up to the totals.
     */
    async byPlace(actor: Actor, q: StatsByPlaceQuery): Promise<StatsByPlaceDto> {
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看统计。');
      const j = jurisdictionOf(actor);
      if (j.kind === 'none') throw new ForbiddenError('您还没有所属地区，无法查看统计。');
      const regionId = q.regionId ?? (j.kind === 'subtree' ? j.regionId : null);
      const region = regionId === null ? null : await regionOr404(db.manager, regionId, j);
      const figures = withProjectMinutes(
        await figuresByChild(db.manager, clock(), (params) => pathCondition(j, 'o.region_path', params), region?.path ?? null, q),
        await projectMinutesByChild(db.manager, (params) => pathCondition(j, 'o.region_path', params), region?.path ?? null, q),
      );
      const children = await childPlaces(db.manager, region?.id ?? null);
      const known = new Set(children.map((c) => c.id));
      const stray = figures.filter((f) => !f.whole && f.child !== null && !known.has(f.child)).map((f) => f.child!);
      const places = [...children, ...(await placesById(db.manager, stray))];
      const byChild = new Map(figures.filter((f) => !f.whole).map((f) => [f.child, f]));
      const rows: PlaceRowDto[] = places.map((p) => ({
        regionId: p.id,
        name: p.name,
        level: p.level as RegionLevel,
        hasChildren: p.has_children,
        ...figuresOf(byChild.get(p.id) ?? EMPTY),
      }));
      const own = byChild.get(null);
      if (own) rows.push({ regionId: null, name: OWN_LEVEL_NAME, level: null, hasChildren: false, ...figuresOf(own) });
      return {
        region: region === null ? { id: null, name: WHOLE_TREE_NAME, level: null } : { id: region.id, name: region.name, level: region.level as RegionLevel },
        trail: await trailOf(region?.path ?? null),
        from: q.from === undefined ? null : new Date(q.from).toISOString(),
        to: q.to === undefined ? null : new Date(q.to).toISOString(),
        totals: figuresOf(figures.find((f) => f.whole) ?? EMPTY),
        rows,
      };

      /** The breadcrumb: the places from the top of the jurisdiction down to this one. */
      async function trailOf(path: string | null): Promise<StatsPlaceDto[]> {
        const top: StatsPlaceDto[] = j.kind === 'everything' ? [{ id: null, name: WHOLE_TREE_NAME, level: null }] : [];
        if (path === null) return top;
        const on = await placesOnPath(db.manager, path);
        return [...top, ...on.filter((p) => covers(j, p.path)).map((p) => ({ id: p.id, name: p.name, level: p.level as RegionLevel }))];
      }
    },
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
