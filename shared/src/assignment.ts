/**
 * Batch assignment (批量派单): give each waiting order someone, at once, as well as possible.
 *
 * The problem: orders with a number of open places, people with a capacity (how many more tasks they may take), and
 * for each (order, person) pair that passes the hard rules, a score. Choose pairs so that no order gets more people
 * than it has places and nobody more tasks than their capacity, serving as MANY orders' places as possible and,
 * among those choices, with the greatest total score. (A lower total that serves one more resident is better: an
 * unserved order costs more than a less ideal match.)
 *
 * Exact: a min-cost max-flow (source → order [places] → person [1 per pair] → sink [capacity]), each pair costing
 * −(BIG + score) so that every extra place served outweighs any score difference; successive shortest paths with
 * Bellman-Ford (SPFA), which handles the negative costs. Exact for any size; its cost grows with places × pairs, so
 * above `EXACT_LIMIT` pairs the greedy approximation is used instead (documented in the answer's `method`).
 * Greedy (for comparison and for very large instances): best pair first while capacities allow. It can be
 * arbitrarily worse: taking a best pair can leave another order with nobody.
 */

export interface AssignmentInput {
  orders: ReadonlyArray<{ id: string; places: number }>;
  people: ReadonlyArray<{ id: string; capacity: number }>;
  pairs: ReadonlyArray<{ orderId: string; personId: string; score: number }>;
}

export interface AssignmentResult {
  pairs: Array<{ orderId: string; personId: string; score: number }>;
  /** Places served. */
  served: number;
  totalScore: number;
  method: 'exact' | 'greedy';
}

/** Above this many candidate pairs the exact solver gives way to the greedy approximation. */
export const EXACT_LIMIT = 200_000;

function summarise(pairs: AssignmentResult['pairs'], method: AssignmentResult['method']): AssignmentResult {
  const totalScore = Math.round(pairs.reduce((s, p) => s + p.score, 0) * 1000) / 1000;
  return { pairs, served: pairs.length, totalScore, method };
}

/** Best pair first, while the order has places and the person capacity. */
export function assignGreedy(input: AssignmentInput): AssignmentResult {
  const places = new Map(input.orders.map((o) => [o.id, o.places]));
  const capacity = new Map(input.people.map((p) => [p.id, p.capacity]));
  const chosen: AssignmentResult['pairs'] = [];
  const sorted = [...input.pairs].sort((a, b) => b.score - a.score || a.orderId.localeCompare(b.orderId) || a.personId.localeCompare(b.personId));
  for (const pair of sorted) {
    if ((places.get(pair.orderId) ?? 0) > 0 && (capacity.get(pair.personId) ?? 0) > 0) {
      places.set(pair.orderId, places.get(pair.orderId)! - 1);
      capacity.set(pair.personId, capacity.get(pair.personId)! - 1);
      chosen.push({ ...pair });
    }
  }
  return summarise(chosen, 'greedy');
}

interface Edge {
  to: number;
  rev: number;
  cap: number;
  cost: number;
  pair?: number;
}

/** Most places served, then the greatest total score: exact, by min-cost flow. */
export function assignOptimal(input: AssignmentInput): AssignmentResult {
  if (input.pairs.length > EXACT_LIMIT) return assignGreedy(input);
  const orderIndex = new Map(input.orders.map((o, i) => [o.id, i]));
  const personIndex = new Map(input.people.map((p, i) => [p.id, i]));
  const O = input.orders.length;
  const P = input.people.length;
  const source = O + P;
  const sink = source + 1;
  const graph: Edge[][] = Array.from({ length: sink + 1 }, () => []);
  const add = (from: number, to: number, cap: number, cost: number, pair?: number) => {
    graph[from]!.push({ to, rev: graph[to]!.length, cap, cost, ...(pair === undefined ? {} : { pair }) });
    graph[to]!.push({ to: from, rev: graph[from]!.length - 1, cap: 0, cost: -cost });
  };
  // every served place is worth more than any spread of scores
  const spread = input.pairs.reduce((s, p) => s + Math.abs(p.score), 0);
  const BIG = spread + 1;
  input.orders.forEach((o, i) => o.places > 0 && add(source, i, o.places, 0));
  input.people.forEach((p, i) => p.capacity > 0 && add(O + i, sink, p.capacity, 0));
  input.pairs.forEach((pair, k) => {
    const o = orderIndex.get(pair.orderId);
    const p = personIndex.get(pair.personId);
    if (o !== undefined && p !== undefined) add(o, O + p, 1, -(BIG + pair.score), k);
  });

  const n = sink + 1;
  for (;;) {
    // SPFA: shortest path from the source in the residual graph (costs may be negative, no negative cycles)
    const dist = new Array<number>(n).fill(Infinity);
    const inQueue = new Array<boolean>(n).fill(false);
    const prevNode = new Array<number>(n).fill(-1);
    const prevEdge = new Array<number>(n).fill(-1);
    dist[source] = 0;
    const queue: number[] = [source];
    inQueue[source] = true;
    for (let head = 0; head < queue.length; head++) {
      const u = queue[head]!;
      inQueue[u] = false;
      graph[u]!.forEach((e, i) => {
        if (e.cap > 0 && dist[u]! + e.cost < dist[e.to]! - 1e-9) {
          dist[e.to] = dist[u]! + e.cost;
          prevNode[e.to] = u;
          prevEdge[e.to] = i;
          if (!inQueue[e.to]) {
            inQueue[e.to] = true;
            queue.push(e.to);
          }
        }
      });
    }
    // no way to serve another place, or it would lower the total: done
    if (dist[sink] === Infinity || dist[sink]! >= 0) break;
    // augment one unit (every path passes a pair edge of capacity 1)
    for (let v = sink; v !== source; v = prevNode[v]!) {
      const e = graph[prevNode[v]!]![prevEdge[v]!]!;
      e.cap -= 1;
      graph[v]![e.rev]!.cap += 1;
    }
  }

  const chosen: AssignmentResult['pairs'] = [];
  for (let o = 0; o < O; o++) {
    for (const e of graph[o]!) {
      if (e.pair !== undefined && e.cap === 0) chosen.push({ ...input.pairs[e.pair]! });
    }
  }
  return summarise(chosen, 'exact');
}
