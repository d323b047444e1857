import type { SmsPurpose } from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { AdvisoryLock } from '../../db/locks';
import { updateReturning } from '../../db/returning';

/** SMS codes' data access (table phone_code, migration CreatePhoneCode). */

/** Codes of one phone are issued one at a time (their limits are counted from the rows), in every process. */
export async function lockPhone(m: EntityManager, phone: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [AdvisoryLock.PhoneCode, phone]);
}

export interface PhoneCodeUsage {
  /** Seconds until the phone may be sent another code (0: now). */
  resendIn: number;
  /** Codes sent to the phone in the last 24 hours. */
  lastDay: number;
  /** Seconds until the oldest of those is a day old. */
  dayResetIn: number;
}

export async function phoneCodeUsage(m: EntityManager, phone: string, resendSeconds: number): Promise<PhoneCodeUsage> {
  const [row] = await m.query<Array<{ resend_in: number | null; last_day: number; day_reset_in: number | null }>>(
    `SELECT ceil(extract(epoch FROM (max(created_at) + make_interval(secs => $2) - now())))::int AS resend_in,
            count(*)::int AS last_day,
            ceil(extract(epoch FROM (min(created_at) + interval '1 day' - now())))::int AS day_reset_in
     FROM phone_code WHERE phone = $1 AND created_at > now() - interval '1 day'`,
    [phone, resendSeconds],
  );
  return { resendIn: Math.max(0, row?.resend_in ?? 0), lastDay: row?.last_day ?? 0, dayResetIn: Math.max(1, row?.day_reset_in ?? 1) };
}

/** A new code for the phone and purpose; the phone's earlier codes for it die. Returns the new row's id. */
export async function insertPhoneCode(m: EntityManager, c: { phone: string; purpose: SmsPurpose; codeHash: string; ttlSeconds: number }): Promise<string> {
  await m.query(`UPDATE phone_code SET used_at = now() WHERE phone = $1 AND purpose = $2 AND used_at IS NULL`, [c.phone, c.purpose]);
  const [row] = await m.query<Array<{ id: string }>>(
    `INSERT INTO phone_code (phone, purpose, code_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING id`,
    [c.phone, c.purpose, c.codeHash, c.ttlSeconds],
  );
  // rows older than a day count for nothing any more: a few go with each new code
  await m.query(`DELETE FROM phone_code WHERE id IN (SELECT id FROM phone_code WHERE created_at < now() - interval '1 day' LIMIT 50)`);
  return row!.id;
}

/** A code that was never sent (the provider failed): gone, so it neither works nor counts against the phone. */
export async function deletePhoneCode(db: DataSource, id: string): Promise<void> {
  await db.query(`DELETE FROM phone_code WHERE id = $1`, [id]);
}

/** The phone's newest live code for the purpose, locked for this transaction (one check at a time). */
export async function liveCode(
  m: EntityManager,
  phone: string,
  purpose: SmsPurpose,
  maxAttempts: number,
): Promise<{ id: string; codeHash: string } | undefined> {
  const [row] = await m.query<Array<{ id: string; code_hash: string }>>(
    `SELECT id, code_hash FROM phone_code
     WHERE phone = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() AND attempts < $3
     ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
    [phone, purpose, maxAttempts],
  );
  return row ? { id: row.id, codeHash: row.code_hash } : undefined;
}

export async function markCodeUsed(m: EntityManager, id: string): Promise<void> {
  await m.query(`UPDATE phone_code SET used_at = now() WHERE id = $1`, [id]);
}

/** One more wrong try; at the last allowed one the code dies. Returns the tries left. */
export async function addWrongTry(m: EntityManager, id: string, maxAttempts: number): Promise<number> {
  const [row] = await updateReturning<{ attempts: number }>(
    m,
    `UPDATE phone_code SET attempts = attempts + 1, used_at = CASE WHEN attempts + 1 >= $2 THEN now() ELSE used_at END
     WHERE id = $1 RETURNING attempts`,
    [id, maxAttempts],
  );
  return Math.max(0, maxAttempts - (row?.attempts ?? maxAttempts));
}
