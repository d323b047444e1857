import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import type { OrderDto } from '@bangbang/shared';
import { BenchPostgres, fmt, note, numSetting, once, out, percentile, printHeader, printTable, runBench, stopOnSignals, placeSeeder } from './support';

/**
 * bench:notify — reaching people across API processes (issue 19): from an order's creation to the message on a
 * staff member's open WebSocket, with two API processes on one database under a burst of orders, and every
 * notification delivered to the (fake) WeChat exactly once.
 *
 * The set-up: BENCH_GRIDS grids, each with two grid workers — one with the app open (a WebSocket on process B), one
 * away from it with a WeChat login and subscription quota — and residents who each place one order through process
 * A. Every order tells both grid workers (staff.new_order): the one online through the socket (the inbox message
 * and the order's live signal), the other by a WeChat subscription message. The clock starts when the order's
 * transaction commits (PostgreSQL's commit timestamp, track_commit_timestamp on; the same machine's clock) and stops
 * when the client reads the message; a second line starts it at the order's `createdAt`, before the commit. Both
 * processes run jobs (JOB_CONCURRENCY) as in production.
 *
 * The baseline, in the same run: PostgreSQL's own LISTEN/NOTIFY from one connection to another under the same burst,
 * the floor any cross-process message on this machine sits on.
 */

const ORDERS = numSetting('BENCH_ORDERS', 1000, 1);
const GRIDS = numSetting('BENCH_GRIDS', 10, 1);
const CONNECTIONS = numSetting('BENCH_CONNECTIONS', 50, 1);
const JOBS = numSetting('BENCH_JOB_CONCURRENCY', 4, 1);
/** Jobs in process A (the one taking the burst of orders); 0 leaves them all to B. */
const JOBS_A = numSetting('BENCH_JOBS_A', JOBS, 0);
const TEMPLATE = 'tpl-alarm';
const SERVER_DIR = path.resolve(__dirname, '..', 'server');

function sign(secret: string, sub: string): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** WeChat's server API as far as this bench needs it: the access token and subscription messages, recorded. */
async function fakeWechat(): Promise<{ url: string; sends: Array<{ touser: string; page: string }>; close(): Promise<void> }> {
  const sends: Array<{ touser: string; page: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      res.setHeader('content-type', 'text/plain');
      if (url.pathname === '/cgi-bin/stable_token') return res.end(JSON.stringify({ access_token: 'bench-token', expires_in: 7200 }));
      if (url.pathname === '/cgi-bin/message/subscribe/send') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { touser: string; page: string };
        sends.push({ touser: body.touser, page: body.page });
        return res.end(JSON.stringify({ errcode: 0, errmsg: 'ok', msgid: sends.length }));
      }
      res.end(JSON.stringify({ errcode: 40001, errmsg: 'unknown in this bench' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sends,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** `server/src/server.ts` as `pnpm start` runs it, with `env`; resolves with its URL. */
function startServer(env: Record<string, string>, name: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/server.ts'], { cwd: SERVER_DIR, env: { ...process.env, ...env } });
  let log = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      const m = /is running at (http:\/\/[\d.:]+)/.exec(log);
      if (m) resolve({ child, url: m[1]! });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      if (/"level":(50|60)|FANOUT/.test(d.toString())) process.stderr.write(`[${name}] ${d.toString()}`);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${log}`)));
  });
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Runs `work` over `items` with at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const summary = (label: string, values: number[]): string[] => {
  const s = [...values].sort((a, b) => a - b);
  return [label, fmt(s.length), fmt(percentile(s, 50), 1), fmt(percentile(s, 90), 1), fmt(percentile(s, 99), 1), fmt(s[s.length - 1] ?? NaN, 1)];
};

/** What a phone heard: an order's change or a notification about it, with when (epoch ms, taken in the phones' thread). */
interface Heard {
  kind: 'order' | 'notification';
  orderId: string;
  at: number;
}

/**
 * The phones: the grid workers' WebSockets, in a thread of their own. This process also places the 1,000 orders and
 * plays WeChat's server, and under the burst its event loop is late by up to ~100 ms (measured: p99 111 ms); a
 * message stamped here would carry that wait, which is this bench's and not the product's. The phones' thread does
 * nothing but read its sockets and stamp what arrives (answering pings), as a phone does; the stamps are wall-clock
 * epoch milliseconds, comparable with PostgreSQL's commit timestamps.
 */
async function openPhones(wsUrl: string, tokens: string[], onHeard: (h: Heard) => void): Promise<{ close(): Promise<void> }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const WebSocket = require(workerData.ws);
    const sockets = [];
    let ready = 0;
    for (const token of workerData.tokens) {
      const s = new WebSocket(workerData.url);
      sockets.push(s);
      s.on('open', () => s.send(JSON.stringify({ type: 'auth', token })));
      s.on('message', (raw) => {
        const at = performance.timeOrigin + performance.now();
        const m = JSON.parse(raw.toString());
        if (m.type === 'ready') {
          if (++ready === workerData.tokens.length) parentPort.postMessage({ ready: true });
        } else if (m.type === 'ping') s.send(JSON.stringify({ type: 'pong' }));
        else if (m.type === 'notification' && m.notification.orderId) parentPort.postMessage({ kind: 'notification', orderId: m.notification.orderId, at });
        else if (m.type === 'order') parentPort.postMessage({ kind: 'order', orderId: m.orderId, at });
      });
      s.on('close', (code) => parentPort.postMessage({ closed: code }));
      s.on('error', (err) => parentPort.postMessage({ error: String(err) }));
    }
    parentPort.on('message', (m) => {
      if (m === 'close') for (const s of sockets) s.terminate();
    });
  `;
  const worker = new Worker(code, { eval: true, workerData: { url: wsUrl, tokens, ws: require.resolve('ws') } });
  let closing = false;
  await new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', (m: Heard | { ready: true } | { closed: number } | { error: string }) => {
      if ('ready' in m) resolve();
      else if ('closed' in m) {
        if (!closing) reject(new Error(`socket closed ${m.closed}`));
      } else if ('error' in m) reject(new Error(m.error));
      else onHeard(m);
    });
  });
  return {
    async close() {
      closing = true;
      worker.postMessage('close');
      await new Promise((r) => setTimeout(r, 100));
      await worker.terminate();
    },
  };
}

async function main(): Promise<void> {
  const postgres = new BenchPostgres('bangbang-bench-notify-');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangbang-notify-data-'));
  const children: ChildProcess[] = [];
  let closePhones: (() => Promise<void>) | undefined;
  let wechat: Awaited<ReturnType<typeof fakeWechat>> | undefined;
  const cleanup = once(async () => {
    await closePhones?.();
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((r) => {
            if (c.exitCode !== null) return r();
            c.once('exit', () => r());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
    await wechat?.close();
    await postgres.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  stopOnSignals('the servers and the database', cleanup);

  try {
    // commit timestamps: the clock starts when each order's transaction commits, as the issue measures it
    const { url, q } = await postgres.open('bangbang', 4, async (embedded) => {
      const c = new pg.Client({ connectionString: embedded.connectionString('postgres') });
      await c.connect();
      await c.query(`ALTER SYSTEM SET track_commit_timestamp = on`);
      await c.end();
      await embedded.stop();
      await embedded.start();
    });
    // ---- places and people
    const place = placeSeeder(q);
    const city = await place('city', '基准市');
    const county = await place('county', '基准旗', city);
    const town = await place('town', '基准镇', county);
    const community = await place('community', '基准社区', town);
    const online: string[] = [];
    const away: string[] = [];
    const residents: string[] = [];
    for (let g = 0; g < GRIDS; g++) {
      const grid = await place('grid', `第${g + 1}网格`, community);
      const person = async (name: string, roles: string[], openid: string | null) =>
        (
          await q.query<{ id: string }>(
            `INSERT INTO app_user (name, phone, roles, region_id, wechat_openid, location_lat, location_lng) VALUES ($1, $2, $3, $4, $5, 40.75, 107.4) RETURNING id`,
            [name, `13${String(100000000 + Math.floor(Math.random() * 899999999))}`, roles, grid.id, openid],
          )
        ).rows[0]!.id;
      online.push(await person(`在线网格员${g + 1}`, ['grid_worker'], null));
      const a = await person(`外出网格员${g + 1}`, ['grid_worker'], `openid-away-${g}`);
      away.push(a);
      await q.query(`INSERT INTO subscribe_quota (user_id, template_id, remaining) VALUES ($1, $2, 1000000)`, [a, TEMPLATE]);
      const per = Math.floor(ORDERS / GRIDS) + (g < ORDERS % GRIDS ? 1 : 0);
      for (let i = 0; i < per; i++) residents.push(await person(`居民${g + 1}-${i + 1}`, ['resident'], null));
    }
    note(`seeded ${GRIDS} grids, ${online.length + away.length} grid workers, ${residents.length} residents`);

    // ---- the fake WeChat and two API processes on the one database
    wechat = await fakeWechat();
    const secret = randomBytes(32).toString('base64url');
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: url,
      JWT_SECRET: secret,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DEMO_DATA: 'false',
      API_DOCS: 'false',
      JOB_CONCURRENCY: String(JOBS),
      WECHAT_APPID: 'wx-bench',
      WECHAT_SECRET: 'wx-bench-secret',
      WECHAT_API_BASE: wechat.url,
      WECHAT_TEMPLATE_ALARM: TEMPLATE,
      ORDER_OPEN_LIMIT: '1000000',
      ORDER_DAILY_LIMIT: '1000000',
      H5_DIR: dataDir,
    };
    const [a, b] = await Promise.all([startServer({ ...env, JOB_CONCURRENCY: String(JOBS_A) }, 'A'), startServer(env, 'B')]);
    children.push(a.child, b.child);
    note(`API processes: A ${a.url} (orders), B ${b.url} (sockets)`);

    // ---- the online grid workers' sockets, on process B, held by a thread of their own (see phones())
    const createdAt = new Map<string, number>();
    const notified = new Map<string, number[]>();
    const signalled = new Map<string, number>();
    const phones = await openPhones(
      `${b.url.replace('http', 'ws')}/api/v1/live`,
      online.map((id) => sign(secret, id)),
      (heard) => {
        if (heard.kind === 'notification') notified.set(heard.orderId, [...(notified.get(heard.orderId) ?? []), heard.at]);
        else if (!signalled.has(heard.orderId)) signalled.set(heard.orderId, heard.at);
      },
    );
    closePhones = () => phones.close();
    note(`${online.length} sockets open on B`);

    await printHeader(q, '# bench:notify — from an order to the messages about it, two API processes on one database', '1, 5 and 15 minutes');
    out(
      `settings: ${ORDERS} orders by ${residents.length} residents, ${CONNECTIONS} at a time, through process A; ${GRIDS} grids, each with a grid worker online (a WebSocket on process B) and one away (WeChat); JOB_CONCURRENCY ${JOBS_A} in A, ${JOBS} in B`,
    );
    out();

    // ---- the baseline: PostgreSQL's own NOTIFY → LISTEN under the same burst
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    await listener.query('LISTEN bench_baseline');
    const heard = new Map<number, number>();
    listener.on('notification', (n) => heard.set(Number(n.payload), performance.timeOrigin + performance.now()));
    const sent = new Map<number, number>();
    await pool(
      Array.from({ length: ORDERS }, (_, i) => i),
      CONNECTIONS,
      async (i) => {
        sent.set(i, performance.timeOrigin + performance.now());
        await q.query(`SELECT pg_notify('bench_baseline', $1)`, [String(i)]);
      },
    );
    await waitUntil(() => heard.size === ORDERS, 30_000);
    await listener.end();
    const baseline = [...sent].filter(([i]) => heard.has(i)).map(([i, t]) => heard.get(i)! - t);

    // ---- the burst
    const tokens = residents.map((id) => sign(secret, id));
    const started = performance.now();
    let refused = 0;
    const answeredIn: number[] = [];
    await pool(tokens, CONNECTIONS, async (token) => {
      const res = await fetch(`${a.url}/api/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'normal' }),
      });
      if (res.status !== 201) {
        refused += 1;
        return;
      }
      const o = (await res.json()) as OrderDto;
      createdAt.set(o.id, Date.parse(o.createdAt));
      answeredIn.push(performance.timeOrigin + performance.now() - Date.parse(o.createdAt));
    });
    const burstMs = performance.now() - started;
    note(`${createdAt.size} orders placed in ${fmt(burstMs)} ms (${refused} refused)`);
    const allHeard = await waitUntil(() => [...createdAt.keys()].every((id) => notified.has(id) && signalled.has(id)), 60_000);
    const allSent = await waitUntil(() => wechat!.sends.length >= createdAt.size, 60_000);
    await new Promise((r) => setTimeout(r, 2_000)); // anything sent twice would arrive now

    // ---- figures
    const committed = new Map(
      (
        await q.query<{ id: string; ms: number }>(
          `SELECT id, extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000 AS ms FROM service_order WHERE id = ANY($1::uuid[])`,
          [[...createdAt.keys()]],
        )
      ).rows.map((r) => [r.id, Number(r.ms)]),
    );
    const from = (start: Map<string, number>, to: Map<string, number>) => [...start].filter(([id]) => to.has(id)).map(([id, t]) => to.get(id)! - t);
    const firstNotified = new Map([...notified].map(([id, times]) => [id, times[0]!]));
    const toNotification = from(committed, firstNotified);
    // where the time goes: the fan-out job starting (its clock is the notifications' created_at) and its write committing
    const written = await q.query<{ id: string; started: number; done: number }>(
      `SELECT order_id AS id, min(extract(epoch FROM created_at) * 1000) AS started, min(extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000) AS done
       FROM notification WHERE order_id = ANY($1::uuid[]) AND kind = 'staff.new_order' GROUP BY order_id`,
      [[...createdAt.keys()]],
    );
    const fanOutStarted = new Map(written.rows.map((r) => [r.id, Number(r.started)]));
    const fanOutDone = new Map(written.rows.map((r) => [r.id, Number(r.done)]));
    printTable([
      ['from → to', 'messages', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      summary('order committed → its live signal on B (order)', from(committed, signalled)),
      summary('order committed → the inbox message on B (notification)', toNotification),
      summary('  of which: commit → the fan-out job starts', from(committed, fanOutStarted)),
      summary(
        '            the job starts → its write commits',
        [...fanOutStarted].filter(([id]) => fanOutDone.has(id)).map(([id, t]) => fanOutDone.get(id)! - t),
      ),
      summary('            its write commits → the message on B', from(fanOutDone, firstNotified)),
      summary('order created (before commit) → the inbox message on B', from(createdAt, firstNotified)),
      summary('baseline: pg_notify → LISTEN, same burst, no other load', baseline),
    ]);
    out(
      `the order requests themselves (created → answered at the client) took p50 ${fmt(
        percentile(
          [...answeredIn].sort((x, y) => x - y),
          50,
        ),
        1,
      )} ms, p99 ${fmt(
        percentile(
          [...answeredIn].sort((x, y) => x - y),
          99,
        ),
        1,
      )} ms`,
    );
    out();
    const pages = wechat.sends.map((s) => `${s.touser} ${s.page}`);
    const wechatDuplicates = pages.length - new Set(pages).size;
    const wsDuplicates = [...notified.values()].filter((v) => v.length > 1).length;
    const [db] = (
      await q.query<{ notifications: number; reached: number; unreached: number; failed_jobs: number }>(
        `SELECT (SELECT count(*)::int FROM notification) AS notifications,
                (SELECT count(DISTINCT notification_id)::int FROM notification_delivery WHERE status = 'sent') AS reached,
                (SELECT count(*)::int FROM notification n WHERE NOT EXISTS (SELECT 1 FROM notification_delivery d WHERE d.notification_id = n.id AND d.status = 'sent')) AS unreached,
                (SELECT count(*)::int FROM graphile_worker.jobs WHERE attempts >= max_attempts) AS failed_jobs`,
      )
    ).rows;
    const p99 = percentile(
      [...toNotification].sort((x, y) => x - y),
      99,
    );
    const base99 = percentile(
      [...baseline].sort((x, y) => x - y),
      99,
    );
    printTable(
      [
        ['what', 'count'],
        ['orders placed (burst through A)', `${fmt(createdAt.size)} in ${fmt(burstMs / 1000, 1)} s`],
        ['inbox messages on B’s sockets (1 per order expected)', `${fmt(toNotification.length)}${allHeard ? '' : ' (timed out)'}`],
        ['the same message twice on a socket', fmt(wsDuplicates)],
        ['WeChat subscription messages to the away grid workers', `${fmt(wechat.sends.length)}${allSent ? '' : ' (timed out)'}`],
        ['WeChat messages sent twice (same person, same order)', fmt(wechatDuplicates)],
        ['notifications written / reached by a channel / reached by none', `${fmt(db!.notifications)} / ${fmt(db!.reached)} / ${fmt(db!.unreached)}`],
        ['failed jobs (dead letters)', fmt(db!.failed_jobs)],
      ],
      { left: (c) => c === 0 },
    );
    out();
    out(
      `p99 order committed → inbox message on another process: ${fmt(p99, 1)} ms (target < 200 ms: ${p99 < 200 ? 'met' : 'NOT met'}); ` +
        `${fmt(p99 / base99, 1)}× the baseline's p99 (${fmt(base99, 1)} ms); ` +
        `WeChat: ${wechat.sends.length === createdAt.size && wechatDuplicates === 0 ? 'all delivered, 0 duplicates' : 'NOT all delivered exactly once'}`,
    );
  } finally {
    await cleanup();
  }
}

runBench('bench:notify', main);
