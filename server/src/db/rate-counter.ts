import type { DataSource, EntityManager } from 'typeorm';

/**
 * One counted attempt against a limit kept in PostgreSQL (table rate_limit), so every API process counts against
 * the same allowance: starts a new window when the old one is over, otherwise adds one. The store of
 * @fastify/rate-limit (http/rate-limit-store.ts) counts through it, and so does a limit on something known only
 * inside a handler (a WeChat openid, after code2Session).
 */
export async function hitRateCounter(db: DataSource | EntityManager, key: string, windowMs: number): Promise<{ count: number; ttlMs: number }> {
  const rows = await db.query<Array<{ count: number; ttl: number }>>(
    `INSERT INTO rate_limit AS r (key, count, reset_at)
     VALUES ($1, 1, now() + make_interval(secs => $2 / 1000.0))
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.count + 1 END,
       reset_at = CASE WHEN r.reset_at <= now() THEN now() + make_interval(secs => $2 / 1000.0) ELSE r.reset_at END
     RETURNING count, greatest(0, ceil(extract(epoch FROM (reset_at - now())) * 1000))::int AS ttl`,
    [key, windowMs],
  );
  const row = rows[0];
  return { count: row?.count ?? 1, ttlMs: row?.ttl ?? windowMs };
}

/** Forgets windows long over (called now and then by the counters' users). */
export async function forgetOldRateCounters(db: DataSource): Promise<void> {
  await db.query(`DELETE FROM rate_limit WHERE reset_at < now() - interval '1 hour'`);
}
