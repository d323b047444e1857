import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { createDataSource, initializeDataSource } from '../server/src/db/data-source';
import { entities } from '../server/src/entities';
import type { Actor } from '../server/src/modules/auth/actor';
import { autoDispatchIfDue } from '../server/src/modules/dispatching/auto-dispatch';
import { batchDispatch } from '../server/src/modules/dispatching/batch';
import { findCandidates, type CandidateOptions } from '../server/src/modules/matching/candidates';
import { loadOrder } from '../server/src/modules/orders/order.repo';
import { loadViewer } from '../server/src/modules/orders/standing';
import type { User } from '../server/src/modules/users/user.entity';
import { DEFAULT_MATCH_WEIGHTS, DEFAULT_MAX_ACTIVE_TASKS, DEFAULT_OFFER_WAVES } from '../shared/src';
import { BenchPostgres, fmt, isStopping, note, numSetting, once, out, percentile, printHeader, printTable, runBench, stopOnSignals } from './support';

/**
 * `pnpm bench:match` — candidate ranking (推荐接单人) and batch assignment (批量派单) on a region-scale dataset.
 *
 * One process: an embedded PostgreSQL in a temporary directory, the real migrations, then a generated region
 * (1 city → 6 counties → 60 towns → 600 communities → 6,000 grids over ~100 × 100 km), 2,000,000 volunteers
 * (1–3 skills, ~30 % on duty, rosters, locations near their grid's centre), 26,000 squads of 5, 300,000 residents and
 * 1,000,000 historical orders (closed with a completed assignment, some rated, or cancelled; created/reject/close
 * events) over the last six months. The data is written by large set-based `INSERT … SELECT … FROM generate_series`
 * statements on the server (no COPY: pg-copy-streams is not a dependency), never row by row. Then VACUUM ANALYZE, as
 * autovacuum would have done on a running database (visibility maps: index-only scans need them).
 *
 * Measured, against the real code on a TypeORM DataSource:
 *   - `findCandidates` for BENCH_SAMPLES random pending orders at each escalation level (grid, community, town,
 *     county), each in a transaction that is rolled back; p50/p99 per level;
 *   - the baseline "naive": the same query and rules with index and bitmap scans switched off (scan and sort), on
 *     BENCH_NAIVE_SAMPLES orders per level;
 *   - alongside each call, one `SELECT 1` on the same connection: the round-trip floor of the machine at that moment
 *     (other processes share these cores; a call of n statements cannot be faster than n floors);
 *   - `batchDispatch` by an admin over 1,000 pending grid-level orders of one town, rolled back afterwards;
 *   - offering a new `auto` order to k = 5 people (同时请几位, a first wave of five within 3 km): from the order
 *     written (committed) to its offers and `offer` event written — the order locked, its candidates within 3 km,
 *     the offers inserted — for BENCH_SAMPLES new grid-level orders, each under a savepoint; the naive baseline
 *     the same with index and bitmap scans off.
 * Every statement runs under statement_timeout (BENCH_TIMEOUT_S, 20 s, at most 25: the DataSource's client gives up
 * at 30); a level that times out is reported as such, and a level stops sampling after BENCH_LEVEL_BUDGET_S (60 s)
 * so the whole run stays bounded.
 *
 * Knobs (environment): BENCH_SCALE (1 = full scale; 0.05 for a quick trial), BENCH_SAMPLES (200), BENCH_WARMUP (5
 * untimed calls per level first), BENCH_NAIVE_SAMPLES (3), BENCH_BATCH (1000), BENCH_TIMEOUT_S (20), BENCH_LEVEL_BUDGET_S (60).
 */

const DATABASE = 'bangbang_bench_match';
const LEVELS = ['grid', 'community', 'town', 'county'] as const;
type Level = (typeof LEVELS)[number];
/** Issue 20's targets (town has none of its own: issue 11's 100 ms stays). */
const TARGET_MS: Record<Level, number> = { grid: 10, community: 20, town: 100, county: 100 };
const BATCH_TARGET_MS = 1_000;
const OFFER_TARGET_MS = 50;
/** The issue's measure: a first wave of k = 5 within 3 km (the default schedule starts smaller: 3 within 2 km). */
const OFFER_WAVES_K5 = [{ k: 5, radiusKm: 3, minutes: 3 }, ...DEFAULT_OFFER_WAVES.slice(1)];
const CANDIDATE_LIMIT = 20;
/** Path segment (split_part of '/city/county/town/community/grid/' by '/') of each level. */
const SEGMENT: Record<Level, number> = { county: 3, town: 4, community: 5, grid: 6 };

const isTimeout = (err: unknown) => err instanceof Error && /statement timeout|canceling statement/i.test(err.message);

interface Sampled {
  ms: number[];
  /** The floor, measured alongside: one `SELECT 1` round trip on the same connection after each call. */
  floorMs: number[];
  timeouts: number;
  candidates: number[];
  stoppedEarly: boolean;
}

async function main(): Promise<void> {
  const scale = numSetting('BENCH_SCALE', 1, 0.001, false);
  // 200: the p99 of 50 calls is the slowest one, whatever happened to the machine then; of 200, the third slowest
  const samples = numSetting('BENCH_SAMPLES', 200, 1);
  const naiveSamples = numSetting('BENCH_NAIVE_SAMPLES', 3, 0);
  // untimed calls on other orders before a level's timed ones: the connection's prepared plans and the pages the
  // search reads first (the place tree, the upper levels of the indexes) are then what a running server has
  const warmup = numSetting('BENCH_WARMUP', 5, 0);
  const batchSize = numSetting('BENCH_BATCH', 1000, 1);
  // below the DataSource's own client-side query_timeout (30 s), which would break the connection rather than cancel
  const timeoutS = Math.min(25, numSetting('BENCH_TIMEOUT_S', 20, 1));
  const levelBudgetS = numSetting('BENCH_LEVEL_BUDGET_S', 60, 1);

  // the shape: 6 counties × 10 towns × 10 communities × gridsPerCommunity grids
  const COUNTIES = 6;
  const TOWNS = 10;
  const COMMUNITIES = 10;
  const gridsPerCommunity = Math.max(1, Math.round(10 * scale));
  const volunteerCount = Math.max(1000, Math.round(2_000_000 * scale));
  const squadCount = Math.max(50, Math.round(26_000 * scale));
  const residentCount = Math.max(1000, Math.round(300_000 * scale));
  const orderCount = Math.max(1000, Math.round(1_000_000 * scale));
  const MEMBERS = 5;

  // BENCH_DATA_DIR: keep the database there and reuse its dataset on the next run (for working on the queries; the
  // migrations still run, so a new index is built on the kept data)
  const keptDir = process.env.BENCH_DATA_DIR;
  const postgres = new BenchPostgres('bangbang-bench-match-', keptDir);
  const dir = postgres.dir;
  let ds: DataSource | undefined;

  const cleanup = once(async () => {
    if (ds?.isInitialized) await ds.destroy().catch(() => undefined);
    await postgres.close();
  });
  stopOnSignals('the database', cleanup);

  try {
    const { url, q } = await postgres.open(DATABASE, 1);
    // bulk load: one session, no waiting on the WAL flush per statement, room for sorts and index maintenance
    await q.query(`SET synchronous_commit = off`);
    await q.query(`SET work_mem = '256MB'`);
    await q.query(`SET maintenance_work_mem = '512MB'`);

    // ---------------------------------------------------------------- generation
    const genStarted = performance.now();
    const step = async (what: string, sql: string, params: unknown[] = []) => {
      const t = performance.now();
      const r = await q.query(sql, params);
      note(`${what}: ${r.rowCount === null ? '' : `${fmt(r.rowCount)} rows, `}${fmt((performance.now() - t) / 1000, 1)} s`);
      return r;
    };
    const codes = (await q.query<{ codes: string[] }>(`SELECT array_agg(code ORDER BY sort_order) AS codes FROM service_category`)).rows[0]!.codes;
    const K = codes.length;
    const reused = keptDir !== undefined && (await q.query<{ t: string | null }>(`SELECT to_regclass('bench_grid')::text AS t`)).rows[0]!.t !== null;
    if (reused) note(`reusing the dataset kept in ${dir}`);
    else {
      // the tree: ids chosen first, so that each path can be written with the row; centres spread from the city's
      await step(
        'city',
        `WITH c AS (SELECT gen_random_uuid() AS id)
       INSERT INTO region (id, parent_id, level, name, path, center_lat, center_lng) SELECT id, NULL, 'city', '基准市', '/' || id || '/', 40.75, 107.40 FROM c`,
      );
      const child = (level: string, parentLevel: string, n: number, prefix: string, dLat: number, dLng: number) =>
        step(
          level,
          `WITH p AS (SELECT id, path, center_lat, center_lng FROM region WHERE level = $1::text),
              c AS (SELECT gen_random_uuid() AS id, p.id AS parent_id, p.path AS parent_path, i,
                           p.center_lat + (random() - 0.5) * $4::float8 AS lat, p.center_lng + (random() - 0.5) * $5::float8 AS lng
                    FROM p CROSS JOIN generate_series(1, $2::int) AS i)
         INSERT INTO region (id, parent_id, level, name, path, center_lat, center_lng)
         SELECT id, parent_id, $6::text, $3::text || i, parent_path || id || '/', lat, lng FROM c`,
          [parentLevel, n, prefix, dLat, dLng, level],
        );
      // ~100 × 100 km: 0.9° of latitude, 1.2° of longitude at 40.75° N
      await child('county', 'city', COUNTIES, '基准旗', 0.6, 0.8);
      await child('town', 'county', TOWNS, '基准镇', 0.25, 0.33);
      await child('community', 'town', COMMUNITIES, '基准社区', 0.08, 0.1);
      await child('grid', 'community', gridsPerCommunity, '基准网格', 0.025, 0.033);
      // a numbered list of the grids to spread people over (a helper of the benchmark, not part of the schema)
      await step(
        'grid index',
        `CREATE TABLE bench_grid AS SELECT (row_number() OVER (ORDER BY path) - 1)::int AS n, id, path, center_lat, center_lng FROM region WHERE level = 'grid'`,
      );
      await q.query(`CREATE UNIQUE INDEX ON bench_grid (n)`);
      const G = Number((await q.query<{ n: string }>(`SELECT count(*) AS n FROM bench_grid`)).rows[0]!.n);

      // volunteers: number i (phone 13 + i) lives in grid (i - 1) % G, near its centre
      await step(
        'volunteers',
        `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, roster, location_lat, location_lng, party_member)
       SELECT '志愿者' || i, '13' || lpad(i::text, 9, '0'), '{volunteer}', g.id,
              CASE WHEN s.k = 1 THEN ARRAY[c[s.a]] WHEN s.k = 2 THEN ARRAY[c[s.a], c[s.b]] ELSE ARRAY[c[s.a], c[s.b], c[s.d]] END,
              random() < 0.3,
              CASE WHEN s.r < 0.5 THEN NULL
                   WHEN s.r < 0.75 THEN '[{"weekday":1,"start":"08:00","end":"18:00"},{"weekday":2,"start":"08:00","end":"18:00"},{"weekday":3,"start":"08:00","end":"18:00"},{"weekday":4,"start":"08:00","end":"18:00"},{"weekday":5,"start":"08:00","end":"18:00"}]'::jsonb
                   WHEN s.r < 0.9 THEN '[{"weekday":6,"start":"07:00","end":"21:00"},{"weekday":7,"start":"07:00","end":"21:00"}]'::jsonb
                   ELSE '[{"weekday":1,"start":"18:00","end":"22:00"},{"weekday":3,"start":"18:00","end":"22:00"},{"weekday":5,"start":"18:00","end":"22:00"}]'::jsonb END,
              g.center_lat + (random() - 0.5) * 0.01, g.center_lng + (random() - 0.5) * 0.013, random() < 0.2
       FROM (SELECT i, 1 + floor(random() * 3)::int AS k, a, 1 + (a + floor(random() * 15)::int) % ${K} AS b, 1 + (a + 15) % ${K} AS d, random() AS r
             FROM (SELECT i, 1 + floor(random() * ${K})::int AS a FROM generate_series(1, ${volunteerCount}) AS i) x) s
       CROSS JOIN (SELECT $1::text[] AS c) cc
       JOIN bench_grid g ON g.n = (s.i - 1) % ${G}`,
        [codes],
      );
      // residents: number i (phone 15 + i) in grid (i - 1) % G
      await step(
        'residents',
        `INSERT INTO app_user (name, phone, roles, region_id, address, location_lat, location_lng, tags)
       SELECT '居民' || i, '15' || lpad(i::text, 9, '0'), '{resident}', g.id, '基准小区' || i || '号',
              g.center_lat + (random() - 0.5) * 0.01, g.center_lng + (random() - 0.5) * 0.013,
              CASE WHEN i % 5 = 0 THEN '{elderly,living_alone}'::text[] ELSE '{}' END
       FROM generate_series(1, ${residentCount}) AS i JOIN bench_grid g ON g.n = (i - 1) % ${G}`,
      );
      const perGrid = Math.floor(volunteerCount / G);
      // squads: j in grid j % G (every third at its community), 1–2 categories, led by and made of MEMBERS volunteers of the grid
      await step(
        'squads',
        `INSERT INTO squad (name, color, region_id, leader_id, categories)
       SELECT '小分队' || j, (ARRAY['red','orange','pink','purple','yellow','green','blue'])[1 + j % 7],
              CASE WHEN j % 3 = 0 THEN (SELECT parent_id FROM region WHERE id = g.id) ELSE g.id END,
              (SELECT id FROM app_user WHERE phone = '13' || lpad((1 + g.n + ${G} * ((j / ${G} * ${MEMBERS}) % ${perGrid}))::text, 9, '0')),
              CASE WHEN j % 2 = 0 THEN ARRAY[c[1 + j % ${K}]] ELSE ARRAY[c[1 + j % ${K}], c[1 + (j / 7 + 1 + j % ${K}) % ${K}]] END
       FROM generate_series(0, ${squadCount - 1}) AS j JOIN bench_grid g ON g.n = j % ${G} CROSS JOIN (SELECT $1::text[] AS c) cc`,
        [codes],
      );
      await step(
        'squad members',
        `INSERT INTO squad_member (squad_id, user_id)
       SELECT s.id, (SELECT id FROM app_user WHERE phone = '13' || lpad((1 + g.n + ${G} * ((s.j / ${G} * ${MEMBERS} + m) % ${perGrid}))::text, 9, '0'))
       FROM (SELECT id, substr(name, 4)::int AS j FROM squad) s JOIN bench_grid g ON g.n = s.j % ${G} CROSS JOIN generate_series(0, ${MEMBERS - 1}) AS m`,
      );

      // historical orders, in chunks: resident h % R, served (85 %) by a volunteer of the resident's grid, rated 60 % of
      // the time; or cancelled. Events: created; reject by another volunteer of the grid (10 %); confirm / cancel.
      const CHUNK = 100_000;
      for (let from = 0; from < orderCount; from += CHUNK) {
        const to = Math.min(orderCount, from + CHUNK) - 1;
        await step(
          `orders ${fmt(from)}–${fmt(to)}`,
          `WITH src AS MATERIALIZED (
           SELECT gen_random_uuid() AS id, h, u.id AS resident_id, u.address, u.location_lat, u.location_lng, g.id AS region_id, g.path,
                  ($1::text[])[1 + floor(random() * ${K})::int] AS category,
                  now() - random() * interval '180 days' AS created_at,
                  random() < 0.85 AS served, random() < 0.6 AS rated, random() < 0.1 AS rejected,
                  (SELECT id FROM app_user WHERE phone = '13' || lpad((1 + g.n + ${G} * ((h * 7) % ${perGrid}))::text, 9, '0')) AS volunteer_id,
                  (SELECT id FROM app_user WHERE phone = '13' || lpad((1 + g.n + ${G} * ((h * 7 + 1) % ${perGrid}))::text, 9, '0')) AS rejecter_id
           FROM generate_series(${from}, ${to}) AS h
           JOIN app_user u ON u.phone = '15' || lpad((1 + h % ${residentCount})::text, 9, '0')
           JOIN bench_grid g ON g.n = h % ${residentCount} % ${G}
         ), ins AS (
           INSERT INTO service_order (id, resident_id, requester_id, channel, category_code, description, address, location_lat, location_lng,
             urgency, headcount, accepted_count, status, region_id, region_path, escalation_level, scope_region_id, scope_path, escalate_at,
             deadline_at, round, version, first_accepted_at, completed_at, closed_at, cancelled_at, cancel_reason, rating, created_at, updated_at)
           SELECT id, resident_id, resident_id, 'miniapp', category, '历史需求（基准）', address, location_lat, location_lng,
             'normal', 1, CASE WHEN served THEN 1 ELSE 0 END, CASE WHEN served THEN 'closed' ELSE 'cancelled' END,
             region_id, path, 'grid', region_id, path, NULL, created_at + interval '2 hours', 1, CASE WHEN rejected THEN 3 ELSE 2 END,
             CASE WHEN served THEN created_at + interval '10 minutes' END, CASE WHEN served THEN created_at + interval '70 minutes' END,
             CASE WHEN served THEN created_at + interval '2 hours' END, CASE WHEN served THEN NULL ELSE created_at + interval '30 minutes' END,
             CASE WHEN served THEN NULL ELSE '不需要了' END, CASE WHEN served AND rated THEN 3 + floor(random() * 3)::int END,
             created_at, created_at + interval '2 hours'
           FROM src RETURNING id
         ), asg AS (
           INSERT INTO order_assignment (order_id, round, volunteer_id, state, accepted_at, checked_in_at, completed_at, ended_at, service_minutes)
           SELECT id, 1, volunteer_id, 'completed', created_at + interval '10 minutes', created_at + interval '30 minutes',
                  created_at + interval '70 minutes', created_at + interval '70 minutes', 40
           FROM src WHERE served
         )
         INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, data)
         SELECT id, 1, 'created', resident_id, created_at, NULL, 'pending', '{"channel":"miniapp"}'::jsonb FROM src
         UNION ALL
         SELECT id, 2, 'reject', rejecter_id, created_at + interval '5 minutes', 'dispatched', 'pending', '{}'::jsonb FROM src WHERE rejected
         UNION ALL
         SELECT id, CASE WHEN rejected THEN 3 ELSE 2 END, CASE WHEN served THEN 'confirm' ELSE 'cancel' END, resident_id,
                created_at + interval '2 hours', CASE WHEN served THEN 'completed' ELSE 'pending' END, CASE WHEN served THEN 'closed' ELSE 'cancelled' END,
                '{}'::jsonb FROM src`,
          [codes],
        );
      }
      // the person batch dispatch acts as: an admin over everything
      await q.query(`INSERT INTO app_user (name, phone, roles) VALUES ('基准管理员', '19900000000', '{admin}')`);
      await step('VACUUM ANALYZE', 'VACUUM ANALYZE');
    }
    const adminId = (await q.query<{ id: string }>(`SELECT id FROM app_user WHERE phone = '19900000000'`)).rows[0]!.id;
    const genMs = performance.now() - genStarted;
    const counts = (
      await q.query<Record<string, string>>(
        `SELECT (SELECT count(*) FROM region) AS regions, (SELECT count(*) FROM bench_grid) AS grids,
                (SELECT count(*) FROM app_user WHERE roles = '{volunteer}') AS volunteers, (SELECT count(*) FROM app_user WHERE roles = '{volunteer}' AND on_duty) AS on_duty,
                (SELECT count(*) FROM app_user WHERE roles = '{resident}') AS residents, (SELECT count(*) FROM squad) AS squads,
                (SELECT count(*) FROM squad_member) AS members, (SELECT count(*) FROM service_order) AS orders,
                (SELECT count(*) FROM order_assignment) AS assignments, (SELECT count(*) FROM order_event) AS events,
                pg_size_pretty(pg_database_size(current_database())) AS size`,
      )
    ).rows[0]!;
    note(`generated in ${fmt(genMs / 1000, 1)} s`);

    // ---------------------------------------------------------------- measurement
    ds = await initializeDataSource(createDataSource({ url, entities, poolSize: 2 }), () => undefined);
    const opts: CandidateOptions = { weights: DEFAULT_MATCH_WEIGHTS, maxActiveTasks: DEFAULT_MAX_ACTIVE_TASKS, now: new Date(), limit: CANDIDATE_LIMIT };

    /** `fn` in a transaction on a connection of its own, under statement_timeout, rolled back afterwards whatever happens. */
    const rolledBack = async <T>(fn: (qr: QueryRunner) => Promise<T>): Promise<T> => {
      const qr = ds!.createQueryRunner();
      await qr.connect();
      try {
        await qr.startTransaction();
        await qr.query(`SET LOCAL statement_timeout = '${timeoutS}s'`);
        return await fn(qr);
      } finally {
        if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
        await qr.release();
      }
    };

    /** Pending orders by SQL at `level`: random residents, random categories, the scope the resident's `level` ancestor. */
    const createPending = async (m: EntityManager, level: Level, n: number, townPath?: string): Promise<string[]> => {
      const rows = await m.query<Array<{ id: string }>>(
        // one open order per resident and service (issue 20: a repeat is a 催一下): distinct pairs, none already open
        `WITH drawn AS (
           SELECT DISTINCT ON (u.id, category) u.id AS resident_id, u.address, u.location_lat, u.location_lng, g.id AS region_id, g.path,
                  split_part(g.path, '/', ${SEGMENT[level]})::uuid AS scope_id, category
           FROM (SELECT 1 + floor(random() * ${residentCount})::int AS r, ($1::text[])[1 + floor(random() * ${K})::int] AS category
                 FROM generate_series(1, ${townPath ? n * 200 : n * 2})) x
           JOIN app_user u ON u.phone = '15' || lpad(x.r::text, 9, '0')
           JOIN region g ON g.id = u.region_id
           WHERE $2::text IS NULL OR g.path LIKE $2::text || '%'
         ), pick AS (
           SELECT d.* FROM drawn d
           WHERE NOT EXISTS (SELECT 1 FROM service_order o WHERE o.resident_id = d.resident_id AND o.category_code = d.category
                               AND o.status IN ('pending', 'dispatched', 'accepted', 'in_service') AND o.repeat_of IS NULL)
           LIMIT ${n}
         ), ins AS (
           INSERT INTO service_order (resident_id, requester_id, channel, category_code, description, address, location_lat, location_lng,
             urgency, headcount, region_id, region_path, escalation_level, scope_region_id, scope_path, escalate_at, deadline_at, created_at, updated_at)
           SELECT p.resident_id, p.resident_id, 'miniapp', p.category, '基准待派需求', p.address, p.location_lat, p.location_lng, 'normal', 1,
                  p.region_id, p.path, $3::text, p.scope_id, s.path, now() + interval '30 minutes', now() + interval '30 minutes', now(), now()
           FROM pick p JOIN region s ON s.id = p.scope_id
           RETURNING id, resident_id, created_at
         ), ev AS (
           INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, data)
           SELECT id, 1, 'created', resident_id, created_at, NULL, 'pending', '{"channel":"miniapp"}'::jsonb FROM ins
         )
         SELECT id FROM ins`,
        [codes, townPath ?? null, level],
      );
      return rows.map((r) => r.id);
    };

    /**
     * Samples `measure` on n new pending orders of `level`, after `warmup` untimed calls on others (none for the naive
     * baseline, which runs with index scans off), each call under a savepoint of one rolled-back transaction, within
     * the level's time budget. `measure` times its own call (what the clock covers differs) and says how many people
     * it found; a statement timeout is counted, and one (naive) or two (real) end the sampling: the rest would only
     * repeat it. `setUp` prepares the orders first.
     */
    const sampleOn = async (
      level: Level,
      n: number,
      naive: boolean,
      measure: (qr: QueryRunner, id: string) => Promise<{ ms: number; found: number; floorMs?: number }>,
      setUp: (qr: QueryRunner, ids: string[]) => Promise<void> = async () => undefined,
    ): Promise<Sampled> => {
      const result: Sampled = { ms: [], floorMs: [], timeouts: 0, candidates: [], stoppedEarly: false };
      if (n === 0) return result;
      return rolledBack(async (qr) => {
        const warm = naive ? 0 : warmup;
        const ids = await createPending(qr.manager, level, n + warm);
        await setUp(qr, ids);
        for (const id of ids.splice(0, warm)) await measure(qr, id);
        if (naive) {
          // planned again on every call, with the scans below switched off: a plan the connection cached (the
          // engine's statements are prepared and PostgreSQL keeps their generic plans) would ignore these settings
          await qr.query(`SET LOCAL plan_cache_mode = force_custom_plan`);
          await qr.query(`SET LOCAL enable_indexscan = off`);
          await qr.query(`SET LOCAL enable_bitmapscan = off`);
          await qr.query(`SET LOCAL enable_indexonlyscan = off`);
        }
        const started = performance.now();
        for (const id of ids) {
          if (isStopping()) break;
          if (performance.now() - started > levelBudgetS * 1000) {
            result.stoppedEarly = true;
            break;
          }
          await qr.query('SAVEPOINT s');
          try {
            const m = await measure(qr, id);
            result.ms.push(m.ms);
            if (m.floorMs !== undefined) result.floorMs.push(m.floorMs);
            result.candidates.push(m.found);
            await qr.query('RELEASE SAVEPOINT s');
          } catch (err) {
            if (!isTimeout(err)) throw err;
            await qr.query('ROLLBACK TO SAVEPOINT s');
            result.timeouts += 1;
            if (naive || result.timeouts >= 2) {
              result.stoppedEarly = true;
              break;
            }
          }
        }
        return result;
      });
    };

    /** findCandidates on one order; beside it a `SELECT 1` on the same connection, the round-trip floor. */
    const candidatesOf = async (qr: QueryRunner, id: string, naive: boolean) => {
      // the order row is what the route hands to findCandidates: loaded before the clock starts (with indexes)
      if (naive) await qr.query(`SET LOCAL enable_indexscan = on`);
      const o = await loadOrder(qr.manager, id);
      if (naive) await qr.query(`SET LOCAL enable_indexscan = off`);
      if (!o) throw new Error(`order ${id} vanished`);
      const t = performance.now();
      const list = await findCandidates(qr.manager, o, { ...opts, now: new Date() });
      const ms = performance.now() - t;
      const f = performance.now();
      await qr.query('SELECT 1');
      return { ms, found: list.length, floorMs: performance.now() - f };
    };
    const sample = (level: Level, n: number, naive: boolean): Promise<Sampled> => sampleOn(level, n, naive, (qr, id) => candidatesOf(qr, id, naive));

    await printHeader(q, '# bench:match — candidate ranking and batch assignment on a region-scale dataset', 'other processes share these cores');
    out(
      `data (BENCH_SCALE=${scale}): ${fmt(Number(counts.grids))} grids (${fmt(Number(counts.regions))} regions), ${fmt(Number(counts.volunteers))} volunteers (${fmt(Number(counts.on_duty))} on duty), ` +
        `${fmt(Number(counts.residents))} residents, ${fmt(Number(counts.squads))} squads (${fmt(Number(counts.members))} members), ${fmt(Number(counts.orders))} historical orders, ` +
        `${fmt(Number(counts.assignments))} assignments, ${fmt(Number(counts.events))} events; database ${counts.size}`,
    );
    out(
      reused
        ? `dataset reused from BENCH_DATA_DIR (generated by an earlier run); migrations run again on it`
        : `generated by set-based INSERT … SELECT FROM generate_series (no COPY: pg-copy-streams is not a dependency) + VACUUM ANALYZE in ${fmt(genMs / 1000, 1)} s`,
    );
    out(
      `settings: ${samples} orders per level after ${warmup} untimed (naive: ${naiveSamples}, no warm-up), limit ${CANDIDATE_LIMIT}, statement_timeout ${timeoutS} s, at most ${levelBudgetS} s of sampling per level; ` +
        `naive = the same query with enable_indexscan/enable_indexonlyscan/enable_bitmapscan off`,
    );
    out();

    const cell = (s: Sampled, p: number) => {
      if (s.ms.length === 0) return s.timeouts > 0 ? `timed out (> ${timeoutS} s)` : '—';
      return fmt(
        percentile(
          [...s.ms].sort((a, b) => a - b),
          p,
        ),
        1,
      );
    };
    const table: string[][] = [
      ['level', 'n', 'candidates', 'p50 ms', 'p99 ms', 'SELECT 1 p50/p99 ms', 'naive n', 'naive p50 ms', 'naive p99 ms', 'naive/p50', 'target p99', 'result'],
    ];
    for (const level of LEVELS) {
      note(`candidates at ${level} level: ${samples} orders`);
      const real = await sample(level, samples, false);
      note(`candidates at ${level} level, naive: ${naiveSamples} orders`);
      const naive = await sample(level, naiveSamples, true);
      const sorted = [...real.ms].sort((a, b) => a - b);
      const p99 = percentile(sorted, 99);
      const met = real.timeouts === 0 && real.ms.length > 0 && p99 < TARGET_MS[level];
      const naiveSorted = [...naive.ms].sort((a, b) => a - b);
      // a naive call that timed out took longer than the timeout: the ratio is at least that
      const ratio =
        real.ms.length === 0
          ? '—'
          : naive.ms.length > 0
            ? `${(percentile(naiveSorted, 50) / percentile(sorted, 50)).toFixed(1)}×`
            : naive.timeouts > 0
              ? `> ${fmt((timeoutS * 1000) / percentile(sorted, 50))}×`
              : '—';
      const nText = (s: Sampled) =>
        `${s.ms.length}${s.timeouts > 0 ? ` (+${s.timeouts} timed out)` : ''}${s.stoppedEarly && s.timeouts === 0 ? ' (budget)' : ''}`;
      table.push([
        level,
        nText(real),
        real.candidates.length
          ? fmt(
              percentile(
                [...real.candidates].sort((a, b) => a - b),
                50,
              ),
            )
          : '—',
        cell(real, 50),
        real.timeouts > 0 ? `timed out (> ${timeoutS} s)` : cell(real, 99),
        real.floorMs.length
          ? `${fmt(
              percentile(
                [...real.floorMs].sort((a, b) => a - b),
                50,
              ),
              2,
            )} / ${fmt(
              percentile(
                [...real.floorMs].sort((a, b) => a - b),
                99,
              ),
              2,
            )}`
          : '—',
        nText(naive),
        cell(naive, 50),
        naive.timeouts > 0 ? `timed out (> ${timeoutS} s)` : cell(naive, 99),
        ratio,
        `< ${TARGET_MS[level]} ms`,
        met ? 'met' : 'NOT MET',
      ]);
    }

    // ---- batch: BENCH_BATCH pending grid-level orders in the town of grid 0, dispatched by an admin, rolled back
    note(`batch: ${batchSize} pending orders in one town`);
    const town = (
      await q.query<{ id: string; path: string }>(`SELECT id, path FROM region WHERE id = split_part((SELECT path FROM bench_grid WHERE n = 0), '/', 4)::uuid`)
    ).rows[0]!;
    const batchRow: string[] = [];
    await rolledBack(async (qr) => {
      const ids = await createPending(qr.manager, 'grid', batchSize, town.path);
      const [adminUser] = await qr.manager.query<Array<{ id: string; name: string; roles: Actor['roles'] }>>(
        `SELECT id, name, roles FROM app_user WHERE id = $1`,
        [adminId],
      );
      const actor: Actor = {
        id: adminId,
        roles: adminUser!.roles,
        regionId: null,
        regionPath: null,
        user: { id: adminId, name: adminUser!.name, roles: adminUser!.roles } as unknown as User,
      };
      const viewer = await loadViewer(qr.manager, actor, new Date());
      const t = performance.now();
      try {
        const r = await batchDispatch(qr.manager, viewer, town.id, town.path, { weights: DEFAULT_MATCH_WEIGHTS, maxActiveTasks: DEFAULT_MAX_ACTIVE_TASKS });
        const ms = performance.now() - t;
        batchRow.push(
          fmt(r.orders),
          fmt(ms / 1000, 2),
          fmt(r.assigned.length),
          r.method,
          `greedy ${fmt(r.greedy.assigned)}`,
          `< ${BATCH_TARGET_MS / 1000} s`,
          ms < BATCH_TARGET_MS ? 'met' : 'NOT MET',
        );
      } catch (err) {
        if (!isTimeout(err)) throw err;
        batchRow.push(
          fmt(ids.length),
          `timed out (a statement > ${timeoutS} s after ${fmt((performance.now() - t) / 1000, 1)} s)`,
          '—',
          '—',
          '—',
          `< ${BATCH_TARGET_MS / 1000} s`,
          'NOT MET',
        );
      }
    });

    // ---- offers: a new auto order offered to the first wave (k = 5 within 3 km), from commit to offers written
    const offerOpts = { weights: DEFAULT_MATCH_WEIGHTS, maxActiveTasks: DEFAULT_MAX_ACTIVE_TASKS, acceptMinutes: 5, waves: OFFER_WAVES_K5 };
    const offerOne = (naive: boolean, n: number): Promise<Sampled> =>
      sampleOn(
        'grid',
        n,
        naive,
        async (qr, id) => {
          const t = performance.now();
          await autoDispatchIfDue(qr.manager, id, { ...offerOpts, now: new Date() });
          const ms = performance.now() - t;
          const [asked] = await qr.manager.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM order_offer WHERE order_id = $1`, [id]);
          return { ms, found: asked!.n };
        },
        // as placing an order under `auto` writes it: due at once
        async (qr, ids) => {
          await qr.query(`UPDATE service_order SET dispatch_mode = 'auto', auto_dispatch_at = now() - interval '1 second' WHERE id = ANY ($1::uuid[])`, [ids]);
        },
      );
    note(`offers: ${samples} new auto orders offered to k = 5`);
    const offersReal = await offerOne(false, samples);
    note(`offers, naive: ${naiveSamples} orders`);
    const offersNaive = await offerOne(true, naiveSamples);
    const offerP99 = offersReal.ms.length
      ? percentile(
          [...offersReal.ms].sort((a, b) => a - b),
          99,
        )
      : Infinity;
    const offerRow = [
      `${offersReal.ms.length}${offersReal.timeouts ? ` (+${offersReal.timeouts} timed out)` : ''}`,
      offersReal.candidates.length
        ? fmt(
            percentile(
              [...offersReal.candidates].sort((a, b) => a - b),
              50,
            ),
          )
        : '—',
      cell(offersReal, 50),
      cell(offersReal, 99),
      `${offersNaive.ms.length}`,
      cell(offersNaive, 50),
      cell(offersNaive, 99),
      `< ${OFFER_TARGET_MS} ms`,
      offersReal.timeouts === 0 && offerP99 < OFFER_TARGET_MS ? 'met' : 'NOT MET',
    ];

    out('candidate ranking (findCandidates, one order at a time, ms per call):');
    printTable(table);
    out();
    out(`batch assignment (batchDispatch by an admin over one town's pending grid-level orders, rolled back):`);
    printTable([['orders', 'time s', 'assigned', 'method', 'greedy', 'target', 'result'], batchRow]);
    out();
    out('offering a new order to k = 5 people (first wave: 5 within 3 km), from commit to offers written, ms per order:');
    printTable([['n', 'asked p50', 'p50 ms', 'p99 ms', 'naive n', 'naive p50 ms', 'naive p99 ms', 'target p99', 'result'], offerRow]);
    process.exitCode = 0;
  } finally {
    await cleanup();
  }
}

runBench('bench:match', main);
