import type { DataSource } from 'typeorm';
import { AdvisoryLock } from '../../db/locks';

/**
 * The uploads' ledger (table upload, migration AddUploadLedger): one row per photo, for the per-account daily
 * limits and for the sweep of photos no order refers to.
 */

export interface UploadLimits {
  /** Photos per person in 24 hours. */
  count: number;
  /** Bytes per person in 24 hours. */
  bytes: number;
}

/**
 * Reserves one upload of at most `maxBytes` for the person, or answers which daily limit it would pass. The check
 * and the reservation are one transaction under the person's own advisory lock, so concurrent uploads of one
 * person are counted one after the other.
 */
export async function reserveUpload(
  db: DataSource,
  r: { id: string; ownerId: string; maxBytes: number; limits: UploadLimits; now: Date },
): Promise<'ok' | 'count' | 'bytes'> {
  return db.transaction(async (m) => {
    await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [AdvisoryLock.UploadQuota, r.ownerId]);
    const [used] = await m.query<Array<{ count: number; bytes: string }>>(
      `SELECT count(*)::int AS count, coalesce(sum(bytes), 0)::text AS bytes
       FROM upload WHERE owner_id = $1 AND created_at > $2::timestamptz - interval '24 hours'`,
      [r.ownerId, r.now],
    );
    if ((used?.count ?? 0) >= r.limits.count) return 'count';
    // reserved at the largest size allowed (its real size is known only at the end): strict under any concurrency
    if (Number(used?.bytes ?? 0) + r.maxBytes > r.limits.bytes) return 'bytes';
    await m.query(`INSERT INTO upload (id, owner_id, bytes, created_at) VALUES ($1, $2, $3, $4)`, [r.id, r.ownerId, r.maxBytes, r.now]);
    return 'ok';
  });
}

/** The upload arrived whole: its name and real size. */
export async function settleUpload(db: DataSource, id: string, name: string, bytes: number): Promise<void> {
  await db.query(`UPDATE upload SET name = $2, bytes = $3 WHERE id = $1`, [id, name, bytes]);
}

/** The upload was refused (not an image, too large) or failed: it counts for nothing. */
export async function dropUpload(db: DataSource, id: string): Promise<void> {
  await db.query(`DELETE FROM upload WHERE id = $1`, [id]);
}

/**
 * One sweep: of the photos uploaded before `now` − 24 h and not yet kept, those an order's completion refers to are
 * kept from now on, the others deleted from the ledger and answered (id and name) for their files to go. Only one
 * process sweeps at a time (a try-lock: another process sweeping now means there is nothing to do here).
 */
export async function sweepUnreferenced(db: DataSource, now: Date, batch: number, urlPrefix: string): Promise<Array<{ id: string; name: string | null }>> {
  return db.transaction(async (m) => {
    const [lock] = await m.query<Array<{ ok: boolean }>>(`SELECT pg_try_advisory_xact_lock($1) AS ok`, [AdvisoryLock.UploadSweep]);
    if (!lock?.ok) return [];
    const due = await m.query<Array<{ id: string; name: string | null; used: boolean }>>(
      `SELECT u.id, u.name,
              u.name IS NOT NULL AND EXISTS (SELECT 1 FROM order_assignment a WHERE a.photo_urls @> ARRAY[$3 || u.name]) AS used
       FROM upload u WHERE NOT u.kept AND u.created_at < $1::timestamptz - interval '24 hours'
       ORDER BY u.created_at LIMIT $2 FOR UPDATE`,
      [now, batch, urlPrefix],
    );
    const kept = due.filter((d) => d.used).map((d) => d.id);
    const gone = due.filter((d) => !d.used);
    if (kept.length > 0) await m.query(`UPDATE upload SET kept = true WHERE id = ANY($1::uuid[])`, [kept]);
    if (gone.length > 0) await m.query(`DELETE FROM upload WHERE id = ANY($1::uuid[])`, [gone.map((d) => d.id)]);
    return gone.map(({ id, name }) => ({ id, name }));
  });
}
