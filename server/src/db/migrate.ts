import type { DataSource } from 'typeorm';
import { AdvisoryLock } from './locks';

/**
 * Runs pending migrations, one transaction each. Several API processes may start together against one
 * database: a session-level advisory lock makes them take turns, so each migration runs exactly once.
 * Returns the names of the migrations this call ran.
 */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [AdvisoryLock.Migrations]);
    try {
      const ran = await ds.runMigrations({ transaction: 'each' });
      return ran.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [AdvisoryLock.Migrations]);
    }
  } finally {
    await runner.release();
  }
}
