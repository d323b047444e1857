import type { NotificationDto, NotificationKind } from '@bangbang/shared';
import type { ClientBase } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The live channel's data access: the catch-up a socket gets after `ready`, the unread count, who has the app open
 * (live_presence, one row per person and API process) and the LISTEN of the process's dedicated connection.
 */

/** A data source or a transaction's manager: anything that runs a query. */
type Db = Pick<DataSource | EntityManager, 'query'>;

/** A person is online while a process has refreshed their row this recently (it refreshes every 30 s). */
export const ONLINE_WITHIN_MS = 90_000;

/** Rows no process refreshed for this long are a dead process's: whoever refreshes next removes them. */
const STALE_AFTER = '1 hour';

interface CatchUpRow {
  unread: number;
  id: string | null;
  kind: string | null;
  title: string | null;
  body: string | null;
  order_id: string | null;
  urgent: boolean | null;
  created_at: Date | null;
  read_at: Date | null;
}

/**
 * The person's unread count and, when `after` is given, their notifications with a greater id, oldest first, at most
 * `limit`: one statement, one snapshot (the count includes what the catch-up sends).
 */
export async function inboxSince(db: Db, userId: string, after: string | undefined, limit: number): Promise<{ unread: number; items: NotificationDto[] }> {
  const rows = await db.query<CatchUpRow[]>(
    `SELECT u.unread, c.id, c.kind, c.title, c.body, c.order_id, c.urgent, c.created_at, c.read_at
     FROM (SELECT count(*)::int AS unread FROM notification WHERE recipient_id = $1 AND read_at IS NULL) u
     LEFT JOIN LATERAL (
       SELECT n.id::text AS id, n.kind, n.title, n.body, n.order_id, n.urgent, n.created_at, n.read_at
       FROM notification n
       WHERE $2::bigint IS NOT NULL AND n.recipient_id = $1 AND n.id > $2::bigint
       ORDER BY n.id LIMIT $3
     ) c ON true
     ORDER BY c.id::bigint`,
    [userId, after ?? null, limit],
  );
  const items: NotificationDto[] = [];
  for (const r of rows) {
    if (r.id === null) continue;
    items.push({
      id: r.id,
      kind: r.kind as NotificationKind,
      title: r.title!,
      body: r.body!,
      orderId: r.order_id,
      urgent: r.urgent!,
      createdAt: r.created_at!.toISOString(),
      readAt: r.read_at ? r.read_at.toISOString() : null,
    });
  }
  return { unread: rows[0]?.unread ?? 0, items };
}

/**
 * Writes this process's presence for these people as it now is: a row with the socket count for each person with
 * sockets (seen now), no row for those with none. People who no longer exist are skipped.
 */
export async function writePresence(db: Db, processId: string, counts: ReadonlyArray<readonly [string, number]>): Promise<void> {
  const present = counts.filter(([, n]) => n > 0);
  const gone = counts.filter(([, n]) => n <= 0).map(([id]) => id);
  if (gone.length > 0) {
    await db.query(`DELETE FROM live_presence WHERE process_id = $1 AND user_id = ANY($2::uuid[])`, [processId, gone]);
  }
  if (present.length > 0) {
    await db.query(
      `INSERT INTO live_presence (user_id, process_id, sockets, seen_at)
       SELECT p.user_id, $1, p.sockets, now()
       FROM unnest($2::uuid[], $3::int[]) AS p (user_id, sockets) JOIN app_user u ON u.id = p.user_id
       ON CONFLICT (user_id, process_id) DO UPDATE SET sockets = EXCLUDED.sockets, seen_at = now()`,
      [processId, present.map(([id]) => id), present.map(([, n]) => n)],
    );
  }
}

/** Removes the rows no process has refreshed for a long time (a process that died without closing). */
export async function removeStalePresence(db: Db): Promise<void> {
  await db.query(`DELETE FROM live_presence WHERE seen_at < now() - $1::interval`, [STALE_AFTER]);
}

/** Removes every row of this process (it is closing). */
export async function removeProcessPresence(db: Db, processId: string): Promise<void> {
  await db.query(`DELETE FROM live_presence WHERE process_id = $1`, [processId]);
}

/**
 * Of these people, those who have the app open in some API process: a row refreshed within the last 90 s. The
 * delivery job skips WeChat and SMS for them (the live channel reached them). Without `now` the database's own
 * clock decides, the one that wrote `seen_at` (a test's injected clock may be anywhere).
 */
export async function onlineAmong(db: Db, userIds: readonly string[], now?: Date): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db.query<Array<{ user_id: string }>>(
    `SELECT u.id AS user_id FROM unnest($1::uuid[]) AS u(id) WHERE ${presentSql('u.id', 'COALESCE($2::timestamptz, now())')}`,
    [userIds, now ?? null],
  );
  return new Set(rows.map((r) => r.user_id));
}

/**
 * The SQL condition "the person in `userColumn` has the app open" (a presence row refreshed within
 * ONLINE_WITHIN_MS of `nowSql`), for a statement that decides it together with other things (the fan-out's).
 */
export function presentSql(userColumn: string, nowSql = 'now()'): string {
  return `EXISTS (SELECT 1 FROM live_presence lp WHERE lp.user_id = ${userColumn} AND lp.seen_at > ${nowSql} - ${ONLINE_WITHIN_MS} * interval '1 millisecond')`;
}

/**
 * Starts listening on the channel on the process's dedicated connection (never a pooled one); returns the backend's
 * process id (what pg_terminate_backend would name).
 */
export async function listen(client: ClientBase, channel: string): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  // last, so that pg_stat_activity shows the connection's query as `LISTEN …` for as long as it listens
  await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
  return rows[0]!.pid;
}

export async function unlisten(client: ClientBase, channel: string): Promise<void> {
  await client.query(`UNLISTEN ${client.escapeIdentifier(channel)}`);
}
