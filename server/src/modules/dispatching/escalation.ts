import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../clock';
import { runPeriodically } from '../../periodic';
import { autoDispatchDue, autoDispatchOptions } from './auto-dispatch';
import { escalateDueOrders } from './dispatching.repo';

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

export interface EscalationSweeperOptions {
  clock: Clock;
  /** How often to sweep; 0 turns the sweeper off (another process sweeps). */
  intervalMs: number;
}

/**
 * The background sweeper of one API process: every process runs one (they cannot step on each other, see above),
 * so escalation goes on as long as any process is up. Stops with the app, waiting for a sweep in progress.
 */
export const escalationSweeper = fp(
  async (app: FastifyInstance, opts: EscalationSweeperOptions) => {
    runPeriodically(app, {
      name: 'escalation sweep',
      intervalMs: opts.intervalMs,
      run: async () => {
        const now = opts.clock();
        const n = await sweepAll(app.db, now);
        if (n > 0) app.log.info({ escalated: n }, 'orders escalated');
        // and the orders under auto-dispatch that are due (new in the pool too long, an assignee too slow)
        const d = await autoDispatchDue(app.db, autoDispatchOptions(app, now));
        if (d > 0) app.log.info({ dispatched: d }, 'orders dispatched automatically');
      },
    });
  },
  { name: 'escalation-sweeper', dependencies: ['core'] },
);
