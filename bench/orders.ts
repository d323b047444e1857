import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector/promises';
import path from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import type { EntityManager } from 'typeorm';
import { buildApp } from '../server/src/app';
import { parseConfig } from '../server/src/config';
import { createDataSource, initializeDataSource } from '../server/src/db/data-source';
import { entities } from '../server/src/entities';
import type { Actor } from '../server/src/modules/auth/actor';
import { createOrder, writeOrders } from '../server/src/modules/orders/creation';
import { presentOrders } from '../server/src/modules/orders/present';
import { loadViewer } from '../server/src/modules/orders/standing';
import type { User } from '../server/src/modules/users/user.entity';
import { CreateOrderDto, ORDERS_PATH, validateDto, type Role } from '../shared/src';
import { openLoop, type LoadSummary } from './open-loop';
import {
  BenchPostgres,
  fmt,
  intListSetting,
  isStopping,
  note,
  numSetting,
  once,
  out,
  printHeader,
  printTable,
  runBench,
  stopOnSignals,
  placeSeeder,
} from './support';

/**
 * `pnpm bench:orders` — order creation and concurrent accepts, against a bare Fastify + pg INSERT as the ceiling.
 *
 * Two Node processes, so that the load generator never shares an event loop with what it measures:
 *   - this one: the embedded PostgreSQL (in a temporary directory), the migrations, the people (by SQL), then
 *     autocannon and the report;
 *   - a forked child (`--serve`): the real application (buildApp with production settings, logging off, no
 *     escalation sweep) and the bare ceiling app (Fastify without plugins, one INSERT), each with a pool of
 *     config.dbPoolSize connections on the same database, measured one after the other.
 * Every scenario gets the same warm-up and duration, and the ceiling gets the same request bytes as order creation
 * (token, Idempotency-Key, body), so the difference is what the application does with them.
 *
 * Capacity, not one load level: the ceiling and order creation are each measured at several client counts
 * (BENCH_CONNECTIONS, 10,20,40,80), in pairs (the ceiling, then creation, at each count, so a noisy minute hits
 * both), and each side's capacity is its best rate over the sweep. One count alone favours one side: at 20 clients
 * the bare INSERT already keeps the machine busy, while creation, which writes concurrent orders together (one
 * statement and one commit for all of them), is still short of company; with more clients the ceiling gains little
 * and creation gains most. Every pair is printed, so the ratio at each count stays visible.
 *
 * Scenarios: the sweep (the ratio of the two capacities); order creation offered half the ceiling's capacity at the
 * client count where creation peaked (the p99 "at that load" — run only when flat out it comes near that rate); the
 * accept race (BENCH_RACERS volunteers of the order's grid press accept on each open order at the same moment: one
 * 200, the others 409; BENCH_RACE_CONNECTIONS clients).
 *
 * Knobs (environment): BENCH_CONNECTIONS (10,20,40,80), BENCH_RACE_CONNECTIONS (20), BENCH_WARMUP (3 s),
 * BENCH_DURATION (10 s), BENCH_RESIDENTS (4000), BENCH_VOLUNTEERS (200), BENCH_HISTORY (20000 past orders),
 * BENCH_RACERS (4), DB_POOL_SIZE (the app's, 10). For finding where the time goes:
 * BENCH_PROFILE=1 (statements per request, pg_stat_statements, and order creation with the same SQL on the bare
 * server, unnamed and prepared), BENCH_CPU_PROF=<dir> (a V8 profile of the server process per measured run),
 * BENCH_LOG_LEVEL=error (the API's log, to see behind an unexpected 5xx).
 */

const DATABASE = 'bangbang_bench';
const CATEGORY = 'medicine_delivery';
/** The order a resident places (of the service `code`): the same bytes but for the service. */
const orderBody = (code: string) => JSON.stringify({ categoryCode: code, description: '帮忙去药店取降压药，放在门口即可', urgency: 'normal' });
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;

// ---------------------------------------------------------------- messages between the two processes

type Ask = { kind: 'sign'; ids: string[] } | { kind: 'stats' } | { kind: 'profile'; start: boolean; file?: string } | { kind: 'stop' };
type ToChild = Ask & { id: number };
type FromChild =
  | { kind: 'ready'; appUrl: string; ceilingUrl: string; poolSize: number }
  | { kind: 'reply'; id: number; value: unknown }
  | { kind: 'failed'; id?: number; message: string };

/** What the server process reports about itself: database round trips and CPU, read before and after a run. */
interface ServerStats {
  queries: number;
  /** Summed wall time of those queries (overlapping ones add up): time requests spent waiting on PostgreSQL. */
  queryMs: number;
  byStatement: Record<string, [number, number]>;
  cpuMs: number;
  elu: Pick<EventLoopUtilization, 'idle' | 'active'>;
}

// ---------------------------------------------------------------- the server process

interface QueryCounts {
  queries: number;
  queryMs: number;
  /** BENCH_PROFILE=1: per statement (its first words), [count, ms]. */
  byStatement: Record<string, [number, number]>;
}

function statementOf(args: unknown[]): string {
  const first = args[0];
  const text = typeof first === 'string' ? first : typeof first === 'object' && first !== null && 'text' in first ? String(first.text) : '?';
  return text.replace(/\s+/g, ' ').trim().slice(0, 90);
}

/**
 * Counts every query through node-postgres (TypeORM's driver and the ceiling's pool alike: one module instance),
 * with its wall time. Observation only: the query itself is passed through untouched.
 */
function countQueries(): QueryCounts {
  const counts: QueryCounts = { queries: 0, queryMs: 0, byStatement: {} };
  const perStatement = process.env.BENCH_PROFILE === '1';
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function counted(this: unknown, ...args: unknown[]): unknown {
    counts.queries += 1;
    const started = performance.now();
    const statement = perStatement ? (counts.byStatement[statementOf(args)] ??= [0, 0]) : undefined;
    const done = () => {
      const ms = performance.now() - started;
      counts.queryMs += ms;
      if (statement) {
        statement[0] += 1;
        statement[1] += ms;
      }
    };
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (...results: unknown[]) => {
        done();
        return (callback as (...a: unknown[]) => unknown)(...results);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) result.then(done, done);
    return result;
  };
  return counts;
}

/** The row the lean routes load the person with: the auth hook's findOne as one plain statement. */
const LEAN_USER_SQL = `SELECT u.id, u.roles, u.address, u.location_lat, u.location_lng, u.region_id, u.skills, u.on_duty, u.roster,
  r.path AS region_path, r.level AS region_level FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = $1`;

/**
 * BENCH_PROFILE=1 diagnostics on the bare server: order creation with the application's own SQL and domain code
 * (createOrder, presentOrders, the DTO validation) but without TypeORM, the plugins or the response schema —
 * what the statements themselves cost — once with the person's and the viewer's reads unnamed (planned every
 * time) and once prepared (planned once per connection); the order's statement is prepared in both, as in the app.
 */
function leanRoutes(bare: FastifyInstance, pool: pg.Pool, verify: (token: string) => string): void {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name) names.set(text, (name = `lean_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`));
    return name;
  };
  // the order's own statement is prepared in both, as the application always sends it (one order per statement here)
  const onPool = { connection: { driver: { master: pool } } } as unknown as EntityManager;
  for (const prepared of [false, true]) {
    const run = async (text: string, values: unknown[] = []) =>
      (await pool.query(prepared ? { name: nameOf(text), text, values } : { text, values })).rows as unknown[];
    // createOrder and presentOrders only ever call m.query(sql, params)
    const m = { query: run } as unknown as EntityManager;
    bare.post(prepared ? '/lean-prepared' : '/lean', async (request, reply) => {
      const sub = verify((request.headers.authorization ?? '').replace(/^Bearer /, ''));
      const [u] = (await run(LEAN_USER_SQL, [sub])) as Array<{
        id: string;
        roles: Role[];
        address: string | null;
        location_lat: number | null;
        location_lng: number | null;
        region_id: string | null;
        skills: string[];
        on_duty: boolean;
        roster: unknown;
        region_path: string | null;
        region_level: string | null;
      }>;
      if (!u) return reply.code(401).send({});
      const user = {
        id: u.id,
        roles: u.roles,
        address: u.address,
        locationLat: u.location_lat,
        locationLng: u.location_lng,
        regionId: u.region_id,
        skills: u.skills,
        onDuty: u.on_duty,
        roster: u.roster,
        region: u.region_id === null ? null : { id: u.region_id, path: u.region_path, level: u.region_level },
      } as unknown as User;
      const actor: Actor = { id: u.id, roles: u.roles, regionId: u.region_id, regionPath: u.region_path, user };
      const body = validateDto(CreateOrderDto, request.body);
      if (!body.ok) return reply.code(400).send(body.details);
      const v = await loadViewer(m, actor, new Date());
      const key = request.headers['idempotency-key'];
      const created = await createOrder(
        m,
        v,
        body.value,
        typeof key === 'string' ? key : undefined,
        10,
        async (order) => (await writeOrders(onPool, [order]))[0] ?? null,
      );
      const [presented] = created.row ? await presentOrders(m, v, [created.row]) : [];
      return reply.code(created.replayed ? 200 : 201).send(presented?.dto ?? { id: created.id });
    });
  }
}

async function serve(): Promise<void> {
  const send = (m: FromChild) => process.send?.(m);
  const url = process.env.BENCH_DATABASE_URL ?? '';
  const jwtSecret = process.env.BENCH_JWT_SECRET ?? '';
  const counts = countQueries();
  const parsed = parseConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    JWT_SECRET: jwtSecret,
    DATA_DIR: process.env.BENCH_DATA_DIR,
    DB_POOL_SIZE: process.env.DB_POOL_SIZE,
    // BENCH_LOG_LEVEL=error shows what went wrong behind an unexpected 5xx
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    JOB_CONCURRENCY: '0',
    DEMO_DATA: 'false',
    // the per-account limits are counted on every order as in production, but never reached: 4,000 residents place
    // tens of thousands of orders in a run, far past any one person's day
    ORDER_OPEN_LIMIT: '1000000',
    ORDER_DAILY_LIMIT: '1000000',
    PROXY_ORDER_DAILY_LIMIT: '1000000',
    // each racer wins hundreds of orders in a run and completes none: its tasks in hand are counted, never reached
    HALL_MAX_TASKS: '1000000',
  });
  const config = { ...parsed, jwtSecret };
  const db = await initializeDataSource(createDataSource({ url, entities, poolSize: config.dbPoolSize }), () => undefined);
  const app = await buildApp({ config, db });
  const appUrl = await app.listen({ host: '127.0.0.1', port: 0 });

  // The ceiling: Fastify with nothing registered, one route, one INSERT through a pool of the same size.
  const pool = new pg.Pool({ connectionString: url, max: config.dbPoolSize });
  pool.on('error', () => undefined);
  const bare: FastifyInstance = Fastify();
  bare.post('/ceiling', async (request, reply) => {
    const { rows } = await pool.query<{ id: string }>('INSERT INTO bench_ceiling (payload) VALUES ($1) RETURNING id', [request.body]);
    return reply.code(201).send({ id: rows[0]?.id });
  });
  if (process.env.BENCH_PROFILE === '1') leanRoutes(bare, pool, (token) => app.jwt.verify<{ sub: string }>(token).sub);
  const ceilingUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

  const stop = once(async () => {
    await app.close();
    await bare.close();
    await pool.end();
    if (db.isInitialized) await db.destroy();
  });
  // Ctrl-C reaches this process too: the parent decides when to stop; losing the parent stops us.
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));

  let profiler: inspector.Session | undefined;
  process.on('message', (raw) => {
    const m = raw as ToChild;
    const answer = async (): Promise<unknown> => {
      switch (m.kind) {
        case 'sign':
          return m.ids.map((sub) => app.jwt.sign({ sub }));
        case 'stats': {
          const cpu = process.cpuUsage();
          const elu = performance.eventLoopUtilization();
          const stats: ServerStats = {
            ...counts,
            byStatement: structuredClone(counts.byStatement),
            cpuMs: (cpu.user + cpu.system) / 1000,
            elu: { idle: elu.idle, active: elu.active },
          };
          return stats;
        }
        case 'profile':
          if (m.start) {
            profiler ??= new inspector.Session();
            profiler.connect();
            await profiler.post('Profiler.enable');
            await profiler.post('Profiler.start');
          } else if (profiler) {
            const { profile } = await profiler.post('Profiler.stop');
            writeFileSync(m.file ?? 'server.cpuprofile', JSON.stringify(profile));
            profiler.disconnect();
          }
          return true;
        case 'stop':
          await stop();
          return true;
      }
    };
    answer().then(
      (value) => send({ kind: 'reply', id: m.id, value }),
      (err: Error) => send({ kind: 'failed', id: m.id, message: err.message }),
    );
  });
  send({ kind: 'ready', appUrl, ceilingUrl, poolSize: config.dbPoolSize });
}

// ---------------------------------------------------------------- the driving process

class ServerProcess {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<Extract<FromChild, { kind: 'ready' }>>;

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (raw) => {
        const m = raw as FromChild;
        if (m.kind === 'ready') resolve(m);
        else if (m.kind === 'reply') this.settle(m.id, (w) => w.resolve(m.value));
        else if (m.id !== undefined) this.settle(m.id, (w) => w.reject(new Error(m.message)));
        else reject(new Error(m.message));
      });
      // sending to a process that has gone: the pending call is rejected below, not thrown from an event
      child.on('error', () => undefined);
      child.on('exit', (code, signal) => {
        const err = new Error(`the server process exited (${code ?? signal})`);
        reject(err);
        for (const w of this.waiting.values()) w.reject(err);
        this.waiting.clear();
      });
    });
  }

  private settle(id: number, fn: (w: { resolve: (v: unknown) => void; reject: (e: Error) => void }) => void): void {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    if (w) fn(w);
  }

  call<T>(message: Ask): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      if (!this.child.connected) return reject(new Error('the server process is gone'));
      this.waiting.set(id, { resolve: (v) => resolve(v as T), reject });
      this.child.send({ ...message, id } satisfies ToChild);
    });
  }
}

/** CPU time (ms) of our PostgreSQL: the postmaster, its live backends, and the children it has reaped. */
function postgresCpuMs(pgDir: string): number {
  const postmaster = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // after "pid (comm) ": state ppid … utime(14) stime(15) cutime(16) cstime(17), counted from "state" = field 3
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const pid = Number(entry);
    if (pid === postmaster) ticks += f[11]! + f[12]! + f[13]! + f[14]!;
    else if (f[1] === postmaster) ticks += f[11]! + f[12]!;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Busy CPU time (ms) of the whole machine, all cores: what everyone, other helpers included, used. */
function machineBusyMs(): number {
  const [, ...v] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const n = v.map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - n[3]! - n[4]!) * 1000) / 100;
}

interface Measured {
  name: string;
  /** Client connections (autocannon's, or the open loop's at most). */
  connections: number;
  result: LoadSummary;
  /** Every status seen, warm-up included (for checking the database against the answers). */
  allStatuses: Map<number, number>;
  perRequest: { queries: number; queryMs: number; serverCpuMs: number; pgCpuMs: number; loadCpuMs: number; machineMs: number };
  serverElu: number;
  /** Checkpoints begun, autovacuum/autoanalyze passes and WAL files created during the measured run. */
  checkpoints: number;
  autovacuums: number;
  walFiles: number;
  /** BENCH_PROFILE=1: statements per request, most time first: [statement, per request, ms per request]. */
  statements: Array<[string, number, number]>;
  /** BENCH_PROFILE=1, from pg_stat_statements: [statement, per request, planning ms per call, execution ms per call]. */
  inDatabase: Array<[string, number, number, number]>;
}

const statusCounts = (r: autocannon.Result): Map<number, number> =>
  new Map(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [Number(code), s.count ?? 0]));

function addCounts(into: Map<number, number>, more: Map<number, number>): Map<number, number> {
  for (const [k, v] of more) into.set(k, (into.get(k) ?? 0) + v);
  return into;
}

function rows5xx(rows: Measured[]): boolean {
  return rows.some((m) => [...m.allStatuses.keys()].some((code) => code >= 500));
}

async function main(): Promise<void> {
  const sweep = intListSetting('BENCH_CONNECTIONS', [10, 20, 40, 80], 1);
  const raceConnections = numSetting('BENCH_RACE_CONNECTIONS', 20, 1);
  const warmup = numSetting('BENCH_WARMUP', 3, 0);
  const duration = numSetting('BENCH_DURATION', 10, 1);
  const residentCount = numSetting('BENCH_RESIDENTS', 4000, 1);
  const volunteerCount = numSetting('BENCH_VOLUNTEERS', 200, 1);
  const racers = numSetting('BENCH_RACERS', 4, 1);
  const historyCount = numSetting('BENCH_HISTORY', 20_000, 0);
  const GRIDS = 16;

  const postgres = new BenchPostgres('bangbang-bench-');
  const dir = postgres.dir;
  let server: ServerProcess | undefined;
  let cannon: autocannon.Instance | undefined;

  const cleanup = once(async () => {
    cannon?.stop();
    if (server && server.child.exitCode === null) {
      const exited = new Promise((r) => server!.child.once('exit', r));
      await server.call({ kind: 'stop' }).catch(() => undefined);
      if (server.child.connected) server.child.disconnect();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
    await postgres.close();
  });
  stopOnSignals('the servers and the database', cleanup);

  try {
    // ---- the database: schema by the real migrations, people by SQL
    const profiling = process.env.BENCH_PROFILE === '1';
    // BENCH_PROFILE=1: PostgreSQL's own account of each statement (planning and execution), which needs a restart
    const withStatements = async (embedded: BenchPostgres['embedded']) => {
      const c = new pg.Client({ connectionString: embedded.connectionString('postgres') });
      await c.connect();
      await c.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
      await c.query(`ALTER SYSTEM SET pg_stat_statements.track_planning = on`);
      await c.end();
      await embedded.stop();
      await embedded.start();
    };
    const { url, q } = await postgres.open(DATABASE, 2, profiling ? withStatements : undefined);
    if (profiling) await q.query('CREATE EXTENSION pg_stat_statements');

    const seedStarted = performance.now();
    const place = placeSeeder(q);
    const city = await place('city', '基准市');
    const county = await place('county', '基准旗', city);
    const grids: Array<{ id: string; path: string }> = [];
    for (let t = 1; t <= 2; t++) {
      const town = await place('town', `基准${t}镇`, county);
      for (let c = 1; c <= 2; c++) {
        const community = await place('community', `基准${t}镇${c}社区`, town);
        for (let g = 1; g <= GRIDS / 4; g++) grids.push(await place('grid', `基准${t}镇${c}社区${g}网格`, community));
      }
    }
    const gridIds = grids.map((g) => g.id);
    // residents and on-duty volunteers spread round-robin over the grids, all at one spot (distances are not the point)
    const residents = (
      await q.query<{ id: string }>(
        `INSERT INTO app_user (name, phone, roles, region_id, address, location_lat, location_lng)
         SELECT '居民' || i, '138' || lpad(i::text, 8, '0'), '{resident}', ($1::uuid[])[1 + i % $2], '基准社区' || i || '号', 40.751, 107.401
         FROM generate_series(1, $3) AS i ORDER BY i RETURNING id`,
        [gridIds, GRIDS, residentCount],
      )
    ).rows.map((r) => r.id);
    const volunteers = (
      await q.query<{ id: string; region_id: string }>(
        `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
         SELECT '志愿者' || i, '137' || lpad(i::text, 8, '0'), '{volunteer}', ($1::uuid[])[1 + i % $2],
                (SELECT array_agg(code ORDER BY code) FROM service_category WHERE active), true, 40.751, 107.401
         FROM generate_series(1, $3) AS i ORDER BY i RETURNING id, region_id`,
        [gridIds, GRIDS, volunteerCount],
      )
    ).rows;
    // a history, as a county in use has: past orders (closed by cancellation, with their two events) spread over the
    // residents and 90 days, so that the tables, their indexes and the planner's statistics are those of a database
    // in use. From empty tables every connection would keep the plans made for a handful of rows (a foreign-key
    // check's sequential scan, say) while the run adds thousands a second, long before autovacuum's next ANALYZE.
    await q.query(
      `WITH r AS (
         SELECT u.id, u.address, u.region_id, g.path, row_number() OVER (ORDER BY u.id) - 1 AS n, count(*) OVER () AS total
         FROM app_user u JOIN region g ON g.id = u.region_id WHERE u.roles = '{resident}'
       ), ins AS (
         INSERT INTO service_order (resident_id, requester_id, channel, category_code, description, address, location_lat, location_lng,
           urgency, headcount, status, region_id, region_path, escalation_level, scope_region_id, scope_path, escalate_at, deadline_at,
           cancelled_at, cancel_reason, version, created_at, updated_at)
         SELECT r.id, r.id, 'miniapp', $1, '帮忙取药（历史）', r.address, 40.751, 107.401, 'normal', 1, 'cancelled', r.region_id, r.path, 'grid',
                r.region_id, r.path, t + interval '2 hours', t + interval '2 hours', t + interval '30 minutes', '家人已经帮忙办了', 2, t, t + interval '30 minutes'
         FROM generate_series(0, $2 - 1) AS i JOIN r ON r.n = i % r.total
              CROSS JOIN LATERAL (SELECT now() - (i % 129600) * interval '1 minute' AS t) at
         RETURNING id, resident_id, created_at, cancelled_at
       )
       INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, reason, data)
       SELECT id, 1, 'created', resident_id, created_at, NULL, 'pending', NULL,
              '{"channel":"miniapp","proxy":false,"urgency":"normal","headcount":1,"escalationLevel":"grid"}'::jsonb FROM ins
       UNION ALL
       SELECT id, 2, 'cancel', resident_id, cancelled_at, 'pending', 'cancelled', '家人已经帮忙办了', '{}'::jsonb FROM ins`,
      [CATEGORY, historyCount],
    );
    await q.query(
      `CREATE TABLE bench_ceiling (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
    );
    await q.query('VACUUM ANALYZE');
    // The write-ahead log too, as in a database in use. A new cluster has one WAL file, and the backend whose record
    // crosses into the next 16 MB creates that file (zero-filled, then fsync) holding the WAL write lock, while every
    // other commit waits: at creation's 2.5-3 KB of WAL an order that was a 40-60 ms stall of every order in flight
    // every 1.5 s, the p99's largest part (measured: both batches in PostgreSQL slow at the same moments). A server
    // that has run a while does not do this: each checkpoint renames the WAL files it no longer needs into the next
    // ones (wal_recycle; as many as the WAL written between checkpoints, up to max_wal_size ahead). So: 64 switches
    // to a new file (1 GB of log, the embedded server's min_wal_size, which it keeps for reuse) and a CHECKPOINT,
    // which recycles them. The runs' own checkpoints and the files still created are counted in the "where the time
    // goes" table.
    const walStarted = performance.now();
    await q.query(
      `DO $$ BEGIN FOR i IN 1..64 LOOP PERFORM pg_logical_emit_message(false, 'bench', 'next WAL file'); PERFORM pg_switch_wal(); END LOOP; END $$`,
    );
    await q.query('CHECKPOINT');
    note(`WAL files made ready (64 switches and a checkpoint, as after a while in use) in ${fmt(performance.now() - walStarted)} ms`);
    note(
      `seeded ${grids.length} grids, ${residents.length} residents, ${volunteers.length} on-duty volunteers, ${fmt(historyCount)} past orders in ${fmt(performance.now() - seedStarted)} ms`,
    );

    // ---- the servers, in their own process
    const secret = randomBytes(32).toString('base64url');
    const child = fork(__filename, ['--serve'], {
      env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_JWT_SECRET: secret, BENCH_DATA_DIR: dir },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    server = new ServerProcess(child);
    const srv = server;
    const ready = await srv.ready;
    const residentTokens = await srv.call<string[]>({ kind: 'sign', ids: residents });
    const volunteerTokens = await srv.call<string[]>({ kind: 'sign', ids: volunteers.map((v) => v.id) });
    const volunteersByGrid = new Map<string, string[]>();
    volunteers.forEach((v, i) => volunteersByGrid.set(v.region_id, [...(volunteersByGrid.get(v.region_id) ?? []), volunteerTokens[i]!]));

    await printHeader(
      q,
      '# bench:orders — order creation and concurrent accepts vs a bare Fastify + pg INSERT',
      '1, 5 and 15 minutes: how busy the cores were before this run, earlier runs included',
    );
    out(
      `settings: ${sweep.join('/')} client connections for the ceiling and for creation, ${raceConnections} for the accept race; ${warmup} s warm-up + ${duration} s measured per scenario; DB pool ${ready.poolSize} connections for the app and for the ceiling; ` +
        `${residents.length} residents, ${volunteers.length} on-duty volunteers in ${grids.length} grids, ${fmt(historyCount)} past orders; ${racers} volunteers race for each order`,
    );
    out();

    // ---- one scenario: warm-up, then a measured run with the server's and the machine's counters around it
    const pgDir = postgres.embedded.dir;
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the server process during each measured run (open in Chrome DevTools)
    const cpuProfileDir = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
    if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
    const cannonRun = (opts: autocannon.Options) =>
      new Promise<autocannon.Result>((resolve, reject) => {
        cannon = autocannon(opts, (err: Error | null, result) => {
          if (isStopping()) reject(new Error('interrupted'));
          else if (err) reject(err);
          else resolve(result);
        });
      });
    /**
     * PostgreSQL's own work that can stall a run: checkpoints begun, autovacuum/autoanalyze passes over the tables,
     * WAL files created (not recycled) by a backend or the WAL writer.
     */
    const housekeeping = async () => {
      const row = (
        await q.query<{ checkpoints: string; autovacuums: string; wal_files: string }>(
          `SELECT (SELECT num_timed + num_requested FROM pg_stat_checkpointer) AS checkpoints,
                  (SELECT sum(autovacuum_count + autoanalyze_count) FROM pg_stat_user_tables) AS autovacuums,
                  (SELECT coalesce(sum(writes), 0) FROM pg_stat_io WHERE object = 'wal' AND context = 'init') AS wal_files`,
        )
      ).rows[0];
      return { checkpoints: Number(row?.checkpoints ?? 0), autovacuums: Number(row?.autovacuums ?? 0), walFiles: Number(row?.wal_files ?? 0) };
    };
    /** Flat out: `connections` clients, each sending its next request when its last one is answered. */
    const flatOut =
      (opts: Omit<autocannon.Options, 'duration' | 'connections'>, connections: number) =>
      async (seconds: number): Promise<LoadSummary> => {
        const r = await cannonRun({ ...opts, connections, duration: seconds });
        const statuses = statusCounts(r);
        return {
          rate: r.requests.mean,
          total: r.requests.total,
          p50: r.latency.p50,
          p90: r.latency.p90,
          p99: r.latency.p99,
          max: r.latency.max,
          statuses,
          non2xx: r.non2xx,
          errors: r.errors,
        };
      };
    /** A scenario: a warm-up, then a measured run of `run` with the server's and the machine's counters around it. */
    const scenario = async (
      name: string,
      connections: number,
      run: (seconds: number) => Promise<LoadSummary>,
      /** Orders the run made before are done with (none open, so no order of this run is a repeat); not for the accept race. */
      fresh = true,
    ): Promise<Measured> => {
      note(`${name}: ${connections} connections, ${warmup} s warm-up, ${duration} s measured`);
      if (fresh) await retireOpenOrders();
      const all = new Map<number, number>();
      if (warmup > 0) addCounts(all, (await run(warmup)).statuses);
      if (profiling) await q.query('SELECT pg_stat_statements_reset()');
      const before = await srv.call<ServerStats>({ kind: 'stats' });
      const housekeepingBefore = await housekeeping();
      const pgBefore = postgresCpuMs(pgDir);
      const machineBefore = machineBusyMs();
      const loadBefore = process.cpuUsage();
      if (cpuProfileDir) await srv.call({ kind: 'profile', start: true });
      const result = await run(duration);
      if (isStopping()) throw new Error('interrupted');
      if (cpuProfileDir) {
        const file = path.join(cpuProfileDir, `${name.replace(/[^\w]+/g, '-')}.cpuprofile`);
        await srv.call({ kind: 'profile', start: false, file });
        note(`CPU profile of the server process during "${name}": ${file}`);
      }
      const load = process.cpuUsage(loadBefore);
      const machine = machineBusyMs() - machineBefore;
      const pgCpu = postgresCpuMs(pgDir) - pgBefore;
      const after = await srv.call<ServerStats>({ kind: 'stats' });
      const housekeepingAfter = await housekeeping();
      const inDatabase = profiling
        ? (
            await q.query<{ query: string; calls: string; plan: number; exec: number }>(
              `SELECT query, calls, total_plan_time AS plan, total_exec_time AS exec FROM pg_stat_statements
               WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'
               ORDER BY total_plan_time + total_exec_time DESC LIMIT 12`,
            )
          ).rows
        : [];
      const n = Math.max(1, result.total);
      const idle = after.elu.idle - before.elu.idle;
      const active = after.elu.active - before.elu.active;
      return {
        name,
        connections,
        result,
        allStatuses: addCounts(all, result.statuses),
        perRequest: {
          queries: (after.queries - before.queries) / n,
          queryMs: (after.queryMs - before.queryMs) / n,
          serverCpuMs: (after.cpuMs - before.cpuMs) / n,
          pgCpuMs: pgCpu / n,
          loadCpuMs: (load.user + load.system) / 1000 / n,
          machineMs: machine / n,
        },
        serverElu: active / Math.max(1, idle + active),
        checkpoints: housekeepingAfter.checkpoints - housekeepingBefore.checkpoints,
        autovacuums: housekeepingAfter.autovacuums - housekeepingBefore.autovacuums,
        walFiles: housekeepingAfter.walFiles - housekeepingBefore.walFiles,
        statements: Object.entries(after.byStatement)
          .map(([text, [count, ms]]): [string, number, number] => {
            const [c0, ms0] = before.byStatement[text] ?? [0, 0];
            return [text, (count - c0) / n, (ms - ms0) / n];
          })
          .filter(([, perRequest]) => perRequest > 0)
          .sort((a, b) => b[2] - a[2]),
        inDatabase: inDatabase.map((r): [string, number, number, number] => {
          const calls = Number(r.calls);
          return [r.query.replace(/\s+/g, ' ').trim().slice(0, 90), calls / n, r.plan / Math.max(1, calls), r.exec / Math.max(1, calls)];
        }),
      };
    };

    // the same request bytes for the ceiling and for order creation: a resident's token, a fresh Idempotency-Key, and
    // a service that resident has no open order of (issue 20: a repeat is a 催一下, answered 409): every resident
    // once, then every resident again for the next service…; each measured run starts with no open orders
    const services = (await q.query<{ code: string }>(`SELECT code FROM service_category WHERE active ORDER BY code`)).rows.map((r) => r.code);
    const retireOpenOrders = () => q.query(`UPDATE service_order SET status = 'cancelled' WHERE status IN ('pending', 'dispatched', 'accepted', 'in_service')`);
    let nextOrder = 0;
    const nextRequest = (): { headers: Record<string, string>; body: string } => {
      const k = nextOrder++;
      const resident = k % residentTokens.length;
      return {
        headers: { authorization: `Bearer ${residentTokens[resident]!}`, 'idempotency-key': randomUUID() },
        body: orderBody(services[Math.floor(k / residentTokens.length) % services.length]!),
      };
    };
    const asResident = (req: autocannon.Request): autocannon.Request => {
      const next = nextRequest();
      return { ...req, headers: { ...req.headers, ...next.headers }, body: next.body };
    };
    const post = (url: string): Omit<autocannon.Options, 'duration' | 'connections'> => ({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: [{ method: 'POST', body: orderBody(CATEGORY), setupRequest: asResident }],
    });

    // the sweep: at each client count the ceiling, then creation; each side's capacity is its best rate
    const pairs: Array<{ connections: number; ceiling: Measured; create: Measured }> = [];
    for (const c of sweep) {
      const ceilingAt = await scenario(`bare ceiling, ${c} clients`, c, flatOut(post(`${ready.ceilingUrl}/ceiling`), c));
      const createAt = await scenario(`create order, ${c} clients`, c, flatOut(post(`${ready.appUrl}${ORDERS_PATH}`), c));
      pairs.push({ connections: c, ceiling: ceilingAt, create: createAt });
    }
    const best = (pick: (p: (typeof pairs)[number]) => Measured) => pairs.map(pick).reduce((a, b) => (b.result.rate > a.result.rate ? b : a));
    const ceiling = best((p) => p.ceiling);
    const create = best((p) => p.create);
    const lean = profiling ? await scenario('lean create', create.connections, flatOut(post(`${ready.ceilingUrl}/lean`), create.connections)) : undefined;
    const leanPrepared = profiling
      ? await scenario('lean create, prepared', create.connections, flatOut(post(`${ready.ceilingUrl}/lean-prepared`), create.connections))
      : undefined;
    // "p99 under 50 ms at that load": order creation offered exactly half the ceiling's capacity, evenly spread (an
    // open loop, see openLoop), over at most as many connections as the sweep's largest client count
    const targetRate = Math.max(1, Math.round(ceiling.result.rate * TARGET_RATIO));
    // (pointless when flat out it does not come near that rate: it would only measure the queue)
    const reachable = create.result.rate >= targetRate * 0.9;
    const offered = (url: string) => (seconds: number) =>
      openLoop(url, targetRate, seconds, Math.max(...sweep), () => {
        const next = nextRequest();
        return { method: 'POST', path: new URL(url).pathname, headers: { 'content-type': 'application/json', ...next.headers }, body: next.body };
      });
    // the same offered load on the bare ceiling: what the sender, the machine and PostgreSQL add to any p99 at this rate
    const pacedCeiling = reachable ? await scenario(`ceiling at ${fmt(targetRate)}/s`, Math.max(...sweep), offered(`${ready.ceilingUrl}/ceiling`)) : undefined;
    const paced = reachable ? await scenario(`create at ${fmt(targetRate)}/s`, Math.max(...sweep), offered(`${ready.appUrl}${ORDERS_PATH}`)) : undefined;
    // what the outbox costs (issue 19: a job and a live signal written with every order's event): creation once
    // more at its best client count with the outbox trigger switched off, side by side in the same run
    await q.query('ALTER TABLE order_event DISABLE TRIGGER order_events_outbox');
    const withoutOutbox = await scenario(
      `create order, outbox off, ${create.connections} clients`,
      create.connections,
      flatOut(post(`${ready.appUrl}${ORDERS_PATH}`), create.connections),
    );
    await q.query('ALTER TABLE order_event ENABLE TRIGGER order_events_outbox');

    // ---- the accept race: open orders at grid level, enough for the run; `racers` volunteers of the grid each
    // press accept on every order, one after the other in the request sequence, so on different connections at once
    // accepts cost about what creation costs (both a few statements): 4 times creation's pace leaves room to spare
    // (one open order per resident and service: at most residents × services of them)
    const needed = Math.min(residentTokens.length * services.length, Math.max(2_000, Math.ceil((create.result.rate * 4 * (warmup + duration)) / racers)));
    await retireOpenOrders();
    const batchStarted = performance.now();
    const orders = (
      await q.query<{ id: string; region_id: string }>(
        `WITH r AS (
           SELECT u.id, u.address, u.region_id, g.path, row_number() OVER (ORDER BY u.id) - 1 AS n, count(*) OVER () AS total
           FROM app_user u JOIN region g ON g.id = u.region_id WHERE u.roles = '{resident}'
         ), ins AS (
           INSERT INTO service_order (resident_id, requester_id, channel, category_code, description, address, location_lat, location_lng,
             urgency, headcount, region_id, region_path, escalation_level, scope_region_id, scope_path, escalate_at, deadline_at, created_at, updated_at)
           SELECT r.id, r.id, 'miniapp', ($1::text[])[1 + (i / r.total) % cardinality($1::text[])], '帮忙取药（接单基准）', r.address, 40.751, 107.401, 'normal', 1, r.region_id, r.path, 'grid', r.region_id, r.path,
                  now() + interval '2 hours', now() + interval '2 hours', now(), now()
           FROM generate_series(0, $2 - 1) AS i JOIN r ON r.n = i % r.total
           RETURNING id, region_id, resident_id, created_at
         ), ev AS (
           INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, data)
           SELECT id, 1, 'created', resident_id, created_at, NULL, 'pending',
                  '{"channel":"miniapp","proxy":false,"urgency":"normal","headcount":1,"escalationLevel":"grid"}'::jsonb FROM ins
         )
         SELECT id, region_id FROM ins`,
        [services, needed],
      )
    ).rows;
    await q.query('ANALYZE service_order, order_event');
    note(`created ${fmt(orders.length)} open orders for the accept race in ${fmt(performance.now() - batchStarted)} ms`);
    let nextAccept = 0;
    let wrapped = false;
    const racer = (req: autocannon.Request): autocannon.Request => {
      const i = nextAccept++;
      const k = Math.floor(i / racers);
      if (k >= orders.length) wrapped = true;
      const order = orders[k % orders.length]!;
      const team = volunteersByGrid.get(order.region_id) ?? [];
      const token = team[(k + (i % racers)) % team.length]!;
      return { ...req, path: `${ORDERS_PATH}/${order.id}/accept`, headers: { ...req.headers, authorization: `Bearer ${token}` } };
    };
    const accept = await scenario(
      'accept race',
      raceConnections,
      flatOut({ url: ready.appUrl, method: 'POST', requests: [{ method: 'POST', setupRequest: racer }] }, raceConnections),
      false,
    );

    // ---- the database must agree with the answers
    const acceptedOrders = Number(
      (
        await q.query<{ n: string }>(`SELECT count(*) AS n FROM service_order WHERE id = ANY($1) AND status = 'accepted' AND accepted_count = 1`, [
          orders.map((o) => o.id),
        ])
      ).rows[0]?.n,
    );
    const doubles = Number(
      (
        await q.query<{ n: string }>(
          `SELECT count(*) AS n FROM (SELECT order_id FROM order_assignment WHERE order_id = ANY($1) AND state = 'accepted' GROUP BY order_id HAVING count(*) > 1) d`,
          [orders.map((o) => o.id)],
        )
      ).rows[0]?.n,
    );
    const keyedOrders = Number((await q.query<{ n: string }>(`SELECT count(*) AS n FROM service_order WHERE idempotency_key IS NOT NULL`)).rows[0]?.n);

    // a 5xx is a failure of the server or the database, never an expected outcome: show the database's side
    const swept = pairs.flatMap((p) => [p.ceiling, p.create]);
    const rows = [
      ...swept,
      ...(pacedCeiling ? [pacedCeiling] : []),
      ...(paced ? [paced] : []),
      withoutOutbox,
      ...(lean ? [lean] : []),
      ...(leanPrepared ? [leanPrepared] : []),
      accept,
    ];
    if (rows5xx(rows)) {
      const log = readFileSync(path.join(pgDir, 'server.log'), 'utf8').split('\n').slice(-30).join('\n');
      process.stderr.write(`some answers were 5xx; the end of PostgreSQL's log:\n${log}\n(BENCH_LOG_LEVEL=error shows the API's side)\n`);
    }

    // ---- the report
    const labels: Record<string, string> = {
      ...Object.fromEntries(
        pairs.flatMap((p) => [
          [p.ceiling.name, 'ceiling: bare Fastify + pg INSERT'],
          [p.create.name, 'POST /api/v1/orders (create, flat out)'],
        ]),
      ),
      [`ceiling at ${fmt(targetRate)}/s`]: `ceiling: bare INSERT (offered ${fmt(targetRate)}/s)`,
      [`create at ${fmt(targetRate)}/s`]: `POST /api/v1/orders (offered ${fmt(targetRate)}/s)`,
      [withoutOutbox.name]: 'POST /api/v1/orders, outbox trigger off',
      'accept race': 'POST /api/v1/orders/:id/accept',
      'lean create': 'diagnostic: same SQL, bare Fastify + pg',
      'lean create, prepared': 'diagnostic: same SQL, prepared',
    };
    const statusText = (m: Measured) =>
      [...m.result.statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([code, count]) => `${code}: ${fmt(count)}`)
        .join(', ') + (m.result.errors > 0 ? `, errors: ${fmt(m.result.errors)}` : '');
    const table = [
      ['scenario', 'clients', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-2xx', 'statuses'],
      ...rows.map((m) => [
        labels[m.name] ?? m.name,
        String(m.connections),
        fmt(m.result.rate),
        fmt(m.result.p50, 1),
        fmt(m.result.p90, 1),
        fmt(m.result.p99, 1),
        fmt(m.result.max, 1),
        fmt(m.result.non2xx),
        statusText(m),
      ]),
    ];
    // the statuses, last, read as text: left-aligned like the scenario
    printTable(table, { left: (c, columns) => c === 0 || c === columns - 1 });
    out();

    out(`same clients, creation / ceiling: ${pairs.map((p) => `${p.connections}: ${(p.create.result.rate / p.ceiling.result.rate).toFixed(2)}`).join(', ')}`);
    const ratio = create.result.rate / ceiling.result.rate;
    out(
      `the outbox (a job and a live signal with every event), same run, ${create.connections} clients: creation ${fmt(create.result.rate)} req/s with it = ` +
        `${fmt(create.result.rate / ceiling.result.rate, 2)} of the ceiling, ${fmt(withoutOutbox.result.rate)} req/s without it = ${fmt(withoutOutbox.result.rate / ceiling.result.rate, 2)} of the ceiling`,
    );
    out(
      `capacities (best rate over ${sweep.join('/')} clients): order creation ${fmt(create.result.rate)} req/s (${create.connections} clients) / ` +
        `ceiling ${fmt(ceiling.result.rate)} req/s (${ceiling.connections} clients) = ${ratio.toFixed(2)} (target >= ${TARGET_RATIO})`,
    );
    let met = false;
    if (paced) {
      const p99 = paced.result.p99;
      // it kept up when it served what it was offered (autocannon's per-second pacing is a little uneven)
      const keptUp = paced.result.rate >= targetRate * 0.95;
      met = ratio >= TARGET_RATIO && keptUp && p99 < TARGET_P99_MS;
      out(
        `at ${fmt(targetRate)} req/s offered (half the ceiling), evenly spread over at most ${paced.connections} connections: served ${fmt(paced.result.rate)} req/s${keptUp ? '' : ' (did not keep up)'}, p99 ${fmt(p99, 1)} ms (target < ${TARGET_P99_MS} ms)`,
      );
    } else {
      out(
        `at ${fmt(targetRate)} req/s (half the ceiling): not run — flat out, order creation does not come near that rate; its p99 flat out: ${fmt(create.result.p99, 1)} ms`,
      );
    }
    out(`target (>= ${TARGET_RATIO} of the ceiling, p99 < ${TARGET_P99_MS} ms at that load): ${met ? 'MET' : 'NOT MET'}`);
    const ok = accept.result.statuses.get(200) ?? 0;
    const lost = accept.result.statuses.get(409) ?? 0;
    out(
      `accept race: ${fmt(ok)} accepted (200), ${fmt(lost)} refused (409 该需求已被接单 — the correct answer for the other ${racers - 1} racers)` +
        `; ${fmt(ok + lost > 0 ? (ok + lost) / racers : 0)} orders raced for in the measured run`,
    );
    const okAll = accept.allStatuses.get(200) ?? 0;
    const creating = [
      ...pairs.map((p) => p.create),
      ...(paced ? [paced] : []),
      withoutOutbox,
      ...(lean ? [lean] : []),
      ...(leanPrepared ? [leanPrepared] : []),
    ];
    const createdAll = creating.reduce((sum, m) => sum + (m.allStatuses.get(201) ?? 0) + (m.allStatuses.get(200) ?? 0), 0);
    // autocannon stops with up to `connections` requests in flight per run (warm-up and measured): the server
    // completes them, nobody counts their answers
    const runs = warmup > 0 ? 2 : 1;
    const inFlight = (written: number, answered: number, scenarios: Measured[]) =>
      written >= answered && written - answered <= scenarios.reduce((sum, m) => sum + runs * m.connections, 0);
    const consistent = doubles === 0 && inFlight(acceptedOrders, okAll, [accept]) && inFlight(keyedOrders, createdAll, creating);
    out(
      `database check (warm-up included): ${fmt(acceptedOrders)} orders accepted for ${fmt(okAll)} answers 200, ${doubles} orders with two holders; ` +
        `${fmt(keyedOrders)} orders created for ${fmt(createdAll)} answers 201 (the difference: requests in flight when autocannon stopped) — ${consistent ? 'consistent' : 'INCONSISTENT'}`,
    );
    if (wrapped) out('warning: the accept race ran out of open orders and went round again (late requests met accepted orders)');
    out();
    out(
      'where the time goes, per request (server = the API process; PostgreSQL = its processes; load = the load generator, autocannon or the open loop; machine = all cores, other processes included):',
    );
    const profile = [
      [
        'scenario',
        'clients',
        'DB round trips',
        'DB wait ms',
        'server CPU ms',
        'PostgreSQL CPU ms',
        'load CPU ms',
        'machine CPU ms',
        'server event loop busy',
        'checkpoints',
        'autovacuum',
        'new WAL files',
      ],
      ...rows.map((m) => [
        m.name.replace(/, \d+ clients$/, ''),
        String(m.connections),
        m.perRequest.queries.toFixed(2),
        m.perRequest.queryMs.toFixed(2),
        m.perRequest.serverCpuMs.toFixed(3),
        m.perRequest.pgCpuMs.toFixed(3),
        m.perRequest.loadCpuMs.toFixed(3),
        m.perRequest.machineMs.toFixed(3),
        `${Math.round(m.serverElu * 100)}%`,
        String(m.checkpoints),
        String(m.autovacuums),
        String(m.walFiles),
      ]),
    ];
    printTable(profile, { rule: false });
    if (process.env.BENCH_PROFILE === '1') {
      for (const m of rows) {
        out();
        out(`${m.name}: statements per request (times per request, ms)`);
        for (const [text, perRequest, ms] of m.statements) out(`  ${perRequest.toFixed(2).padStart(5)}×  ${ms.toFixed(2).padStart(6)} ms  ${text}`);
        out(`  in PostgreSQL (pg_stat_statements): per request, planning and execution ms per call`);
        for (const [text, perRequest, plan, exec] of m.inDatabase) {
          out(`  ${perRequest.toFixed(2).padStart(5)}×  plan ${plan.toFixed(3)}  exec ${exec.toFixed(3)}  ${text}`);
        }
      }
    }
    process.exitCode = 0;
  } finally {
    await cleanup();
  }
}

if (process.argv.includes('--serve')) {
  serve().catch((err: Error) => {
    process.send?.({ kind: 'failed', message: err.stack ?? err.message } satisfies FromChild);
    process.exit(1);
  });
} else {
  runBench('bench:orders', main);
}
