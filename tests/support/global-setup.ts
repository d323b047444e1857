import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource, initializeDataSource } from '../../server/src/db/data-source';
import { entities } from '../../server/src/entities';
import { EmbeddedPostgres } from '../../server/src/db/embedded-postgres';
import { runMigrations } from '../../server/src/db/migrate';
import { ENV_ADMIN_URL, ENV_TEMPLATE_DB } from './env';

declare global {
  var __BANGBANG_TEST_PG__: { pg: EmbeddedPostgres | undefined; dir: string | undefined } | undefined;
}

/**
 * One PostgreSQL for the whole run: the embedded one in a temporary directory, or the server named by
 * TEST_DATABASE_URL (a superuser URL; the tests create and drop their own databases there).
 * Then a template database with every migration applied, for the test files to clone.
 */
export default async function globalSetup(): Promise<void> {
  let admin = process.env.TEST_DATABASE_URL;
  let pg: EmbeddedPostgres | undefined;
  let dir: string | undefined;
  if (!admin) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bangbang-test-'));
    pg = new EmbeddedPostgres({ dir: path.join(dir, 'pg') });
    await pg.start();
    admin = pg.connectionString('postgres');
  }
  globalThis.__BANGBANG_TEST_PG__ = { pg, dir };

  const template = `bangbang_template_${process.pid}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${template}`);
  await client.query(`CREATE DATABASE ${template}`);
  await client.end();

  const url = new URL(admin);
  url.pathname = `/${template}`;
  const ds = createDataSource({ url: url.toString(), entities, poolSize: 2 });
  await initializeDataSource(ds, () => undefined);
  await runMigrations(ds);
  await ds.destroy();

  process.env[ENV_ADMIN_URL] = admin;
  process.env[ENV_TEMPLATE_DB] = template;
}
