/**
 * Group commit for one kind of database work: what concurrent requests ask for while the database is busy with
 * earlier batches is sent together, as ONE statement — one round trip, one executor start-up, one commit — instead
 * of one statement per request. PostgreSQL spends most of a small statement on the statement itself (planning
 * the generic plan's locks, compiling the table's CHECK constraints, starting the executor, the commit), little on
 * each row, so under load this is what lets many requests share what each would pay alone.
 *
 * Nobody waits for company: an item submitted while fewer than `maxInFlight` batches are running leaves on the
 * next turn of the event loop with whatever else arrived in that turn. At low load every request goes alone,
 * as it would without this; under load the queue fills while batches run, and the next batch takes it.
 *
 * Only the items of requests in progress are held here, and each caller's promise settles after its own batch
 * has answered (committed, for writes): nothing outlives a request, so several API processes on one database
 * behave as one.
 */
export interface CoalescerOptions {
  /** The most items in one batch. */
  maxBatch: number;
  /** The most batches running at once (each holds a pool connection while it runs). */
  maxInFlight: number;
}

/**
 * The usual options on the application's pool: batches may hold half of its connections at once, so the other
 * half always serves everything else (transactions, reads).
 */
export function onPool(poolSize: number, maxBatch: number): CoalescerOptions {
  return { maxBatch, maxInFlight: Math.max(1, Math.floor(poolSize / 2)) };
}

/**
 * For writes: two batches in PostgreSQL at a time at most (per kind of write, per process), so that one can run
 * while the other waits for its commit; whatever arrives meanwhile leaves together as soon as one answers. Batches
 * running side by side contend for the same index pages and WAL, and each extra one splits the waiting items into
 * smaller, dearer statements: with bench:orders' evenly spread load at half the ceiling, five batches in flight
 * (half the pool) cost 0.20 statements and 0.44–0.54 ms of machine CPU per order, two 0.06–0.19 and 0.36–0.50 ms.
 * One at a time measured the same as two within the host's noise, and would leave every order waiting behind a batch
 * held up by a lock. Never a limit on throughput: one process answers a few thousand requests a second, and a batch
 * of up to `maxBatch` every few milliseconds carries far more.
 */
export function twoBatchesAtATime(maxBatch: number): CoalescerOptions {
  return { maxBatch, maxInFlight: 2 };
}

/** What a batch answers for each of its items, in the items' order: the item's value, or the error for that item alone. */
export type BatchAnswer<O> = ReadonlyArray<{ ok: true; value: O } | { ok: false; error: unknown }>;

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class Coalescer<I, O> {
  private queue: Array<Waiting<I, O>> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /** Runs one batch. A rejection fails every item of the batch with that error. */
    private readonly runBatch: (items: readonly I[]) => Promise<BatchAnswer<O>>,
    private readonly options: CoalescerOptions,
  ) {
    if (options.maxBatch < 1 || options.maxInFlight < 1) throw new Error('Coalescer: maxBatch and maxInFlight must be at least 1');
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.options.maxInFlight) return;
    this.scheduled = true;
    // the rest of this turn's requests join the batch
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      // runOne never rejects: each caller's promise carries its own outcome
      void this.runOne(batch).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
    }
  }

  private async runOne(batch: Array<Waiting<I, O>>): Promise<void> {
    let answers: BatchAnswer<O>;
    try {
      answers = await this.runBatch(batch.map((w) => w.item));
      if (answers.length !== batch.length) throw new Error(`Coalescer: a batch of ${batch.length} answered ${answers.length} items`);
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const a = answers[i]!;
      if (a.ok) w.resolve(a.value);
      else w.reject(a.error);
    });
  }
}
