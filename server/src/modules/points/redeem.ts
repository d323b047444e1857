import type { EntityManager } from 'typeorm';
import { ConflictError } from '../../errors';
import { balanceOf, changeBalance, findItem, insertEntry, insertRedemption, takeOne } from './points.repo';

/**
 * One redemption (积分兑换) in the caller's transaction: one of the item's stock, then the points, then the rows.
 * Race-safe without a lock of its own: the stock is taken by a conditional UPDATE (active, stock >= 1) and the
 * points by another (balance >= price), each under its row's lock, so concurrent redemptions queue on the item and
 * on the person and never take more than there is. Either refusal rolls the whole transaction back.
 * The caller has checked that the item is of the person's community. Answers the redemption's id.
 */
export async function redeemItem(
  m: Pick<EntityManager, 'query'>,
  r: { userId: string; itemId: string; itemName: string; communityId: string; at: Date },
): Promise<string> {
  const taken = await takeOne(m, r.itemId, r.at);
  if (!taken) {
    const current = await findItem(m, r.itemId);
    throw new ConflictError(current?.active ? `「${r.itemName}」库存不足，已经兑换完了。` : `「${r.itemName}」已下架。`);
  }
  const id = await insertRedemption(m, { itemId: r.itemId, userId: r.userId, communityId: r.communityId, price: taken.price, at: r.at });
  const after = await changeBalance(m, r.userId, -taken.price, 0, 0, r.at);
  if (after === undefined) throw new ConflictError(`积分不足：需要 ${taken.price} 分，您有 ${await balanceOf(m, r.userId)} 分。`);
  await insertEntry(
    m,
    {
      userId: r.userId,
      kind: 'redeem',
      sourceId: id,
      round: 0,
      amount: -taken.price,
      shortfall: 0,
      minutes: 0,
      regionId: r.communityId,
      note: taken.name,
      at: r.at,
    },
    after,
  );
  return id;
}
