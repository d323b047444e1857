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

/**
 * Most places served, then the greatest total score: exact, by min-cost flow — solved for each connected part of the
 * pairs on its own. Orders that share no candidate (directly or through others) cannot affect each other, and a
 * batch over a town splits into about one part per grid (a grid's orders find the grid's people): each shortest-path
 * search then walks one part, not the whole town (about a hundred times fewer edges for a town's 1,000 orders).
 */
export function assignOptimal(input: AssignmentInput): AssignmentResult {
  if (input.pairs.length > EXACT_LIMIT) return assignGreedy(input);
  const orderIndex = new Map(input.orders.map((o, i) => [o.id, i]));
  const personIndex = new Map(input.people.map((p, i) => [p.id, i]));
  const O = input.orders.length;
  // union-find over orders (0…O−1) and people (O…): a pair joins its order and its person
  const parent = Array.from({ length: O + input.people.length }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const usable: number[] = [];
  input.pairs.forEach((pair, k) => {
    const o = orderIndex.get(pair.orderId);
    const p = personIndex.get(pair.personId);
    if (o === undefined || p === undefined) return;
    usable.push(k);
    parent[find(o)] = find(O + p);
  });
  const parts = new Map<number, number[]>();
  for (const k of usable) {
    const root = find(orderIndex.get(input.pairs[k]!.orderId)!);
    const list = parts.get(root);
    if (list) list.push(k);
    else parts.set(root, [k]);
  }
  const chosen: number[] = [];
  for (const ks of parts.values()) chosen.push(...solvePart(input, ks, orderIndex, personIndex));
  // in the orders' order, then the pairs' (as one flow over everything would list them)
  chosen.sort((a, b) => orderIndex.get(input.pairs[a]!.orderId)! - orderIndex.get(input.pairs[b]!.orderId)! || a - b);
  return summarise(
    chosen.map((k) => ({ ...input.pairs[k]! })),
    'exact',
  );
}

/** The min-cost max-flow of one connected part (the pairs `ks` of `input`): the indexes of the pairs chosen. */
function solvePart(input: AssignmentInput, ks: readonly number[], orderIndex: Map<string, number>, personIndex: Map<string, number>): number[] {
  // the part's own nodes, numbered as first met: its orders (0…), then its people, then source and sink
  const orderNode = new Map<number, number>();
  const personNode = new Map<number, number>();
  const numbered = (nodes: Map<number, number>, i: number) => nodes.get(i) ?? nodes.set(i, nodes.size).get(i)!;
  const ends = ks.map((k) => [numbered(orderNode, orderIndex.get(input.pairs[k]!.orderId)!), numbered(personNode, personIndex.get(input.pairs[k]!.personId)!)]);
  const O = orderNode.size;
  const source = O + personNode.size;
  const sink = source + 1;
  const graph: Edge[][] = Array.from({ length: sink + 1 }, () => []);
  const add = (from: number, to: number, cap: number, cost: number, pair?: number) => {
    graph[from]!.push({ to, rev: graph[to]!.length, cap, cost, ...(pair === undefined ? {} : { pair }) });
    graph[to]!.push({ to: from, rev: graph[from]!.length - 1, cap: 0, cost: -cost });
  };
  // every served place is worth more than any spread of scores
  const spread = ks.reduce((s, k) => s + Math.abs(input.pairs[k]!.score), 0);
  const BIG = spread + 1;
  for (const [i, node] of orderNode) if (input.orders[i]!.places > 0) add(source, node, input.orders[i]!.places, 0);
  for (const [i, node] of personNode) if (input.people[i]!.capacity > 0) add(O + node, sink, input.people[i]!.capacity, 0);
  ks.forEach((k, x) => add(ends[x]![0]!, O + ends[x]![1]!, 1, -(BIG + input.pairs[k]!.score), k));

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

  const chosen: number[] = [];
  for (let node = 0; node < O; node++) {
    for (const e of graph[node]!) if (e.pair !== undefined && e.cap === 0) chosen.push(e.pair);
  }
  return chosen;
}
