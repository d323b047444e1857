import type pg from 'pg';

/** The settings that shape a write benchmark's figures, as the running server reports them (for the output's header). */
const SHOWN = ['shared_buffers', 'max_wal_size', 'min_wal_size', 'fsync', 'synchronous_commit'];

/** "PostgreSQL 18.4 (embedded: shared_buffers 2GB, max_wal_size 4GB, …)". */
export async function describePostgres(q: pg.Pool): Promise<string> {
  const { rows } = await q.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name = ANY($1) OR name = 'server_version'`,
    [SHOWN],
  );
  const value = new Map(rows.map((r) => [r.name, r.setting]));
  return `PostgreSQL ${value.get('server_version') ?? '?'} (embedded: ${SHOWN.map((n) => `${n} ${value.get(n) ?? '?'}`).join(', ')})`;
}
