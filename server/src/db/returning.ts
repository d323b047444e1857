import type { EntityManager } from 'typeorm';

/**
 * The rows of an UPDATE … RETURNING. TypeORM's `query()` answers an UPDATE or DELETE with `[rows, rowCount]`
 * rather than the rows (PostgresQueryRunner), unlike SELECT and INSERT; this hides the difference.
 */
export async function updateReturning<T>(m: Pick<EntityManager, 'query'>, sql: string, params: unknown[]): Promise<T[]> {
  const result = await m.query<[T[], number] | T[]>(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return result as T[];
}
