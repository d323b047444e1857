import { migrations } from '@bangbang/migrations';
import { DataSource, type EntitySchema, type Logger as TypeOrmLogger } from 'typeorm';
import { isDatabaseUnavailable } from './errors';

/** An entity class (`@Entity`) or schema: what TypeORM's entity list holds, without its globs. */
export type EntityTarget = (abstract new (...args: never[]) => unknown) | EntitySchema;

export interface DataSourceOptions {
  url: string;
  /**
   * The entities TypeORM maps, listed explicitly: the application's list is `entities` in server/src/entities.ts
   * (composed above the modules, so that db/ imports none of them).
   */
  entities: readonly EntityTarget[];
  poolSize?: number;
  /** Where pool and query errors go; never the console. */
  onPoolError?: (err: Error) => void;
}

/** A TypeORM logger that stays silent: the app logs errors itself, in its own format. */
const quietLogger: TypeOrmLogger = {
  logQuery: () => undefined,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

/**
 * The PostgreSQL connection pool. Never `synchronize`: the schema changes only through migrations.
 * Timeouts are set so a database that is gone or hung produces an error in seconds, never a hung request.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  const ds = new DataSource({
    type: 'postgres',
    url: options.url,
    entities: [...options.entities],
    migrations,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    logger: quietLogger,
    connectTimeoutMS: 5_000,
    poolSize: options.poolSize ?? 10,
    applicationName: 'bangbang',
    extra: {
      // a connection that cannot be made within 5 s is an error (0 would wait forever)
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // the client gives up on a query after 30 s; the server-side statement_timeout ends it there too
      query_timeout: 30_000,
      statement_timeout: 25_000,
      keepAlive: true,
    },
  });
  return ds;
}

/**
 * Connects, and keeps the process alive through database outages: an idle pooled connection that the server
 * drops emits `error` on the pool, which, unhandled, would kill the process (node-postgres #1700).
 */
export async function initializeDataSource(ds: DataSource, onPoolError: (err: Error) => void): Promise<DataSource> {
  await ds.initialize();
  const driver = ds.driver as unknown as { master?: { on(event: 'error', cb: (err: Error) => void): void } };
  driver.master?.on('error', (err) => onPoolError(err));
  return ds;
}

/**
 * Tries to connect until `timeoutMs` has passed (the database may be starting up alongside us).
 * Errors other than "cannot reach the database" (bad password, no such database) fail at once.
 */
export async function connectWithRetry(
  ds: DataSource,
  onPoolError: (err: Error) => void,
  { timeoutMs = 30_000, log = (_: string) => undefined }: { timeoutMs?: number; log?: (m: string) => void } = {},
): Promise<DataSource> {
  const deadline = Date.now() + timeoutMs;
  let delay = 250;
  for (;;) {
    try {
      return await initializeDataSource(ds, onPoolError);
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() + delay > deadline) throw err;
      log(`database not reachable yet (${(err as Error).message}); retrying in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 4_000);
    }
  }
}
