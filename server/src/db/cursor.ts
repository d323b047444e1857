import { UUID_PATTERN, fieldError } from '../errors';

/**
 * The keyset cursor of every list that is newest first (orders, people): the last item's (created_at, id), as
 * opaque base64url text. The next page is the rows strictly before it in (created_at, id) order.
 *
 * PostgreSQL keeps created_at to the microsecond; a JavaScript `Date` keeps milliseconds. A cursor made from a
 * `Date` is up to 999 µs early, and every row created in that millisecond after it would be skipped (with the demo
 * data, 100 of 1,946 people were reachable). So the position is exact twice over:
 *
 * - the cursor carries the database's own text of created_at when the caller has it (`created_at::text`);
 * - the condition (`keysetBefore`) reads the named row's created_at from the table itself, and only falls back to
 *   the cursor's time when that row is gone, rounded up to the end of its millisecond when it came from a `Date`
 *   (a row may then be shown twice, never lost).
 */
export function encodeCursor(createdAt: Date | string, id: string): string {
  const at = typeof createdAt === 'string' ? createdAt : createdAt.toISOString();
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/** The cursor's (created_at, id), or 400 naming `cursor` when it is not one this server made. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && at.length <= 40 && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && UUID_PATTERN.test(id)) {
      return [at, id];
    }
  } catch {
    /* fall through */
  }
  throw fieldError('cursor', '分页游标无效');
}

/** A `Date`'s ISO text has exactly three fractional digits; PostgreSQL's own text has up to six (or none). */
const MILLISECOND_ISO = /\.\d{3}Z$/;

/**
 * The SQL condition "strictly before the cursor" on `alias`'s (created_at, id), for a table whose rows are found by
 * `id`; the cursor's values are appended to `params`.
 */
export function keysetBefore(cursor: readonly [string, string], table: string, alias: string, params: unknown[]): string {
  const [at, id] = cursor;
  params.push(at, id);
  const atParam = `$${params.length - 1}::timestamptz`;
  const fallback = MILLISECOND_ISO.test(at) ? `${atParam} + interval '999 microseconds'` : atParam;
  const idParam = `$${params.length}::uuid`;
  return `(${alias}.created_at, ${alias}.id) < (COALESCE((SELECT k.created_at FROM ${table} k WHERE k.id = ${idParam}), ${fallback}), ${idParam})`;
}
