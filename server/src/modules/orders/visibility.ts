import type { EntityManager } from 'typeorm';
import { NotFoundError, UUID_PATTERN } from '../../errors';
import { loadAssignments, loadOrder, wasOffered } from './order.repo';
import type { AssignmentRow, OrderRow } from './order-row';
import { isServing, maySee, standingOf, type Standing, type Viewer } from './standing';

/** The one answer for an order that does not exist or that the viewer may not see: its existence is not leaked. */
export function orderNotFound(): NotFoundError {
  return new NotFoundError('需求不存在。');
}

export interface VisibleOrder {
  o: OrderRow;
  /** Everyone who has been on the order, every round (`o.round` tells the current ones). */
  everyone: AssignmentRow[];
  s: Standing;
}

/**
 * The order with the viewer's standing on it, or 404 when the id is no order's or the viewer may not see it: the
 * preamble of every read of and action on one order. With `lock`, the row stays locked for the transaction (every
 * change locks it first, so concurrent changes of one order, from any process, go one after the other).
 */
export async function loadVisibleOrder(m: EntityManager, v: Viewer, id: string, lock = false): Promise<VisibleOrder> {
  if (!UUID_PATTERN.test(id)) throw orderNotFound();
  const o = await loadOrder(m, id, lock);
  if (!o) throw orderNotFound();
  const everyone = (await loadAssignments(m, [o])).get(o.id) ?? [];
  const s = standingOf(v, o, everyone);
  // someone it was offered to still sees it (the race lost: "已被接单", not "不存在"), probed only when nothing else shows it
  if (!maySee(v, o, s, everyone) && !(isServing(v.actor) && (await wasOffered(m, o.id, v.actor.id)))) throw orderNotFound();
  return { o, everyone, s };
}
