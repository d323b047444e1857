import {
  API_PREFIX,
  BatchDispatchDto,
  CandidatesQuery,
  ORDERS_PATH,
  SetDispatchModeDto,
  type BatchDispatchResultDto,
  type CandidateListDto,
  type DispatchSettingsDto,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs, idParam } from '../../http/openapi';
import { validateBody, validateQuery } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { auditContextOf } from '../audit/service';
import { batchDispatchResultSchema, candidateListSchema, dispatchSettingsSchema } from './schemas';
import type { DispatchingService } from './service';

/** Dispatching's routes: suggestions for the people who dispatch, batch dispatch, and where the system dispatches itself. */
export default async function dispatchingRoutes(app: FastifyInstance, { dispatching }: { dispatching: DispatchingService }): Promise<void> {
  app.get<{ Params: { id: string } }>(
    `${ORDERS_PATH}/:id/candidates`,
    {
      schema: docs({
        tags: ['orders'],
        summary: '推荐接单人（附理由）',
        description: [
          '有管辖权的调度员、网格员（及管理员）：现在可以接这个需求的志愿者和小分队，得分高的在前，每个都附简短理由（如「同网格」「距离 350 米」「今日已接 1 单」「包联责任人」）。待接单、已派单的需求用于派单；已接单（未签到）的需求用于撤回改派，已接单的人不在其中。',
          '',
          '硬性条件：技能（小分队的服务类别）相符；在岗且在排班时段内；手头任务少于上限；在需求当前级别的区域内；没有拒绝过这个需求。',
          '得分：距离、同网格、包联责任人、手头与今日任务量（均衡派单）、该类服务的评分与接单率、党员联系重点户。权重可按部署调整（`MATCH_WEIGHTS`）。',
        ].join('\n'),
        auth: 'required',
        params: idParam,
        response: { 200: candidateListSchema },
        errors: [[403, '只有工作人员可以查看推荐'], 404, [409, '需求已有人签到或已结束']],
      }),
      preValidation: validateQuery(CandidatesQuery),
    },
    async (request): Promise<CandidateListDto> => {
      const { limit = 10 } = request.query as CandidatesQuery;
      return dispatching.candidates(requireActor(request), request.params.id, limit);
    },
  );

  const settingsPath = `${API_PREFIX}/regions/:id/dispatch-mode`;
  const settingsDocs = {
    tags: ['regions' as const],
    auth: 'required' as const,
    params: idParam,
    response: { 200: dispatchSettingsSchema },
  };

  app.get<{ Params: { id: string } }>(
    settingsPath,
    {
      schema: docs({
        ...settingsDocs,
        summary: '地区的派单方式',
        description: '有管辖权的工作人员。显示本地区自己的设置、实际生效的方式及其来源（本地区或最近的上级）。',
        errors: [403, 404],
      }),
    },
    async (request): Promise<DispatchSettingsDto> => dispatching.settings(requireActor(request), request.params.id),
  );

  app.put<{ Params: { id: string } }>(
    settingsPath,
    {
      schema: docs({
        ...settingsDocs,
        summary: '设置地区的派单方式（人工 / 自动 / 先抢单后派单）',
        description: [
          '有管辖权的管理员、调度员。下级地区没有自己的设置时随上级；`null` 取消本地区的设置。只影响之后的新需求。',
          '',
          '- `manual` 人工派单：只给推荐，由人派单；',
          '- `auto` 自动派单：新需求立即派给最合适的人；被拒绝或在规定时间（`AUTO_DISPATCH_ACCEPT_MINUTES`，默认 5 分钟）内未接单，改派下一位；',
          '- `pool` 先抢单后派单：先在任务大厅供志愿者抢单，`POOL_OFFER_MINUTES`（默认 10 分钟）内无人接单则自动派单。',
        ].join('\n'),
        errors: [403, 404],
      }),
      preValidation: validateBody(SetDispatchModeDto),
    },
    async (request): Promise<DispatchSettingsDto> =>
      dispatching.setMode(requireActor(request), request.params.id, (request.body as SetDispatchModeDto).mode, auditContextOf(request)),
  );

  app.post(
    `${API_PREFIX}/dispatch/batch`,
    {
      schema: docs({
        tags: ['orders'],
        summary: '批量派单（一次给地区内所有待接单的需求派单）',
        description: [
          '有管辖权的管理员、调度员、网格员：本地区（及下级）所有待接单的需求，一次派出；尚未升级到本级的也包括在内，时间线记为「越级派单」。',
          '每个需求派给一人，每人最多派到其剩余可接任务数；先让尽量多的需求有人接，再让总得分最高（精确的最小费用分配；规模极大时用贪心近似，见 `method`）。',
          '返回派了谁、为什么（理由）；没派出的需求（`unassigned`）和没有参与的需求（`skipped`，如已派单等待回应）逐个说明原因；`summary` 一句话说明结果，一个都没派时说明为什么；`greedy` 是逐个挑最好的人时的结果，供对比。',
        ].join('\n'),
        auth: 'required',
        response: { 200: batchDispatchResultSchema },
        errors: [403, [404, '地区不存在或不在管辖范围内']],
      }),
      preValidation: validateBody(BatchDispatchDto),
    },
    async (request): Promise<BatchDispatchResultDto> => dispatching.batch(requireActor(request), (request.body as BatchDispatchDto).regionId),
  );
}
