import 'reflect-metadata';
import path from 'node:path';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { DataSource } from 'typeorm';
import { buildApp } from './app';
import { ConfigError, loadConfig, type AppConfig } from './config';
import { connectWithRetry, createDataSource } from './db/data-source';
import { entities } from './entities';
import { EmbeddedPostgres } from './db/embedded-postgres';
import { runMigrations } from './db/migrate';
import { demoAccountsInDatabase, formatDemoAccounts } from './demo/accounts';
import { seedDemoData } from './demo/seed';

/** The database the embedded cluster holds the application's data in. */
const EMBEDDED_DATABASE = 'bangbang';

export interface RunningServer {
  app: FastifyInstance;
  /** Where the server listens, e.g. http://127.0.0.1:3000 */
  url: string;
  db: DataSource;
  embedded: EmbeddedPostgres | undefined;
  /** Graceful stop: stop accepting, finish in-flight requests, close the pool, stop the embedded database. */
  stop(): Promise<void>;
}

/**
 * Starts everything: the embedded PostgreSQL when there is no DATABASE_URL, the pool, pending migrations,
 * the demo data on an empty database, then the HTTP server.
 */
export async function startServer(config: AppConfig, logger: Logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  let embedded: EmbeddedPostgres | undefined;
  let db: DataSource | undefined;
  let app: FastifyInstance | undefined;
  try {
    let url = config.databaseUrl;
    if (!url) {
      embedded = new EmbeddedPostgres({ dir: path.join(config.dataDir, 'pg'), log: (m) => logger.info(m) });
      await embedded.start();
      await embedded.ensureDatabase(EMBEDDED_DATABASE);
      url = embedded.connectionString(EMBEDDED_DATABASE);
    }
    // The embedded cluster is ours to keep alive: killed or crashed, it is started again (crash recovery) and the
    // pool reconnects by itself; health answers 503 meanwhile. With DATABASE_URL the pool only reconnects.
    embedded?.supervise({
      onEvent: (event) => {
        if (event.type === 'down') logger.error(`embedded PostgreSQL (pid ${event.pid ?? '?'}) is not running; restarting it`);
        else if (event.type === 'restarted') logger.warn(`embedded PostgreSQL restarted ${event.ms} ms after it was found down`);
        else logger.warn({ err: event.error.message }, `embedded PostgreSQL restart attempt ${event.attempt} failed; retrying`);
      },
    });
    db = createDataSource({ url, entities, poolSize: config.dbPoolSize });
    await connectWithRetry(db, (err) => logger.warn({ err: err.message }, 'database connection lost; will reconnect on demand'), {
      log: (m) => logger.warn(m),
    });
    const ran = await runMigrations(db);
    if (ran.length > 0) logger.info({ migrations: ran }, `ran ${ran.length} migration(s)`);
    if (config.demoData) {
      const seeded = await seedDemoData(db);
      logger.info(
        seeded.seeded
          ? `demo data: seeded ${seeded.places} places, ${seeded.people} people, ${seeded.squads} squads and ${seeded.orders} orders into the empty database in ${seeded.ms} ms`
          : 'demo data: database already has data, left as it is',
      );
    }
    app = await buildApp({ config, db, logger });
    const url2 = await app.listen({ port: config.port, host: config.host });
    const running: RunningServer = {
      app,
      url: url2,
      db,
      embedded,
      stop: once(async () => {
        await app?.close();
        if (db?.isInitialized) await db.destroy();
        await embedded?.stop();
      }),
    };
    return running;
  } catch (err) {
    await app?.close().catch(() => undefined);
    if (db?.isInitialized) await db.destroy().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw err;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

/** JSON lines for machines; readable lines when a person watches a terminal outside production. */
function createLogger(config: AppConfig): Logger {
  if (process.stdout.isTTY && config.nodeEnv !== 'production') {
    return pino({ level: config.logLevel }, pretty({ sync: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' }));
  }
  return pino({ level: config.logLevel });
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config);
  let server: RunningServer | undefined;

  // SIGINT/SIGTERM (and a crash): stop gracefully; a second signal or 30 s forces the exit.
  closeWithGrace({ delay: 30_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'fatal error, shutting down');
    else logger.info(`${signal ?? 'exit'} received, shutting down gracefully`);
    await server?.stop();
    logger.info('stopped');
  });

  try {
    server = await startServer(config, logger);
  } catch (err) {
    logger.error({ err }, 'failed to start');
    process.exitCode = 1;
    return;
  }
  const shown = server.url.replace('://0.0.0.0', '://127.0.0.1');
  // the demo accounts, when this database holds them (never in production, where dev-login does not exist)
  const demo = config.nodeEnv === 'production' ? [] : await demoAccountsInDatabase(server.db).catch(() => []);
  process.stdout.write(
    `\n  帮帮团 bangbang ${config.version} is running at ${shown}\n  H5: ${shown}/   API: ${shown}/api/v1/health\n\n${formatDemoAccounts(demo)}`,
  );
}

if (require.main === module) {
  void main();
}
