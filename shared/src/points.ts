import { IsBoolean, IsIn, IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { API_PREFIX } from './api';
import { CursorField, LimitField } from './fields';
import { Field, Optional } from './validation';

/**
 * Points (积分, issue 22 item 3): volunteers' work is recognised — a confirmed order or an attended project credits
 * points by a rule, the points are redeemed in the community's points shop (积分超市), and the 爱心榜 ranks the
 * people of a grid and a community. The ledger is append-only: every credit and debit is a row.
 */

/** `/api/v1/me/points`: the person's balance; `/history`, `/redemptions` below it. */
export const MY_POINTS_PATH = `${API_PREFIX}/me/points`;
/** `/api/v1/points`: rules, shop, redemptions (staff), ranking. */
export const POINTS_PATH = `${API_PREFIX}/points`;

/**
 * What a ledger row records: an order's credit and its reversal (reopened after confirmation), a project's credit
 * (attendance confirmed; the projects module) and its reversal, a redemption and its cancellation.
 */
export const POINTS_KINDS = ['order', 'order_reversal', 'project', 'project_reversal', 'redeem', 'redeem_cancel', 'adjust'] as const;
export type PointsKind = (typeof POINTS_KINDS)[number];

export const POINTS_KIND_NAMES: Record<PointsKind, string> = {
  order: '完成服务',
  order_reversal: '服务被重新打开，扣回积分',
  project: '参加项目',
  project_reversal: '项目记录撤销，扣回积分',
  redeem: '积分兑换',
  redeem_cancel: '兑换取消，积分退回',
  adjust: '调整',
};

/**
 * An order's service counts at most this many minutes per person towards points: a volunteer who forgot to press
 * 完成 for a day did not serve for a day.
 */
export const MAX_CREDITED_MINUTES = 8 * 60;

/** A rule of points for orders (the default, or one service's). */
export interface PointsRuleValues {
  /** Points for the service itself. */
  base: number;
  /** Points per hour of service (check-in → complete), prorated by the minute. */
  perHour: number;
  /** Extra points when the resident rates at least `goodRatingMin` stars. */
  goodRatingBonus: number;
  goodRatingMin: number;
}

/**
 * The points one person earns for one confirmed order: the base, the hours they served (at most
 * MAX_CREDITED_MINUTES, rounded to the nearest point) and the bonus for a good rating. Pure: the server credits it,
 * the mini-program explains it.
 */
export function orderPoints(rule: PointsRuleValues, minutes: number, rating: number | null): number {
  const counted = Math.min(Math.max(0, minutes), MAX_CREDITED_MINUTES);
  const bonus = rating !== null && rating >= rule.goodRatingMin ? rule.goodRatingBonus : 0;
  return rule.base + Math.round((rule.perHour * counted) / 60) + bonus;
}

export interface PointsRuleDto extends PointsRuleValues {
  /** null: the default rule. */
  categoryCode: string | null;
  categoryName: string | null;
  updatedAt: string;
}

export interface PointsRulesDto {
  default: PointsRuleDto;
  /** The services with a rule of their own. */
  overrides: PointsRuleDto[];
}

const PointsField = () => Field(IsInt(), Min(0), Max(1000));

/** `PUT /points/rules/default` and `PUT /points/rules/:categoryCode` (admins). */
export class PointsRuleInputDto {
  @PointsField()
  base!: number;

  @PointsField()
  perHour!: number;

  @PointsField()
  goodRatingBonus!: number;

  @Field(IsInt(), Min(1, { message: '好评标准须为 1–5 星' }), Max(5, { message: '好评标准须为 1–5 星' }))
  goodRatingMin!: number;
}

/** The person's points: what they have, what they earned. */
export interface PointsSummaryDto {
  balance: number;
  /** Earned in all (credits minus reversals; redemptions do not lower it). */
  earnedTotal: number;
  /** Earned this month (Beijing time). */
  earnedThisMonth: number;
  /** Service minutes counted for points, in all and this month. */
  minutesTotal: number;
  minutesThisMonth: number;
  /** Their community (whose shop they redeem in); null when they have no place. */
  community: { id: string; name: string } | null;
  /** Redemptions waiting for the handover. */
  pendingRedemptions: number;
}

/** One ledger row as the person reads it. */
export interface PointsEntryDto {
  id: string;
  kind: PointsKind;
  /** ± points. */
  amount: number;
  balanceAfter: number;
  /** A reversal larger than the balance: the points that could not be taken back (see docs/points.md). */
  shortfall: number;
  minutes: number;
  /** The order, project or redemption it is about. */
  sourceId: string;
  /** What it was for, in words: the service's name, the item's, the project's. */
  note: string | null;
  at: string;
}

export class PointsHistoryQuery {
  @Optional()
  @CursorField()
  cursor?: string;

  @Optional()
  @LimitField()
  limit?: number;
}

// ---------- the shop (积分超市) ----------

export interface ShopItemDto {
  id: string;
  communityId: string;
  communityName: string;
  name: string;
  price: number;
  stock: number;
  active: boolean;
  pictureUrl: string | null;
}

export interface ShopDto {
  community: { id: string; name: string };
  items: ShopItemDto[];
}

/** A picture's address: our own upload (`/api/v1/uploads/…`) or an https address. */
const PICTURE_URL = /^(\/api\/v1\/uploads\/[\w.-]+|https:\/\/[^\s]{1,480})$/;
const ItemNameField = () => Field(IsString(), MinLength(1, { message: '请填写商品名称' }), MaxLength(40));
const PriceField = () => Field(IsInt(), Min(1, { message: '所需积分至少为 1' }), Max(100000));
const PictureField = () => Field(IsString(), Matches(PICTURE_URL, { message: '图片须为上传的图片或 https 地址' }));

export class ShopQuery {
  /** Staff: the community whose shop; a volunteer's is their own (this is then not needed). */
  @Optional()
  @IsUUID('all', { message: '社区编号格式不正确' })
  communityId?: string;

  /** Staff: include the items taken off the shelf. */
  @Optional()
  @IsIn(['true', 'false'])
  all?: 'true' | 'false';
}

export class CreateShopItemDto {
  @IsUUID('all', { message: '社区编号格式不正确' })
  communityId!: string;

  @ItemNameField()
  name!: string;

  @PriceField()
  price!: number;

  @Field(IsInt(), Min(0, { message: '库存不能小于 0' }), Max(100000))
  stock!: number;

  @Optional()
  @IsBoolean()
  active?: boolean;

  @Optional()
  @PictureField()
  pictureUrl?: string;
}

/** Every field optional. Stock changes by `stockChange` (入库 +, 出库 −), never set outright: a redemption at the same moment must not be lost. */
export class UpdateShopItemDto {
  @Optional()
  @ItemNameField()
  name?: string;

  @Optional()
  @PriceField()
  price?: number;

  @Optional()
  @Field(IsInt(), Min(-100000), Max(100000))
  stockChange?: number;

  @Optional()
  @IsBoolean()
  active?: boolean;

  @Optional()
  @PictureField()
  pictureUrl?: string;
}

export const REDEMPTION_STATUSES = ['pending', 'handed_over', 'cancelled'] as const;
export type RedemptionStatus = (typeof REDEMPTION_STATUSES)[number];
export const REDEMPTION_STATUS_NAMES: Record<RedemptionStatus, string> = { pending: '待领取', handed_over: '已领取', cancelled: '已取消' };

export interface RedemptionDto {
  id: string;
  status: RedemptionStatus;
  item: { id: string; name: string };
  price: number;
  person: { id: string; name: string };
  community: { id: string; name: string };
  createdAt: string;
  decidedAt: string | null;
  decidedBy: { id: string; name: string } | null;
  cancelReason: string | null;
}

export class RedeemDto {
  @IsUUID('all', { message: '请选择要兑换的商品' })
  itemId!: string;
}

export class CancelRedemptionDto {
  @Optional()
  @Field(IsString(), MaxLength(200))
  reason?: string;
}

export class ListRedemptionsQuery {
  @Optional()
  @IsUUID('all', { message: '社区编号格式不正确' })
  communityId?: string;

  @Optional()
  @IsIn(REDEMPTION_STATUSES)
  status?: RedemptionStatus;

  @Optional()
  @CursorField()
  cursor?: string;

  @Optional()
  @LimitField()
  limit?: number;
}

// ---------- 爱心榜 ----------

export const RANKING_SCOPES = ['grid', 'community'] as const;
export type RankingScope = (typeof RANKING_SCOPES)[number];
export const RANKING_PERIODS = ['month', 'all'] as const;
export type RankingPeriod = (typeof RANKING_PERIODS)[number];

export class RankingQuery {
  @Optional()
  @IsIn(RANKING_SCOPES, { message: '范围须为 网格 或 社区' })
  scope?: RankingScope;

  @Optional()
  @IsIn(RANKING_PERIODS, { message: '时间须为 本月 或 全部' })
  period?: RankingPeriod;

  /** Staff: the grid or community to rank (inside their jurisdiction); others rank their own. */
  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId?: string;
}

export interface RankingEntryDto {
  rank: number;
  userId: string;
  name: string;
  points: number;
  minutes: number;
}

export interface RankingDto {
  region: { id: string; name: string };
  scope: RankingScope;
  period: RankingPeriod;
  /** The top of the board (at most RANKING_SIZE). */
  items: RankingEntryDto[];
  /** The asker's own line, when they have earned points in the period (even below the top). */
  me: RankingEntryDto | null;
}

export const RANKING_SIZE = 50;
