import 'reflect-metadata';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DataSource } from 'typeorm';
import app, { createFastify } from '../../server/src/app';
import { createDataSource, initializeDataSource } from '../../server/src/db/data-source';
import { entities } from '../../server/src/entities';
import { EmbeddedPostgres } from '../../server/src/db/embedded-postgres';
import { runMigrations } from '../../server/src/db/migrate';
import { testConfig } from '../support/app';
import { tempDir, waitFor } from '../support/tmp';

/**
 * The database goes away while the server runs, then comes back: health says so with 503, other requests get
 * a 503 in the contract (quickly, not a hang), and everything works again without a restart.
 * This file runs its own PostgreSQL so that stopping it disturbs no other test.
 */
describe('when PostgreSQL becomes unreachable', () => {
  const dir = tempDir('outage');
  let pg: EmbeddedPostgres;
  let db: DataSource;
  let server: FastifyInstance;
  const poolErrors: Error[] = [];

  beforeAll(async () => {
    // a fixed port, so the restarted server is where the pool expects it
    const probe = new EmbeddedPostgres({ dir: path.join(dir, 'pg') });
    await probe.start();
    const port = probe.port;
    await probe.stop();
    pg = new EmbeddedPostgres({ dir: path.join(dir, 'pg'), port });
    await pg.start();
    await pg.ensureDatabase('outage');
    db = await initializeDataSource(createDataSource({ url: pg.connectionString('outage'), entities, poolSize: 3 }), (err) => poolErrors.push(err));
    await runMigrations(db);

    const config = testConfig();
    server = createFastify(config);
    await server.register(fp(app), { config, db });
    // a route that reads the database, as every later module will
    server.get('/api/v1/regions-count', async () => {
      const [row] = await db.query<[{ n: number }]>('SELECT count(*)::int AS n FROM region');
      return { count: row.n };
    });
    await server.ready();
  });

  afterAll(async () => {
    await server.close();
    if (db.isInitialized) await db.destroy();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 while the database is down and recovers by itself', async () => {
    // up: warm the pool so there are idle connections for the shutdown to break
    await Promise.all([1, 2, 3].map(() => server.inject({ method: 'GET', url: '/api/v1/regions-count' })));
    let res = await server.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', db: 'ok' });

    await pg.stop();
    expect(pg.isRunning()).toBe(false);

    // down: health says so
    let started = Date.now();
    res = await server.inject({ method: 'GET', url: '/api/v1/health' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable', db: 'down' });

    // down: other requests get the contract's 503, fast, with no internals
    for (let i = 0; i < 5; i++) {
      started = Date.now();
      res = await server.inject({ method: 'GET', url: '/api/v1/regions-count' });
      expect(Date.now() - started).toBeLessThan(6_000);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ code: 'SERVICE_UNAVAILABLE', message: '数据库暂时无法连接，请稍后再试。' });
    }
    // the dropped idle connections were reported, not fatal
    expect(poolErrors.length).toBeGreaterThan(0);

    // back up: no restart of the app, no new pool
    await pg.start();
    res = await waitFor(
      async () => {
        const r = await server.inject({ method: 'GET', url: '/api/v1/health' });
        return r.statusCode === 200 ? r : undefined;
      },
      15_000,
      'health to recover',
    );
    expect(res.json()).toMatchObject({ status: 'ok', db: 'ok' });
    res = await server.inject({ method: 'GET', url: '/api/v1/regions-count' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ count: 0 });
  });
});
