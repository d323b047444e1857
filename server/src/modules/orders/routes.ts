import {
  AcceptOrderDto,
  CheckInDto,
  CompleteOrderDto,
  ConfirmOrderDto,
  CreateOrderDto,
  DispatchOrderDto,
  ListOrdersQuery,
  ORDERS_PATH,
  OrderReasonDto,
  OverdueOrdersQuery,
  RecallOrderDto,
  UrgeOrderDto,
  type OrderDto,
  type OrderEventDto,
  type Page,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { fieldError } from '../../errors';
import { auditContextOf } from '../audit/service';
import { docs, type ErrorStatus, idParam } from '../../http/openapi';
import { validateBody, validateQuery } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { orderEventListSchema, orderListSchema, orderPageSchema, orderSchema } from './schemas';
import type { OrderAction, OrderService } from './service';

/** Header names are case-insensitive; Node gives them lower-cased. */
const IDEMPOTENCY_HEADER = 'idempotency-key';
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Orders (点单 · 派单 · 接单): create, list, read, the timeline, and one route per action of the state machine.
 * Each action answers the order as the caller now sees it, with the buttons they may press next (`actions`).
 */
export default async function orderRoutes(app: FastifyInstance, { orders }: { orders: OrderService }): Promise<void> {
  app.post(
    ORDERS_PATH,
    {
      schema: {
        ...docs({
          tags: ['orders'],
          summary: '点单（居民为自己，或网格员/调度员代居民下单）',
          description: [
            '居民为自己点单；网格员、调度员、管理员可为管辖范围内的居民代下单（`residentId`，渠道 `phone`/`walk_in`，照顾不会用智能手机的老人）。',
            '地址与位置不填时取居民资料中的。',
            '',
            '**幂等**：带 `Idempotency-Key` 头时，同一人用同一个 Key 提交相同内容，只会产生一个需求（同时到达也一样），重复请求返回 200 和同一个需求；同一个 Key 用于不同内容返回 409。',
            '',
            '**不重复下单**：居民已有同一服务的需求正在办理（待接单至服务中）时不再新建，返回 409 `ORDER_REPEATED`，`details[0].order` 给出那个需求（编号、状态、服务名称），可以打开它或催一下（`POST /orders/{id}/urge`）。同时提交的相同点单也只产生一个需求。工作人员代下单确是同一服务的另一件事（如两处不同的维修）时，可带 `allowRepeat: true` 另下一单，时间线记下与哪个需求并存。',
            '',
            '**上限**（防滥用，可配置）：每位居民正在办理（未完成）的需求最多 10 个；每人 24 小时内为自己下单最多 30 个；工作人员 24 小时内代下单最多 200 个。超出返回 429，说明是哪一项。',
          ].join('\n'),
          auth: 'required',
          response: { 201: orderSchema, 200: orderSchema },
          errors: [
            403,
            [409, 'Idempotency-Key 已用于不同内容的点单；或居民已有同一服务的需求正在办理（`ORDER_REPEATED`，`details[0].order` 指出是哪一个，可对它催一下）'],
            [429, '超出点单上限（正在办理的需求数，或 24 小时内的下单数）'],
          ],
        }),
        headers: {
          type: 'object',
          properties: { [IDEMPOTENCY_HEADER]: { type: 'string', description: '客户端为这次点单生成的唯一值（如 UUID）；网络重试时带同一个值' } },
        },
      },
      preValidation: validateBody(CreateOrderDto),
      // a resident ordering for themself is read by the order's own statement: one round trip (see ownOrderWriter)
      config: { actorInHandler: true },
    },
    async (request, reply) => {
      const raw = request.headers[IDEMPOTENCY_HEADER];
      const key = Array.isArray(raw) ? raw[0] : raw;
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw fieldError('Idempotency-Key', '须为 1 到 200 个可见的英文字符（如 UUID）');
      const who = { personId: request.tokenSubject, session: request.tokenSession, actor: () => app.loadActor(request) };
      const { order, replayed } = await orders.place(who, request.body as CreateOrderDto, key);
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(replayed ? 200 : 201).send(order);
    },
  );

  app.get(
    ORDERS_PATH,
    {
      schema: docs({
        tags: ['orders'],
        summary: '需求列表（按权限范围，最新在前）',
        description:
          '工作人员看到管辖范围内的全部需求（`actionable=true` 只看已升级到本级、可以派单处理的——调度台：超过接单时限仍无人接的排在最前，等待最久的在前，第一页全部列出（至多 100 条），带 `waitedMinutes`；`contentReview=true` 只看文字待人工审核的）；居民看到自己的（含别人代下的）；志愿者看到派给自己或自己接过的。游标分页。',
        auth: 'required',
        response: { 200: orderPageSchema },
        errors: [[404, '地区不存在']],
      }),
      preValidation: validateQuery(ListOrdersQuery),
    },
    async (request): Promise<Page<OrderDto>> => orders.list(requireActor(request), request.query as ListOrdersQuery),
  );

  app.get(
    `${ORDERS_PATH}/overdue`,
    {
      schema: docs({
        tags: ['orders'],
        summary: '超时未接的需求（按地区，兜底）',
        description:
          '工作人员：管辖范围内（或其中 `regionId` 地区下）超过接单时限仍无人接的需求，等待最久的在前；每条带已等待分钟数（`waitedMinutes`）、兜底责任人（`responsible`）和当前所在层级（`escalationLevel`）。',
        auth: 'required',
        response: { 200: orderListSchema },
        errors: [403, [404, '地区不存在']],
      }),
      preValidation: validateQuery(OverdueOrdersQuery),
    },
    async (request): Promise<{ items: OrderDto[] }> => orders.overdue(requireActor(request), request.query as OverdueOrdersQuery),
  );

  app.get<{ Params: { id: string } }>(
    `${ORDERS_PATH}/:id`,
    {
      schema: docs({
        tags: ['orders'],
        summary: '需求详情',
        description:
          '居民的手机号、详细地址和位置只对居民本人（及代下单人）、有管辖权的工作人员、已接单的志愿者完整显示，其余打码；每次完整显示都记入访问记录。',
        auth: 'required',
        params: idParam,
        response: { 200: orderSchema },
        errors: [404],
      }),
    },
    async (request) => orders.get(requireActor(request), request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    `${ORDERS_PATH}/:id/events`,
    {
      schema: docs({
        tags: ['orders'],
        summary: '需求时间线',
        description: '每一次状态变化和每一次派单、拒绝、升级：谁、何时、原因与数据。与所记录的变化在同一事务中写入。',
        auth: 'required',
        params: idParam,
        response: { 200: orderEventListSchema },
        errors: [404],
      }),
    },
    async (request): Promise<{ items: OrderEventDto[] }> => orders.events(requireActor(request), request.params.id),
  );

  /** One route per action: lock, check, change, event — then the order as the caller now sees it. */
  const action = <B extends object>(
    name: string,
    summary: string,
    description: string,
    dto: new () => B,
    run: OrderAction<B>,
    errors: Array<ErrorStatus | [ErrorStatus, string]>,
  ) => {
    app.post<{ Params: { id: string } }>(
      `${ORDERS_PATH}/:id/${name}`,
      {
        schema: docs({
          tags: ['orders'],
          summary,
          description,
          auth: 'required',
          params: idParam,
          response: { 200: orderSchema },
          errors: [403, 404, ...errors],
        }),
        preValidation: validateBody(dto),
      },
      async (request) => run(requireActor(request), request.params.id, (request.body ?? {}) as B),
    );
  };

  action(
    'dispatch',
    '派单（给一名志愿者/网格员，或一个小分队）',
    '管辖范围内的调度员、网格员、管理员，需求一来就可以派，不必等它升级到本级；需求尚未升级到本级时，时间线记为「越级派单」（`data.overLevel: true`，`data.level` 为当时所在级别）。`assigneeId` 与 `squadId` 二选一。',
    DispatchOrderDto,
    orders.dispatch,
    [[409, '需求当前状态不能派单']],
  );
  action(
    'accept',
    '接单',
    '从任务大厅接单（技能相符、在需求当前级别的区域内、当前可接单），或接受派给自己/自己小分队的需求。需要 N 人的需求，第 N 人接单后变为「已接单」；服务中缺人（有人被撤回或未到场）时也可接单补位，需求仍为「服务中」。多人同时接单时只有所需人数成功，其余得到 409「该需求已被接单」。',
    AcceptOrderDto,
    orders.accept,
    [[409, '该需求已被接单 / 已派给他人 / 您已接下']],
  );
  action('reject', '拒绝派单', '被派单的人（派给小分队时由负责人）拒绝，需求回到「待接单」。', OrderReasonDto, orders.reject, [
    [409, '需求当前不是「已派单」'],
  ]);
  action('check-in', '签到（到达居民家）', '记录签到位置与居民家的距离，超过 500 米（或没有位置）会在需求上标记。', CheckInDto, orders.checkIn, [
    [409, '需求当前状态不能签到，或已签到'],
  ]);
  action(
    'complete',
    '完成服务',
    '记录服务内容、照片和服务时长（签到到完成）。多人需求在所有已签到的人都完成后变为「待确认」。',
    CompleteOrderDto,
    orders.complete,
    [[409, '尚未签到或已完成']],
  );
  action(
    'release',
    '退单（签到前）',
    '接单人在签到前退回需求（计入其可靠性记录），需求回到「待接单」（服务中补位的名额则回到任务大厅，需求仍为「服务中」）。',
    OrderReasonDto,
    orders.release,
    [[409, '已签到或需求状态不允许']],
  );
  action('confirm', '确认并评价（或反馈未解决）', '居民本人或代下单人。`resolved: false` 重新打开同一个需求（历史保留）。', ConfirmOrderDto, orders.confirm, [
    [409, '需求当前不是「待确认」'],
  ]);
  action(
    'recall',
    '撤回改派（撤回派单或签到前的接单，可同时改派）',
    [
      '管辖范围内的调度员、网格员、管理员：撤回「已派单」的需求，或「已接单」但还没有人签到的需求，须说明原因；被撤回的人会收到通知。',
      '多人需求默认撤回所有未签到的人，`volunteerId` 只撤回其中一人。带 `assigneeId` 或 `squadId` 时在同一步改派给他/他们（与派单的检查相同，不合格则什么都不改）；不带时需求回到「待接单」，自动派单的地区立即重新派单。',
      '撤回是工作人员的决定，不计入被撤回者的可靠性记录，之后也还可以再派给他。',
    ].join('\n'),
    RecallOrderDto,
    orders.recall,
    [[409, '需求当前状态不能撤回（已有人签到，或不是已派单/已接单）']],
  );
  action(
    'urge',
    '催一下（居民、代下单人或家属）',
    [
      '居民着急时不必重复下单：对正在办理的需求（待接单、已派单、已接单、服务中）催一下，状态不变。',
      '需求转为紧急，剩余的等待时限缩短为紧急时限（从现在起算，只缩短不延长）；自动派单或先抢单后派单的待接单需求立即重新派单。',
      '时间线记一条「催办」，需求上记催办次数（工作人员在看板和需求页看到「催办 N 次」），并通知需求所在网格和当前所在级别的工作人员、已接单或被派单的志愿者。',
      '同一需求 `URGE_MIN_INTERVAL_MINUTES`（默认 10 分钟）内只能催一次，太早再催返回 429 并说明还要等几分钟。',
    ].join('\n'),
    UrgeOrderDto,
    orders.urge,
    [
      [409, '需求已完成或已取消，不能催办'],
      [429, '刚刚催过了，请稍后再催'],
    ],
  );
  action('cancel', '取消需求', '居民（或代下单人）在签到前；有管辖权的调度员、网格员在完成前。', OrderReasonDto, orders.cancel, [
    [409, '需求当前状态不能取消'],
  ]);

  app.post<{ Params: { id: string } }>(
    `${ORDERS_PATH}/:id/content-reviewed`,
    {
      schema: docs({
        tags: ['orders'],
        summary: '需求内容已审核（保留）',
        description:
          '微信内容安全检测建议人工审核（`contentReview: review`）或检测服务不可用（`unchecked`）的需求照常受理，并标记给管辖范围内的工作人员查看（需求列表 `contentReview=true`）。看过、内容无碍：清除标记，记入审计记录；内容不宜保留：取消该需求。',
        auth: 'required',
        params: idParam,
        response: { 200: orderSchema },
        errors: [403, 404, [409, '这个需求没有待审核的内容']],
      }),
    },
    async (request) => orders.markContentReviewed(requireActor(request), request.params.id, auditContextOf(request)),
  );
}
