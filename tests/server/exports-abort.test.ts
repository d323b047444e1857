import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { buildWorld, type World } from '../support/world';

/**
 * An export over real HTTP whose reader goes away half-way: the server stops reading rows, writes to the access log
 * what did go out (complete: false), and gives its database connection and its place back — the exports after it
 * work, and the limit of exports at once holds (429 in the error contract past it).
 */

const ROWS = 6000;
const FROM = '2026-11-01T00:00:00+08:00';
const TO = '2026-12-01T00:00:00+08:00';
const PERIOD = `from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`;

describe('an export the reader abandons', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let w: World;
  let base: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'silent' }), db: database.db });
    w = await buildWorld(app, database.db);
    await database.db.transaction(async (m) => {
      await m.query(`SELECT set_config('bangbang.outbox', 'off', true)`);
      await m.query(
        `INSERT INTO service_order (id, resident_id, requester_id, channel, category_code, description, urgency, region_id, region_path,
                                    escalation_level, scope_region_id, scope_path, status, created_at, updated_at, deadline_at, repeat_of)
         SELECT s.id, u.id, u.id, 'phone', 'errands', '生成的需求 ' || s.i, 'normal', u.region_id, r.path, 'grid', u.region_id, r.path, 'pending',
                $2::timestamptz + s.i * interval '1 minute', $2::timestamptz + s.i * interval '1 minute',
                $2::timestamptz + s.i * interval '1 minute' + interval '1 hour', s.id
           FROM (SELECT i, gen_random_uuid() AS id FROM generate_series(1, $3::int) i) s
           JOIN app_user u ON u.id = $1 JOIN region r ON r.id = u.region_id`,
        [w.users.residentA1.id, FROM, ROWS],
      );
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  const get = (path: string, token: string, stopAfterFirstChunk: boolean) =>
    new Promise<{ status: number; bytes: number; body: string }>((resolve, reject) => {
      const req = http.get(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        let bytes = 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (res.statusCode !== 200) chunks.push(c);
          if (stopAfterFirstChunk && res.statusCode === 200) {
            req.destroy();
            resolve({ status: res.statusCode, bytes, body: '' });
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks).toString() }));
        res.on('error', () => undefined);
      });
      req.on('error', (err) => (stopAfterFirstChunk ? undefined : reject(err)));
    });

  const exportRows = async (n: number) => {
    for (let i = 0; i < 300; i++) {
      const rows = await database.db.query<Array<{ export: { rows: number; complete: boolean } }>>(
        `SELECT export FROM access_log WHERE subject_id IS NULL AND viewer_id = $1 ORDER BY id`,
        [w.users.dispatcherT.id],
      );
      if (rows.length >= n) return rows.map((r) => r.export);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the export was never written to the access log');
  };

  it('stops, logs what went out as incomplete, and frees its connection and its place', async () => {
    const token = w.users.dispatcherT.token;
    const first = await get(`/exports/service-ledger.xlsx?${PERIOD}`, token, true);
    expect(first.status).toBe(200);
    const [abandoned] = await exportRows(1);
    expect(abandoned).toMatchObject({ kind: 'service-ledger', complete: false });
    expect(abandoned!.rows).toBeLessThan(ROWS);

    // more exports than may run at once, one after the other: each place was given back
    for (let i = 0; i < 3; i++) {
      const res = await get(`/exports/service-ledger.csv?${PERIOD}`, token, false);
      expect(res.status).toBe(200);
    }
    const all = await exportRows(4);
    expect(all.slice(1).map((e) => [e.rows, e.complete])).toEqual([
      [ROWS, true],
      [ROWS, true],
      [ROWS, true],
    ]);
    const [{ n }] = await database.db.query<[{ n: number }]>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    );
    expect(n).toBe(0);
  });

  it('answers 429 in the error contract past the exports that may run at once', async () => {
    const token = w.users.dispatcherT.token;
    // two slow readers hold both places (they read nothing after the headers)
    const held: http.ClientRequest[] = [];
    const holding = [0, 1].map(
      () =>
        new Promise<void>((resolve) => {
          const req = http.get(`${base}/api/v1/exports/service-ledger.xlsx?${PERIOD}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
            res.pause();
            resolve();
          });
          req.on('error', () => undefined);
          held.push(req);
        }),
    );
    await Promise.all(holding);
    const third = await get(`/exports/households.csv`, token, false);
    expect(third.status).toBe(429);
    expect(JSON.parse(third.body)).toMatchObject({ code: 'RATE_LIMITED', message: '正在导出的台账较多，请稍等一分钟再试。' });
    for (const req of held) req.destroy();
    // both give their places back once their readers are gone
    for (let i = 0; i < 100; i++) {
      const again = await get(`/exports/households.csv`, token, false);
      if (again.status === 200) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the places were never given back');
  });
});
