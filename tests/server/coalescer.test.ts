import { Coalescer, onPool, twoBatchesAtATime, type BatchAnswer } from '../../server/src/db/coalescer';

/**
 * The group-commit queue on its own: what goes into which batch, and that every caller gets its own answer.
 * Batches here are promises the test settles by hand, so "while a batch is running" is exact.
 */

interface Running {
  items: number[];
  answer(a: BatchAnswer<string>): void;
  fail(e: unknown): void;
}

function harness(maxBatch: number, maxInFlight: number) {
  const running: Running[] = [];
  const coalescer = new Coalescer<number, string>(
    (items) =>
      new Promise<BatchAnswer<string>>((resolve, reject) => {
        running.push({ items: [...items], answer: resolve, fail: reject });
      }),
    { maxBatch, maxInFlight },
  );
  return { coalescer, running };
}

/** Lets setImmediate callbacks and promise reactions run. */
const turn = () => new Promise((r) => setImmediate(r));
const ok = (items: number[]): BatchAnswer<string> => items.map((i) => ({ ok: true as const, value: `v${i}` }));

describe('Coalescer (group commit)', () => {
  it('sends what arrives in one turn as one batch, and answers each caller with its own value', async () => {
    const { coalescer, running } = harness(100, 2);
    const answers = [1, 2, 3].map((i) => coalescer.submit(i));
    await turn();
    expect(running.map((r) => r.items)).toEqual([[1, 2, 3]]);
    running[0]!.answer(ok([1, 2, 3]));
    await expect(Promise.all(answers)).resolves.toEqual(['v1', 'v2', 'v3']);
  });

  it('a lone item goes at once: nobody waits for company', async () => {
    const { coalescer, running } = harness(100, 1);
    const a = coalescer.submit(7);
    await turn();
    expect(running.map((r) => r.items)).toEqual([[7]]);
    running[0]!.answer(ok([7]));
    await expect(a).resolves.toBe('v7');
  });

  it('while maxInFlight batches run, new items wait and leave together when one finishes', async () => {
    const { coalescer, running } = harness(100, 1);
    const first = coalescer.submit(1);
    await turn();
    const later = [2, 3, 4].map((i) => coalescer.submit(i));
    await turn();
    expect(running).toHaveLength(1); // the one slot is taken
    running[0]!.answer(ok([1]));
    await expect(first).resolves.toBe('v1');
    await turn();
    expect(running.map((r) => r.items)).toEqual([[1], [2, 3, 4]]);
    running[1]!.answer(ok([2, 3, 4]));
    await expect(Promise.all(later)).resolves.toEqual(['v2', 'v3', 'v4']);
  });

  it('never puts more than maxBatch items in a batch, and uses the free slots for the rest', async () => {
    const { coalescer, running } = harness(2, 3);
    const all = [1, 2, 3, 4, 5].map((i) => coalescer.submit(i));
    await turn();
    expect(running.map((r) => r.items)).toEqual([[1, 2], [3, 4], [5]]);
    for (const r of running) r.answer(ok(r.items));
    await expect(Promise.all(all)).resolves.toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
  });

  it("one item's error fails that item only", async () => {
    const { coalescer, running } = harness(100, 1);
    const [a, b, c] = [1, 2, 3].map((i) => coalescer.submit(i));
    await turn();
    const refused = new Error('item 2 refused');
    running[0]!.answer([
      { ok: true, value: 'v1' },
      { ok: false, error: refused },
      { ok: true, value: 'v3' },
    ]);
    await expect(a).resolves.toBe('v1');
    await expect(b).rejects.toBe(refused);
    await expect(c).resolves.toBe('v3');
  });

  it('a failed batch fails each of its items, and the queue goes on with the next', async () => {
    const { coalescer, running } = harness(100, 1);
    const [a, b] = [1, 2].map((i) => coalescer.submit(i));
    await turn();
    const c = coalescer.submit(3);
    const down = new Error('connection lost');
    running[0]!.fail(down);
    await expect(a).rejects.toBe(down);
    await expect(b).rejects.toBe(down);
    await turn();
    expect(running.map((r) => r.items)).toEqual([[1, 2], [3]]);
    running[1]!.answer(ok([3]));
    await expect(c).resolves.toBe('v3');
  });

  it('a batch that answers the wrong number of items fails them all rather than answering anyone wrongly', async () => {
    const { coalescer, running } = harness(100, 1);
    const both = [1, 2].map((i) => coalescer.submit(i).then(String, (e: Error) => e.message));
    await turn();
    running[0]!.answer(ok([1]));
    const [m1, m2] = await Promise.all(both);
    expect(m1).toMatch(/a batch of 2 answered 1 items/);
    expect(m2).toBe(m1);
  });

  it('on the pool: half of its connections at most, and at least one', () => {
    expect(onPool(10, 50)).toEqual({ maxBatch: 50, maxInFlight: 5 });
    expect(onPool(1, 50)).toEqual({ maxBatch: 50, maxInFlight: 1 });
    expect(() => new Coalescer(async () => [], { maxBatch: 0, maxInFlight: 1 })).toThrow();
  });

  it('for writes: two batches at a time, and what arrives meanwhile leaves together as soon as one answers', async () => {
    expect(twoBatchesAtATime(100)).toEqual({ maxBatch: 100, maxInFlight: 2 });
    const sizes: number[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const c = new Coalescer<number, number>(async (items) => {
      sizes.push(items.length);
      if (sizes.length <= 2) await held;
      return items.map((i) => ({ ok: true as const, value: i * 2 }));
    }, twoBatchesAtATime(100));
    const turn = () => new Promise((r) => setImmediate(r));
    const first = c.submit(1);
    await turn();
    const second = c.submit(2);
    await turn();
    const rest = [3, 4, 5].map((i) => c.submit(i));
    await turn();
    expect(sizes).toEqual([1, 1]);
    release();
    expect(await Promise.all([first, second, ...rest])).toEqual([2, 4, 6, 8, 10]);
    expect(sizes).toEqual([1, 1, 3]);
  });
});
