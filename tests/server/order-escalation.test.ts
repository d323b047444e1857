import { randomUUID } from 'node:crypto';
import 'reflect-metadata';
import { replayOrderEvents, type OrderDto, type OrderEventDto, type OrderStatus, type Page, type TaskPoolDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../server/src/app';
import { createDataSource, initializeDataSource } from '../../server/src/db/data-source';
import { entities } from '../../server/src/entities';
import { sweepEscalations } from '../../server/src/modules/dispatching/escalation';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { waitFor } from '../support/tmp';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * 三级联动: an order nobody accepts in time moves grid → community → town → county. Time is the app's injected
 * clock, never the wall clock, so every deadline is hit exactly; the sweep is called with the same instants.
 */

const MINUTE = 60_000;
const T0 = new Date('2026-12-01T01:00:00.000Z');
const at = (minutes: number, seconds = 0): Date => new Date(T0.getTime() + minutes * MINUTE + seconds * 1000);

type Person = { id: string; token: string };

interface Harness {
  app: FastifyInstance;
  database: TestDatabase;
  w: World;
  /** Extra volunteers, on duty, with the medicine_delivery skill: one in grid A2 (same community), one in B1 (same town). */
  volunteerA2: Person;
  volunteerB1: Person;
  /** The domain clock the app reads; tests move it. */
  clock: { now: Date };
  close(): Promise<void>;
}

async function setUp(env: Record<string, string> = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const clock = { now: T0 };
  const app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error', ...env }), db: database.db, clock: () => new Date(clock.now.getTime()) });
  const w = await buildWorld(app, database.db);
  const volunteer = async (name: string, phone: string, region: string): Promise<Person> => {
    const [row] = await database.db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
       VALUES ($1, $2, '{volunteer}', $3, '{medicine_delivery}', true, 40.752, 107.402) RETURNING id`,
      [name, phone, region],
    );
    return { id: row!.id, token: app.jwt.sign({ sub: row!.id }) };
  };
  const volunteerA2 = await volunteer('甲二志愿者', '13700000001', w.regions.A2);
  const volunteerB1 = await volunteer('乙一志愿者', '13700000002', w.regions.B1);
  await database.db.query(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery,errands}' WHERE id = ANY($1)`, [
    [w.users.volunteerA1.id, w.users.gridWorkerA1.id],
  ]);
  return {
    app,
    database,
    w,
    volunteerA2,
    volunteerB1,
    clock,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

describe('escalation (三级联动) with an injected clock', () => {
  let h: Harness;
  let db: DataSource;

  beforeAll(async () => {
    h = await setUp();
    db = h.database.db;
  });
  afterAll(async () => {
    await h.close();
  });

  // Every test starts a day later than the previous one, and leaves no order that could still escalate: the sweep's
  // counts are then exactly this test's orders.
  let day = 0;
  beforeEach(() => {
    day += 1;
    h.clock.now = at(day * 24 * 60);
  });
  afterEach(async () => {
    const open = await db.query<Array<{ id: string }>>(`SELECT id FROM service_order WHERE status NOT IN ('closed', 'cancelled', 'completed')`);
    for (const { id } of open) {
      const res = await call('admin', 'POST', `/orders/${id}/cancel`, { reason: '测试结束' });
      expect(res.statusCode).toBe(200);
    }
  });

  const tokenOf = (who: keyof World['users'] | Person): string => (typeof who === 'string' ? h.w.users[who].token : who.token);
  const call = (who: keyof World['users'] | Person, method: 'GET' | 'POST', url: string, payload?: object) =>
    h.app.inject({ method, url: `/api/v1${url}`, payload, headers: bearer(tokenOf(who)) });

  /** Minutes after the start of this test's day. */
  const dayAt = (minutes: number, seconds = 0): Date => at(day * 24 * 60 + minutes, seconds);
  const setClock = (d: Date) => {
    h.clock.now = d;
  };

  /**
   * An order of residentA1 (or `who`). These tests need several open at once, and a resident has one open order per
   * service (issue 20): the second and later are placed by the grid worker knowingly beside it (allowRepeat).
   */
  const order = async (body: object = {}, who: keyof World['users'] = 'residentA1'): Promise<OrderDto> => {
    const asked = { categoryCode: 'medicine_delivery', description: '帮忙取降压药', urgency: 'normal', ...body };
    let res = await call(who, 'POST', '/orders', asked);
    if (res.statusCode === 409 && res.json<{ code: string }>().code === 'ORDER_REPEATED') {
      res = await call('gridWorkerA1', 'POST', '/orders', { ...asked, residentId: h.w.users[who].id, channel: 'miniapp', allowRepeat: true });
    }
    expect(res.statusCode).toBe(201);
    return res.json<OrderDto>();
  };
  const read = async (id: string): Promise<OrderDto> => (await call('admin', 'GET', `/orders/${id}`)).json<OrderDto>();
  const events = async (id: string): Promise<OrderEventDto[]> => (await call('admin', 'GET', `/orders/${id}/events`)).json<{ items: OrderEventDto[] }>().items;
  const inPool = async (who: Person | keyof World['users'], id: string) =>
    (await call(who, 'GET', '/tasks/pool')).json<TaskPoolDto>().items.find((i) => i.id === id);
  const actionable = async (who: keyof World['users'], id: string) =>
    (await call(who, 'GET', '/orders?actionable=true&limit=100')).json<Page<OrderDto>>().items.some((i) => i.id === id);
  const sweep = (now: Date) => sweepEscalations(db, now);

  it('starts at the grid, due after the category minutes: medicine_delivery 120 normal, 30 urgent', async () => {
    const normal = await order();
    const urgent = await order({ urgency: 'urgent' });
    const now = dayAt(0).getTime();
    expect(normal).toMatchObject({ escalationLevel: 'grid', regionId: h.w.regions.A1, createdAt: new Date(now).toISOString() });
    expect(normal.escalateAt).toBe(new Date(now + 120 * MINUTE).toISOString());
    expect(normal.deadlineAt).toBe(normal.escalateAt);
    expect(urgent.escalateAt).toBe(new Date(now + 30 * MINUTE).toISOString());
    expect(urgent.deadlineAt).toBe(urgent.escalateAt);
  });

  it('moves grid → community → town → county, one escalate event per move, then stays', async () => {
    const o = await order();

    // a millisecond early: nothing
    expect(await sweep(new Date(dayAt(120).getTime() - 1))).toBe(0);
    expect(await read(o.id)).toMatchObject({ escalationLevel: 'grid', escalateAt: dayAt(120).toISOString() });

    // exactly at the deadline: the community, with a new window counted from the sweep
    expect(await sweep(dayAt(120))).toBe(1);
    expect(await read(o.id)).toMatchObject({
      status: 'pending',
      escalationLevel: 'community',
      escalateAt: dayAt(240).toISOString(),
      deadlineAt: dayAt(120).toISOString(),
    });
    expect(await sweep(dayAt(120))).toBe(0);
    expect(await sweep(dayAt(239, 59))).toBe(0);

    // late (a sweep that came 5 s after the due time): the next window starts at the sweep, not at the due time
    expect(await sweep(dayAt(240, 5))).toBe(1);
    expect(await read(o.id)).toMatchObject({ escalationLevel: 'town', escalateAt: dayAt(360, 5).toISOString() });

    expect(await sweep(dayAt(360, 5))).toBe(1);
    const top = await read(o.id);
    expect(top).toMatchObject({ status: 'pending', escalationLevel: 'county', escalateAt: null });

    // at the county it stays, however late it gets
    expect(await sweep(dayAt(10 * 24 * 60))).toBe(0);
    expect(await read(o.id)).toMatchObject({ escalationLevel: 'county', escalateAt: null });

    const timeline = await events(o.id);
    expect(timeline.map((e) => e.type)).toEqual(['created', 'escalate', 'escalate', 'escalate']);
    const escalations = timeline.filter((e) => e.type === 'escalate');
    expect(
      escalations.map((e) => ({ actorId: e.actorId, actorName: e.actorName, at: e.at, from: e.fromStatus, to: e.toStatus, reason: e.reason, data: e.data })),
    ).toEqual([
      {
        actorId: null,
        actorName: null,
        at: dayAt(120).toISOString(),
        from: 'pending',
        to: 'pending',
        reason: '超时未接单，自动升级',
        data: { from: 'grid', to: 'community', scopeRegionId: h.w.regions.A, scopeName: '甲社区' },
      },
      {
        actorId: null,
        actorName: null,
        at: dayAt(240, 5).toISOString(),
        from: 'pending',
        to: 'pending',
        reason: '超时未接单，自动升级',
        data: { from: 'community', to: 'town', scopeRegionId: h.w.regions.T, scopeName: '一号镇' },
      },
      {
        actorId: null,
        actorName: null,
        at: dayAt(360, 5).toISOString(),
        from: 'pending',
        to: 'pending',
        reason: '超时未接单，自动升级',
        data: { from: 'town', to: 'county', scopeRegionId: h.w.regions.county, scopeName: '测试旗' },
      },
    ]);
    expect(replayOrderEvents(timeline)).toBe('pending');
    const [row] = await db.query<Array<{ version: number; scope_region_id: string }>>(`SELECT version, scope_region_id FROM service_order WHERE id = $1`, [
      o.id,
    ]);
    expect(row).toEqual({ version: 4, scope_region_id: h.w.regions.county });
  });

  it('escalates an urgent order every 30 minutes', async () => {
    const o = await order({ urgency: 'urgent' });
    expect(await sweep(dayAt(29, 59))).toBe(0);
    expect(await sweep(dayAt(30))).toBe(1);
    expect(await read(o.id)).toMatchObject({ escalationLevel: 'community', escalateAt: dayAt(60).toISOString() });
    expect(await sweep(dayAt(60))).toBe(1);
    expect(await sweep(dayAt(90))).toBe(1);
    expect(await read(o.id)).toMatchObject({ escalationLevel: 'county', escalateAt: null });
  });

  it('widens who sees and may take the order as it moves up', async () => {
    const { volunteerA2, volunteerB1 } = h;
    const first = await order();
    const second = await order();

    // grid level: only grid A1's volunteers; a volunteer of A2 (same community) neither sees nor may take it —
    // outside what they may see, the order "does not exist" for them (404, its existence not leaked)
    expect(await inPool('volunteerA1', first.id)).toBeDefined();
    expect(await inPool(volunteerA2, first.id)).toBeUndefined();
    expect((await call(volunteerA2, 'GET', `/orders/${first.id}`)).statusCode).toBe(404);
    expect((await call(volunteerA2, 'POST', `/orders/${first.id}/accept`)).statusCode).toBe(404);
    // the town's dispatcher oversees it (sees it in the full list) and may act on it at once (越级派单, issue 20),
    // though it is not on the town's board (actionable) until it escalates there
    const list = (await call('dispatcherT', 'GET', '/orders?limit=100')).json<Page<OrderDto>>().items;
    expect(list.some((i) => i.id === first.id)).toBe(true);
    expect(list.find((i) => i.id === first.id)!.actions).toEqual(['dispatch', 'cancel']);
    expect(await actionable('dispatcherT', first.id)).toBe(false);
    // the admin may always
    expect(await actionable('admin', first.id)).toBe(true);
    expect((await read(first.id)).actions).toContain('dispatch');

    // community level: grid A2's volunteer sees it and may take it; B1's (another community) not yet
    setClock(dayAt(120));
    expect(await sweep(dayAt(120))).toBe(2);
    const seen = await inPool(volunteerA2, first.id);
    expect(seen).toMatchObject({ escalationLevel: 'community', actions: ['accept'] });
    expect(await inPool(volunteerB1, second.id)).toBeUndefined();
    expect((await call(volunteerB1, 'POST', `/orders/${second.id}/accept`)).statusCode).toBe(404);
    expect(await actionable('dispatcherT', second.id)).toBe(false);
    const taken = await call(volunteerA2, 'POST', `/orders/${first.id}/accept`);
    expect(taken.statusCode).toBe(200);
    expect(taken.json<OrderDto>()).toMatchObject({ status: 'accepted', escalationLevel: 'community' });

    // town level: the whole town's volunteers see it, and the town's dispatcher may act on it now
    setClock(dayAt(240));
    expect(await sweep(dayAt(240))).toBe(1); // the first one is accepted: only the second moves
    expect(await inPool(volunteerB1, second.id)).toMatchObject({ escalationLevel: 'town', actions: ['accept'] });
    expect(await actionable('dispatcherT', second.id)).toBe(true);
    expect(await actionable('dispatcherT2', second.id)).toBe(false);
    const dispatched = await call('dispatcherT', 'POST', `/orders/${second.id}/dispatch`, { assigneeId: volunteerB1.id });
    expect(dispatched.statusCode).toBe(200);
    expect(dispatched.json<OrderDto>()).toMatchObject({ status: 'dispatched', dispatchedToUserId: volunteerB1.id });
    const accepted = await call(volunteerB1, 'POST', `/orders/${second.id}/accept`);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json<OrderDto>()).toMatchObject({ status: 'accepted', escalationLevel: 'town' });

    expect(replayOrderEvents(await events(first.id))).toBe('accepted');
    expect((await events(second.id)).map((e) => e.type)).toEqual(['created', 'escalate', 'escalate', 'dispatch', 'accept']);
  });

  it('lets a pool volunteer of another community take it once it is at the town (no dispatch needed)', async () => {
    const o = await order();
    expect(await sweep(dayAt(120))).toBe(1);
    expect(await sweep(dayAt(240))).toBe(1);
    setClock(dayAt(241));
    const res = await call(h.volunteerB1, 'POST', `/orders/${o.id}/accept`);
    expect(res.statusCode).toBe(200);
    expect(res.json<OrderDto>()).toMatchObject({ status: 'accepted' });
  });

  it('leaves accepted and cancelled orders where they are; a dispatched one still moves', async () => {
    const accepted = await order();
    const cancelled = await order();
    const dispatched = await order();
    setClock(dayAt(5));
    expect((await call('volunteerA1', 'POST', `/orders/${accepted.id}/accept`)).statusCode).toBe(200);
    expect((await call('residentA1', 'POST', `/orders/${cancelled.id}/cancel`, { reason: '不需要了' })).statusCode).toBe(200);
    // the grid worker acts on the grid's orders at once
    const d = await call('gridWorkerA1', 'POST', `/orders/${dispatched.id}/dispatch`, { assigneeId: h.w.users.volunteerA1.id });
    expect(d.statusCode).toBe(200);

    expect(await sweep(dayAt(120))).toBe(1);
    expect(await read(accepted.id)).toMatchObject({ status: 'accepted', escalationLevel: 'grid' });
    expect(await read(cancelled.id)).toMatchObject({ status: 'cancelled', escalationLevel: 'grid' });
    expect(await read(dispatched.id)).toMatchObject({ status: 'dispatched', escalationLevel: 'community', dispatchedToUserId: h.w.users.volunteerA1.id });
    const timeline = await events(dispatched.id);
    expect(timeline.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['created', null, 'pending'],
      ['dispatch', 'pending', 'dispatched'],
      ['escalate', 'dispatched', 'dispatched'],
    ]);
    expect(replayOrderEvents(timeline)).toBe('dispatched');
    for (const id of [accepted.id, cancelled.id]) expect((await events(id)).some((e) => e.type === 'escalate')).toBe(false);

    // much later: still nothing for the two, the dispatched one goes on to the town
    expect(await sweep(dayAt(600))).toBe(1);
    expect(await read(accepted.id)).toMatchObject({ escalationLevel: 'grid' });
  });

  it('never escalates an order after it was accepted, when accepts and sweeps race', async () => {
    const due = await Promise.all(Array.from({ length: 24 }, () => order()));
    setClock(dayAt(120));
    const takers = ['volunteerA1', 'gridWorkerA1'] as const;
    const [replies, swept] = await Promise.all([
      Promise.all(due.map((o, i) => call(takers[i % 2]!, 'POST', `/orders/${o.id}/accept`))),
      Promise.all([sweepEscalations(db, dayAt(120), 4), sweepEscalations(db, dayAt(120), 4), sweepEscalations(db, dayAt(120), 4)]),
    ]);
    // whichever came first, every accept succeeds (the sweep only widens who may take it)
    expect(replies.map((r) => r.statusCode)).toEqual(due.map(() => 200));
    let escalated = 0;
    for (const o of due) {
      const timeline = await events(o.id);
      // an escalate event after the accept would make the log fail to replay
      expect(replayOrderEvents(timeline)).toBe('accepted');
      escalated += timeline.filter((e) => e.type === 'escalate').length;
    }
    expect(escalated).toBe(swept.reduce((a, b) => a + b, 0));
    expect(await sweep(dayAt(1000))).toBe(0);
  });

  it('gives a released order a fresh window, even when its first deadline has passed', async () => {
    const o = await order();
    setClock(dayAt(100));
    expect((await call('volunteerA1', 'POST', `/orders/${o.id}/accept`)).statusCode).toBe(200);
    // accepted past its deadline: it is not due, it is someone's
    expect(await sweep(dayAt(150))).toBe(0);
    setClock(dayAt(200));
    const released = await call('volunteerA1', 'POST', `/orders/${o.id}/release`, { reason: '临时有事' });
    expect(released.statusCode).toBe(200);
    expect(released.json<OrderDto>()).toMatchObject({ status: 'pending', escalationLevel: 'grid', escalateAt: dayAt(320).toISOString() });
    expect(await sweep(dayAt(200))).toBe(0);
    expect(await sweep(dayAt(319, 59))).toBe(0);
    expect(await sweep(dayAt(320))).toBe(1);
    const timeline = await events(o.id);
    expect(timeline.map((e) => e.type)).toEqual(['created', 'accept', 'release', 'escalate']);
    expect(replayOrderEvents(timeline)).toBe('pending');
  });
});

describe('two sweepers at once (two API processes)', () => {
  const N = 300;
  const BATCH = 50;
  let h: Harness;
  let others: DataSource[] = [];

  beforeAll(async () => {
    h = await setUp();
    // two more pools on the same database: as two other processes would have
    others = await Promise.all([1, 2].map(() => initializeDataSource(createDataSource({ url: h.database.url, entities, poolSize: 3 }), () => undefined)));
    // N orders of grid A1, created over the first hour (an order and its `created` event, as createOrder writes them);
    // one resident has one open order per service (issue 20), so the 2nd and later stand knowingly beside the first
    const firstId = randomUUID();
    await h.database.db.query(
      `WITH ins AS (
         INSERT INTO service_order (id, resident_id, requester_id, channel, category_code, description, urgency, region_id, region_path,
           escalation_level, scope_region_id, scope_path, escalate_at, deadline_at, created_at, updated_at, repeat_of)
         SELECT CASE WHEN g = 1 THEN $5::uuid ELSE gen_random_uuid() END, $1, $1, 'miniapp', 'medicine_delivery', '批量需求 ' || g, 'normal',
                r.id, r.path, 'grid', r.id, r.path, t + interval '120 minutes', t + interval '120 minutes', t, t,
                CASE WHEN g = 1 THEN NULL ELSE $5::uuid END
         FROM generate_series(1, $3::int) g, region r, LATERAL (SELECT $4::timestamptz + make_interval(secs => g * 12) AS t) c
         WHERE r.id = $2
         RETURNING id, created_at
       )
       INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, data)
       SELECT id, 1, 'created', $1, created_at, NULL, 'pending', '{}' FROM ins`,
      [h.w.users.residentA1.id, h.w.regions.A1, N, T0, firstId],
    );
  });
  afterAll(async () => {
    await Promise.all(others.map((ds) => ds.destroy()));
    others = [];
    await h.close();
  });

  /** One sweeper's loop: small batches until it finds nothing left for it. */
  const sweeper = async (ds: DataSource, now: Date): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await sweepEscalations(ds, now, BATCH);
      total += n;
      if (n === 0) return total;
    }
  };

  /** Per order: its level, version, escalate events (and to which level), and whether its seqs are 1..version. */
  const tally = (db: DataSource) =>
    db.query<Array<{ id: string; level: string; version: number; escalations: number; to_levels: string[]; seqs_ok: boolean }>>(
      `SELECT o.id, o.escalation_level AS level, o.version,
              count(*) FILTER (WHERE e.type = 'escalate')::int AS escalations,
              COALESCE(array_agg(e.data->>'to' ORDER BY e.seq) FILTER (WHERE e.type = 'escalate'), '{}') AS to_levels,
              (count(*) = o.version AND count(DISTINCT e.seq) = o.version AND max(e.seq) = o.version) AS seqs_ok
       FROM service_order o JOIN order_event e ON e.order_id = o.id
       GROUP BY o.id`,
    );

  it.each([
    // created over T0 … T0+60 min: all due by T0+180; each sweep sets the next window to its own time + 120
    ['community', 180, 2],
    ['town', 300, 3],
    ['county', 420, 4],
  ] as const)('moves every order to %s exactly once, however the sweepers interleave', async (level, minutes, version) => {
    const now = at(minutes);
    const db = h.database.db;
    // four loops over three pools (two "processes" running two sweeps each, and the app's own)
    const totals = await Promise.all([sweeper(others[0]!, now), sweeper(others[1]!, now), sweeper(others[0]!, now), sweeper(db, now)]);
    expect(totals.reduce((a, b) => a + b, 0)).toBe(N);
    expect(await sweepEscalations(db, now, BATCH)).toBe(0);

    const rows = await tally(db);
    expect(rows).toHaveLength(N);
    const levels = ['community', 'town', 'county'];
    const expectedTo = levels.slice(0, levels.indexOf(level) + 1);
    const wrong = rows.filter(
      (r) => r.level !== level || r.version !== version || r.escalations !== version - 1 || !r.seqs_ok || r.to_levels.join() !== expectedTo.join(),
    );
    expect(wrong).toEqual([]);

    // every order's log still replays to its status
    const events = await db.query<
      Array<{ order_id: string; seq: number; type: OrderEventDto['type']; from_status: OrderStatus | null; to_status: OrderStatus }>
    >(`SELECT order_id, seq, type, from_status, to_status FROM order_event ORDER BY order_id, seq`);
    const byOrder = new Map<string, OrderEventDto[]>();
    for (const e of events) {
      const list = byOrder.get(e.order_id) ?? [];
      list.push({ seq: e.seq, type: e.type, fromStatus: e.from_status, toStatus: e.to_status } as OrderEventDto);
      byOrder.set(e.order_id, list);
    }
    for (const log of byOrder.values()) expect(replayOrderEvents(log)).toBe('pending');
  });

  it('has nothing left to do at the county', async () => {
    const totals = await Promise.all([sweeper(others[0]!, at(100 * 60)), sweeper(others[1]!, at(100 * 60))]);
    expect(totals).toEqual([0, 0]);
  });
});

describe('the timed job on the queue', () => {
  let h: Harness;
  let closed = false;
  // the minute's cron entry, added now rather than waited for (graphile-worker's cron has minute resolution)
  const runTimedJob = () => h.database.db.query(`SELECT graphile_worker.add_job('orders-due', '{}'::json)`);

  beforeAll(async () => {
    // this process runs jobs; the work reads the injected clock
    h = await setUp({ JOB_CONCURRENCY: '1' });
  });
  afterAll(async () => {
    if (!closed) await h.app.close();
    await h.database.drop();
  });

  it('escalates a due order by itself and stops when the app closes', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      payload: { categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'normal' },
      headers: bearer(h.w.users.residentA1.token),
    });
    expect(res.statusCode).toBe(201);
    const id = res.json<OrderDto>().id;
    const levelOf = async () =>
      (await h.database.db.query<Array<{ escalation_level: string }>>(`SELECT escalation_level FROM service_order WHERE id = $1`, [id]))[0]!.escalation_level;

    // the order is not due yet: the job runs but leaves it
    await runTimedJob();
    await waitFor(
      async () => (await h.database.db.query<unknown[]>(`SELECT 1 FROM graphile_worker.jobs WHERE task_identifier = 'orders-due'`)).length === 0,
      20_000,
      'the timed job to run',
    );
    expect(await levelOf()).toBe('grid');
    h.clock.now = at(120);
    await runTimedJob();
    await waitFor(async () => (await levelOf()) === 'community', 20_000, 'the timed job to escalate the order');
    const [event] = await h.database.db.query<Array<{ at: Date; actor_id: string | null }>>(
      `SELECT at, actor_id FROM order_event WHERE order_id = $1 AND type = 'escalate'`,
      [id],
    );
    expect(event).toEqual({ at: at(120), actor_id: null });

    await h.app.close();
    closed = true;
    // closed: the order is due again on the clock, but no process runs jobs any more
    h.clock.now = at(10 * 60);
    await runTimedJob();
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await levelOf()).toBe('community');
  });
});
