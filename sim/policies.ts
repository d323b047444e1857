import { DEFAULT_MATCH_WEIGHTS, DEFAULT_MAX_ACTIVE_TASKS, assignOptimal, scoreCandidate } from '../shared/src';
import type { SimOrder, SimState, VolunteerState } from './types';
import { LEVELS, insideArea, isAvailableAt, type Volunteer } from './world';

/**
 * The dispatch policies compared. Each sees the same hard rules (what the server's candidates.ts applies in SQL and
 * code): the skill; available now (on duty and inside a roster slot); fewer than MATCH_MAX_ACTIVE_TASKS (3) tasks in
 * hand (dispatches awaiting their answer included); inside the order's area at its escalation level; has not
 * refused this order (a reject, or silence past the accept window). They differ in whom they pick among those, and
 * when.
 */
export interface Policy {
  name: string;
  /** Null: each order is dispatched on its own, as soon as it arrives or is refused; a number: in batches this often. */
  batchMinutes: number | null;
  /** One order: whom to send it to, from the eligible candidates (never empty). */
  choose(state: SimState, order: SimOrder, candidates: Volunteer[]): Volunteer;
}

/** Who may take the order now, by the hard rules, in ascending id. */
export function eligible(state: SimState, order: SimOrder, now: number): Volunteer[] {
  const level = LEVELS[order.level]!;
  return (state.world.bySkill.get(order.category.code) ?? []).filter(
    (v) =>
      isAvailableAt(v, now) &&
      state.volunteers[v.id]!.active + state.volunteers[v.id]!.pending < DEFAULT_MAX_ACTIVE_TASKS &&
      insideArea(state.world, v.grid, order.grid, level) &&
      !order.refusedBy.has(v.id),
  );
}

/** The engine's score of a volunteer for an order: shared scoreCandidate with the default weights. */
export function engineScore(state: SimState, order: SimOrder, v: Volunteer): number {
  const s: VolunteerState = state.volunteers[v.id]!;
  const code = order.category.code;
  const accepted = s.acceptedByCategory.get(code) ?? 0;
  const rejected = s.rejectedByCategory.get(code) ?? 0;
  const ratings = s.ratingsByCategory.get(code);
  return scoreCandidate(
    {
      distanceMeters: state.distance(v, order),
      sameGrid: v.grid === order.grid,
      pairedCadre: order.resident.pairedCadre === v.id,
      activeTasks: s.active + s.pending,
      todayTasks: state.todayTasks(v.id),
      rating: ratings && ratings.count > 0 ? ratings.sum / ratings.count : null,
      ratingCount: ratings?.count ?? 0,
      acceptanceRate: accepted + rejected === 0 ? null : accepted / (accepted + rejected),
      answers: accepted + rejected,
      partyMember: v.partyMember,
      ledgerHousehold: order.resident.ledger,
    },
    DEFAULT_MATCH_WEIGHTS,
  ).score;
}

/** What a dispatcher without the engine does: the nearest available person with the skill, one order at a time. */
export const nearestAvailable: Policy = {
  name: 'nearest available',
  batchMinutes: null,
  choose(state, order, candidates) {
    let best = candidates[0]!;
    let bestDistance = state.distance(best, order);
    for (const v of candidates) {
      const d = state.distance(v, order);
      if (d < bestDistance) {
        best = v;
        bestDistance = d;
      }
    }
    return best;
  },
};

/** Auto-dispatch (自动派单): the best candidate by the engine's score, one order at a time. */
export const engine: Policy = {
  name: 'engine',
  batchMinutes: null,
  choose(state, order, candidates) {
    let best = candidates[0]!;
    let bestScore = engineScore(state, order, best);
    for (const v of candidates) {
      const score = engineScore(state, order, v);
      if (score > bestScore) {
        best = v;
        bestScore = score;
      }
    }
    return best;
  },
};

/** Batch assignment (批量派单) every `minutes`: all waiting orders at once, shared assignOptimal over the engine's scores. */
export function engineBatch(minutes = 5): Policy {
  return {
    name: `engine + batch (${minutes} min)`,
    batchMinutes: minutes,
    choose: (state, order, candidates) => engine.choose(state, order, candidates),
  };
}

/** One batch: which waiting order goes to whom (ascending order id, deterministic). */
export function assignBatch(state: SimState, orders: SimOrder[], now: number): Array<{ order: SimOrder; volunteer: Volunteer }> {
  const pairs: Array<{ orderId: string; personId: string; score: number }> = [];
  const people = new Map<number, Volunteer>();
  for (const order of orders) {
    for (const v of eligible(state, order, now)) {
      people.set(v.id, v);
      pairs.push({ orderId: String(order.id), personId: String(v.id), score: engineScore(state, order, v) });
    }
  }
  if (pairs.length === 0) return [];
  const result = assignOptimal({
    orders: orders.map((o) => ({ id: String(o.id), places: 1 })),
    people: [...people.values()].map((v) => ({
      id: String(v.id),
      capacity: DEFAULT_MAX_ACTIVE_TASKS - state.volunteers[v.id]!.active - state.volunteers[v.id]!.pending,
    })),
    pairs,
  });
  const byId = new Map(orders.map((o) => [String(o.id), o]));
  return result.pairs.map((p) => ({ order: byId.get(p.orderId)!, volunteer: people.get(Number(p.personId))! })).sort((a, b) => a.order.id - b.order.id);
}
