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
import { searchCandidates, type Excluded } from '../matching/candidates';
import { commitDispatches, lockOrders, waitingOrdersUnder } from '../orders/order.repo';
import type { OrderRow } from '../orders/order-row';
import { actsAsStaff, overLevel, type Viewer } from '../orders/standing';

/**
 * 批量派单: every `pending` order of a place that the dispatcher may dispatch — all of their jurisdiction's, whether or
 * not it has reached their level yet (越级派单, said on each such order's timeline) — assigned at once. Each order gets
 * one person (an order is dispatched to one person at a time; several-person orders fill up as people accept), each
 * person at most their remaining capacity (MATCH_MAX_ACTIVE_TASKS minus tasks in hand), maximising first how many
 * orders are served, then the total score (shared/assignment.ts). Candidates and scores are the matching engine's.
 * All dispatches are made in the caller's transaction, set-based: the chosen orders locked at once (in id order, so two
 * batches cannot deadlock) and re-checked, then one UPDATE and one INSERT of events: an order taken meanwhile is
 * skipped and reported. Every order of the place still waiting for someone that is not dispatched now is named in the
 * answer with why, and the answer says in one sentence what happened (nothing to dispatch included).
 */

const CANDIDATES_PER_ORDER = 30;

export interface BatchOptions {
  weights: MatchWeights;
  maxActiveTasks: number;
}

type Left = { orderId: string; reason: string };

/** Why an order of the place is not part of the batch at all, or null when it is. */
function notConsidered(v: Viewer, o: OrderRow): string | null {
  if (!actsAsStaff(v, o)) return '不在您的管辖范围内';
  if (o.status === 'dispatched') return o.dispatched_to_squad_id !== null ? '已派给小分队，等待队员接单' : '已派单，等待接单人回应';
  // several people needed, some on it already, the rest open to the squad it was sent to
  if (o.dispatched_to_squad_id !== null) return '已派给小分队，等待其余队员接单';
  return null;
}

/** Why the engine left a considered order waiting, from what the search saw. */
function whyNobody(found: readonly CandidateDto[], excluded: Excluded | undefined, maxActiveTasks: number): string {
  if (found.length > 0) return `能接的人都已派给本次的其他需求（每人手头最多 ${maxActiveTasks} 个任务）`;
  if (excluded && excluded.atCapacity > 0) return `能接的 ${excluded.atCapacity} 人手头任务都已满（每人最多 ${maxActiveTasks} 个）`;
  if (excluded && excluded.offRoster > 0) return `能接的 ${excluded.offRoster} 人现在都不在排班时段内`;
  return '现在没有符合条件的接单人（需在岗、技能相符、在需求所在区域内）';
}

/** An order chosen but changed before it was locked: what became of it. */
function changedMeanwhile(now: OrderRow | undefined): string {
  if (now?.status === 'accepted' || now?.status === 'in_service') return '派单期间已有人接单';
  if (now?.status === 'dispatched') return '派单期间已被派出';
  if (now?.status === 'cancelled') return '派单期间需求已取消';
  return '派单期间需求已有变化，请刷新';
}

function summaryOf(considered: number, assigned: number, overLevels: number, unassigned: number, skipped: number): string {
  const others = skipped > 0 ? `另有 ${skipped} 个需求未纳入（已派单等），原因见各需求` : '';
  if (considered === 0) return others ? `该区域没有待派的需求；${others}。` : '该区域没有待派的需求。';
  const parts = [`共 ${considered} 个待派需求，派出 ${assigned} 个${overLevels > 0 ? `（其中 ${overLevels} 个尚未升级到本级，记为越级派单）` : ''}`];
  if (unassigned > 0) parts.push(`${unassigned} 个未派出，原因见各需求`);
  if (others) parts.push(others);
  return `${parts.join('；')}。`;
}

export async function batchDispatch(m: EntityManager, v: Viewer, regionId: string, regionPath: string, opts: BatchOptions): Promise<BatchDispatchResultDto> {
  const waiting = await waitingOrdersUnder(m, regionPath);
  const skipped: Left[] = [];
  const orders: OrderRow[] = [];
  for (const o of waiting) {
    const why = notConsidered(v, o);
    if (why === null) orders.push(o);
    else skipped.push({ orderId: o.id, reason: why });
  }

  // one set-based search for all the orders; people only (a squad is dispatched as a whole, not one place of it)
  const { candidates, excluded } = await searchCandidates(m, orders, { ...opts, now: v.now, limit: CANDIDATES_PER_ORDER, squads: false });
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
  const unassigned: Left[] = [];
  const chosen = new Map(best.pairs.map((p) => [p.orderId, p]));
  for (const o of orders) {
    if (chosen.has(o.id)) continue;
    unassigned.push({ orderId: o.id, reason: whyNobody(candidates.get(o.id) ?? [], excluded.get(o.id), opts.maxActiveTasks) });
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
      unassigned.push({ orderId: o.id, reason: changedMeanwhile(now) });
      continue;
    }
    const c = candidates.get(o.id)!.find((x) => x.id === pair.personId)!;
    writes.push({
      o: now,
      assigneeId: c.id,
      c,
      data: {
        batch: true,
        assigneeId: c.id,
        assigneeName: c.name,
        score: c.score,
        reasons: c.reasons.map((r) => r.text),
        // before the order reached the dispatcher's level (越级派单), as a single dispatch records it
        ...(overLevel(v, now) ? { overLevel: true, level: now.escalation_level } : {}),
      },
    });
  }
  const written = await commitDispatches(m, writes, { actorId: v.actor.id, at: v.now, reason: '批量派单' });
  let overLevels = 0;
  for (const w of writes) {
    if (written.has(w.o.id)) {
      assigned.push({ orderId: w.o.id, assigneeId: w.c.id, assigneeName: w.c.name, score: w.c.score, reasons: w.c.reasons });
      if (w.data.overLevel === true) overLevels += 1;
    } else unassigned.push({ orderId: w.o.id, reason: '派单期间需求已有变化，请刷新' });
  }
  // the orders in the answer in the order they were placed
  const rank = new Map(waiting.map((o, i) => [o.id, i]));
  const byRank = (a: { orderId: string }, b: { orderId: string }) => rank.get(a.orderId)! - rank.get(b.orderId)!;
  assigned.sort(byRank);
  unassigned.sort(byRank);
  return {
    regionId,
    method: best.method,
    orders: orders.length,
    assigned,
    unassigned,
    skipped,
    summary: summaryOf(orders.length, assigned.length, overLevels, unassigned.length, skipped.length),
    totalScore: Math.round(assigned.reduce((s, a) => s + a.score, 0) * 10) / 10,
    greedy: { assigned: greedy.served, totalScore: Math.round(greedy.totalScore * 10) / 10 },
  };
}
