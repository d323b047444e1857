import type { DataSource, EntityManager } from 'typeorm';
import { autoDispatchDue, type AutoDispatchOptions } from './auto-dispatch';
import { escalateDueOrders } from './dispatching.repo';
import { sweepNoShows, type NoShowTimes } from './no-show';

/**
 * 三级联动 ("24小时在线"): an order nobody has accepted before its category's deadline moves up one level — grid →
 * community → town → county — and becomes visible to that level's dispatchers and that wider area's volunteers,
 * with an `escalate` event on its timeline. At the county it stays (escalate_at becomes null).
 *
 * One sweep is one statement plus its events in one transaction, safe with any number of sweepers (see
 * dispatching.repo.ts, `escalateDueOrders`).
 */
export async function sweepEscalations(db: DataSource, now: Date, batch = 500): Promise<number> {
  return db.transaction((m) => escalateDue(m, now, batch));
}

/** One sweep inside the caller's transaction (the demo seed escalates its own old orders this way). */
export async function escalateDue(m: EntityManager, now: Date, batch = 500): Promise<number> {
  return escalateDueOrders(m, now, batch);
}

/** Sweeps until nothing is due (a backlog larger than one batch is worked off in one tick). */
export async function sweepAll(db: DataSource, now: Date, batch = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await sweepEscalations(db, now, batch);
    total += n;
    if (n < batch) return total;
  }
}

/** What one run of the timed work did. */
export interface TimedWork {
  escalated: number;
  dispatched: number;
  /** Orders due for auto-dispatch for which nobody could be found. */
  unmatched: string[];
  /** Volunteers reminded to check in, and places returned to the pool for want of one (未到场). */
  reminded: number;
  noShows: number;
}

/**
 * The timed work on orders, run every minute by the job queue (one process at a time, see jobs/queue.ts): every
 * order due to escalate; the volunteers due at the door without a check-in (reminded, then their orders back to the
 * pool: no-show.ts); then every order under auto-dispatch that is due (new in the pool too long, an assignee too
 * slow, a no-show just now). Safe to run concurrently anyway (SKIP LOCKED in each).
 */
export async function runTimedWork(db: DataSource, opts: Omit<AutoDispatchOptions, 'unmatched'>, noShow?: NoShowTimes): Promise<TimedWork> {
  const escalated = await sweepAll(db, opts.now);
  const { reminded, noShows } = noShow ? await sweepNoShows(db, opts.now, noShow) : { reminded: 0, noShows: 0 };
  const unmatched: string[] = [];
  const dispatched = await autoDispatchDue(db, { ...opts, unmatched });
  return { escalated, dispatched, unmatched, reminded, noShows };
}
