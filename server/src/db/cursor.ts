import { UUID_PATTERN, fieldError } from '../errors';

/**
 * The keyset cursor of every list that is newest first (orders, people): the last item's (created_at, id), as
 * opaque base64url text. The next page is the rows strictly before it in (created_at, id) order.
 */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

/** The cursor's (created_at, id), or 400 naming `cursor` when it is not one this server made. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && UUID_PATTERN.test(id)) return [at, id];
  } catch {
    /* fall through */
  }
  throw fieldError('cursor', '分页游标无效');
}
