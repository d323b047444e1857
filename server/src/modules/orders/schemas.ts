import {
  ASSIGNMENT_STATES,
  CONTENT_REVIEWS,
  DISPATCH_MODES,
  ESCALATION_LEVELS,
  ORDER_ACTIONS,
  ORDER_CHANNELS,
  ORDER_EVENT_TYPES,
  ORDER_STATUSES,
  URGENCIES,
  type AssignmentDto,
  type OrderDto,
  type OrderEventDto,
  type OrderResidentDto,
  type OrderResponsibleDto,
  type Page,
  type PoolTaskDto,
  type ServiceRecordDto,
  type StatsOverviewDto,
  type TaskPoolDto,
} from '@bangbang/shared';
import { nullable, shape, type JsonSchema } from '../../http/openapi';

/** The order routes' response shapes (documentation only, checked against real replies by the openapi test). */

const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const time: JsonSchema = { type: 'string', format: 'date-time' };
const latLng: JsonSchema = {
  type: 'object',
  properties: { lat: { type: 'number' }, lng: { type: 'number' } },
  required: ['lat', 'lng'],
  additionalProperties: false,
};

const residentSchema = shape<OrderResidentDto>('OrderResident', {
  description: '需求所属居民：无权查看时手机号、固定电话打码',
  properties: {
    id: uuid,
    name: { type: 'string' },
    phone: nullable({ type: 'string', example: '138****0001' }),
    landline: nullable({ type: 'string', description: '没有手机的居民的固定电话', example: '0471-*****67' }),
    phoneMasked: { type: 'boolean' },
  },
});

const responsibleProperties: Record<keyof OrderResponsibleDto, JsonSchema> = {
  id: uuid,
  name: { type: 'string' },
  phone: nullable({ type: 'string', example: '138****0001' }),
  phoneMasked: { type: 'boolean' },
};
/** Inline (a component cannot be nullable in OpenAPI 3.0 without allOf). */
const responsibleSchema: JsonSchema = {
  type: 'object',
  description: '兜底责任人：包联干部（重点人员台账上的住户），否则居民所在网格的网格员；无权查看时手机号打码',
  properties: responsibleProperties,
  required: Object.keys(responsibleProperties),
  additionalProperties: false,
};

const assignmentSchema = shape<AssignmentDto>('Assignment', {
  description: '接单人（多人需求有多个）',
  properties: {
    userId: uuid,
    name: { type: 'string' },
    squadId: nullable(uuid),
    state: {
      type: 'string',
      enum: [...ASSIGNMENT_STATES],
      description: 'accepted 已接单 · in_service 服务中 · completed 已完成 · released 已退单 · no_show 未到场 · cancelled 随需求取消 · recalled 被工作人员撤回',
    },
    acceptedAt: time,
    checkedInAt: nullable(time),
    completedAt: nullable(time),
    serviceMinutes: nullable({ type: 'integer', description: '签到到完成的分钟数' }),
    checkInDistanceMeters: nullable({ type: 'integer', description: '签到位置距居民家的米数' }),
    checkInFar: { type: 'boolean', description: '签到离居民家太远（或没有位置），已标记' },
    note: nullable({ type: 'string' }),
    photoUrls: { type: 'array', items: { type: 'string' } },
  },
});

const orderProperties = {
  id: uuid,
  status: { type: 'string', enum: [...ORDER_STATUSES] },
  categoryCode: { type: 'string', example: 'medicine_delivery' },
  categoryName: { type: 'string', example: '送医送药' },
  description: { type: 'string' },
  address: nullable({ type: 'string', description: '完整地址，或打码时所在社区的名称' }),
  addressMasked: { type: 'boolean' },
  location: nullable({ ...latLng, description: '打码时为 null' }),
  urgency: { type: 'string', enum: [...URGENCIES] },
  headcount: { type: 'integer', minimum: 1, maximum: 50 },
  acceptedCount: { type: 'integer' },
  channel: { type: 'string', enum: [...ORDER_CHANNELS] },
  resident: residentSchema,
  requesterId: uuid,
  regionId: uuid,
  regionName: { type: 'string' },
  escalationLevel: { type: 'string', enum: [...ESCALATION_LEVELS], description: '三级联动：当前由哪一级响应' },
  escalateAt: nullable({ ...time, description: '到时仍无人接单则升级（已在旗县级或已接单时为 null）' }),
  deadlineAt: { ...time, description: '服务类别规定的接单时限（从点单起算）' },
  preferredStart: nullable(time),
  preferredEnd: nullable(time),
  dispatchedToUserId: nullable(uuid),
  dispatchedToSquadId: nullable(uuid),
  dispatchMode: {
    type: 'string',
    enum: [...DISPATCH_MODES],
    description: 'manual 人工派单 · auto 自动派单（同时请几位，先接先得） · pool 先抢单，无人接再同时请几位 · sequential 逐个派单',
  },
  assignees: { type: 'array', items: assignmentSchema },
  farCheckIn: { type: 'boolean' },
  reopenCount: { type: 'integer', description: '居民反馈未解决而重新打开的次数' },
  rating: nullable({ type: 'integer', minimum: 1, maximum: 5 }),
  ratingComment: nullable({ type: 'string' }),
  cancelReason: nullable({ type: 'string' }),
  contentReview: nullable({
    type: 'string',
    enum: [...CONTENT_REVIEWS],
    description: '仅工作人员可见：需求文字待人工查看（review：微信内容安全检测建议人工审核；unchecked：检测服务不可用，未能检测）',
  }),
  responsible: nullable(responsibleSchema),
  waitedMinutes: nullable({ type: 'integer', description: '超过接单时限仍在等人接：从点单起已等待的分钟数（否则为 null）' }),
  urgeCount: { type: 'integer', minimum: 0, description: '催一下：居民（或代下单人、家属）催办的次数' },
  lastUrgedAt: nullable({ ...time, description: '最近一次催办的时间' }),
  repeatOf: nullable({ ...uuid, description: '工作人员明知居民已有同一服务的需求在办、另下的这一单所并存的那个需求' }),
  createdAt: time,
  updatedAt: time,
  actions: { type: 'array', items: { type: 'string', enum: [...ORDER_ACTIONS] }, description: '当前用户现在可以进行的操作（小程序据此显示按钮）' },
};

export const orderSchema = shape<OrderDto>('Order', { description: '一个需求（订单）', properties: orderProperties });

export const orderPageSchema = shape<Page<OrderDto>>('OrderPage', {
  properties: {
    items: { type: 'array', items: orderSchema },
    nextCursor: nullable({ type: 'string', description: '下一页时作为 `cursor` 传回；最后一页为 null' }),
  },
});

export const orderListSchema = shape<{ items: OrderDto[] }>('OrderList', {
  properties: { items: { type: 'array', items: orderSchema } },
});

const poolTaskSchema = shape<PoolTaskDto>('PoolTask', {
  description: '任务大厅中的需求：居民联系方式打码，附距离',
  properties: {
    ...orderProperties,
    distanceMeters: nullable({ type: 'integer', description: '从志愿者位置到居民家的米数' }),
    offer: nullable({
      type: 'object',
      description: '同时请几位、先接先得：这个需求正请您接单（排在大厅最前）；null 为大厅中的普通需求',
      required: ['askedCount', 'answerBy'],
      additionalProperties: false,
      properties: {
        askedCount: { type: 'integer', minimum: 1, description: '本轮已同时请了几位' },
        answerBy: { type: 'string', format: 'date-time', description: '请在此前答复（下一波邀请的时间）' },
      },
    }),
  },
});

export const taskPoolSchema = shape<TaskPoolDto>('TaskPool', {
  properties: {
    availableNow: { type: 'boolean', description: '当前是否可接单（在岗且在排班时段内）' },
    items: { type: 'array', items: poolTaskSchema },
  },
});

export const orderEventSchema = shape<OrderEventDto>('OrderEvent', {
  description: '时间线上的一条记录：每次状态变化以及派单、拒绝、升级',
  properties: {
    seq: { type: 'integer', minimum: 1 },
    type: { type: 'string', enum: [...ORDER_EVENT_TYPES] },
    actorId: nullable(uuid),
    actorName: nullable({ type: 'string', description: '系统（自动升级）为 null' }),
    at: time,
    fromStatus: nullable({ type: 'string', enum: [...ORDER_STATUSES] }),
    toStatus: { type: 'string', enum: [...ORDER_STATUSES] },
    reason: nullable({ type: 'string' }),
    data: { type: 'object', additionalProperties: true },
  },
});

export const orderEventListSchema = shape<{ items: OrderEventDto[] }>('OrderEventList', {
  properties: { items: { type: 'array', items: orderEventSchema } },
});

const countByStatus = Object.fromEntries(ORDER_STATUSES.map((s) => [s, { type: 'integer' }]));

export const statsOverviewSchema = shape<StatsOverviewDto>('StatsOverview', {
  description: '统计概览（管辖范围内，按点单时间筛选）',
  properties: {
    regionId: nullable(uuid),
    from: nullable(time),
    to: nullable(time),
    total: { type: 'integer' },
    byStatus: { type: 'object', properties: countByStatus, required: [...ORDER_STATUSES], additionalProperties: false },
    byCategory: {
      type: 'array',
      items: {
        type: 'object',
        properties: { categoryCode: { type: 'string' }, categoryName: { type: 'string' }, count: { type: 'integer' } },
        required: ['categoryCode', 'categoryName', 'count'],
        additionalProperties: false,
      },
    },
    peopleServed: { type: 'integer', description: '有已完成需求的不同居民人数' },
    volunteerServiceHours: { type: 'number', description: '志愿服务时长（小时，签到到完成）' },
    medianMinutesToAccept: nullable({ type: 'number' }),
    p90MinutesToAccept: nullable({ type: 'number' }),
    acceptedBeforeDeadlineShare: nullable({ type: 'number', minimum: 0, maximum: 1 }),
    averageRating: nullable({ type: 'number' }),
    escalations: { type: 'integer' },
  },
});

export const serviceRecordSchema = shape<ServiceRecordDto>('ServiceRecord', {
  description: '志愿者的服务记录：接单、完成、退单、未到场、拒绝派单，服务时长与评分',
  properties: {
    userId: uuid,
    accepted: { type: 'integer' },
    completed: { type: 'integer' },
    serviceMinutes: { type: 'integer' },
    released: { type: 'integer', description: '签到前退单' },
    noShows: { type: 'integer', description: '接单后未到场' },
    rejectedDispatches: { type: 'integer', description: '拒绝派单' },
    farCheckIns: { type: 'integer', description: '签到离居民家太远（或没有位置）' },
    averageRating: nullable({ type: 'number' }),
    reliability: nullable({ type: 'number', minimum: 0, maximum: 1, description: '完成 ÷（完成 + 退单 + 未到场）' }),
  },
});
