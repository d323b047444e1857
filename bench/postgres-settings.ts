import type pg from 'pg';

/** The settings that shape a write benchmark's figures, as the running server reports them (for the output's header). */
const SHOWN = ['shared_buffers', 'max_wal_size', 'min_wal_size', 'fsync', 'synchronous_commit'];

/**
 * "PostgreSQL 18.4 (embedded: shared_buffers 2048 MB, max_wal_size 4096 MB, …)": the server's values (reset_val),
 * not the session's, which a bench may have changed for its bulk load (synchronous_commit off, say).
 */
export async function describePostgres(q: pg.Pool): Promise<string> {
  const { rows } = await q.query<{ name: string; setting: string }>(
    `SELECT name,
            CASE WHEN unit IS NULL THEN reset_val
                 ELSE pg_size_pretty(reset_val::numeric * pg_size_bytes(CASE WHEN unit ~ '^[0-9]' THEN unit ELSE '1' || unit END))
            END AS setting
     FROM pg_settings WHERE name = ANY($1) OR name = 'server_version'`,
    [SHOWN],
  );
  const value = new Map(rows.map((r) => [r.name, r.setting]));
  return `PostgreSQL ${value.get('server_version') ?? '?'} (embedded: ${SHOWN.map((n) => `${n} ${value.get(n) ?? '?'}`).join(', ')})`;
}
