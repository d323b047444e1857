import { Logger, runMigrations as runWorkerMigrations } from 'graphile-worker';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AdvisoryLock } from './locks';

/** The pg pool under a TypeORM data source (graphile-worker shares it rather than opening one of its own). */
export function poolOf(ds: DataSource): Pool {
  return (ds.driver as PostgresDriver).master as Pool;
}

/** graphile-worker's own log lines say nothing the server's log needs at migration time. */
const quiet = new Logger(() => () => undefined);

/**
 * Runs pending migrations, one transaction each: first the job queue's own schema (`graphile_worker`, which the
 * outbox trigger of CreateNotifications calls into), then ours. Several API processes may start together against
 * one database: a session-level advisory lock makes them take turns, so each migration runs exactly once.
 * Returns the names of the migrations this call ran.
 */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [AdvisoryLock.Migrations]);
    try {
      // a pool of one of its own, with the error handlers graphile-worker asks every pool it is given to have
      const pool = new Pool({ ...poolOf(ds).options, max: 1 });
      const ignore = () => undefined;
      pool.on('error', ignore);
      pool.on('connect', (client) => client.on('error', ignore));
      try {
        await runWorkerMigrations({ pgPool: pool, logger: quiet });
      } finally {
        await pool.end();
      }
      const ran = await ds.runMigrations({ transaction: 'each' });
      return ran.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [AdvisoryLock.Migrations]);
    }
  } finally {
    await runner.release();
  }
}
