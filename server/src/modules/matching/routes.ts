import { API_PREFIX, BatchDispatchDto, CandidatesQuery, ORDERS_PATH, ORDER_STATUS_NAMES, SetDispatchModeDto, type BatchDispatchResultDto, type CandidateListDto, type DispatchMode, type DispatchSettingsDto } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import type { FastifyInstance } from 'fastify';
import { ConflictError, ForbiddenError, NotFoundError, UUID_PATTERN } from '../../errors';
import { docs } from '../../http/openapi';
import { validateBody, validateQuery } from '../../http/validate';
import { covers, isStaff, jurisdictionOf } from '../access/jurisdiction';
import { requireActor } from '../auth/plugin';
import { loadAssignments, loadOrder } from '../orders/order-row';
import { loadViewer, maySee, standingOf } from '../orders/standing';
import { batchDispatchResultSchema, candidateListSchema, dispatchSettingsSchema } from './schemas';
import { batchDispatch } from './batch';
import { findCandidates } from './candidates';

/** A place's auto-dispatch setting, and what applies there (its own, the nearest ancestor's, or manual). */
async function dispatchSettings(m: EntityManager, regionId: string): Promise<DispatchSettingsDto & { path: string }> {
  const rows = await m.query<Array<{ id: string; path: string; dispatch_mode: DispatchMode | null }>>(
    `SELECT a.id, a.path, a.dispatch_mode FROM region r JOIN region a ON a.id = ANY (string_to_array(trim(BOTH '/' FROM r.path), '/')::uuid[])
     WHERE r.id = $1 ORDER BY length(a.path) DESC`,
    [regionId],
  );
  const own = rows[0];
  if (!own || own.id !== regionId) throw new NotFoundError('地区不存在。');
  const from = rows.find((r) => r.dispatch_mode !== null);
  return { regionId, mode: own.dispatch_mode, effectiveMode: from?.dispatch_mode ?? 'manual', inheritedFrom: from?.id ?? null, path: own.path };
}

/** The matching engine's routes: suggestions for the people who dispatch, and where the system dispatches itself. */
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

  const settingsPath = `${API_PREFIX}/regions/:id/dispatch-mode`;
  const settingsDocs = {
    tags: ['regions' as const],
    auth: 'required' as const,
    params: { id: { type: 'string', format: 'uuid' } },
    response: { 200: dispatchSettingsSchema },
  };

  app.get<{ Params: { id: string } }>(
    settingsPath,
    { schema: docs({ ...settingsDocs, summary: '地区的派单方式', description: '有管辖权的工作人员。显示本地区自己的设置、实际生效的方式及其来源（本地区或最近的上级）。', errors: [403, 404] }) },
    async (request): Promise<DispatchSettingsDto> => {
      const actor = requireActor(request);
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看派单方式。');
      if (!UUID_PATTERN.test(request.params.id)) throw new NotFoundError('地区不存在。');
      const { path, ...settings } = await dispatchSettings(app.db.manager, request.params.id);
      if (!covers(jurisdictionOf(actor), path)) throw new NotFoundError('地区不存在。');
      return settings;
    },
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
    async (request): Promise<DispatchSettingsDto> => {
      const actor = requireActor(request);
      if (!actor.roles.includes('admin') && !actor.roles.includes('dispatcher')) throw new ForbiddenError('只有管理员和调度员可以设置派单方式。');
      if (!UUID_PATTERN.test(request.params.id)) throw new NotFoundError('地区不存在。');
      const { mode } = request.body as SetDispatchModeDto;
      return app.db.transaction(async (m) => {
        const before = await dispatchSettings(m, request.params.id);
        if (!covers(jurisdictionOf(actor), before.path)) throw new NotFoundError('地区不存在。');
        await m.query(`UPDATE region SET dispatch_mode = $2, updated_at = now() WHERE id = $1`, [request.params.id, mode]);
        // every place below now dispatches by its nearest setting
        await m.query(
          `UPDATE region d SET effective_dispatch_mode = COALESCE(
             (SELECT a.dispatch_mode FROM region a
              WHERE a.id = ANY (string_to_array(trim(BOTH '/' FROM d.path), '/')::uuid[]) AND a.dispatch_mode IS NOT NULL
              ORDER BY length(a.path) DESC LIMIT 1), 'manual')
           WHERE d.path LIKE $1 || '%'`,
          [before.path],
        );
        const { path: _path, ...after } = await dispatchSettings(m, request.params.id);
        return after;
      });
    },
  );

  app.post(
    `${API_PREFIX}/dispatch/batch`,
    {
      schema: docs({
        tags: ['orders'],
        summary: '批量派单（一次给地区内所有待接单的需求派单）',
        description: [
          '有管辖权的管理员、调度员、网格员：本地区（及下级）所有待接单、且已升级到本级可以派单的需求，一次派出。',
          '每个需求派给一人，每人最多派到其剩余可接任务数；先让尽量多的需求有人接，再让总得分最高（精确的最小费用分配；规模极大时用贪心近似，见 `method`）。',
          '返回派了谁、为什么（理由），以及没派出的需求和原因；`greedy` 是逐个挑最好的人时的结果，供对比。',
        ].join('\n'),
        auth: 'required',
        response: { 200: batchDispatchResultSchema },
        errors: [403, [404, '地区不存在或不在管辖范围内']],
      }),
      preValidation: validateBody(BatchDispatchDto),
    },
    async (request): Promise<BatchDispatchResultDto> => {
      const actor = requireActor(request);
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以批量派单。');
      const { regionId } = request.body as BatchDispatchDto;
      return app.db.transaction(async (m) => {
        const [region] = await m.query<Array<{ path: string }>>(`SELECT path FROM region WHERE id = $1`, [regionId]);
        if (!region || !covers(jurisdictionOf(actor), region.path)) throw new NotFoundError('地区不存在。');
        const v = await loadViewer(m, actor, app.clock());
        return batchDispatch(m, v, regionId, region.path, { weights: app.config.matchWeights, maxActiveTasks: app.config.maxActiveTasks });
      });
    },
  );
}
