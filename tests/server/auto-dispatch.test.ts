import 'reflect-metadata';
import { replayOrderEvents, type DispatchSettingsDto, type OrderDto, type OrderEventDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../server/src/app';
import { createDataSource, initializeDataSource } from '../../server/src/db/data-source';
import { entities } from '../../server/src/entities';
import { autoDispatchDue, autoDispatchOptions } from '../../server/src/modules/dispatching/auto-dispatch';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Auto-dispatch (自动派单), per place: `sequential` sends a new order to the best candidate at once and on to the
 * next on reject or when the assignee does not accept in time (what `auto` did before offers to several, issue 20:
 * tests/server/offers.test.ts); `pool` offers it in the task hall first, then to several at once; `manual` never
 * dispatches by itself. The clock is injected; the sweep is called as the background sweeper would.
 */

const MINUTE = 60_000;
/** Wednesday 2026-12-02, 10:00 in Beijing. */
const T0 = new Date('2026-12-02T02:00:00.000Z');
const DOOR = { lat: 40.751, lng: 107.401 };
const METRES_PER_DEGREE = (6371008.8 * Math.PI) / 180;

type Person = { id: string; token: string };

describe('auto-dispatch (自动派单)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let app: FastifyInstance;
  let w: World;
  const clock = { now: T0 };
  let near: Person;
  let middle: Person;
  let far: Person;

  const call = (who: Person | keyof World['users'], method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, payload, headers: bearer(typeof who === 'string' ? w.users[who].token : who.token) });
  const setMode = (who: keyof World['users'], region: keyof World['regions'], mode: string | null) =>
    call(who, 'PUT', `/regions/${w.regions[region]}/dispatch-mode`, { mode });
  const order = async (body: object = {}): Promise<OrderDto> => {
    const asked = { categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'urgent', ...body };
    let res = await call('residentA1', 'POST', '/orders', asked);
    // a resident has one open order per service (issue 20): a second one open at once is the admin's, knowingly
    if (res.statusCode === 409)
      res = await call('admin', 'POST', '/orders', { ...asked, residentId: w.users.residentA1.id, channel: 'miniapp', allowRepeat: true });
    expect(res.statusCode).toBe(201);
    return res.json<OrderDto>();
  };
  const events = async (id: string) => (await call('admin', 'GET', `/orders/${id}/events`)).json<{ items: OrderEventDto[] }>().items;
  const get = async (id: string) => (await call('admin', 'GET', `/orders/${id}`)).json<OrderDto>();
  const sweep = () => autoDispatchDue(db, autoDispatchOptions(app, clock.now));
  const later = (minutes: number) => (clock.now = new Date(clock.now.getTime() + minutes * MINUTE));

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    // the next candidate is the next nearest here; the week's fairness (perWeekTask, tested in candidates.test.ts)
    // would reorder them as earlier tests give them tasks
    app = await buildApp({
      config: testConfig({ LOG_LEVEL: 'error', MATCH_WEIGHTS: JSON.stringify({ perWeekTask: 0 }) }),
      db,
      clock: () => new Date(clock.now.getTime()),
    });
    w = await buildWorld(app, db);
    // three volunteers of grid A1 at 100 m, 600 m and 2 km from the door, on duty, no roster (always available)
    const add = async (name: string, metres: number): Promise<Person> => {
      const [row] = await db.query<Array<{ id: string }>>(
        `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
         VALUES ($1, $2, '{volunteer}', $3, '{medicine_delivery}', true, $4, $5) RETURNING id`,
        [name, `1370000${String(metres).padStart(4, '0')}`, w.regions.A1, DOOR.lat + metres / METRES_PER_DEGREE, DOOR.lng],
      );
      return { id: row!.id, token: app.jwt.sign({ sub: row!.id }) };
    };
    near = await add('近志愿者', 100);
    middle = await add('中志愿者', 600);
    far = await add('远志愿者', 2000);
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });
  afterEach(async () => {
    await db.query(`UPDATE region SET dispatch_mode = NULL, effective_dispatch_mode = 'manual'`);
    await db.query(`UPDATE service_order SET status = 'cancelled', auto_dispatch_at = NULL WHERE status NOT IN ('closed', 'cancelled')`);
    await db.query(`UPDATE order_assignment SET state = 'cancelled' WHERE state IN ('accepted', 'in_service')`);
    // only the three test volunteers on duty (the world's volunteer of A1 has the skill too)
    await db.query(`UPDATE app_user SET on_duty = (id = ANY($1))`, [[near.id, middle.id, far.id]]);
    clock.now = new Date(clock.now.getTime() + 24 * 60 * MINUTE);
  });

  describe('the setting, per place and inherited', () => {
    it('is manual until someone sets it; a town setting reaches its grids; a grid may differ; null follows the parent again', async () => {
      expect((await call('dispatcherT', 'GET', `/regions/${w.regions.A1}/dispatch-mode`)).json()).toEqual({
        regionId: w.regions.A1,
        mode: null,
        effectiveMode: 'manual',
        inheritedFrom: null,
      });
      expect((await setMode('dispatcherT', 'T', 'pool')).json<DispatchSettingsDto>()).toEqual({
        regionId: w.regions.T,
        mode: 'pool',
        effectiveMode: 'pool',
        inheritedFrom: w.regions.T,
      });
      expect((await call('gridWorkerA1', 'GET', `/regions/${w.regions.A1}/dispatch-mode`)).json()).toMatchObject({
        mode: null,
        effectiveMode: 'pool',
        inheritedFrom: w.regions.T,
      });
      expect((await setMode('dispatcherT', 'A1', 'auto')).json()).toMatchObject({ mode: 'auto', effectiveMode: 'auto', inheritedFrom: w.regions.A1 });
      expect((await setMode('dispatcherT', 'A1', null)).json()).toMatchObject({ mode: null, effectiveMode: 'pool', inheritedFrom: w.regions.T });
    });

    it('reaches orders of every place below, a place created later included', async () => {
      await setMode('dispatcherT', 'T', 'pool');
      const grid = await call('admin', 'POST', '/regions', { name: '甲三网格', level: 'grid', parentId: w.regions.A });
      expect(grid.statusCode).toBe(201);
      const gridId = grid.json<{ id: string }>().id;
      const resident = await call('admin', 'POST', '/users', { name: '新网格居民', phone: '13722220001', roles: ['resident'], regionId: gridId });
      expect(resident.statusCode).toBe(201);
      const token = app.jwt.sign({ sub: resident.json<{ id: string }>().id });
      const placed = await app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: bearer(token),
        payload: { categoryCode: 'errands', description: '买菜', urgency: 'normal' },
      });
      expect(placed.json<OrderDto>().dispatchMode).toBe('pool');
      // and a setting changed above reaches the places below
      await setMode('dispatcherT', 'T', 'auto');
      expect(
        (await call('residentA2', 'POST', '/orders', { categoryCode: 'errands', description: '买菜', urgency: 'normal' })).json<OrderDto>().dispatchMode,
      ).toBe('auto');
    });

    it('is set by admins and dispatchers with jurisdiction only, with a clear error for a wrong mode', async () => {
      expect((await setMode('dispatcherT2', 'A1', 'auto')).statusCode).toBe(404);
      expect((await setMode('gridWorkerA1', 'A1', 'auto')).statusCode).toBe(403);
      expect((await setMode('volunteerA1', 'A1', 'auto')).statusCode).toBe(403);
      expect((await call('residentA1', 'GET', `/regions/${w.regions.A1}/dispatch-mode`)).statusCode).toBe(403);
      expect((await call('dispatcherT2', 'GET', `/regions/${w.regions.A1}/dispatch-mode`)).statusCode).toBe(404);
      const wrong = await setMode('countyAdmin', 'A1', 'sometimes');
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().details).toEqual([
        { field: 'mode', message: '派单方式须为 人工派单、自动派单（同时请几位）、先抢单后派单、逐个派单 或 随上级（空）' },
      ]);
      const missing = await call('countyAdmin', 'PUT', `/regions/${w.regions.A1}/dispatch-mode`, {});
      expect(missing.json().details).toEqual([{ field: 'mode', message: '必填' }]);
      expect((await setMode('countyAdmin', 'A1', 'auto')).statusCode).toBe(200);
    });
  });

  describe('sequential (逐个派单)', () => {
    it('sends a new order to the best candidate at once, as the system, with the reasons on the timeline', async () => {
      await setMode('dispatcherT', 'A', 'sequential');
      const o = await order();
      expect(o).toMatchObject({ status: 'dispatched', dispatchedToUserId: near.id, dispatchMode: 'sequential' });
      const timeline = await events(o.id);
      expect(timeline.map((e) => [e.type, e.actorId, e.reason])).toEqual([
        ['created', w.users.residentA1.id, null],
        ['dispatch', null, '自动派单'],
      ]);
      expect(timeline[1]!.data).toMatchObject({ auto: true, assigneeId: near.id, reasons: expect.arrayContaining(['同网格', '距离 100 米']) });
      // the assignee accepts: nothing more happens
      expect((await call(near, 'POST', `/orders/${o.id}/accept`)).json<OrderDto>().status).toBe('accepted');
      later(30);
      expect(await sweep()).toBe(0);
      expect((await get(o.id)).status).toBe('accepted');
    });

    it('goes on to the next candidate at once when the assignee rejects, never back to someone who declined', async () => {
      await setMode('dispatcherT', 'A', 'sequential');
      const o = await order();
      const rejected = await call(near, 'POST', `/orders/${o.id}/reject`, { reason: '在外地' });
      expect(rejected.statusCode).toBe(200);
      expect(rejected.json<OrderDto>()).toMatchObject({ status: 'dispatched', dispatchedToUserId: middle.id });
      await call(middle, 'POST', `/orders/${o.id}/reject`, { reason: '不方便' });
      expect(await get(o.id)).toMatchObject({ status: 'dispatched', dispatchedToUserId: far.id });
      await call(far, 'POST', `/orders/${o.id}/reject`, { reason: '太远' });
      // nobody left: it waits in the task hall (pending), tried again later
      expect(await get(o.id)).toMatchObject({ status: 'pending', dispatchedToUserId: null });
      const timeline = await events(o.id);
      expect(replayOrderEvents(timeline)).toBe('pending');
      expect(timeline.filter((e) => e.type === 'dispatch').map((e) => e.data.assigneeId)).toEqual([near.id, middle.id, far.id]);
    });

    it('moves on when the assignee has not accepted in time, their silence counted as a refusal', async () => {
      await setMode('dispatcherT', 'A', 'sequential');
      const o = await order();
      later(4);
      expect(await sweep()).toBe(0); // 5 minutes to accept (AUTO_DISPATCH_ACCEPT_MINUTES)
      later(1);
      expect(await sweep()).toBe(1);
      expect(await get(o.id)).toMatchObject({ status: 'dispatched', dispatchedToUserId: middle.id });
      const timeline = await events(o.id);
      expect(timeline.slice(-2).map((e) => [e.type, e.actorId, e.reason])).toEqual([
        ['reject', null, '超时未接单，自动改派'],
        ['dispatch', null, '自动派单'],
      ]);
      expect(timeline.at(-2)!.data).toMatchObject({ userId: near.id, timeout: true });
      expect(replayOrderEvents(timeline)).toBe('dispatched');
      // the one who timed out is not suggested again
      const candidates = (await call('dispatcherT', 'GET', `/orders/${o.id}/candidates`)).json<{ items: Array<{ id: string }> }>().items.map((c) => c.id);
      expect(candidates).not.toContain(near.id);
    });

    it('with nobody available, waits and dispatches once someone comes on duty', async () => {
      await setMode('dispatcherT', 'A', 'sequential');
      await db.query(`UPDATE app_user SET on_duty = false WHERE 'medicine_delivery' = ANY (skills)`);
      const o = await order();
      expect(o).toMatchObject({ status: 'pending', dispatchedToUserId: null });
      await db.query(`UPDATE app_user SET on_duty = true WHERE id = $1`, [far.id]);
      later(5);
      expect(await sweep()).toBe(1);
      expect(await get(o.id)).toMatchObject({ status: 'dispatched', dispatchedToUserId: far.id });
    });

    it('fills a several-person order one place after another', async () => {
      await setMode('dispatcherT', 'A', 'sequential');
      const o = await order({ headcount: 2 });
      expect(o.dispatchedToUserId).toBe(near.id);
      const first = await call(near, 'POST', `/orders/${o.id}/accept`);
      // one place taken, one open: on to the next candidate at once
      expect(first.json<OrderDto>()).toMatchObject({ status: 'dispatched', acceptedCount: 1, dispatchedToUserId: middle.id });
      expect((await call(middle, 'POST', `/orders/${o.id}/accept`)).json<OrderDto>()).toMatchObject({ status: 'accepted', acceptedCount: 2 });
    });

    it('leaves an order a person dispatched to that person: no timeout, no re-dispatch', async () => {
      await setMode('dispatcherT', 'A', 'sequential');
      const o = await order();
      for (const who of [near, middle, far]) expect((await call(who, 'POST', `/orders/${o.id}/reject`, { reason: '不方便' })).statusCode).toBe(200);
      expect((await get(o.id)).status).toBe('pending');
      // the grid worker takes over
      expect((await call('gridWorkerA1', 'POST', `/orders/${o.id}/dispatch`, { assigneeId: w.users.gridWorkerA1.id })).statusCode).toBe(200);
      later(60);
      expect(await sweep()).toBe(0);
      expect(await get(o.id)).toMatchObject({ status: 'dispatched', dispatchedToUserId: w.users.gridWorkerA1.id });
    });
  });

  describe('pool and manual', () => {
    it('pool: offers the order in the task hall first, then to several at once when nobody has taken it in time', async () => {
      await setMode('dispatcherT', 'T', 'pool');
      const o = await order();
      expect(o).toMatchObject({ status: 'pending', dispatchMode: 'pool' });
      later(9);
      expect(await sweep()).toBe(0);
      later(1);
      expect(await sweep()).toBe(1); // POOL_OFFER_MINUTES: 10
      // offered to the first wave (the default: three within 2 km — the two nearest; 远 is just beyond), nobody dispatched
      expect(await get(o.id)).toMatchObject({ status: 'pending', dispatchedToUserId: null });
      const offer = (await events(o.id)).at(-1)!;
      expect(offer).toMatchObject({ type: 'offer', actorId: null, data: { wave: 1, radiusKm: 2 } });
      expect(new Set(offer.data.people as string[])).toEqual(new Set([near.id, middle.id]));
      // two minutes on, the second wave reaches farther (5 km)
      later(2);
      expect(await sweep()).toBe(1);
      const second = (await events(o.id)).at(-1)!;
      expect(second).toMatchObject({ type: 'offer', data: { wave: 2, radiusKm: 5, people: [far.id] } });
    });

    it('pool: taken from the hall in time, it is never dispatched', async () => {
      await setMode('dispatcherT', 'T', 'pool');
      const o = await order();
      expect((await call(far, 'POST', `/orders/${o.id}/accept`)).statusCode).toBe(200);
      later(60);
      expect(await sweep()).toBe(0);
      expect((await events(o.id)).map((e) => e.type)).toEqual(['created', 'accept']);
    });

    it('manual: nothing is dispatched by itself', async () => {
      const o = await order();
      expect(o).toMatchObject({ status: 'pending', dispatchMode: 'manual' });
      later(120);
      expect(await sweep()).toBe(0);
      expect((await events(o.id)).map((e) => e.type)).toEqual(['created']);
    });

    it('keeps the mode an order was created under when the place changes its setting', async () => {
      const o = await order();
      await setMode('dispatcherT', 'A', 'auto');
      later(60);
      expect(await sweep()).toBe(0);
      expect((await get(o.id)).dispatchMode).toBe('manual');
    });
  });

  it('acts on each due order once with two sweepers at the same time (two pools, as two processes)', async () => {
    await setMode('dispatcherT', 'T', 'pool');
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await order()).id);
    later(10);
    const other = await initializeDataSource(createDataSource({ url: database.url, entities, poolSize: 4 }), () => undefined);
    try {
      // room for everyone: each person may have many dispatches awaiting an answer here (see the next test)
      const opts = { ...autoDispatchOptions(app, clock.now), maxActiveTasks: 100 };
      const [a, b] = await Promise.all([autoDispatchDue(db, opts, 3), autoDispatchDue(other, opts, 3)]);
      expect(a + b).toBe(30);
    } finally {
      await other.destroy();
    }
    for (const id of ids) {
      const timeline = await events(id);
      // pool: one wave of offers each, never two
      expect({ id, offers: timeline.filter((e) => e.type === 'offer').length, status: replayOrderEvents(timeline) }).toEqual({
        id,
        offers: 1,
        status: 'pending',
      });
    }
  });

  it('does not pile orders on one person before they answer: dispatches awaiting an answer count against MATCH_MAX_ACTIVE_TASKS', async () => {
    // thirty sequential orders due at once (made manual, then switched, so that none is dispatched as it is placed)
    for (let i = 0; i < 30; i++) await order();
    await db.query(`UPDATE service_order SET dispatch_mode = 'sequential', auto_dispatch_at = $1 WHERE status = 'pending'`, [clock.now]);
    const opts = autoDispatchOptions(app, clock.now);
    const dispatched = await autoDispatchDue(db, opts, 3);
    expect(dispatched).toBeGreaterThan(0);
    expect(dispatched).toBeLessThan(30);
    const perPerson = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM service_order WHERE status = 'dispatched' AND dispatched_to_user_id IS NOT NULL GROUP BY dispatched_to_user_id`,
    );
    expect(perPerson.length).toBeGreaterThan(0);
    for (const { n } of perPerson) expect(n).toBeLessThanOrEqual(opts.maxActiveTasks);
    // the rest wait in the task hall for someone to answer or come on duty, and are tried again later
    const [pending] = await db.query<Array<{ waiting: number }>>(`SELECT count(*)::int AS waiting FROM service_order WHERE status = 'pending'`);
    expect(pending!.waiting).toBeGreaterThan(0);
  });
});
