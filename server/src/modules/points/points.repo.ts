import type { PointsKind, RankingPeriod, RedemptionStatus } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { keysetBefore } from '../../db/cursor';
import { updateReturning } from '../../db/returning';

/**
 * Points' data access (migration 1795401200000-CreatePoints): the only file with the points tables' SQL. Every
 * function takes the transaction's manager. Locks, always in this order so two transactions never wait on each
 * other in a circle: a redemption row → a shop item → balances (several people's in the order of their ids).
 */

type Q = Pick<EntityManager, 'query'>;

/** The month (its first day, Beijing time) a moment falls in: how points_month is keyed. */
const MONTH_OF = (param: string) => `date_trunc('month', ${param}::timestamptz AT TIME ZONE 'Asia/Shanghai')::date`;

// ---------- rules ----------

export interface RuleRow {
  category_code: string | null;
  category_name: string | null;
  base: number;
  per_hour: number;
  good_rating_bonus: number;
  good_rating_min: number;
  updated_at: Date;
}

export async function listRules(m: Q): Promise<RuleRow[]> {
  return m.query<RuleRow[]>(
    `SELECT r.category_code, c.name AS category_name, r.base, r.per_hour, r.good_rating_bonus, r.good_rating_min, r.updated_at
       FROM points_rule r LEFT JOIN service_category c ON c.code = r.category_code
      ORDER BY r.category_code NULLS FIRST`,
  );
}

/** The rule for a service: its own, else the default (undefined only when an admin removed even the default). */
export async function ruleFor(m: Q, categoryCode: string): Promise<RuleRow | undefined> {
  const [row] = await m.query<RuleRow[]>(
    `SELECT r.category_code, NULL AS category_name, r.base, r.per_hour, r.good_rating_bonus, r.good_rating_min, r.updated_at
       FROM points_rule r WHERE r.category_code = $1 OR r.category_code IS NULL
      ORDER BY r.category_code NULLS LAST LIMIT 1`,
    [categoryCode],
  );
  return row;
}

export interface RuleValues {
  base: number;
  perHour: number;
  goodRatingBonus: number;
  goodRatingMin: number;
}

/** Sets the default rule (code null) or a service's; answers the row as it was before (undefined: none). */
export async function upsertRule(m: Q, code: string | null, v: RuleValues, at: Date): Promise<RuleRow | undefined> {
  const [before] = await m.query<RuleRow[]>(
    `SELECT category_code, NULL AS category_name, base, per_hour, good_rating_bonus, good_rating_min, updated_at
       FROM points_rule WHERE category_code IS NOT DISTINCT FROM $1 FOR UPDATE`,
    [code],
  );
  await m.query(
    `INSERT INTO points_rule (category_code, base, per_hour, good_rating_bonus, good_rating_min, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (category_code) DO UPDATE
        SET base = EXCLUDED.base, per_hour = EXCLUDED.per_hour, good_rating_bonus = EXCLUDED.good_rating_bonus,
            good_rating_min = EXCLUDED.good_rating_min, updated_at = EXCLUDED.updated_at`,
    [code, v.base, v.perHour, v.goodRatingBonus, v.goodRatingMin, at],
  );
  return before;
}

export async function deleteRule(m: Q, code: string): Promise<RuleRow | undefined> {
  const [row] = await updateReturning<RuleRow>(
    m,
    `DELETE FROM points_rule WHERE category_code = $1
     RETURNING category_code, NULL AS category_name, base, per_hour, good_rating_bonus, good_rating_min, updated_at`,
    [code],
  );
  return row;
}

export async function categoryName(m: Q, code: string): Promise<string | undefined> {
  const [row] = await m.query<Array<{ name: string }>>(`SELECT name FROM service_category WHERE code = $1`, [code]);
  return row?.name;
}

// ---------- the ledger and balances ----------

export interface NewEntry {
  userId: string;
  kind: PointsKind;
  sourceId: string;
  round: number;
  /** The signed change of the balance. */
  amount: number;
  shortfall: number;
  minutes: number;
  regionId: string | null;
  note: string | null;
  at: Date;
}

/** Makes sure the person has a balance row, then locks it: every change of one person's points runs one after the other. */
export async function lockBalance(m: Q, userId: string): Promise<number> {
  await m.query(`INSERT INTO points_balance (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`, [userId]);
  const [row] = await m.query<Array<{ balance: number }>>(`SELECT balance FROM points_balance WHERE user_id = $1 FOR UPDATE`, [userId]);
  return row!.balance;
}

export async function entryExists(m: Q, key: Pick<NewEntry, 'kind' | 'sourceId' | 'userId' | 'round'>): Promise<boolean> {
  const rows = await m.query<unknown[]>(`SELECT 1 FROM points_ledger WHERE kind = $1 AND source_id = $2 AND user_id = $3 AND round = $4`, [
    key.kind,
    key.sourceId,
    key.userId,
    key.round,
  ]);
  return rows.length > 0;
}

/**
 * Changes a balance by `amount`, only if it stays >= 0 (the conditional UPDATE is what keeps concurrent
 * redemptions from spending the same points twice); `earned` and `minutes` move the totals. Answers the balance
 * after, or undefined when it would have gone below zero (nothing changed).
 */
export async function changeBalance(m: Q, userId: string, amount: number, earned: number, minutes: number, at: Date): Promise<number | undefined> {
  const [row] = await updateReturning<{ balance: number }>(
    m,
    `UPDATE points_balance
        SET balance = balance + $2, earned_total = earned_total + $3, minutes_total = minutes_total + $4, updated_at = $5
      WHERE user_id = $1 AND balance + $2 >= 0
      RETURNING balance`,
    [userId, amount, earned, minutes, at],
  );
  return row?.balance;
}

export async function balanceOf(m: Q, userId: string): Promise<number> {
  const [row] = await m.query<Array<{ balance: number }>>(`SELECT balance FROM points_balance WHERE user_id = $1`, [userId]);
  return row?.balance ?? 0;
}

/** Appends a ledger row (the balance already changed, in this transaction). */
export async function insertEntry(m: Q, e: NewEntry, balanceAfter: number): Promise<string> {
  const [row] = await m.query<Array<{ id: string }>>(
    `INSERT INTO points_ledger (user_id, kind, source_id, round, amount, balance_after, shortfall, minutes, region_id, note, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id::text`,
    [e.userId, e.kind, e.sourceId, e.round, e.amount, balanceAfter, e.shortfall, e.minutes, e.regionId, e.note, e.at],
  );
  return row!.id;
}

/** Adds to the person's month (the month `monthAt` falls in): what the 爱心榜 of that month reads. */
export async function addToMonth(m: Q, userId: string, monthAt: Date, earned: number, minutes: number): Promise<void> {
  await m.query(
    `INSERT INTO points_month (user_id, month, earned, minutes) VALUES ($1, ${MONTH_OF('$2')}, $3, $4)
     ON CONFLICT (user_id, month) DO UPDATE SET earned = points_month.earned + EXCLUDED.earned, minutes = points_month.minutes + EXCLUDED.minutes`,
    [userId, monthAt, earned, minutes],
  );
}

export interface CreditRow {
  user_id: string;
  amount: number;
  minutes: number;
  region_id: string | null;
  note: string | null;
  created_at: Date;
}

/** The credits of one source and round (to reverse them exactly). */
export async function creditsOf(m: Q, kind: PointsKind, sourceId: string, round: number): Promise<CreditRow[]> {
  return m.query<CreditRow[]>(
    `SELECT user_id, amount, minutes, region_id, note, created_at FROM points_ledger
      WHERE kind = $1 AND source_id = $2 AND round = $3 ORDER BY user_id`,
    [kind, sourceId, round],
  );
}

export interface SummaryRow {
  balance: number;
  earned_total: number;
  minutes_total: number;
  earned_month: number;
  minutes_month: number;
  pending: number;
}

export async function summaryOf(m: Q, userId: string, now: Date): Promise<SummaryRow> {
  const [row] = await m.query<SummaryRow[]>(
    `SELECT COALESCE(b.balance, 0) AS balance, COALESCE(b.earned_total, 0) AS earned_total, COALESCE(b.minutes_total, 0) AS minutes_total,
            COALESCE(pm.earned, 0) AS earned_month, COALESCE(pm.minutes, 0) AS minutes_month,
            (SELECT count(*)::int FROM points_redemption r WHERE r.user_id = $1 AND r.status = 'pending') AS pending
       FROM (SELECT $1::uuid AS user_id) me
       LEFT JOIN points_balance b ON b.user_id = me.user_id
       LEFT JOIN points_month pm ON pm.user_id = me.user_id AND pm.month = ${MONTH_OF('$2')}`,
    [userId, now],
  );
  return row!;
}

export interface EntryRow {
  id: string;
  kind: PointsKind;
  amount: number;
  balance_after: number;
  shortfall: number;
  minutes: number;
  source_id: string;
  note: string | null;
  created_at: Date;
}

/** One page of a person's ledger, newest first, after the row `before` (ids only grow). */
export async function historyOf(m: Q, userId: string, before: string | null, limit: number): Promise<EntryRow[]> {
  return m.query<EntryRow[]>(
    `SELECT l.id::text AS id, l.kind, l.amount, l.balance_after, l.shortfall, l.minutes, l.source_id, l.note, l.created_at
       FROM points_ledger l
      WHERE l.user_id = $1 AND ($2::bigint IS NULL OR l.id < $2::bigint)
      ORDER BY l.id DESC LIMIT $3`,
    [userId, before, limit],
  );
}

// ---------- places ----------

export interface PlaceRow {
  id: string;
  name: string;
  level: string;
  path: string;
}

/** The community (嘎查村/社区) a place lies in: the place itself or its ancestor of that level. */
export async function communityOfPath(m: Q, path: string): Promise<PlaceRow | undefined> {
  const [row] = await m.query<PlaceRow[]>(
    `SELECT id, name, level, path FROM region
      WHERE level = 'community' AND id = ANY(string_to_array(trim(both '/' from $1), '/')::uuid[])`,
    [path],
  );
  return row;
}

export async function findPlace(m: Q, id: string): Promise<PlaceRow | undefined> {
  const [row] = await m.query<PlaceRow[]>(`SELECT id, name, level, path FROM region WHERE id = $1`, [id]);
  return row;
}

// ---------- the shop ----------

export interface ItemRow {
  id: string;
  community_id: string;
  community_name: string;
  community_path: string;
  name: string;
  price: number;
  stock: number;
  active: boolean;
  picture_url: string | null;
}

const ITEM_SELECT = `SELECT i.id, i.community_id, c.name AS community_name, c.path AS community_path, i.name, i.price, i.stock, i.active, i.picture_url
  FROM points_shop_item i JOIN region c ON c.id = i.community_id`;

export async function itemsOf(m: Q, communityId: string, all: boolean): Promise<ItemRow[]> {
  return m.query<ItemRow[]>(`${ITEM_SELECT} WHERE i.community_id = $1 ${all ? '' : 'AND i.active'} ORDER BY i.active DESC, i.price, i.name`, [communityId]);
}

export async function findItem(m: Q, id: string, lock = false): Promise<ItemRow | undefined> {
  const [row] = await m.query<ItemRow[]>(`${ITEM_SELECT} WHERE i.id = $1 ${lock ? 'FOR UPDATE OF i' : ''}`, [id]);
  return row;
}

export interface NewItem {
  communityId: string;
  name: string;
  price: number;
  stock: number;
  active: boolean;
  pictureUrl: string | null;
}

/** Undefined when the community already has an item of that name. */
export async function insertItem(m: Q, i: NewItem, at: Date): Promise<string | undefined> {
  const [row] = await m.query<Array<{ id: string }>>(
    `INSERT INTO points_shop_item (community_id, name, price, stock, active, picture_url, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (community_id, name) DO NOTHING RETURNING id`,
    [i.communityId, i.name, i.price, i.stock, i.active, i.pictureUrl, at],
  );
  return row?.id;
}

export interface ItemChange {
  name?: string;
  price?: number;
  stockChange?: number;
  active?: boolean;
  pictureUrl?: string;
}

/** Applies a change to a locked item; `stock` moves by a difference, so a redemption at the same moment is never lost. */
export async function updateItem(m: Q, id: string, c: ItemChange, at: Date): Promise<void> {
  await m.query(
    `UPDATE points_shop_item
        SET name = COALESCE($2, name), price = COALESCE($3, price), stock = stock + COALESCE($4, 0),
            active = COALESCE($5, active), picture_url = COALESCE($6, picture_url), updated_at = $7
      WHERE id = $1`,
    [id, c.name ?? null, c.price ?? null, c.stockChange ?? null, c.active ?? null, c.pictureUrl ?? null, at],
  );
}

export async function itemNameTaken(m: Q, communityId: string, name: string, exceptId: string): Promise<boolean> {
  const rows = await m.query<unknown[]>(`SELECT 1 FROM points_shop_item WHERE community_id = $1 AND name = $2 AND id <> $3`, [communityId, name, exceptId]);
  return rows.length > 0;
}

/**
 * Takes one from the item's stock if it is on the shelf and has any: the conditional UPDATE (under the row's lock)
 * is what keeps concurrent redemptions from taking more than there is. Undefined: none left or off the shelf.
 */
export async function takeOne(m: Q, itemId: string, at: Date): Promise<{ price: number; community_id: string; name: string } | undefined> {
  const [row] = await updateReturning<{ price: number; community_id: string; name: string }>(
    m,
    `UPDATE points_shop_item SET stock = stock - 1, updated_at = $2 WHERE id = $1 AND active AND stock >= 1 RETURNING price, community_id, name`,
    [itemId, at],
  );
  return row;
}

export async function putBack(m: Q, itemId: string, at: Date): Promise<void> {
  await m.query(`UPDATE points_shop_item SET stock = stock + 1, updated_at = $2 WHERE id = $1`, [itemId, at]);
}

// ---------- redemptions ----------

export interface RedemptionRow {
  id: string;
  status: RedemptionStatus;
  item_id: string;
  item_name: string;
  price: number;
  user_id: string;
  user_name: string;
  community_id: string;
  community_name: string;
  community_path: string;
  created_at: Date;
  /** created_at as the database's own text (the keyset cursor must keep its microseconds). */
  created_at_text: string;
  decided_at: Date | null;
  decided_by: string | null;
  decider_name: string | null;
  cancel_reason: string | null;
}

const REDEMPTION_SELECT = `
  SELECT r.id, r.status, r.item_id, i.name AS item_name, r.price, r.user_id, u.name AS user_name, r.community_id,
         c.name AS community_name, c.path AS community_path, r.created_at, r.created_at::text AS created_at_text,
         r.decided_at, r.decided_by, d.name AS decider_name, r.cancel_reason
    FROM points_redemption r
    JOIN points_shop_item i ON i.id = r.item_id
    JOIN app_user u ON u.id = r.user_id
    JOIN region c ON c.id = r.community_id
    LEFT JOIN app_user d ON d.id = r.decided_by`;

export async function insertRedemption(m: Q, r: { itemId: string; userId: string; communityId: string; price: number; at: Date }): Promise<string> {
  const [row] = await m.query<Array<{ id: string }>>(
    `INSERT INTO points_redemption (item_id, user_id, community_id, price, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [r.itemId, r.userId, r.communityId, r.price, r.at],
  );
  return row!.id;
}

export async function findRedemption(m: Q, id: string, lock = false): Promise<RedemptionRow | undefined> {
  const [row] = await m.query<RedemptionRow[]>(`${REDEMPTION_SELECT} WHERE r.id = $1 ${lock ? 'FOR UPDATE OF r' : ''}`, [id]);
  return row;
}

/** Decides a pending redemption; false when it was no longer pending. */
export async function decideRedemption(
  m: Q,
  id: string,
  to: Exclude<RedemptionStatus, 'pending'>,
  by: string,
  at: Date,
  reason: string | null,
): Promise<boolean> {
  const rows = await updateReturning<unknown>(
    m,
    `UPDATE points_redemption SET status = $2, decided_by = $3, decided_at = $4, cancel_reason = $5 WHERE id = $1 AND status = 'pending' RETURNING id`,
    [id, to, by, at, reason],
  );
  return rows.length > 0;
}

export async function redemptionsOfUser(m: Q, userId: string, limit: number): Promise<RedemptionRow[]> {
  return m.query<RedemptionRow[]>(`${REDEMPTION_SELECT} WHERE r.user_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2`, [userId, limit]);
}

/** Redemptions of the communities matching `where` (conditions on r and c), newest first, one page. */
export async function redemptionPage(
  m: Q,
  where: string[],
  params: unknown[],
  cursor: readonly [string, string] | undefined,
  limit: number,
): Promise<RedemptionRow[]> {
  const conditions = [...where];
  if (cursor) conditions.push(keysetBefore(cursor, 'points_redemption', 'r', params));
  params.push(limit);
  return m.query<RedemptionRow[]>(
    `${REDEMPTION_SELECT} WHERE ${conditions.join(' AND ')} ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length}`,
    params,
  );
}

// ---------- 爱心榜 ----------

export interface RankRow {
  user_id: string;
  name: string;
  points: number;
  minutes: number;
  rank: string;
  rn: string;
}

/**
 * The people whose place lies under `path`, ranked by points earned in the period (this month: points_month's row
 * of the month; all time: the balance row's total), then by minutes served: the top `size` and the asker's own
 * line. It reads one row per person of the place (an index on app_user.region_id, the place's path prefix), never
 * the ledger.
 */
export async function ranking(m: Q, path: string, period: RankingPeriod, now: Date, me: string, size: number): Promise<RankRow[]> {
  const source =
    period === 'month'
      ? `JOIN points_month x ON x.user_id = u.id AND x.month = ${MONTH_OF('$2')}`
      : `JOIN (SELECT user_id, earned_total AS earned, minutes_total AS minutes FROM points_balance) x ON x.user_id = u.id`;
  return m.query<RankRow[]>(
    `WITH board AS (
       SELECT u.id AS user_id, u.name, x.earned AS points, x.minutes,
              rank() OVER (ORDER BY x.earned DESC) AS rank,
              row_number() OVER (ORDER BY x.earned DESC, x.minutes DESC, u.id) AS rn
         FROM region r
         JOIN app_user u ON u.region_id = r.id
         ${source}
        WHERE r.path LIKE $1 || '%' AND x.earned > 0 ${period === 'all' ? 'AND $2::timestamptz IS NOT NULL' : ''}
     )
     -- ORDER BY board.rn, the number: a bare "rn" would be the output column, the text, and put 10 before 2
     SELECT user_id, name, points, minutes, rank::text, rn::text FROM board WHERE rn <= $4 OR user_id = $3 ORDER BY board.rn`,
    [path, now, me, size],
  );
}
