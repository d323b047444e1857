import type { EntityManager } from 'typeorm';
import { communityOfPath, insertItem, upsertRule } from '../modules/points/points.repo';
import { redeemItem } from '../modules/points/redeem';
import { DEMO_ACCOUNTS } from './accounts';

/** The demo community's points shop (积分超市): everyday things, priced in points. */
const SHOP = [
  { name: '毛巾', price: 30, stock: 40 },
  { name: '洗衣液', price: 80, stock: 20 },
  { name: '大米（5斤）', price: 150, stock: 15 },
  { name: '食用油', price: 200, stock: 0 },
] as const;

/** Services that earn more than the default rule (10 + 10 an hour + 5 for five stars): the heavy and the skilled. */
const RULES = [
  { code: 'harvest_help', base: 20, perHour: 15, goodRatingBonus: 5, goodRatingMin: 5 },
  { code: 'home_vaccination', base: 15, perHour: 10, goodRatingBonus: 5, goodRatingMin: 5 },
] as const;

/**
 * Points in the demo (issue 22 item 3). The demo volunteers' points are already there: the demo orders were
 * confirmed through the real transition, which credits through the ledger. Here: two per-service rules, the shop of
 * the demo volunteer's community (北城社区) with a few items (one sold out), and a pending redemption of his, for
 * the staff's 核销 screen. In the seed's transaction.
 */
export async function seedDemoPoints(m: EntityManager, now: Date): Promise<void> {
  for (const r of RULES) await upsertRule(m, r.code, r, now);
  const [volunteer] = await m.query<Array<{ id: string; path: string }>>(
    `SELECT u.id, r.path FROM app_user u JOIN region r ON r.id = u.region_id WHERE u.phone = $1`,
    [DEMO_ACCOUNTS[3].phone],
  );
  if (!volunteer) return;
  const community = await communityOfPath(m, volunteer.path);
  if (!community) return;
  const ids: string[] = [];
  for (const item of SHOP) {
    const id = await insertItem(m, { communityId: community.id, name: item.name, price: item.price, stock: item.stock, active: true, pictureUrl: null }, now);
    if (id) ids.push(id);
  }
  const [balance] = await m.query<Array<{ balance: number }>>(`SELECT balance FROM points_balance WHERE user_id = $1`, [volunteer.id]);
  // a towel waiting to be handed over, if his confirmed orders earned enough (they do: see demo/orders.ts)
  if (ids[0] && (balance?.balance ?? 0) >= SHOP[0].price) {
    await redeemItem(m, { userId: volunteer.id, itemId: ids[0], itemName: SHOP[0].name, communityId: community.id, at: now });
  }
}
