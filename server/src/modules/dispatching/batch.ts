import {
  assignGreedy,
  assignOptimal,
  isLegalMove,
  type BatchAssignedDto,
  type BatchDispatchResultDto,
  type CandidateDto,
  type MatchWeights,
} from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { findCandidatesForOrders } from '../matching/candidates';
import { commitDispatches, lockOrders, pendingOrdersUnder } from '../orders/order.repo';
import type { OrderRow } from '../orders/order-row';
import { actsAsStaff, type Viewer } from '../orders/standing';

/**
 * 批量派单: every `pending` order of a place that the dispatcher may dispatch, assigned at once. Each order gets one
 * person (an order is dispatched to one person at a time; several-person orders fill up as people accept), each
 * person at most their remaining capacity (MATCH_MAX_ACTIVE_TASKS minus tasks in hand), maximising first how many
 * orders are served, then the total score (shared/assignment.ts). Candidates and scores are the matching engine's.
 * All dispatches are made in the caller's transaction, set-based: the chosen orders locked at once (in id order, so two
 * batches cannot deadlock) and re-checked, then one UPDATE and one INSERT of events: an order taken meanwhile is
 * skipped and reported.
 */

const CANDIDATES_PER_ORDER = 30;

export interface BatchOptions {
  weights: MatchWeights;
  maxActiveTasks: number;
}

export async function batchDispatch(m: EntityManager, v: Viewer, regionId: string, regionPath: string, opts: BatchOptions): Promise<BatchDispatchResultDto> {
  const waiting = await pendingOrdersUnder(m, regionPath);
  const orders = waiting.filter((o) => actsAsStaff(v, o) && o.accepted_count < o.headcount);

  // one set-based search for all the orders; people only (a squad is dispatched as a whole, not one place of it)
  const candidates: Map<string, CandidateDto[]> = await findCandidatesForOrders(m, orders, { ...opts, now: v.now, limit: CANDIDATES_PER_ORDER, squads: false });
  const people = new Map<string, { name: string; capacity: number }>();
  for (const list of candidates.values()) {
    for (const c of list) people.set(c.id, { name: c.name, capacity: Math.max(0, opts.maxActiveTasks - c.activeTasks) });
  }
  const input = {
    orders: orders.map((o) => ({ id: o.id, places: 1 })),
    people: [...people].map(([id, p]) => ({ id, capacity: p.capacity })),
    pairs: orders.flatMap((o) => (candidates.get(o.id) ?? []).map((c) => ({ orderId: o.id, personId: c.id, score: c.score }))),
  };
  const best = assignOptimal(input);
  const greedy = assignGreedy(input);

  const assigned: BatchAssignedDto[] = [];
  const unassigned: BatchDispatchResultDto['unassigned'] = [];
  const chosen = new Map(best.pairs.map((p) => [p.orderId, p]));
  for (const o of orders) {
    if (chosen.has(o.id)) continue;
    unassigned.push({ orderId: o.id, reason: (candidates.get(o.id) ?? []).length === 0 ? '现在没有符合条件的接单人' : '符合条件的人已派给其他需求' });
  }
  // lock the chosen orders in id order (two batches over one place cannot deadlock) and re-check them: one taken or
  // changed meanwhile is left out and reported
  const locked = await lockOrders(m, [...chosen.keys()]);
  const current = new Map(locked.map((o) => [o.id, o]));
  const writes: Array<{ o: OrderRow; assigneeId: string; data: Record<string, unknown>; c: CandidateDto }> = [];
  for (const o of orders) {
    const pair = chosen.get(o.id);
    if (!pair) continue;
    const now = current.get(o.id);
    if (!now || now.status !== 'pending' || now.version !== o.version || !isLegalMove(now.status, 'dispatch', 'dispatched')) {
      unassigned.push({ orderId: o.id, reason: '派单期间需求已有变化，请刷新' });
      continue;
    }
    const c = candidates.get(o.id)!.find((x) => x.id === pair.personId)!;
    writes.push({
      o: now,
      assigneeId: c.id,
      c,
      data: { batch: true, assigneeId: c.id, assigneeName: c.name, score: c.score, reasons: c.reasons.map((r) => r.text) },
    });
  }
  const written = await commitDispatches(m, writes, { actorId: v.actor.id, at: v.now, reason: '批量派单' });
  for (const w of writes) {
    if (written.has(w.o.id)) assigned.push({ orderId: w.o.id, assigneeId: w.c.id, assigneeName: w.c.name, score: w.c.score, reasons: w.c.reasons });
    else unassigned.push({ orderId: w.o.id, reason: '派单期间需求已有变化，请刷新' });
  }
  // the orders in the answer in the order they were placed
  const rank = new Map(orders.map((o, i) => [o.id, i]));
  assigned.sort((a, b) => rank.get(a.orderId)! - rank.get(b.orderId)!);
  unassigned.sort((a, b) => rank.get(a.orderId)! - rank.get(b.orderId)!);
  return {
    regionId,
    method: best.method,
    orders: orders.length,
    assigned,
    unassigned,
    totalScore: Math.round(assigned.reduce((s, a) => s + a.score, 0) * 10) / 10,
    greedy: { assigned: greedy.served, totalScore: Math.round(greedy.totalScore * 10) / 10 },
  };
}
