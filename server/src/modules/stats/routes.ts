import { STATS_BY_PLACE_PATH, STATS_PATH, StatsByPlaceQuery, StatsQuery, type StatsByPlaceDto, type StatsOverviewDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs } from '../../http/openapi';
import { validateQuery } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { statsOverviewSchema } from '../orders/schemas';
import { statsByPlaceSchema } from './schemas';
import type { StatsService } from './service';

/** Figures for the people running the service (the 调度 dashboard): all computed by PostgreSQL in one query. */
export default async function statsRoutes(app: FastifyInstance, { stats }: { stats: StatsService }): Promise<void> {
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
    async (request): Promise<StatsOverviewDto> => stats.overview(requireActor(request), request.query as StatsQuery),
  );

  app.get(
    STATS_BY_PLACE_PATH,
    {
      schema: docs({
        tags: ['stats'],
        summary: '按地区统计（逐级下钻）',
        description: [
          '工作人员查看一个地区（默认：本人管辖范围的顶层）及其每个直属下级地区的统计，`from`/`to` 按点单时间筛选（可省略；给出时结束须晚于开始，最长 366 天）：',
          '需求数、服务居民、服务时长、接单等待中位数、按时接单率、平均评分、升级次数、超时无人接单。',
          '下级地区的计数之和等于本地区：直接落在本地区（不属于任何下级）的需求单列一行「本级」。',
        ].join(''),
        auth: 'required',
        response: { 200: statsByPlaceSchema },
        errors: [403, [404, '地区不存在或不在管辖范围内']],
      }),
      preValidation: validateQuery(StatsByPlaceQuery),
    },
    async (request): Promise<StatsByPlaceDto> => stats.byPlace(requireActor(request), request.query as StatsByPlaceQuery),
  );
}
