import { CandidatesQuery, ORDERS_PATH, ORDER_STATUS_NAMES, type CandidateListDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { ConflictError, ForbiddenError, NotFoundError, UUID_PATTERN } from '../../errors';
import { docs } from '../../http/openapi';
import { validateQuery } from '../../http/validate';
import { requireActor } from '../auth/plugin';
import { loadAssignments, loadOrder } from '../orders/order-row';
import { loadViewer, maySee, standingOf } from '../orders/standing';
import { candidateListSchema } from './schemas';
import { findCandidates } from './candidates';

/** The matching engine's routes: suggestions for the people who dispatch. */
export default async function matchingRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string } }>(
    `${ORDERS_PATH}/:id/candidates`,
    {
      schema: docs({
        tags: ['orders'],
        summary: '推荐接单人（附理由）',
        description: [
          '有管辖权的调度员、网格员（及管理员）：现在可以接这个需求的志愿者和小分队，得分高的在前，每个都附简短理由（如「同网格」「距离 350 米」「今日已接 1 单」「包联责任人」）。',
          '',
          '硬性条件：技能（小分队的服务类别）相符；在岗且在排班时段内；手头任务少于上限；在需求当前级别的区域内；没有拒绝过这个需求。',
          '得分：距离、同网格、包联责任人、手头与今日任务量（均衡派单）、该类服务的评分与接单率、党员联系重点户。权重可按部署调整（`MATCH_WEIGHTS`）。',
        ].join('\n'),
        auth: 'required',
        params: { id: { type: 'string', format: 'uuid' } },
        response: { 200: candidateListSchema },
        errors: [[403, '只有工作人员可以查看推荐'], 404, [409, '需求已有人接或已结束']],
      }),
      preValidation: validateQuery(CandidatesQuery),
    },
    async (request): Promise<CandidateListDto> => {
      const actor = requireActor(request);
      const { limit = 10 } = request.query as CandidatesQuery;
      return app.db.transaction(async (m) => {
        const v = await loadViewer(m, actor, app.clock());
        const o = UUID_PATTERN.test(request.params.id) ? await loadOrder(m, request.params.id) : undefined;
        if (!o) throw new NotFoundError('需求不存在。');
        const everyone = (await loadAssignments(m, [o])).get(o.id) ?? [];
        const s = standingOf(v, o, everyone);
        if (!maySee(v, o, s, everyone)) throw new NotFoundError('需求不存在。');
        if (!s.oversees) throw new ForbiddenError('只有有管辖权的工作人员可以查看推荐人选。');
        if (o.status !== 'pending' && o.status !== 'dispatched') {
          throw new ConflictError(`该需求当前为「${ORDER_STATUS_NAMES[o.status]}」，不需要推荐接单人。`);
        }
        const items = await findCandidates(m, o, { weights: app.config.matchWeights, maxActiveTasks: app.config.maxActiveTasks, now: v.now, limit });
        return { items };
      });
    },
  );
}
