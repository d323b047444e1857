import fc from 'fast-check';
import { assignGreedy, assignOptimal, type AssignmentInput, type AssignmentResult } from '@bangbang/shared';

/** Every feasible choice of pairs, the best by (places served, total score): the truth for small instances. */
function bruteForce(input: AssignmentInput): { served: number; totalScore: number } {
  let best = { served: 0, totalScore: 0 };
  const n = input.pairs.length;
  for (let mask = 0; mask < 1 << n; mask++) {
    const places = new Map(input.orders.map((o) => [o.id, o.places]));
    const capacity = new Map(input.people.map((p) => [p.id, p.capacity]));
    let ok = true;
    let served = 0;
    let score = 0;
    for (let k = 0; k < n && ok; k++) {
      if (!(mask & (1 << k))) continue;
      const pair = input.pairs[k]!;
      const left = places.get(pair.orderId)! - 1;
      const cap = capacity.get(pair.personId)! - 1;
      if (left < 0 || cap < 0) ok = false;
      places.set(pair.orderId, left);
      capacity.set(pair.personId, cap);
      served += 1;
      score += pair.score;
    }
    if (ok && (served > best.served || (served === best.served && score > best.totalScore + 1e-9))) best = { served, totalScore: score };
  }
  return best;
}

/** The answer respects places and capacities and uses only given pairs, each once. */
function checkFeasible(input: AssignmentInput, result: AssignmentResult): void {
  const key = (p: { orderId: string; personId: string }) => `${p.orderId}/${p.personId}`;
  const given = new Map(input.pairs.map((p) => [key(p), p.score]));
  expect(new Set(result.pairs.map(key)).size).toBe(result.pairs.length);
  for (const p of result.pairs) expect(given.get(key(p))).toBe(p.score);
  for (const o of input.orders) expect(result.pairs.filter((p) => p.orderId === o.id).length).toBeLessThanOrEqual(o.places);
  for (const q of input.people) expect(result.pairs.filter((p) => p.personId === q.id).length).toBeLessThanOrEqual(q.capacity);
}

const instance = fc
  .record({
    orders: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 4 }),
    people: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 4 }),
  })
  .chain(({ orders, people }) =>
    fc
      .array(fc.record({ o: fc.nat(orders.length - 1), p: fc.nat(people.length - 1), score: fc.integer({ min: -60, max: 160 }) }), { maxLength: 12 })
      .map((raw): AssignmentInput => {
        const seen = new Set<string>();
        const pairs = raw.flatMap(({ o, p, score }) => {
          const k = `${o}/${p}`;
          if (seen.has(k)) return [];
          seen.add(k);
          return [{ orderId: `o${o}`, personId: `p${p}`, score }];
        });
        return { orders: orders.map((places, i) => ({ id: `o${i}`, places })), people: people.map((capacity, i) => ({ id: `p${i}`, capacity })), pairs };
      }),
  );

describe('batch assignment (shared/assignment.ts)', () => {
  it('is optimal on small instances: the most places served, then the greatest total score (checked against brute force)', () => {
    fc.assert(
      fc.property(instance, (input) => {
        const result = assignOptimal(input);
        checkFeasible(input, result);
        const best = bruteForce(input);
        expect(result.method).toBe('exact');
        expect(result.served).toBe(best.served);
        expect(result.totalScore).toBeCloseTo(best.totalScore, 6);
      }),
      { numRuns: 1500 },
    );
  });

  it('is never beaten by greedy, and greedy answers are feasible too', () => {
    fc.assert(
      fc.property(instance, (input) => {
        const exact = assignOptimal(input);
        const greedy = assignGreedy(input);
        checkFeasible(input, greedy);
        expect(exact.served).toBeGreaterThanOrEqual(greedy.served);
        if (exact.served === greedy.served) expect(exact.totalScore).toBeGreaterThanOrEqual(greedy.totalScore - 1e-9);
      }),
      { numRuns: 1500 },
    );
  });

  it('serves a resident greedy would leave waiting: the best pair first can take the only person another order has', () => {
    // 王 is best for both orders; 李 can only serve the first. Greedy gives 王 the first order and the second nobody.
    const input: AssignmentInput = {
      orders: [
        { id: 'medicine', places: 1 },
        { id: 'meal', places: 1 },
      ],
      people: [
        { id: '王', capacity: 1 },
        { id: '李', capacity: 1 },
      ],
      pairs: [
        { orderId: 'medicine', personId: '王', score: 120 },
        { orderId: 'medicine', personId: '李', score: 110 },
        { orderId: 'meal', personId: '王', score: 115 },
      ],
    };
    expect(assignGreedy(input)).toMatchObject({ served: 1, totalScore: 120 });
    const exact = assignOptimal(input);
    expect(exact).toMatchObject({ served: 2, totalScore: 225, method: 'exact' });
    expect(exact.pairs.map((p) => `${p.orderId}→${p.personId}`).sort()).toEqual(['meal→王', 'medicine→李']);
  });

  it('scores higher than greedy when both serve everyone', () => {
    // greedy takes the single best pair (100) and is left with 10; the optimum pairs 90 + 90
    const input: AssignmentInput = {
      orders: [
        { id: 'a', places: 1 },
        { id: 'b', places: 1 },
      ],
      people: [
        { id: 'x', capacity: 1 },
        { id: 'y', capacity: 1 },
      ],
      pairs: [
        { orderId: 'a', personId: 'x', score: 100 },
        { orderId: 'a', personId: 'y', score: 90 },
        { orderId: 'b', personId: 'x', score: 90 },
        { orderId: 'b', personId: 'y', score: 10 },
      ],
    };
    expect(assignGreedy(input)).toMatchObject({ served: 2, totalScore: 110 });
    expect(assignOptimal(input)).toMatchObject({ served: 2, totalScore: 180 });
  });

  it('respects several places per order and several tasks per person', () => {
    const input: AssignmentInput = {
      orders: [
        { id: 'harvest', places: 3 },
        { id: 'repair', places: 1 },
      ],
      people: [
        { id: 'a', capacity: 2 },
        { id: 'b', capacity: 1 },
        { id: 'c', capacity: 1 },
      ],
      pairs: ['a', 'b', 'c'].flatMap((p) => [
        { orderId: 'harvest', personId: p, score: 100 },
        { orderId: 'repair', personId: p, score: 100 },
      ]),
    };
    const r = assignOptimal(input);
    checkFeasible(input, r);
    expect(r.served).toBe(4);
  });

  it('solves parts that share nobody on their own: the whole is the sum of its parts (a town of grids)', () => {
    fc.assert(
      fc.property(fc.array(instance, { minLength: 2, maxLength: 5 }), (parts) => {
        // each part's ids made its own, as a grid's orders and people are
        const renamed = parts.map((input, g) => ({
          orders: input.orders.map((o) => ({ ...o, id: `g${g}${o.id}` })),
          people: input.people.map((q) => ({ ...q, id: `g${g}${q.id}` })),
          pairs: input.pairs.map((x) => ({ ...x, orderId: `g${g}${x.orderId}`, personId: `g${g}${x.personId}` })),
        }));
        const whole: AssignmentInput = {
          orders: renamed.flatMap((x) => x.orders),
          people: renamed.flatMap((x) => x.people),
          pairs: renamed.flatMap((x) => x.pairs),
        };
        const r = assignOptimal(whole);
        checkFeasible(whole, r);
        const truths = parts.map(bruteForce);
        expect(r.served).toBe(truths.reduce((s, t) => s + t.served, 0));
        expect(r.totalScore).toBeCloseTo(
          truths.reduce((s, t) => s + t.totalScore, 0),
          6,
        );
      }),
      { numRuns: 100 },
    );
  });
});
