import {
  POINTS_KINDS,
  RANKING_PERIODS,
  RANKING_SCOPES,
  REDEMPTION_STATUSES,
  type Page,
  type PointsEntryDto,
  type PointsRuleDto,
  type PointsRulesDto,
  type PointsSummaryDto,
  type RankingDto,
  type RankingEntryDto,
  type RedemptionDto,
  type ShopDto,
  type ShopItemDto,
} from '@bangbang/shared';
import { nullable, shape, type JsonSchema } from '../../http/openapi';

/** The points routes' response shapes (documentation only, checked against real replies by the openapi test). */

const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const time: JsonSchema = { type: 'string', format: 'date-time' };
const int: JsonSchema = { type: 'integer' };
const ref = (description?: string): JsonSchema => ({
  type: 'object',
  ...(description ? { description } : {}),
  properties: { id: uuid, name: { type: 'string' } },
  required: ['id', 'name'],
  additionalProperties: false,
});
const nextCursor = nullable({ type: 'string', description: '下一页时作为 `cursor` 传回；最后一页为 null' });

export const pointsRuleSchema = shape<PointsRuleDto>('PointsRule', {
  description: '积分规则：完成一单（居民确认后）每位服务者得 基础分 + 每小时分 ×（签到→完成 的时长，最多 8 小时）+ 好评（不低于 goodRatingMin 星）奖励',
  properties: {
    categoryCode: nullable({ type: 'string', description: 'null：默认规则' }),
    categoryName: nullable({ type: 'string' }),
    base: int,
    perHour: int,
    goodRatingBonus: int,
    goodRatingMin: { type: 'integer', minimum: 1, maximum: 5 },
    updatedAt: time,
  },
});

export const pointsRulesSchema = shape<PointsRulesDto>('PointsRules', {
  properties: { default: pointsRuleSchema, overrides: { type: 'array', items: pointsRuleSchema } },
});

export const pointsSummarySchema = shape<PointsSummaryDto>('PointsSummary', {
  description: '我的积分：余额、累计获得、本月获得（北京时间）、计入积分的服务时长、所在社区、待领取的兑换',
  properties: {
    balance: int,
    earnedTotal: int,
    earnedThisMonth: int,
    minutesTotal: int,
    minutesThisMonth: int,
    community: nullable(ref()),
    pendingRedemptions: int,
  },
});

const pointsEntrySchema = shape<PointsEntryDto>('PointsEntry', {
  description: '积分台账的一行（只增不改）：获得、扣回、兑换、兑换取消',
  properties: {
    id: { type: 'string', description: '台账行号' },
    kind: { type: 'string', enum: [...POINTS_KINDS] },
    amount: { type: 'integer', description: '正数为获得，负数为扣除' },
    balanceAfter: int,
    shortfall: { type: 'integer', description: '扣回时余额不足、未能扣回的积分（余额不会小于 0）' },
    minutes: int,
    sourceId: uuid,
    note: nullable({ type: 'string' }),
    at: time,
  },
});

export const pointsHistorySchema = shape<Page<PointsEntryDto>>('PointsHistory', {
  properties: { items: { type: 'array', items: pointsEntrySchema }, nextCursor },
});

export const shopItemSchema = shape<ShopItemDto>('ShopItem', {
  description: '积分超市的商品',
  properties: {
    id: uuid,
    communityId: uuid,
    communityName: { type: 'string' },
    name: { type: 'string' },
    price: { type: 'integer', description: '所需积分' },
    stock: int,
    active: { type: 'boolean', description: 'false：已下架' },
    pictureUrl: nullable({ type: 'string' }),
  },
});

export const shopSchema = shape<ShopDto>('Shop', {
  properties: { community: ref(), items: { type: 'array', items: shopItemSchema } },
});

export const redemptionSchema = shape<RedemptionDto>('Redemption', {
  description: '一次积分兑换：待领取（pending），工作人员核销后为已领取（handed_over），或已取消（cancelled，积分与库存退回）',
  properties: {
    id: uuid,
    status: { type: 'string', enum: [...REDEMPTION_STATUSES] },
    item: ref(),
    price: int,
    person: ref(),
    community: ref(),
    createdAt: time,
    decidedAt: nullable(time),
    decidedBy: nullable(ref()),
    cancelReason: nullable({ type: 'string' }),
  },
});

export const redemptionPageSchema = shape<Page<RedemptionDto>>('RedemptionPage', {
  properties: { items: { type: 'array', items: redemptionSchema }, nextCursor },
});

const rankingEntrySchema = shape<RankingEntryDto>('RankingEntry', {
  properties: { rank: int, userId: uuid, name: { type: 'string' }, points: int, minutes: int },
});

export const rankingSchema = shape<RankingDto>('Ranking', {
  description: '爱心榜：网格或社区的人按时间段内获得的积分排名，附服务时长',
  properties: {
    region: ref(),
    scope: { type: 'string', enum: [...RANKING_SCOPES] },
    period: { type: 'string', enum: [...RANKING_PERIODS] },
    items: { type: 'array', items: rankingEntrySchema },
    me: nullable({ ...rankingEntrySchema.schema }),
  },
});
