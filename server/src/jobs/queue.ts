import { availableParallelism } from 'node:os';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Logger, parseCronItems, run, type Runner, type Task } from 'graphile-worker';
import { Pool } from 'pg';
import { isDatabaseUnavailable } from '../db/errors';
import { poolOf } from '../db/migrate';

/**
 * The job queue (decision 0008: graphile-worker on PostgreSQL). Jobs are rows added in the transaction of the change
 * that needs them (see db/jobs.ts and the outbox trigger of CreateNotifications); every API process may run them,
 * and each job runs once: a worker takes it with FOR UPDATE SKIP LOCKED and is told of new ones by LISTEN/NOTIFY, so
 * a job starts milliseconds after its transaction commits. A failing job is retried with exponential backoff
 * (about e^attempts seconds) until its max_attempts; then it stays, with its last error, for admins to see and retry
 * (GET /admin/jobs). Timed work runs from the cron entries: exactly once per minute across all processes.
 */

/** What a task sees of its job. */
export interface JobInfo {
  id: string;
  attempts: number;
  maxAttempts: number;
}

export type JobTask = (payload: unknown, job: JobInfo) => Promise<void>;

export interface CronEntry {
  task: string;
  /** crontab syntax, minute resolution (`* * * * *`: every minute). */
  match: string;
}

export interface JobQueueOptions {
  /** Jobs this process runs at once; 0: none (another process runs them: the plugin does nothing). */
  concurrency: number;
  tasks: Record<string, JobTask>;
  /**
   * Tasks with a lane of their own: workers that take only these, so they never wait behind a backlog of the others
   * (deciding who hears of a change must not queue behind the deliveries of earlier ones).
   */
  express?: string[];
  cron: CronEntry[];
}

/** graphile-worker's log lines through the app's logger, at its levels. */
function workerLogger(app: FastifyInstance): Logger {
  const log = app.log.child({ module: 'jobs' });
  return new Logger(() => (level, message, meta) => {
    if (level === 'error') log.error(meta ?? {}, message);
    else if (level === 'warning') log.warn(meta ?? {}, message);
    else log.debug(meta ?? {}, message);
  });
}

export const jobQueue = fp(
  async (app: FastifyInstance, opts: JobQueueOptions) => {
    if (opts.concurrency <= 0) return;
    const log = app.log.child({ module: 'jobs' });
    // A pool of its own: the runner holds one connection for LISTEN and one per job in progress, which must never
    // starve the requests' pool (and a request waiting for a connection must never starve a job).
    const express = new Set(opts.express ?? []);
    // The express lane's workers: as many as the machine has cores (at most `concurrency`). Its jobs are database
    // work and a little CPU, short and many under a burst; more of them at once than cores only queue for the CPU
    // (bench:notify on 2 cores: 4 workers a process gave p99 200–290 ms from commit to the message, 2 gave 140–190).
    // The rest (deliveries: mostly waiting for WeChat or the SMS provider) keep `concurrency`. Each runner keeps
    // one connection for LISTEN.
    const lanes = { express: express.size > 0 ? Math.min(opts.concurrency, availableParallelism()) : 0, main: opts.concurrency };
    // A pool of its own: the runners hold one connection each for LISTEN and one per job in progress, which must
    // never starve the requests' pool (and a request waiting for a connection must never starve a job).
    const pool = new Pool({ ...poolOf(app.db).options, max: lanes.express + lanes.main + 4 });
    // Without a handler an idle client's error (PostgreSQL restarted) would end the process; the runner reconnects.
    const lost = (err: Error) => log.warn({ err: err.message }, 'job queue connection lost; reconnecting');
    pool.on('error', lost);
    pool.on('connect', (client) => client.on('error', lost));
    const expressTasks: Record<string, Task> = {};
    const mainTasks: Record<string, Task> = {};
    for (const [name, task] of Object.entries(opts.tasks)) {
      (express.has(name) ? expressTasks : mainTasks)[name] = async (payload, helpers) => {
        try {
          await task(payload, { id: helpers.job.id, attempts: helpers.job.attempts, maxAttempts: helpers.job.max_attempts });
        } catch (err) {
          if (isDatabaseUnavailable(err)) log.warn(`${name} job postponed: database unavailable`);
          else log.error({ err }, `${name} job failed (attempt ${helpers.job.attempts} of ${helpers.job.max_attempts})`);
          throw err;
        }
      };
    }
    const runners: Runner[] = [];
    app.addHook('onReady', async () => {
      const common = {
        pgPool: pool,
        noHandleSignals: true,
        // new jobs arrive by LISTEN/NOTIFY; polling only finds jobs whose run_at has come (retries)
        pollInterval: 1000,
        logger: workerLogger(app),
      };
      // a worker takes only the jobs of the tasks it knows: the lanes never take each other's
      if (lanes.express > 0) runners.push(await run({ ...common, concurrency: lanes.express, taskList: expressTasks }));
      runners.push(
        await run({
          ...common,
          concurrency: lanes.main,
          taskList: mainTasks,
          // backfillPeriod 0: a minute missed while no process ran is not run afterwards (the next one catches up)
          parsedCronItems: parseCronItems(opts.cron.map((c) => ({ task: c.task, match: c.match, options: { backfillPeriod: 0 } }))),
        }),
      );
    });
    // stop taking jobs and finish those in progress before the app's pool closes, then close our own
    app.addHook('preClose', async () => {
      await Promise.all(runners.map((r) => r.stop()));
      // A job finishing as its runner stops may still be waiting for a connection to record its completion: an
      // ending pool never serves a waiter (it would time out and reject unhandled), so let the waiters through first.
      for (let waited = 0; pool.waitingCount > 0 && waited < 5_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      await pool.end();
    });
  },
  { name: 'job-queue', dependencies: ['core'] },
);
