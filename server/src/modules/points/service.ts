import {
  RANKING_SIZE,
  type CancelRedemptionDto,
  type CreateShopItemDto,
  type ListRedemptionsQuery,
  type Page,
  type PointsEntryDto,
  type PointsHistoryQuery,
  type PointsRuleDto,
  type PointsRuleInputDto,
  type PointsRulesDto,
  type PointsSummaryDto,
  type RankingDto,
  type RankingQuery,
  type RedemptionDto,
  type ShopDto,
  type ShopItemDto,
  type ShopQuery,
  type UpdateShopItemDto,
} from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../clock';
import { decodeCursor, encodeCursor } from '../../db/cursor';
import { ConflictError, ForbiddenError, NotFoundError, UUID_PATTERN, fieldError } from '../../errors';
import { covers, isStaff, jurisdictionOf, pathCondition } from '../access/jurisdiction';
import { requireRole, type Actor } from '../auth/actor';
import { changedFields, recordAudit, type AuditContext } from '../audit/service';
import { redeemItem } from './redeem';
import {
  categoryName,
  changeBalance,
  communityOfPath,
  decideRedemption,
  deleteRule,
  findItem,
  findPlace,
  findRedemption,
  historyOf,
  insertEntry,
  insertItem,
  itemNameTaken,
  itemsOf,
  listRules,
  lockBalance,
  putBack,
  ranking,
  redemptionPage,
  redemptionsOfUser,
  summaryOf,
  updateItem,
  upsertRule,
  type ItemRow,
  type PlaceRow,
  type RedemptionRow,
  type RuleRow,
} from './points.repo';

const ADMINS_ONLY = '只有管理员可以设置积分规则。';
const SHOP_STAFF_ONLY = '只有社区的工作人员可以管理积分超市。';

const itemNotFound = () => new NotFoundError('该商品不存在。');
const redemptionNotFound = () => new NotFoundError('该兑换记录不存在。');
const communityNotFound = () => new NotFoundError('该社区不存在。');

function presentRule(r: RuleRow, name: string | null = r.category_name): PointsRuleDto {
  return {
    categoryCode: r.category_code,
    categoryName: name,
    base: r.base,
    perHour: r.per_hour,
    goodRatingBonus: r.good_rating_bonus,
    goodRatingMin: r.good_rating_min,
    updatedAt: r.updated_at.toISOString(),
  };
}

function ruleView(r: RuleRow | undefined): Record<string, unknown> | null {
  return r ? { base: r.base, perHour: r.per_hour, goodRatingBonus: r.good_rating_bonus, goodRatingMin: r.good_rating_min } : null;
}

function presentItem(i: ItemRow): ShopItemDto {
  return {
    id: i.id,
    communityId: i.community_id,
    communityName: i.community_name,
    name: i.name,
    price: i.price,
    stock: i.stock,
    active: i.active,
    pictureUrl: i.picture_url,
  };
}

function itemView(i: ItemRow): Record<string, unknown> {
  return { name: i.name, price: i.price, stock: i.stock, active: i.active, pictureUrl: i.picture_url };
}

function presentRedemption(r: RedemptionRow): RedemptionDto {
  return {
    id: r.id,
    status: r.status,
    item: { id: r.item_id, name: r.item_name },
    price: r.price,
    person: { id: r.user_id, name: r.user_name },
    community: { id: r.community_id, name: r.community_name },
    createdAt: r.created_at.toISOString(),
    decidedAt: r.decided_at?.toISOString() ?? null,
    decidedBy: r.decided_by !== null && r.decider_name !== null ? { id: r.decided_by, name: r.decider_name } : null,
    cancelReason: r.cancel_reason,
  };
}

/** A message to one person, written in the caller's transaction (the app hands in the notifications module's). */
export interface PointsMessage {
  recipientId: string;
  source: string;
  title: string;
  body: string;
}

export interface PointsServiceDeps {
  db: DataSource;
  clock: Clock;
  /**
   * Tells a person something about their points (a redemption the community cancelled). Handed in by the app: the
   * notifications module sits above orders, which credit points, so points cannot import it.
   */
  tell?: (m: EntityManager, message: PointsMessage, at: Date) => Promise<void>;
}

export type PointsService = ReturnType<typeof createPointsService>;

/**
 * Points (积分, issue 22 item 3) as the API offers them: the rules (admins), a person's balance and history, the
 * community's points shop (积分超市: items kept by the community's staff, redeemed by its people, handed over —
 * 核销 — by staff) and the 爱心榜. Crediting and reversing is ledger.ts's, called by the orders and projects.
 */
export function createPointsService({ db, clock, tell }: PointsServiceDeps) {
  /** The community a person belongs to (their grid's), or null without a place. */
  async function communityOf(m: EntityManager, actor: Actor): Promise<PlaceRow | null> {
    return actor.regionPath === null ? null : ((await communityOfPath(m, actor.regionPath)) ?? null);
  }

  /** A community the staff member keeps the shop of: 404 when it is not a community or outside their jurisdiction, 403 for non-staff. */
  async function keptCommunity(m: EntityManager, actor: Actor, id: string): Promise<PlaceRow> {
    if (!isStaff(actor)) throw new ForbiddenError(SHOP_STAFF_ONLY);
    if (!UUID_PATTERN.test(id)) throw communityNotFound();
    const place = await findPlace(m, id);
    if (!place || place.level !== 'community' || !covers(jurisdictionOf(actor), place.path)) throw communityNotFound();
    return place;
  }

  /** An item the staff member keeps (locked): 403 for non-staff, 404 outside their jurisdiction. */
  async function keptItem(m: EntityManager, actor: Actor, id: string): Promise<ItemRow> {
    if (!isStaff(actor)) throw new ForbiddenError(SHOP_STAFF_ONLY);
    if (!UUID_PATTERN.test(id)) throw itemNotFound();
    const item = await findItem(m, id, true);
    if (!item || !covers(jurisdictionOf(actor), item.community_path)) throw itemNotFound();
    return item;
  }

  /** A redemption the staff member decides (locked): 403 for non-staff, 404 outside, 409 once decided. */
  async function keptRedemption(m: EntityManager, actor: Actor, id: string): Promise<RedemptionRow> {
    if (!isStaff(actor)) throw new ForbiddenError('只有社区的工作人员可以核销或取消兑换。');
    if (!UUID_PATTERN.test(id)) throw redemptionNotFound();
    const r = await findRedemption(m, id, true);
    if (!r || !covers(jurisdictionOf(actor), r.community_path)) throw redemptionNotFound();
    if (r.status !== 'pending') throw new ConflictError(`该兑换已${r.status === 'handed_over' ? '领取' : '取消'}，不能再处理。`);
    return r;
  }

  /** Cancels a locked pending redemption: the item back on the shelf, the points back to the person (new ledger rows). */
  async function cancelRedemption(m: EntityManager, r: RedemptionRow, by: string, reason: string | null): Promise<void> {
    const now = clock();
    if (!(await decideRedemption(m, r.id, 'cancelled', by, now, reason))) throw new ConflictError('该兑换已处理过。');
    await findItem(m, r.item_id, true);
    await putBack(m, r.item_id, now);
    await lockBalance(m, r.user_id);
    const after = await changeBalance(m, r.user_id, r.price, 0, 0, now);
    await insertEntry(
      m,
      {
        userId: r.user_id,
        kind: 'redeem_cancel',
        sourceId: r.id,
        round: 0,
        amount: r.price,
        shortfall: 0,
        minutes: 0,
        regionId: r.community_id,
        note: r.item_name,
        at: now,
      },
      after!,
    );
  }

  return {
    // ---------- rules ----------

    /** `GET /points/rules`: anyone logged in (a volunteer may read how points are earned). */
    async rules(): Promise<PointsRulesDto> {
      const rows = await listRules(db.manager);
      const def = rows.find((r) => r.category_code === null);
      return {
        default: def
          ? presentRule(def)
          : { categoryCode: null, categoryName: null, base: 0, perHour: 0, goodRatingBonus: 0, goodRatingMin: 5, updatedAt: new Date(0).toISOString() },
        overrides: rows.filter((r) => r.category_code !== null).map((r) => presentRule(r)),
      };
    },

    /** `PUT /points/rules/default` or `/points/rules/:code`: admins; audited. */
    async setRule(actor: Actor, code: string | null, body: PointsRuleInputDto, ctx: AuditContext): Promise<PointsRuleDto> {
      requireRole(actor, ['admin'], ADMINS_ONLY);
      return db.transaction(async (m) => {
        let name: string | null = null;
        if (code !== null) {
          name = (await categoryName(m, code)) ?? null;
          if (name === null) throw new NotFoundError('该服务类别不存在。');
        }
        const now = clock();
        const before = await upsertRule(m, code, body, now);
        const after = { base: body.base, perHour: body.perHour, goodRatingBonus: body.goodRatingBonus, goodRatingMin: body.goodRatingMin };
        const change = before ? changedFields(ruleView(before)!, after) : { before: null, after };
        await recordAudit(m, actor.id, ctx, { action: 'points.rule_set', subjectType: 'points_rule', subjectId: code ?? 'default', ...change });
        return {
          categoryCode: code,
          categoryName: name,
          ...after,
          updatedAt: now.toISOString(),
        };
      });
    },

    /** `DELETE /points/rules/:code`: the service goes back to the default rule; admins; audited. */
    async removeRule(actor: Actor, code: string, ctx: AuditContext): Promise<void> {
      requireRole(actor, ['admin'], ADMINS_ONLY);
      await db.transaction(async (m) => {
        const removed = await deleteRule(m, code);
        if (!removed) throw new NotFoundError('这个服务没有单独的积分规则。');
        await recordAudit(m, actor.id, ctx, {
          action: 'points.rule_remove',
          subjectType: 'points_rule',
          subjectId: code,
          before: ruleView(removed),
          after: null,
        });
      });
    },

    // ---------- the person's points ----------

    /** `GET /me/points`. */
    async summary(actor: Actor): Promise<PointsSummaryDto> {
      return db.transaction(async (m) => {
        const s = await summaryOf(m, actor.id, clock());
        const community = await communityOf(m, actor);
        return {
          balance: s.balance,
          earnedTotal: s.earned_total,
          earnedThisMonth: s.earned_month,
          minutesTotal: s.minutes_total,
          minutesThisMonth: s.minutes_month,
          community: community ? { id: community.id, name: community.name } : null,
          pendingRedemptions: s.pending,
        };
      });
    },

    /** `GET /me/points/history`: the person's ledger, newest first, paged by the last row's id. */
    async history(actor: Actor, q: PointsHistoryQuery): Promise<Page<PointsEntryDto>> {
      let before: string | null = null;
      if (q.cursor !== undefined) {
        if (!/^\d{1,18}$/.test(q.cursor)) throw fieldError('cursor', '分页游标无效');
        before = q.cursor;
      }
      const limit = q.limit ?? 20;
      const rows = await historyOf(db.manager, actor.id, before, limit + 1);
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          id: r.id,
          kind: r.kind,
          amount: r.amount,
          balanceAfter: r.balance_after,
          shortfall: r.shortfall,
          minutes: r.minutes,
          sourceId: r.source_id,
          note: r.note,
          at: r.created_at.toISOString(),
        })),
        nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },

    // ---------- the shop ----------

    /**
     * `GET /points/shop`: the items on the shelf of the person's community; staff may name a community of their
     * jurisdiction (`all=true`: with the items taken off the shelf).
     */
    async shop(actor: Actor, q: ShopQuery): Promise<ShopDto> {
      return db.transaction(async (m) => {
        let community: PlaceRow | null;
        let all = false;
        if (q.communityId !== undefined) {
          const own = await communityOf(m, actor);
          if (own?.id === q.communityId && !(isStaff(actor) && q.all === 'true')) community = own;
          else {
            community = await keptCommunity(m, actor, q.communityId);
            all = q.all === 'true';
          }
        } else {
          community = await communityOf(m, actor);
          if (!community) throw new ConflictError('您还没有所属社区，请先在个人资料中选择所在网格。');
          all = q.all === 'true' && isStaff(actor) && covers(jurisdictionOf(actor), community.path);
        }
        return { community: { id: community.id, name: community.name }, items: (await itemsOf(m, community.id, all)).map(presentItem) };
      });
    },

    /** `POST /points/shop-items`: staff whose jurisdiction covers the community; audited. */
    async createItem(actor: Actor, body: CreateShopItemDto, ctx: AuditContext): Promise<ShopItemDto> {
      return db.transaction(async (m) => {
        const community = await keptCommunity(m, actor, body.communityId);
        const id = await insertItem(
          m,
          {
            communityId: community.id,
            name: body.name.trim(),
            price: body.price,
            stock: body.stock,
            active: body.active ?? true,
            pictureUrl: body.pictureUrl ?? null,
          },
          clock(),
        );
        if (id === undefined) throw fieldError('name', `${community.name}的积分超市已有「${body.name.trim()}」`);
        const item = (await findItem(m, id))!;
        await recordAudit(m, actor.id, ctx, { action: 'points.item_create', subjectType: 'shop_item', subjectId: id, before: null, after: itemView(item) });
        return presentItem(item);
      });
    },

    /** `PATCH /points/shop-items/:id`: name, price, stock by a difference (入库/出库), on or off the shelf; audited. */
    async updateItem(actor: Actor, id: string, body: UpdateShopItemDto, ctx: AuditContext): Promise<ShopItemDto> {
      return db.transaction(async (m) => {
        const item = await keptItem(m, actor, id);
        const name = body.name?.trim();
        if (name !== undefined && (await itemNameTaken(m, item.community_id, name, item.id))) {
          throw fieldError('name', `${item.community_name}的积分超市已有「${name}」`);
        }
        if (body.stockChange !== undefined && item.stock + body.stockChange < 0) {
          throw fieldError('stockChange', `库存只有 ${item.stock} 件，不能减少 ${-body.stockChange} 件`);
        }
        await updateItem(m, item.id, { ...body, ...(name !== undefined ? { name } : {}) }, clock());
        const after = (await findItem(m, item.id))!;
        const change = changedFields(itemView(item), itemView(after));
        await recordAudit(m, actor.id, ctx, { action: 'points.item_update', subjectType: 'shop_item', subjectId: item.id, ...change });
        return presentItem(after);
      });
    },

    /** `POST /me/points/redemptions`: one item of the person's own community, race-safe (redeem.ts). */
    async redeem(actor: Actor, itemId: string): Promise<RedemptionDto> {
      return db.transaction(async (m) => {
        const item = await findItem(m, itemId);
        const community = await communityOf(m, actor);
        if (!item || !community || item.community_id !== community.id) throw fieldError('itemId', '该商品不存在，或不在您所在社区的积分超市');
        const id = await redeemItem(m, { userId: actor.id, itemId: item.id, itemName: item.name, communityId: community.id, at: clock() });
        return presentRedemption((await findRedemption(m, id))!);
      });
    },

    /** `GET /me/points/redemptions`: the person's redemptions, newest first (the last 100). */
    async myRedemptions(actor: Actor): Promise<Page<RedemptionDto>> {
      const rows = await redemptionsOfUser(db.manager, actor.id, 100);
      return { items: rows.map(presentRedemption), nextCursor: null };
    },

    /** `POST /me/points/redemptions/:id/cancel`: the person takes back a redemption not yet handed over. */
    async cancelMine(actor: Actor, id: string): Promise<RedemptionDto> {
      return db.transaction(async (m) => {
        if (!UUID_PATTERN.test(id)) throw redemptionNotFound();
        const r = await findRedemption(m, id, true);
        if (!r || r.user_id !== actor.id) throw redemptionNotFound();
        if (r.status !== 'pending') throw new ConflictError(`该兑换已${r.status === 'handed_over' ? '领取' : '取消'}，不能再取消。`);
        await cancelRedemption(m, r, actor.id, null);
        return presentRedemption((await findRedemption(m, id))!);
      });
    },

    /** `GET /points/redemptions`: staff, the redemptions of the communities of their jurisdiction (or one), newest first. */
    async listRedemptions(actor: Actor, q: ListRedemptionsQuery): Promise<Page<RedemptionDto>> {
      if (!isStaff(actor)) throw new ForbiddenError('只有社区的工作人员可以查看兑换记录。');
      return db.transaction(async (m) => {
        const params: unknown[] = [];
        const where = [pathCondition(jurisdictionOf(actor), 'c.path', params)];
        if (q.communityId !== undefined) {
          const community = await keptCommunity(m, actor, q.communityId);
          params.push(community.id);
          where.push(`r.community_id = $${params.length}`);
        }
        if (q.status !== undefined) {
          params.push(q.status);
          where.push(`r.status = $${params.length}`);
        }
        const limit = q.limit ?? 20;
        const rows = await redemptionPage(m, where, params, q.cursor === undefined ? undefined : decodeCursor(q.cursor), limit + 1);
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return { items: page.map(presentRedemption), nextCursor: rows.length > limit && last ? encodeCursor(last.created_at_text, last.id) : null };
      });
    },

    /** `POST /points/redemptions/:id/hand-over` (核销): staff of the community gave the item; audited. */
    async handOver(actor: Actor, id: string, ctx: AuditContext): Promise<RedemptionDto> {
      return db.transaction(async (m) => {
        const r = await keptRedemption(m, actor, id);
        if (!(await decideRedemption(m, r.id, 'handed_over', actor.id, clock(), null))) throw new ConflictError('该兑换已处理过。');
        await recordAudit(m, actor.id, ctx, {
          action: 'points.redemption_hand_over',
          subjectType: 'redemption',
          subjectId: r.id,
          before: { status: 'pending' },
          after: { status: 'handed_over', item: r.item_name, person: r.user_name },
        });
        return presentRedemption((await findRedemption(m, r.id))!);
      });
    },

    /** `POST /points/redemptions/:id/cancel`: staff of the community cancel (points and stock come back); audited. */
    async cancelByStaff(actor: Actor, id: string, body: CancelRedemptionDto, ctx: AuditContext): Promise<RedemptionDto> {
      return db.transaction(async (m) => {
        const r = await keptRedemption(m, actor, id);
        const reason = body.reason?.trim() || null;
        await cancelRedemption(m, r, actor.id, reason);
        // the person hears it: they may be on their way to collect it
        await tell?.(
          m,
          {
            recipientId: r.user_id,
            source: `redemption-cancelled:${r.id}`,
            title: '积分兑换已取消',
            body: `您在${r.community_name}积分超市兑换的「${r.item_name}」已被社区取消，${r.price} 积分已退回。${reason ? `原因：${reason}。` : ''}`,
          },
          clock(),
        );
        await recordAudit(m, actor.id, ctx, {
          action: 'points.redemption_cancel',
          subjectType: 'redemption',
          subjectId: r.id,
          before: { status: 'pending' },
          after: { status: 'cancelled', reason },
        });
        return presentRedemption((await findRedemption(m, r.id))!);
      });
    },

    // ---------- 爱心榜 ----------

    /**
     * `GET /points/ranking`: the people of the asker's grid or community by points earned this month or in all,
     * with their service hours; staff may name a grid or community of their jurisdiction.
     */
    async ranking(actor: Actor, q: RankingQuery): Promise<RankingDto> {
      const scope = q.scope ?? 'grid';
      const period = q.period ?? 'month';
      return db.transaction(async (m) => {
        let place: PlaceRow | undefined;
        if (q.regionId !== undefined) {
          const p = await findPlace(m, q.regionId);
          const own = actor.regionPath !== null && p !== undefined && actor.regionPath.startsWith(p.path);
          if (!p || !(own || (isStaff(actor) && covers(jurisdictionOf(actor), p.path)))) throw new NotFoundError('该地区不存在。');
          if (p.level !== 'grid' && p.level !== 'community') throw fieldError('regionId', '爱心榜按网格或社区排名，请选择网格或社区');
          place = p;
        } else {
          if (actor.regionPath === null || actor.regionId === null) throw new ConflictError('您还没有所属网格，请先在个人资料中选择所在网格。');
          place = scope === 'community' ? await communityOfPath(m, actor.regionPath) : await findPlace(m, actor.regionId);
          if (!place || (scope === 'grid' && place.level !== 'grid'))
            throw new ConflictError(scope === 'grid' ? '您不属于某个网格，请查看社区的爱心榜。' : '您不属于某个社区。');
        }
        const rows = await ranking(m, place.path, period, clock(), actor.id, RANKING_SIZE);
        const line = (r: (typeof rows)[number]) => ({ rank: Number(r.rank), userId: r.user_id, name: r.name, points: r.points, minutes: r.minutes });
        const mine = rows.find((r) => r.user_id === actor.id);
        return {
          region: { id: place.id, name: place.name },
          scope: place.level === 'community' ? 'community' : 'grid',
          period,
          items: rows.filter((r) => Number(r.rn) <= RANKING_SIZE).map(line),
          me: mine ? line(mine) : null,
        };
      });
    },
  };
}
