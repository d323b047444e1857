import 'reflect-metadata';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from './config';
import { connectWithRetry, createDataSource } from './db/data-source';
import { EmbeddedPostgres } from './db/embedded-postgres';
import { runMigrations } from './db/migrate';
import { entities } from './entities';
import { AppError } from './errors';
import { grantAdmin } from './modules/users/admin-grant';

/** The database the embedded cluster holds the application's data in (as server.ts). */
const EMBEDDED_DATABASE = 'bangbang';

const USAGE = `usage: pnpm admin:grant --phone 13800000000 [--name 张三] [--region <place id>]

Makes the person with this phone an admin (registering them if nobody has that phone yet), recorded in the audit
log. With DATABASE_URL it uses that database; otherwise the embedded PostgreSQL under DATA_DIR, which must not be
in use by a running server (stop the server first, or point DATABASE_URL at the running cluster).
`;

/**
 * \`pnpm admin:grant\`: the one way an admin comes to be (issue 18). A login never grants a role.
 */
async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { phone: { type: 'string' }, name: { type: 'string' }, region: { type: 'string' }, help: { type: 'boolean' } } }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help || !args.phone) {
    process.stderr.write(USAGE);
    return args.help ? 0 : 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let embedded: EmbeddedPostgres | undefined;
  let db: DataSource | undefined;
  try {
    let url = config.databaseUrl;
    if (!url) {
      embedded = new EmbeddedPostgres({ dir: path.join(config.dataDir, 'pg'), log: () => undefined });
      await embedded.start();
      await embedded.ensureDatabase(EMBEDDED_DATABASE);
      url = embedded.connectionString(EMBEDDED_DATABASE);
    }
    db = createDataSource({ url, entities, poolSize: 3 });
    await connectWithRetry(db, () => undefined, { log: () => undefined });
    await runMigrations(db);
    const result = await grantAdmin(db, { phone: args.phone, name: args.name, regionId: args.region });
    process.stdout.write(
      result.granted
        ? `${args.phone} is now an admin${result.created ? ' (newly registered)' : ''}; recorded in the audit log. Log in with this phone.\n`
        : `${args.phone} is an admin already; nothing changed.\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`admin:grant failed: ${err instanceof AppError ? err.message : (err as Error).message}\n`);
    return 1;
  } finally {
    if (db?.isInitialized) await db.destroy().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
