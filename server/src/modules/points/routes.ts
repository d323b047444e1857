import {
  CancelRedemptionDto,
  CreateShopItemDto,
  ListRedemptionsQuery,
  MY_POINTS_PATH,
  POINTS_PATH,
  PointsHistoryQuery,
  PointsRuleInputDto,
  RankingQuery,
  RedeemDto,
  ShopQuery,
  UpdateShopItemDto,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs, idParam } from '../../http/openapi';
import { validateBody, validateQuery } from '../../http/validate';
import { auditContextOf } from '../audit/service';
import { requireActor } from '../auth/actor';
import {
  pointsHistorySchema,
  pointsRuleSchema,
  pointsRulesSchema,
  pointsSummarySchema,
  rankingSchema,
  redemptionPageSchema,
  redemptionSchema,
  shopItemSchema,
  shopSchema,
} from './schemas';
import type { PointsService } from './service';

const codeParam = { code: { type: 'string', description: '服务类别编码', example: 'medicine_delivery' } };

/** Points over HTTP (积分, see service.ts): the person's own under /me/points, the rest under /points. */
export default async function pointsRoutes(app: FastifyInstance, { points }: { points: PointsService }): Promise<void> {
  // ---------- rules ----------
  app.get(
    `${POINTS_PATH}/rules`,
    {
      schema: docs({
        tags: ['points'],
        summary: '积分规则',
        description: '默认规则与单独设置了规则的服务。任何登录的人都可以查看（志愿者可以知道积分怎么来）。项目的积分规则在项目上。',
        auth: 'required',
        response: { 200: pointsRulesSchema },
      }),
    },
    async (request) => {
      requireActor(request);
      return points.rules();
    },
  );

  app.put(
    `${POINTS_PATH}/rules/default`,
    {
      schema: docs({
        tags: ['points'],
        summary: '设置默认积分规则（管理员）',
        description: '没有单独规则的服务都按它计分。只影响此后确认的需求。记入审计记录。',
        auth: 'required',
        response: { 200: pointsRuleSchema },
        errors: [403],
      }),
      preValidation: validateBody(PointsRuleInputDto),
    },
    async (request) => points.setRule(requireActor(request), null, request.body as PointsRuleInputDto, auditContextOf(request)),
  );

  app.put<{ Params: { code: string } }>(
    `${POINTS_PATH}/rules/:code`,
    {
      schema: docs({
        tags: ['points'],
        summary: '设置某项服务的积分规则（管理员）',
        description: '这项服务此后确认的需求按它计分，不再用默认规则。记入审计记录。',
        auth: 'required',
        params: codeParam,
        response: { 200: pointsRuleSchema },
        errors: [403, [404, '没有这个服务类别']],
      }),
      preValidation: validateBody(PointsRuleInputDto),
    },
    async (request) => points.setRule(requireActor(request), request.params.code, request.body as PointsRuleInputDto, auditContextOf(request)),
  );

  app.delete<{ Params: { code: string } }>(
    `${POINTS_PATH}/rules/:code`,
    {
      schema: docs({
        tags: ['points'],
        summary: '删除某项服务的积分规则（管理员）',
        description: '这项服务改回按默认规则计分。记入审计记录。',
        auth: 'required',
        params: codeParam,
        response: { 204: null },
        errors: [403, [404, '这个服务没有单独的积分规则']],
      }),
    },
    async (request, reply) => {
      await points.removeRule(requireActor(request), request.params.code, auditContextOf(request));
      return reply.code(204).send();
    },
  );

  // ---------- the person's points ----------
  app.get(
    MY_POINTS_PATH,
    {
      schema: docs({
        tags: ['me', 'points'],
        summary: '我的积分',
        description: '余额、累计与本月获得的积分（北京时间）、计入积分的服务时长、所在社区（在它的积分超市兑换）、待领取的兑换数。',
        auth: 'required',
        response: { 200: pointsSummarySchema },
      }),
    },
    async (request) => points.summary(requireActor(request)),
  );

  app.get(
    `${MY_POINTS_PATH}/history`,
    {
      schema: docs({
        tags: ['me', 'points'],
        summary: '我的积分明细',
        description: '积分台账中本人的每一行，新的在前，游标分页：获得（完成服务、参加项目）、扣回（已确认的需求被重新打开）、兑换、兑换取消。',
        auth: 'required',
        response: { 200: pointsHistorySchema },
      }),
      preValidation: validateQuery(PointsHistoryQuery),
    },
    async (request) => points.history(requireActor(request), request.query as PointsHistoryQuery),
  );

  app.get(
    `${MY_POINTS_PATH}/redemptions`,
    {
      schema: docs({
        tags: ['me', 'points'],
        summary: '我的兑换',
        description: '本人的兑换记录（最近 100 条），新的在前。',
        auth: 'required',
        response: { 200: redemptionPageSchema },
      }),
    },
    async (request) => points.myRedemptions(requireActor(request)),
  );

  app.post(
    `${MY_POINTS_PATH}/redemptions`,
    {
      schema: docs({
        tags: ['me', 'points'],
        summary: '兑换商品',
        description:
          '兑换本人所在社区积分超市的一件商品：扣除积分、减少库存，待工作人员核销（领取）。并发兑换时余额和库存都不会小于 0：积分不足（「积分不足：需要 120 分，您有 80 分」）或库存不足时 409。',
        auth: 'required',
        response: { 201: redemptionSchema },
        errors: [[409, '积分不足、库存不足或商品已下架']],
      }),
      preValidation: validateBody(RedeemDto),
    },
    async (request, reply) => {
      const r = await points.redeem(requireActor(request), (request.body as RedeemDto).itemId);
      return reply.code(201).send(r);
    },
  );

  app.post<{ Params: { id: string } }>(
    `${MY_POINTS_PATH}/redemptions/:id/cancel`,
    {
      schema: docs({
        tags: ['me', 'points'],
        summary: '取消我的兑换',
        description: '领取之前可以取消：积分退回、库存恢复（台账新增一行，不改旧行）。已领取或已取消的 409。',
        auth: 'required',
        params: idParam,
        response: { 200: redemptionSchema },
        errors: [404, [409, '已领取或已取消']],
      }),
    },
    async (request) => points.cancelMine(requireActor(request), request.params.id),
  );

  // ---------- the shop ----------
  app.get(
    `${POINTS_PATH}/shop`,
    {
      schema: docs({
        tags: ['points'],
        summary: '积分超市',
        description: '本人所在社区上架的商品。工作人员可以用 `communityId` 查看管辖范围内的社区，`all=true` 连同已下架的商品。没有所属社区时 409。',
        auth: 'required',
        response: { 200: shopSchema },
        errors: [403, 404, [409, '还没有所属社区']],
      }),
      preValidation: validateQuery(ShopQuery),
    },
    async (request) => points.shop(requireActor(request), request.query as ShopQuery),
  );

  app.post(
    `${POINTS_PATH}/shop-items`,
    {
      schema: docs({
        tags: ['points'],
        summary: '上架商品（社区工作人员）',
        description: '管辖范围覆盖该社区的调度员或管理员。同一社区商品名称不能重复（400，字段 `name`）。记入审计记录。',
        auth: 'required',
        response: { 201: shopItemSchema },
        errors: [403, [404, '社区不存在或不在管辖范围内']],
      }),
      preValidation: validateBody(CreateShopItemDto),
    },
    async (request, reply) => {
      const item = await points.createItem(requireActor(request), request.body as CreateShopItemDto, auditContextOf(request));
      return reply.code(201).send(item);
    },
  );

  app.patch<{ Params: { id: string } }>(
    `${POINTS_PATH}/shop-items/:id`,
    {
      schema: docs({
        tags: ['points'],
        summary: '修改商品：名称、所需积分、入库/出库、上下架（社区工作人员）',
        description: '库存按变化量改（`stockChange`：入库为正，出库为负），不会覆盖同时发生的兑换；库存不能小于 0（400）。记入审计记录。',
        auth: 'required',
        params: idParam,
        response: { 200: shopItemSchema },
        errors: [403, 404],
      }),
      preValidation: validateBody(UpdateShopItemDto),
    },
    async (request) => points.updateItem(requireActor(request), request.params.id, request.body as UpdateShopItemDto, auditContextOf(request)),
  );

  // ---------- redemptions (staff) ----------
  app.get(
    `${POINTS_PATH}/redemptions`,
    {
      schema: docs({
        tags: ['points'],
        summary: '兑换记录（社区工作人员）',
        description: '管辖范围内各社区的兑换，新的在前，游标分页；可按 `communityId`、`status`（如 `pending`：待核销）筛选。',
        auth: 'required',
        response: { 200: redemptionPageSchema },
        errors: [403, 404],
      }),
      preValidation: validateQuery(ListRedemptionsQuery),
    },
    async (request) => points.listRedemptions(requireActor(request), request.query as ListRedemptionsQuery),
  );

  app.post<{ Params: { id: string } }>(
    `${POINTS_PATH}/redemptions/:id/hand-over`,
    {
      schema: docs({
        tags: ['points'],
        summary: '核销：商品已交给兑换人（社区工作人员）',
        description: '只能核销一次（409）。记入审计记录。',
        auth: 'required',
        params: idParam,
        response: { 200: redemptionSchema },
        errors: [403, 404, [409, '已领取或已取消']],
      }),
    },
    async (request) => points.handOver(requireActor(request), request.params.id, auditContextOf(request)),
  );

  app.post<{ Params: { id: string } }>(
    `${POINTS_PATH}/redemptions/:id/cancel`,
    {
      schema: docs({
        tags: ['points'],
        summary: '取消兑换（社区工作人员）',
        description: '积分退回、库存恢复（台账新增一行）。记入审计记录。',
        auth: 'required',
        params: idParam,
        response: { 200: redemptionSchema },
        errors: [403, 404, [409, '已领取或已取消']],
      }),
      preValidation: validateBody(CancelRedemptionDto),
    },
    async (request) => points.cancelByStaff(requireActor(request), request.params.id, request.body as CancelRedemptionDto, auditContextOf(request)),
  );

  // ---------- 爱心榜 ----------
  app.get(
    `${POINTS_PATH}/ranking`,
    {
      schema: docs({
        tags: ['points'],
        summary: '爱心榜',
        description:
          '本人所在网格（`scope=grid`，默认）或社区（`scope=community`）的人，按本月（`period=month`，默认，北京时间）或累计（`all`）获得的积分排名，附服务时长；前 50 名与本人的名次。工作人员可用 `regionId` 指定管辖范围内的网格或社区。',
        auth: 'required',
        response: { 200: rankingSchema },
        errors: [404, [409, '还没有所属网格']],
      }),
      preValidation: validateQuery(RankingQuery),
    },
    async (request) => points.ranking(requireActor(request), request.query as RankingQuery),
  );
}
