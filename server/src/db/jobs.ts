import type { EntityManager } from 'typeorm';

type Db = Pick<EntityManager, 'query'>;

/**
 * Adds a job in the caller's transaction (graphile-worker's `add_job`): a rolled-back change adds nothing, a
 * committed one cannot lose its job. A job key makes a second add of the same key replace the waiting job instead
 * of adding another.
 */
export async function addJob(m: Db, task: string, payload: unknown, opts: { jobKey?: string; maxAttempts?: number; runAt?: Date } = {}): Promise<void> {
  await m.query(`SELECT graphile_worker.add_job($1, $2::json, run_at := $3, max_attempts := $4, job_key := $5)`, [
    task,
    JSON.stringify(payload),
    opts.runAt ?? null,
    opts.maxAttempts ?? 25,
    opts.jobKey ?? null,
  ]);
}

/** Many jobs of one task in one statement; a lower `priority` runs first (0 by default). */
export async function addJobs(m: Db, task: string, payloads: unknown[], opts: { maxAttempts?: number; priority?: number } = {}): Promise<void> {
  if (payloads.length === 0) return;
  await m.query(
    `SELECT graphile_worker.add_jobs(array_agg(json_populate_record(NULL::graphile_worker.job_spec,
            json_build_object('identifier', $1::text, 'payload', p, 'max_attempts', $3::smallint, 'priority', $4::smallint))))
     FROM json_array_elements($2::json) AS p`,
    [task, JSON.stringify(payloads), opts.maxAttempts ?? 25, opts.priority ?? 0],
  );
}

export interface DeadJobRow {
  id: string;
  task_identifier: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Jobs that used up their attempts (the dead letters), newest first. The public view `graphile_worker.jobs` has no
 * payload, which an admin needs (which notification, which channel): read from its table.
 */
export async function deadJobs(m: Db, limit: number): Promise<DeadJobRow[]> {
  return m.query<DeadJobRow[]>(
    `SELECT j.id::text, t.identifier AS task_identifier, j.payload, j.attempts, j.max_attempts, j.last_error, j.created_at, j.updated_at
     FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
     WHERE j.attempts >= j.max_attempts AND j.locked_at IS NULL
     ORDER BY j.updated_at DESC LIMIT $1`,
    [limit],
  );
}

/** Gives dead jobs their attempts back and runs them now; answers the ids found. */
export async function retryJobs(m: Db, ids: readonly string[]): Promise<string[]> {
  const rows = await m.query<Array<{ id: string }>>(
    `SELECT id::text FROM graphile_worker.reschedule_jobs($1::bigint[], run_at := now(), attempts := 0::smallint)`,
    [ids],
  );
  return rows.map((r) => r.id);
}
