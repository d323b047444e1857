import { exitOf, startServerProcess, type StartedServer } from '../support/server-process';
import { rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { replayOrderEvents, type OrderDto, type OrderEventDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../server/src/app';
import { createDataSource, initializeDataSource } from '../../server/src/db/data-source';
import { entities } from '../../server/src/entities';
import { NO_ORDER_LIMITS, TEST_JWT_SECRET, testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { tempDir } from '../support/tmp';
import { buildWorld, bearer, type World } from '../support/world';

/**
 * Races over real sockets: 50 volunteers press 接单 on one order at the same instant, against one listening server
 * and against two server processes sharing one database; and one Idempotency-Key sent many times at once.
 * `app.inject` would run the requests one after another through one function call chain; here every request is its
 * own HTTP exchange, all 50 written before the first answer comes back, so the transactions really meet at the
 * order's row lock (and, with two processes, nothing in any one process's memory can be what keeps them apart).
 */

const VOLUNTEERS = 50;
const BUSY = '该需求已被接单。';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function json<T>(r: Reply): T {
  return JSON.parse(r.text) as T;
}

/**
 * A plain node:http client with its own keep-alive agent (closed at the end, so no socket outlives the file), which
 * also counts how many requests were fully written and not yet answered: the proof that the race was a race.
 */
class Client {
  private readonly agent = new http.Agent({ keepAlive: true });
  private inFlight = 0;
  /** The most requests written and unanswered at one moment since the last reset. */
  peak = 0;

  send(base: string, method: 'GET' | 'POST', url: string, token: string, body?: object, headers: Record<string, string> = {}): Promise<Reply> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const head: Record<string, string | number> = { ...bearer(token), ...headers, 'content-length': Buffer.byteLength(payload) };
    if (body !== undefined) head['content-type'] = 'application/json';
    return new Promise((resolve, reject) => {
      const req = http.request(`${base}/api/v1${url}`, { method, agent: this.agent, headers: head }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          this.inFlight -= 1;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
      });
      req.on('error', reject);
      req.on('finish', () => {
        this.inFlight += 1;
        this.peak = Math.max(this.peak, this.inFlight);
      });
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

interface Tally {
  rounds: number;
  winners: number;
  conflicts: number;
  /** Places given twice or beyond the headcount, as found in the database. */
  doubles: number;
  peak: number;
}

const tally = (): Tally => ({ rounds: 0, winners: 0, conflicts: 0, doubles: 0, peak: 0 });

describe('concurrent 接单 and idempotent 点单 over real HTTP', () => {
  const started = Date.now();
  const client = new Client();
  let database: TestDatabase;
  let db: DataSource;
  let app: FastifyInstance;
  let w: World;
  let volunteers: Array<{ id: string; token: string }>;
  let inProcess: string;
  const one = tally();
  const two = tally();
  const idempotency: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    // The test database's own pool has 4 connections; the app gets 20, as a server would have, so that many
    // accepts are inside their transaction at once and meet at the row lock rather than queue for the pool.
    db = await initializeDataSource(createDataSource({ url: database.url, entities, poolSize: 20 }), () => undefined);
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error', ...NO_ORDER_LIMITS }), db });
    w = await buildWorld(app, db);
    const rows = await db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
       SELECT '并发志愿者' || i, '137' || lpad(i::text, 8, '0'), '{volunteer}', $1, '{medicine_delivery}', true, 40.751, 107.401
       FROM generate_series(1, ${VOLUNTEERS}) AS i RETURNING id`,
      [w.regions.A1],
    );
    volunteers = rows.map((r) => ({ id: r.id, token: app.jwt.sign({ sub: r.id }) }));
    inProcess = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    client.close();
    await app?.close();
    if (db?.isInitialized) await db.destroy();
    await database?.drop();
    const line = (name: string, t: Tally) =>
      `${name}: ${t.rounds} rounds, ${t.winners} winners, ${t.conflicts}×409, ${t.doubles} double places, up to ${t.peak} requests in flight`;
    console.log(
      `order-concurrency — ${line('1 process', one)}; ${line('2 processes', two)}; idempotency: ${idempotency.join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });

  /** A resident has one open order per service (issue 20): each round orders the same service afresh. */
  const cancelOpenOrders = () => db.query(`UPDATE service_order SET status = 'cancelled' WHERE status NOT IN ('completed', 'closed', 'cancelled')`);

  /**
   * One round: residentA1 orders (headcount N); all 50 volunteers accept at once, request i going to
   * bases[i % bases.length]. Exactly N win, in the order their transactions committed (their replies count 1..N);
   * the other 50−N hear 409 "该需求已被接单。"; the order, its places and its timeline all agree.
   */
  async function race(bases: string[], headcount: number, round: number, t: Tally): Promise<void> {
    await cancelOpenOrders();
    const created = await client.send(bases[0]!, 'POST', '/orders', w.users.residentA1.token, {
      categoryCode: 'medicine_delivery',
      description: `并发接单第 ${round} 轮`,
      urgency: 'normal',
      headcount,
    });
    expect(created.status).toBe(201);
    const id = json<OrderDto>(created).id;

    // every request built first, then all fired in the same tick
    const shots = volunteers.map((v, i) => () => client.send(bases[i % bases.length]!, 'POST', `/orders/${id}/accept`, v.token));
    client.peak = 0;
    const replies = await Promise.all(shots.map((fire) => fire()));
    t.peak = Math.max(t.peak, client.peak);

    const winners = volunteers.filter((_, i) => replies[i]!.status === 200).map((v) => v.id);
    const won = replies.filter((r) => r.status === 200).map((r) => json<OrderDto>(r));
    const lost = replies.filter((r) => r.status === 409).map((r) => json<{ code: string; message: string }>(r));
    const [order, events, places] = await Promise.all([
      client.send(bases[0]!, 'GET', `/orders/${id}`, w.users.residentA1.token).then((r) => json<OrderDto>(r)),
      client.send(bases[0]!, 'GET', `/orders/${id}/events`, w.users.residentA1.token).then((r) => json<{ items: OrderEventDto[] }>(r).items),
      db.query<Array<{ volunteer_id: string; state: string; round: number }>>(`SELECT volunteer_id, state, round FROM order_assignment WHERE order_id = $1`, [
        id,
      ]),
    ]);
    const accepts = events.filter((e) => e.type === 'accept');
    let replayed: string;
    try {
      replayed = replayOrderEvents(events);
    } catch (err) {
      replayed = `does not replay: ${(err as Error).message}`;
    }

    t.rounds += 1;
    t.winners += winners.length;
    t.conflicts += lost.length;
    t.doubles += Math.max(0, places.length - headcount) + (places.length - new Set(places.map((p) => p.volunteer_id)).size);

    const sorted = (ids: string[]) => [...ids].sort();
    const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    // one comparison, so a failing round shows its number and everything that went wrong in it at once
    expect({
      round,
      headcount,
      others: replies.filter((r) => r.status !== 200 && r.status !== 409).map((r) => `${r.status} ${r.text}`),
      won: winners.length,
      lost: lost.length,
      lostSaying: [...new Set(lost.map((b) => `${b.code} ${b.message}`))],
      winnersSawCounts: won.map((o) => o.acceptedCount).sort((a, b) => a - b),
      winnersSawAccepted: won.filter((o) => o.status === 'accepted').length,
      order: { status: order.status, acceptedCount: order.acceptedCount },
      places: sorted(places.map((p) => `${p.volunteer_id} ${p.state} ${p.round}`)),
      timeline: events.map((e) => `${e.seq} ${e.type}`),
      acceptedBy: sorted(accepts.map((e) => e.actorId ?? 'nobody')),
      countsInTimeline: accepts.map((e) => e.data.acceptedCount),
      replayed,
    }).toEqual({
      round,
      headcount,
      others: [],
      won: headcount,
      lost: VOLUNTEERS - headcount,
      lostSaying: [`CONFLICT ${BUSY}`],
      winnersSawCounts: oneTo(headcount),
      winnersSawAccepted: 1,
      order: { status: 'accepted', acceptedCount: headcount },
      places: sorted(winners.map((v) => `${v} accepted 1`)),
      timeline: ['1 created', ...oneTo(headcount).map((n) => `${n + 1} accept`)],
      acceptedBy: sorted(winners),
      countsInTimeline: oneTo(headcount),
      replayed: 'accepted',
    });
  }

  /**
   * The same Idempotency-Key and body, 20 times at once from residentA1 and 20 times from residentA2 (keys are per
   * person), spread over the bases: one order each, one 201 each, every other reply 200 with the same order.
   */
  async function sameKey(bases: string[], key: string): Promise<string> {
    await cancelOpenOrders();
    const body = { categoryCode: 'medicine_delivery', description: '帮忙取药（网络重试）', urgency: 'normal' };
    const who = [w.users.residentA1, w.users.residentA2];
    const shots = Array.from({ length: 40 }, (_, i) => ({ user: who[i % 2]!, base: bases[Math.floor(i / 2) % bases.length]! }));
    const fired = shots.map((s) => () => client.send(s.base, 'POST', '/orders', s.user.token, body, { 'Idempotency-Key': key }));
    client.peak = 0;
    const replies = await Promise.all(fired.map((fire) => fire()));
    const peak = client.peak;

    const rows = await db.query<Array<{ id: string; requester_id: string; resident_id: string }>>(
      `SELECT id, requester_id, resident_id FROM service_order WHERE idempotency_key = $1`,
      [key],
    );
    const outcome = async (user: (typeof who)[number]) => {
      const mine = replies.filter((_, i) => shots[i]!.user === user);
      const ids = [...new Set(mine.map((r) => (r.status < 300 ? json<OrderDto>(r).id : `${r.status} ${r.text}`)))];
      const row = rows.find((r) => r.requester_id === user.id);
      const events = row
        ? json<{ items: OrderEventDto[] }>(await client.send(bases[0]!, 'GET', `/orders/${row.id}/events`, user.token)).items.map((e) => `${e.seq} ${e.type}`)
        : [];
      return {
        statuses: mine.map((r) => r.status).sort(),
        replayHeaders: mine.filter((r) => r.headers['idempotent-replayed'] === 'true').length,
        ids,
        rowIsTheirs: row !== undefined && row.resident_id === user.id && ids[0] === row.id,
        events,
      };
    };
    const expected = { statuses: [...Array<number>(19).fill(200), 201], replayHeaders: 19, rowIsTheirs: true, events: ['1 created'] };
    const a1 = await outcome(who[0]!);
    const a2 = await outcome(who[1]!);
    expect({ rows: rows.length, a1, a2 }).toEqual({
      rows: 2,
      a1: { ...expected, ids: [expect.any(String)] },
      a2: { ...expected, ids: [expect.any(String)] },
    });
    expect(a1.ids[0]).not.toBe(a2.ids[0]);
    return `${bases.length} server(s): 40 requests (20 per resident) → 2 orders, 2×201, 38×200, up to ${peak} in flight`;
  }

  describe('one server process', () => {
    it('50 volunteers at once on a one-person order, 20 rounds: exactly 1 winner and 49 × 409 every time', async () => {
      for (let round = 1; round <= 20; round++) await race([inProcess], 1, round, one);
    });

    it('50 volunteers at once on a five-person order, 10 rounds: exactly 5 winners every time', async () => {
      for (let round = 1; round <= 10; round++) await race([inProcess], 5, round, one);
      expect(one.doubles).toBe(0);
    });

    it('one Idempotency-Key sent 20 times at once makes one order; the same key from another resident makes theirs', async () => {
      idempotency.push(await sameKey([inProcess], `same-key-one-process-${Date.now()}`));
    });
  });

  describe('two server processes on one database', () => {
    const dataDirs = [tempDir('race-data'), tempDir('race-data')];
    const h5Dir = tempDir('race-h5');
    writeFileSync(path.join(h5Dir, 'index.html'), '<!doctype html><title>帮帮团</title>');
    let servers: StartedServer[] = [];

    beforeAll(async () => {
      // the same database and the same JWT secret: a token signed here is good at both
      servers = await Promise.all(
        dataDirs.map((dir) =>
          startServerProcess({
            DATABASE_URL: database.url,
            JWT_SECRET: TEST_JWT_SECRET,
            NODE_ENV: 'test',
            DEMO_DATA: 'false',
            PORT: '0',
            HOST: '127.0.0.1',
            DATA_DIR: dir,
            H5_DIR: h5Dir,
            LOG_LEVEL: 'warn',
            JOB_CONCURRENCY: '0',
            ...NO_ORDER_LIMITS,
          }),
        ),
      );
    }, 120_000);

    afterAll(async () => {
      for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      await Promise.all(servers.map((s) => exitOf(s.child)));
      for (const dir of [...dataDirs, h5Dir]) rmSync(dir, { recursive: true, force: true });
    });

    const bases = () => servers.map((s) => s.url);

    it('50 accepts split between the two, one-person orders, 10 rounds: exactly 1 winner every time', async () => {
      expect(new Set(bases()).size).toBe(2);
      for (let round = 1; round <= 10; round++) await race(bases(), 1, round, two);
    });

    it('50 accepts split between the two, five-person orders, 6 rounds: exactly 5 winners every time', async () => {
      for (let round = 1; round <= 6; round++) await race(bases(), 5, round, two);
      expect(two.doubles).toBe(0);
    });

    it('one Idempotency-Key sent at once to both processes makes one order per resident', async () => {
      idempotency.push(await sameKey(bases(), `same-key-two-processes-${Date.now()}`));
    });

    it('leaves the database consistent: no order over its headcount, no person twice, no gap in any timeline', async () => {
      const [check] = await db.query<Array<{ orders: number; over: number; twice: number; mismatch: number; gaps: number }>>(`
        SELECT
          (SELECT count(*)::int FROM service_order) AS orders,
          (SELECT count(*)::int FROM service_order WHERE accepted_count > headcount) AS over,
          (SELECT count(*)::int FROM (SELECT 1 FROM order_assignment GROUP BY order_id, round, volunteer_id HAVING count(*) > 1) d) AS twice,
          (SELECT count(*)::int FROM service_order o
            WHERE o.accepted_count <> (SELECT count(*) FROM order_assignment a WHERE a.order_id = o.id AND a.state = 'accepted')) AS mismatch,
          (SELECT count(*)::int FROM service_order o
            WHERE (SELECT count(*) FROM order_event e WHERE e.order_id = o.id) <> o.version
               OR (SELECT max(seq) FROM order_event e WHERE e.order_id = o.id) <> o.version) AS gaps`);
      // 30 + 16 race orders, and 2 × 2 idempotent ones
      expect(check).toEqual({ orders: 50, over: 0, twice: 0, mismatch: 0, gaps: 0 });
    });

    it('both processes stop cleanly on SIGTERM, having logged no server error', async () => {
      client.close(); // idle keep-alive sockets need not wait for the server to close them
      for (const s of servers) s.child.kill('SIGTERM');
      expect(await Promise.all(servers.map((s) => exitOf(s.child)))).toEqual([0, 0]);
      for (const s of servers) expect(s.output()).not.toMatch(/"level":(50|60)/);
    });
  });
});
