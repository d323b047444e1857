import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../server/src/app';
import { parseConfig } from '../server/src/config';
import { createDataSource, initializeDataSource } from '../server/src/db/data-source';
import { entities } from '../server/src/entities';
import { BenchPostgres, fmt, note, numSetting, once, out, printHeader, printTable, runBench, stopOnSignals, placeSeeder, type Seeded } from './support';

/**
 * `pnpm bench:export` — the service ledger (服务台账) of a county's year, streamed as Excel over HTTP.
 *
 * Generates a county (12 towns × 10 communities × 3 grids, 20,000 residents, 500 volunteers) and a year of orders
 * (BENCH_EXPORT_ORDERS, 300,000; set-based: a few INSERT … SELECT over generate_series, with their assignments,
 * events and escalations), then, through the real application listening on loopback, downloads
 * `GET /exports/service-ledger.xlsx` (and `.csv`) of the whole year and of a tenth of it, reading the reply as it
 * comes and throwing it away. For each: rows (from the access log the export writes), seconds, rows/s, bytes, and
 * the process's peak RSS (sampled every 10 ms) and peak live heap (after a full collection every 250 ms) above what
 * they were just before. Memory must stay flat: the year's peak growth over the tenth's is printed as a ratio — near 1 when
 * nothing grows with the row count, near 10 when everything is held.
 *
 * Server and reader share this process (so the RSS is the server's plus a reader that keeps nothing).
 * Knobs: BENCH_EXPORT_ORDERS (300000), BENCH_EXPORT_RESIDENTS (20000).
 */

const DATABASE = 'bangbang_bench_export';
const YEAR_FROM = '2025-01-01T00:00:00+08:00';
const YEAR_TO = '2026-01-01T00:00:00+08:00';
/** A tenth of the year (36.5 days): a tenth of the rows, as the orders are spread evenly. */
const TENTH_TO = new Date(Date.parse(YEAR_FROM) + (Date.parse(YEAR_TO) - Date.parse(YEAR_FROM)) / 10).toISOString();

interface Measured {
  label: string;
  rows: number;
  seconds: number;
  bytes: number;
  rssGrowth: number;
  heapGrowth: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function settle(): void {
  gc?.();
  gc?.();
}

/** Downloads `url` with the token, discarding the bytes; answers the byte count once the reply has ended. */
function download(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`${url}: ${res.statusCode}`));
        res.resume();
        return;
      }
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  const orders = numSetting('BENCH_EXPORT_ORDERS', 300_000, 1000);
  const residents = numSetting('BENCH_EXPORT_RESIDENTS', 20_000, 100);
  if (!gc) note('run with node --expose-gc for steadier memory figures (pnpm bench:export does)');

  const postgres = new BenchPostgres('bangbang-bench-export-');
  let closeApp: () => Promise<void> = async () => undefined;
  const cleanup = once(async () => {
    await closeApp();
    await postgres.close();
  });
  stopOnSignals('the server and the database', cleanup);
  try {
    const { url, q } = await postgres.open(DATABASE, 2);

    // ---------------------------------------------------------------- the county and its year
    let started = performance.now();
    const place = placeSeeder(q);
    const city = await place('city', '基准市');
    const county = await place('county', '基准旗', city);
    const grids: Seeded[] = [];
    for (let t = 0; t < 12; t++) {
      const town = await place('town', `基准镇${t + 1}`, county);
      for (let c = 0; c < 10; c++) {
        const community = await place('community', `基准社区${t + 1}-${c + 1}`, town);
        for (let g = 0; g < 3; g++) grids.push(await place('grid', `基准网格${t + 1}-${c + 1}-${g + 1}`, community));
      }
    }
    await q.query(`CREATE UNLOGGED TABLE bench_grid (n int PRIMARY KEY, id uuid, path text)`);
    await q.query(`INSERT INTO bench_grid SELECT n, id, path FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS g(id, path, n)`, [
      grids.map((g) => g.id),
      grids.map((g) => g.path),
    ]);
    await q.query(
      `INSERT INTO app_user (name, phone, roles, region_id, address, tags)
       SELECT '居民' || i, '135' || lpad(i::text, 8, '0'), '{resident}', g.id, '基准小区' || (i % 90 + 1) || '号楼' || (i % 6 + 1) || '单元',
              CASE WHEN i % 7 = 0 THEN '{living_alone}'::text[] ELSE '{}' END
         FROM generate_series(1, $1::int) i JOIN bench_grid g ON g.n = 1 + i % $2::int`,
      [residents, grids.length],
    );
    await q.query(
      `INSERT INTO app_user (name, phone, roles, region_id)
       SELECT '志愿者' || i, '136' || lpad(i::text, 8, '0'), '{volunteer}', g.id FROM generate_series(1, 500) i JOIN bench_grid g ON g.n = 1 + i % $1::int`,
      [grids.length],
    );
    await q.query(`CREATE UNLOGGED TABLE bench_person (n int PRIMARY KEY, id uuid, region_id uuid, path text)`);
    await q.query(
      `INSERT INTO bench_person SELECT row_number() OVER (ORDER BY u.phone), u.id, u.region_id, r.path FROM app_user u JOIN region r ON r.id = u.region_id WHERE u.phone LIKE '135%'`,
    );
    await q.query(`CREATE UNLOGGED TABLE bench_volunteer (n int PRIMARY KEY, id uuid)`);
    await q.query(`INSERT INTO bench_volunteer SELECT row_number() OVER (ORDER BY phone), id FROM app_user WHERE phone LIKE '136%'`);
    const [{ admin }] = (
      await q.query<{ admin: string }>(
        `INSERT INTO app_user (name, phone, roles, region_id) VALUES ('旗管理员', '13700000001', '{admin}', $1) RETURNING id AS admin`,
        [county.id],
      )
    ).rows as [{ admin: string }];
    const client = await q.connect();
    try {
      await client.query('BEGIN');
      // history, not news: nobody is to be told about these events (the outbox trigger)
      await client.query(`SELECT set_config('bangbang.outbox', 'off', true)`);
      // fates by i % 20: 1 waiting, 1 cancelled, 2 accepted, 4 completed, 12 confirmed (some rated)
      await client.query(
        `INSERT INTO service_order (id, resident_id, requester_id, channel, category_code, description, urgency, region_id, region_path,
                                    escalation_level, scope_region_id, scope_path, status, created_at, updated_at, deadline_at,
                                    first_accepted_at, completed_at, closed_at, cancelled_at, cancel_reason, rating, rating_comment, accepted_count, repeat_of)
         SELECT s.id, p.id, p.id, CASE WHEN i % 3 = 0 THEN 'phone' ELSE 'miniapp' END,
                CASE WHEN i % 2 = 0 THEN 'medicine_delivery' ELSE 'errands' END, '帮忙去药店取降压药，放在门口即可 #' || i, 'normal',
                p.region_id, p.path, 'grid', p.region_id, p.path,
                CASE WHEN f = 0 THEN 'pending' WHEN f = 1 THEN 'cancelled' WHEN f < 4 THEN 'accepted' WHEN f < 8 THEN 'completed' ELSE 'closed' END,
                t, t, t + interval '2 hours',
                CASE WHEN f >= 2 THEN t + (i % 90 + 1) * interval '1 minute' END,
                CASE WHEN f >= 4 THEN t + (i % 90 + 61) * interval '1 minute' END,
                CASE WHEN f >= 8 THEN t + interval '1 day' END,
                CASE WHEN f = 1 THEN t + interval '10 minutes' END,
                CASE WHEN f = 1 THEN '不需要了' END,
                CASE WHEN f >= 8 AND i % 5 > 0 THEN 1 + i % 5 END,
                CASE WHEN f >= 8 AND i % 11 = 0 THEN '很及时，谢谢' END,
                CASE WHEN f >= 2 THEN 1 ELSE 0 END, s.id
           FROM (SELECT i, i % 20 AS f, gen_random_uuid() AS id,
                        $3::timestamptz + ((i - 1)::float8 / $1::int) * ($4::timestamptz - $3::timestamptz) AS t
                   FROM generate_series(1, $1::int) i) s
           JOIN bench_person p ON p.n = 1 + (i::bigint * 7919) % $2::int`,
        [orders, residents, YEAR_FROM, YEAR_TO],
      );
      await client.query(`INSERT INTO order_event (order_id, seq, type, at, to_status) SELECT id, 1, 'created', created_at, 'pending' FROM service_order`);
      await client.query(
        `INSERT INTO order_event (order_id, seq, type, at, to_status)
         SELECT id, 2, 'escalate', created_at + interval '1 hour', 'pending' FROM service_order WHERE first_accepted_at IS NULL OR first_accepted_at > created_at + interval '80 minutes'`,
      );
      await client.query(
        `INSERT INTO order_assignment (order_id, round, volunteer_id, state, accepted_at, checked_in_at, completed_at, service_minutes)
         SELECT o.id, 1, v.id, CASE WHEN o.completed_at IS NULL THEN 'accepted' ELSE 'completed' END, o.first_accepted_at,
                CASE WHEN o.completed_at IS NOT NULL THEN o.first_accepted_at + interval '20 minutes' END, o.completed_at,
                CASE WHEN o.completed_at IS NOT NULL THEN 40 END
           FROM service_order o JOIN bench_volunteer v ON v.n = 1 + abs(hashtext(o.id::text)) % 500 WHERE o.first_accepted_at IS NOT NULL`,
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await q.query('ANALYZE');
    const generated = (performance.now() - started) / 1000;
    note(`generated ${fmt(orders)} orders of ${fmt(residents)} residents in ${fmt(generated, 1)} s`);

    // ---------------------------------------------------------------- the application
    const jwtSecret = randomBytes(32).toString('hex');
    const parsed = parseConfig({
      NODE_ENV: 'production',
      DATABASE_URL: url,
      JWT_SECRET: jwtSecret,
      LOG_LEVEL: 'silent',
      JOB_CONCURRENCY: '0',
      DEMO_DATA: 'false',
    });
    const config = { ...parsed, jwtSecret };
    const db = await initializeDataSource(createDataSource({ url, entities, poolSize: config.dbPoolSize }), () => undefined);
    const app = await buildApp({ config, db });
    closeApp = once(async () => {
      await app.close();
      await db.destroy();
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const token = app.jwt.sign({ sub: admin });

    const exported = async (label: string, format: 'xlsx' | 'csv', to: string): Promise<Measured> => {
      settle();
      const rss0 = process.memoryUsage.rss();
      const heap0 = process.memoryUsage().heapUsed;
      let rssPeak = rss0;
      let heapPeak = heap0;
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
      }, 10);
      // what is really held (not garbage V8 has not collected yet): the heap right after a full collection
      const live = setInterval(() => {
        gc?.();
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      }, 250);
      started = performance.now();
      const bytes = await download(`${base}/api/v1/exports/service-ledger.${format}?from=${encodeURIComponent(YEAR_FROM)}&to=${encodeURIComponent(to)}`, token);
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      clearInterval(live);
      // the export's access-log row is written once its last row went out, just after the reply ended
      let rows = -1;
      for (let i = 0; i < 200 && rows < 0; i++) {
        const r = await q.query<{ n: number; rows: number }>(
          `SELECT count(*) OVER ()::int AS n, (export ->> 'rows')::int AS rows FROM access_log WHERE subject_id IS NULL ORDER BY id DESC LIMIT 1`,
        );
        if ((r.rows[0]?.n ?? 0) > exportsDone) rows = r.rows[0]!.rows;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      exportsDone += 1;
      return { label, rows, seconds, bytes, rssGrowth: rssPeak - rss0, heapGrowth: heapPeak - heap0 };
    };
    let exportsDone = 0;

    await exported('warm-up', 'xlsx', TENTH_TO);
    const results: Measured[] = [];
    for (const format of ['xlsx', 'csv'] as const) {
      results.push(await exported(`${format}, a tenth of the year`, format, TENTH_TO));
      results.push(await exported(`${format}, the whole year`, format, YEAR_TO));
    }

    await printHeader(q, '# bench:export — 服务台账 of a county’s year, streamed over HTTP', `${fmt(orders)} orders, ${fmt(residents)} residents`);
    const MB = 1024 * 1024;
    printTable([
      ['export', 'rows', 'seconds', 'rows/s', 'MB sent', 'peak RSS growth (MB)', 'peak live heap growth (MB)'],
      ...results.map((r) => [
        r.label,
        fmt(r.rows),
        fmt(r.seconds, 1),
        fmt(r.rows / r.seconds),
        fmt(r.bytes / MB, 1),
        fmt(r.rssGrowth / MB, 1),
        fmt(r.heapGrowth / MB, 1),
      ]),
    ]);
    out();
    for (const format of ['xlsx', 'csv']) {
      const [tenth, year] = results.filter((r) => r.label.startsWith(format));
      const floor = 1 * MB; // growth under a megabyte is noise: compared as a megabyte
      out(
        `${format}: ${fmt(year!.rows / tenth!.rows, 1)}× the rows, peak RSS growth ${fmt(Math.max(year!.rssGrowth, floor) / Math.max(tenth!.rssGrowth, floor), 2)}×, ` +
          `peak live heap growth ${fmt(Math.max(year!.heapGrowth, floor) / Math.max(tenth!.heapGrowth, floor), 2)}× (flat ≈ 1; held in memory ≈ 10)`,
      );
    }
  } finally {
    await cleanup();
  }
}

runBench('bench:export', main);
