import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * A statement of the hot path, run as a NAMED prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every request (measured by `pnpm bench:orders`: the order-creation statement spent about
 * as long being planned as being executed). TypeORM's `query()` cannot name a statement, so these go to the
 * driver: the transaction's own connection inside a transaction, the pool otherwise. Errors are node-postgres's
 * own (with the SQLSTATE in `code`), which the error handler understands as it does TypeORM's.
 */
export class Statement<R extends QueryResultRow> {
  declare private readonly row?: R;

  constructor(
    /** Unique per text: a connection keeps one prepared statement per name. */
    readonly name: string,
    readonly text: string,
  ) {}
}

/** The driver's side of TypeORM that this needs: a transaction's pg client, and the pool. */
interface DriverParts {
  queryRunner?: { databaseConnection?: PoolClient };
  connection: { driver: { master?: Pool } };
}

/** Runs the statement on the transaction of `on` (when it has one) or on the pool; answers the rows. */
export async function run<R extends QueryResultRow>(on: DataSource | EntityManager, statement: Statement<R>, values: unknown[]): Promise<R[]> {
  const manager = ('manager' in on ? on.manager : on) as unknown as DriverParts;
  const client = manager.queryRunner?.databaseConnection ?? manager.connection.driver.master;
  if (!client) throw new Error('the database is not connected');
  const result = await client.query<R>({ name: statement.name, text: statement.text, values });
  return result.rows;
}
