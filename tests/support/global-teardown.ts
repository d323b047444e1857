import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { ENV_ADMIN_URL, ENV_TEMPLATE_DB } from './env';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__BANGBANG_TEST_PG__;
  if (state?.pg) {
    await state.pg.stop();
  } else if (process.env[ENV_ADMIN_URL] && process.env[ENV_TEMPLATE_DB]) {
    // An external server: leave it as we found it.
    const client = new Client({ connectionString: process.env[ENV_ADMIN_URL] });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${process.env[ENV_TEMPLATE_DB]} WITH (FORCE)`);
    await client.end();
  }
  if (state?.dir) rmSync(state.dir, { recursive: true, force: true });
}
