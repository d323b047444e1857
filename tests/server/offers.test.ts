import 'reflect-metadata';
import type { CandidateListDto, OrderDto, OrderEventDto, TaskPoolDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../server/src/app';
import { autoDispatchDue, autoDispatchOptions } from '../../server/src/modules/dispatching/auto-dispatch';
import { buildTestApp, testConfig, type TestApp } from '../support/app';

const NO_WEEKLY_FAIRNESS = JSON.stringify({ perWeekTask: 0 });
import { createTestDatabase, type TestDatabase } from '../support/db';
import { waitFor } from '../support/tmp';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Offers to several at once (同时请几位，先接先得, issue 20 item 2) and who may take what (item 1: general vs
 * qualified services), against the real database over HTTP, with an injected clock; the sweep is called as the
 * minute's timed work would. The schedule here is small enough to see every wave: 2 people within 1 km for 3
 * minutes, 3 within 5 km for 5, then 5 anywhere in the area every 5 minutes.
 */

const MINUTE = 60_000;
/** Wednesday 2026-12-02, 10:00 in Beijing. */
const T0 = new Date('2026-12-02T02:00:00.000Z');
/** The world's residents live here. */
const DOOR = { lat: 40.751, lng: 107.401 };
const METRES_PER_DEGREE = (6371008.8 * Math.PI) / 180;
const WAVES = [
  { k: 2, radiusKm: 1, minutes: 3 },
  { k: 3, radiusKm: 5, minutes: 5 },
  { k: 5, radiusKm: null, minutes: 5 },
];

type Person = { id: string; token: string };

describe('offers to several at once (同时请几位)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let app: FastifyInstance;
  let w: World;
  const clock = { now: T0 };
  /** Volunteers of grid A1 with the medicine skill, at these distances from the door. */
  const v: Record<'m100' | 'm600' | 'm900' | 'km2' | 'km4' | 'km8', Person> = {} as never;
  /** A volunteer of A1 with no skill at all (general services only). */
  let plain: Person;

  const call = (who: Person | keyof World['users'], method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, payload, headers: bearer(typeof who === 'string' ? w.users[who].token : who.token) });
  const order = async (body: object = {}): Promise<OrderDto> => {
    const res = await call('residentA1', 'POST', '/orders', { categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'normal', ...body });
    expect(res.statusCode).toBe(201);
    return res.json<OrderDto>();
  };
  const events = async (id: string) => (await call('admin', 'GET', `/orders/${id}/events`)).json<{ items: OrderEventDto[] }>().items;
  const offerEvents = async (id: string) => (await events(id)).filter((e) => e.type === 'offer');
  const get = async (id: string) => (await call('admin', 'GET', `/orders/${id}`)).json<OrderDto>();
  const sweep = () => autoDispatchDue(db, autoDispatchOptions(app, clock.now));
  const later = (minutes: number) => (clock.now = new Date(clock.now.getTime() + minutes * MINUTE));
  const offers = async (id: string) =>
    new Map(
      (await db.query<Array<{ volunteer_id: string; state: string }>>(`SELECT volunteer_id, state FROM order_offer WHERE order_id = $1`, [id])).map((r) => [
        r.volunteer_id,
        r.state,
      ]),
    );
  const hall = async (who: Person) => {
    const res = await call(who, 'GET', '/tasks/pool');
    expect(res.statusCode).toBe(200);
    return res.json<TaskPoolDto>();
  };
  const setMode = (mode: string) => call('dispatcherT', 'PUT', `/regions/${w.regions.A}/dispatch-mode`, { mode });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    // the waves ask by distance; the week's fairness (perWeekTask, tested in candidates.test.ts) would reorder the
    // people as earlier tests give them tasks
    app = await buildApp({
      config: testConfig({ LOG_LEVEL: 'error', OFFER_WAVES: JSON.stringify(WAVES), MATCH_WEIGHTS: NO_WEEKLY_FAIRNESS }),
      db,
      clock: () => new Date(clock.now.getTime()),
    });
    w = await buildWorld(app, db);
    let n = 0;
    const add = async (name: string, metres: number, skills: string[]): Promise<Person> => {
      n += 1;
      const [row] = await db.query<Array<{ id: string }>>(
        `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
         VALUES ($1, $2, '{volunteer}', $3, $4, true, $5, $6) RETURNING id`,
        [name, `1371000${String(n).padStart(4, '0')}`, w.regions.A1, skills, DOOR.lat + metres / METRES_PER_DEGREE, DOOR.lng],
      );
      return { id: row!.id, token: app.jwt.sign({ sub: row!.id }) };
    };
    v.m100 = await add('百米', 100, ['medicine_delivery']);
    v.m600 = await add('六百米', 600, ['medicine_delivery']);
    v.m900 = await add('九百米', 900, ['medicine_delivery']);
    v.km2 = await add('两公里', 2000, ['medicine_delivery']);
    v.km4 = await add('四公里', 4000, ['medicine_delivery']);
    v.km8 = await add('八公里', 8000, ['medicine_delivery']);
    plain = await add('无专长', 300, []);
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });
  beforeEach(async () => {
    await setMode('auto');
  });
  afterEach(async () => {
    await db.query(`UPDATE region SET dispatch_mode = NULL, effective_dispatch_mode = 'manual'`);
    await db.query(`UPDATE service_order SET status = 'cancelled', auto_dispatch_at = NULL WHERE status NOT IN ('closed', 'cancelled')`);
    await db.query(`UPDATE order_assignment SET state = 'cancelled' WHERE state IN ('accepted', 'in_service')`);
    await db.query(`UPDATE order_offer SET state = 'expired' WHERE state = 'open'`);
    // only the test's volunteers on duty (the world's volunteer and grid worker live at the door too)
    await db.query(`UPDATE app_user SET on_duty = (id = ANY($1)), region_id = CASE WHEN id = ANY($1) THEN $2::uuid ELSE region_id END`, [
      [...Object.values(v).map((p) => p.id), plain.id],
      w.regions.A1,
    ]);
    clock.now = new Date(clock.now.getTime() + 24 * 60 * MINUTE);
  });

  it('offers a new auto order to the k best at once as it is created, with an offer event, first in their task hall', async () => {
    await db.query(`UPDATE app_user SET on_duty = false WHERE id = ANY($1)`, [[w.users.volunteerA1.id, w.users.gridWorkerA1.id]]);
    const o = await order();
    expect(o).toMatchObject({ status: 'pending', dispatchMode: 'auto', dispatchedToUserId: null });
    const timeline = await events(o.id);
    expect(timeline.map((e) => [e.type, e.actorId])).toEqual([
      ['created', w.users.residentA1.id],
      ['offer', null],
    ]);
    const answerBy = new Date(clock.now.getTime() + 3 * MINUTE).toISOString();
    expect(timeline[1]!.data).toEqual({ wave: 1, k: 2, radiusKm: 1, people: [v.m100.id, v.m600.id], names: ['百米', '六百米'], askedCount: 2, answerBy });
    expect(await offers(o.id)).toEqual(
      new Map([
        [v.m100.id, 'open'],
        [v.m600.id, 'open'],
      ]),
    );
    // the hall: the offered order first, with how many were asked, and the accept button
    const mine = await hall(v.m100);
    expect(mine.items[0]).toMatchObject({ id: o.id, offer: { askedCount: 2, answerBy }, actions: expect.arrayContaining(['accept']) });
    // someone not asked sees it in the hall as an ordinary order (they may still take it)
    expect((await hall(v.km2)).items.find((i) => i.id === o.id)).toMatchObject({ offer: null });
  });

  it('the first to accept wins a race of offered people; the others get 409 and their offers are withdrawn', async () => {
    const o = await order();
    const asked = [v.m100, v.m600];
    const answers = await Promise.all(asked.map((p) => call(p, 'POST', `/orders/${o.id}/accept`, {})));
    const codes = answers.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409]);
    const loser = answers.find((r) => r.statusCode === 409)!;
    expect(loser.json()).toMatchObject({ message: '该需求已被接单。' });
    const winner = asked[answers.findIndex((r) => r.statusCode === 200)]!;
    const other = asked.find((p) => p !== winner)!;
    expect(await offers(o.id)).toEqual(
      new Map([
        [winner.id, 'accepted'],
        [other.id, 'withdrawn'],
      ]),
    );
    expect(await get(o.id)).toMatchObject({ status: 'accepted', acceptedCount: 1 });
    expect((await events(o.id)).at(-1)).toMatchObject({ type: 'accept', actorId: winner.id, data: { via: 'offer' } });
    // gone from the loser's hall
    expect((await hall(other)).items.map((i) => i.id)).not.toContain(o.id);
  });

  it('widens by the clock: wave 2 asks more people farther out, earlier offers stay open; an accept stops the waves', async () => {
    const o = await order();
    later(2);
    expect(await sweep()).toBe(0); // wave 1 answers by 3 minutes
    later(1);
    expect(await sweep()).toBe(1);
    const [first, second] = await offerEvents(o.id);
    expect(first!.data).toMatchObject({ wave: 1, k: 2, radiusKm: 1 });
    expect(second!.data).toMatchObject({ wave: 2, k: 3, radiusKm: 5, people: [v.m900.id, v.km2.id, v.km4.id], askedCount: 5 });
    expect([...(await offers(o.id)).values()]).toEqual(['open', 'open', 'open', 'open', 'open']);
    // the last wave: anywhere in the order's area, those not asked yet
    later(5);
    expect(await sweep()).toBe(1);
    expect((await offerEvents(o.id)).at(-1)!.data).toMatchObject({ wave: 3, radiusKm: null, people: [v.km8.id] });
    // someone asked in the first wave still may take it
    expect((await call(v.m600, 'POST', `/orders/${o.id}/accept`, {})).statusCode).toBe(200);
    const after = await offers(o.id);
    expect(after.get(v.m600.id)).toBe('accepted');
    expect([...after.values()].filter((s) => s === 'withdrawn')).toHaveLength(5);
    later(60);
    expect(await sweep()).toBe(0);
    expect(await offerEvents(o.id)).toHaveLength(3);
    const [row] = await db.query<Array<{ auto_dispatch_at: Date | null }>>(`SELECT auto_dispatch_at FROM service_order WHERE id = $1`, [o.id]);
    expect(row!.auto_dispatch_at).toBeNull();
  });

  it('withdraws the offers when the order stops waiting otherwise (cancelled): an offered person then gets 409', async () => {
    const o = await order();
    expect((await call('residentA1', 'POST', `/orders/${o.id}/cancel`, { reason: '不需要了' })).statusCode).toBe(200);
    expect([...(await offers(o.id)).values()]).toEqual(['expired', 'expired']);
    const late = await call(v.m100, 'POST', `/orders/${o.id}/accept`, {});
    expect(late.statusCode).toBe(409);
    later(10);
    expect(await sweep()).toBe(0);
  });

  it('asks N·k people for a headcount of N; the first N accepts win', async () => {
    const o = await order({ headcount: 2 });
    const [wave] = await offerEvents(o.id);
    const people = wave!.data.people as string[];
    expect(people).toEqual([v.m100.id, v.m600.id, v.m900.id]); // 2 × 2 wanted, three within 1 km
    const byId = new Map(Object.values(v).map((p) => [p.id, p]));
    expect((await call(byId.get(people[0]!)!, 'POST', `/orders/${o.id}/accept`, {})).json<OrderDto>()).toMatchObject({ status: 'pending', acceptedCount: 1 });
    // one place still open: the other offers stand
    expect([...(await offers(o.id)).values()].sort()).toEqual(['accepted', 'open', 'open']);
    expect((await call(byId.get(people[1]!)!, 'POST', `/orders/${o.id}/accept`, {})).json<OrderDto>()).toMatchObject({ status: 'accepted', acceptedCount: 2 });
    const third = await call(byId.get(people[2]!)!, 'POST', `/orders/${o.id}/accept`, {});
    expect(third.statusCode).toBe(409);
    expect([...(await offers(o.id)).values()].sort()).toEqual(['accepted', 'accepted', 'withdrawn']);
  });

  it('an offered person may accept even when the order is outside their task hall now', async () => {
    const o = await order();
    // moved to another grid after being asked: A1's hall is no longer theirs
    await db.query(`UPDATE app_user SET region_id = $2 WHERE id = $1`, [v.m100.id, w.regions.B1]);
    const res = await call(v.m100, 'POST', `/orders/${o.id}/accept`, {});
    expect(res.statusCode).toBe(200);
  });

  it('asks by distance across the county, not only inside the grid: the nearest over the edge are asked first', async () => {
    // 百米 and 九百米 live in other grids now: 百米 in the same community (A2), 九百米 in another town's community (X1)
    await db.query(`UPDATE app_user SET region_id = $2 WHERE id = $1`, [v.m100.id, w.regions.A2]);
    await db.query(`UPDATE app_user SET region_id = $2 WHERE id = $1`, [v.m900.id, w.regions.X1]);
    const o = await order();
    expect(o.escalationLevel).toBe('grid');
    const [first] = await offerEvents(o.id);
    const asked = (e: OrderEventDto) => [...(e.data.people as string[])].sort();
    // (in rank order the grid's own come first: the same-grid bonus)
    expect(first!.data).toMatchObject({ wave: 1, radiusKm: 1 });
    expect(asked(first!)).toEqual([v.m100.id, v.m600.id].sort());
    later(3);
    expect(await sweep()).toBe(1);
    const second = (await offerEvents(o.id)).at(-1)!;
    expect(second.data).toMatchObject({ wave: 2, radiusKm: 5 });
    expect(asked(second)).toEqual([v.m900.id, v.km2.id, v.km4.id].sort());
    // the one over the edge takes it like anyone asked; the order's staff stay those of its grid
    expect((await call(v.m900, 'POST', `/orders/${o.id}/accept`, {})).json<OrderDto>()).toMatchObject({ status: 'accepted', escalationLevel: 'grid' });
  });

  it('an order with no location is offered inside its area only (there is no distance to go by)', async () => {
    await db.query(`UPDATE app_user SET region_id = $2 WHERE id = $1`, [v.m100.id, w.regions.A2]);
    await db.query(`UPDATE app_user SET location_lat = NULL, location_lng = NULL WHERE id = $1`, [w.users.residentA1.id]);
    try {
      const o = await order();
      const [first] = await offerEvents(o.id);
      // without a door to measure from, a wave's radius finds nobody; the last wave asks the grid's own people
      const people = (await offerEvents(o.id)).flatMap((e) => e.data.people as string[]);
      expect(people).not.toContain(v.m100.id);
      expect(first?.data.people ?? []).toEqual([]);
    } finally {
      await db.query(`UPDATE app_user SET location_lat = $2, location_lng = $3 WHERE id = $1`, [w.users.residentA1.id, DOOR.lat, DOOR.lng]);
    }
  });

  it('does not offer to a person who already holds MATCH_MAX_ACTIVE_TASKS tasks', async () => {
    await setMode('manual');
    // v.m100 takes three orders from the hall (MATCH_MAX_ACTIVE_TASKS: 3): general services, any volunteer of the area
    // may take them (and one open order per resident and service, issue 20); the fourth below is a medicine delivery
    for (const categoryCode of ['errands', 'meal_delivery', 'companionship'])
      expect((await call(v.m100, 'POST', `/orders/${(await order({ categoryCode, description: '帮忙' })).id}/accept`, {})).statusCode).toBe(200);
    await setMode('auto');
    const o = await order();
    expect((await offerEvents(o.id))[0]!.data.people).toEqual([v.m600.id, v.m900.id]);
  });

  it("the order's live signal reaches the people it is offered to", async () => {
    const runner = db.createQueryRunner();
    await runner.connect();
    const client = (runner as unknown as { databaseConnection: PoolClient }).databaseConnection;
    const heard: Array<{ id: string; people: string[] }> = [];
    const listener = (n: { payload?: string }) => heard.push(JSON.parse(n.payload ?? '{}') as { id: string; people: string[] });
    client.on('notification', listener);
    try {
      await client.query('LISTEN bangbang_live');
      const o = await order();
      const offer = await waitFor(async () => heard.find((x) => x.id === o.id && x.people.includes(v.m600.id)), 5_000, 'the live signal');
      expect(offer.people).toEqual(expect.arrayContaining([v.m100.id, v.m600.id]));
    } finally {
      client.removeListener('notification', listener);
      await client.query('UNLISTEN bangbang_live');
      await runner.release();
    }
  });

  it('sequential keeps one at a time: a dispatch to the best, no offers', async () => {
    await setMode('sequential');
    const o = await order();
    expect(o).toMatchObject({ status: 'dispatched', dispatchedToUserId: v.m100.id, dispatchMode: 'sequential' });
    expect(await offerEvents(o.id)).toEqual([]);
  });

  describe('general vs qualified services (who may take what)', () => {
    beforeEach(async () => {
      await setMode('manual');
    });

    it('a general service: any volunteer of the area is a candidate, sees it in the hall and may take it', async () => {
      const o = await order({ categoryCode: 'errands', description: '帮忙买菜' });
      const candidates = (await call('dispatcherT', 'GET', `/orders/${o.id}/candidates`)).json<CandidateListDto>().items.map((c) => c.id);
      expect(candidates).toContain(plain.id);
      expect((await hall(plain)).items.map((i) => i.id)).toContain(o.id);
      expect((await call(plain, 'POST', `/orders/${o.id}/accept`, {})).statusCode).toBe(200);
    });

    it('a qualified service: only those with the skill — not a candidate, not in the hall, not theirs to take (404)', async () => {
      const o = await order();
      const candidates = (await call('dispatcherT', 'GET', `/orders/${o.id}/candidates`)).json<CandidateListDto>().items.map((c) => c.id);
      expect(candidates).toContain(v.m100.id);
      expect(candidates).not.toContain(plain.id);
      expect((await hall(plain)).items.map((i) => i.id)).not.toContain(o.id);
      const res = await call(plain, 'POST', `/orders/${o.id}/accept`, {});
      expect(res.statusCode).toBe(404);
    });

    it('walks a town-level general order through everyone on duty, not only those with its code as a skill', async () => {
      const o = await order({ categoryCode: 'meal_delivery', description: '送一份午饭' });
      await db.query(
        `UPDATE service_order SET escalation_level = 'town', scope_region_id = $2, scope_path = (SELECT path FROM region WHERE id = $2) WHERE id = $1`,
        [o.id, w.regions.T],
      );
      const res = await call('dispatcherT', 'GET', `/orders/${o.id}/candidates?limit=20`);
      expect(res.statusCode).toBe(200);
      const ids = res.json<CandidateListDto>().items.map((c) => c.id);
      expect(ids).toEqual(expect.arrayContaining([plain.id, v.m100.id, v.km8.id]));
    });

    it('admins switch a service between general and qualified; a wrong kind is 400 naming the field', async () => {
      const bad = await call('admin', 'PATCH', '/service-categories/haircut', { kind: 'anyone' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().details).toEqual([{ field: 'kind', message: '服务类型须为 人人可接 或 需要专长' }]);
      const listed = (await call('admin', 'GET', '/service-categories')).json<{ items: Array<{ code: string; kind: string }> }>().items;
      expect(listed.find((c) => c.code === 'haircut')?.kind).toBe('qualified');
      expect(listed.find((c) => c.code === 'errands')?.kind).toBe('general');
      const ok = await call('admin', 'PATCH', '/service-categories/haircut', { kind: 'general' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ code: 'haircut', kind: 'general' });
      const o = await order({ categoryCode: 'haircut', description: '上门理发' });
      expect((await hall(plain)).items.map((i) => i.id)).toContain(o.id);
      await call('admin', 'PATCH', '/service-categories/haircut', { kind: 'qualified' });
    });
  });
});

describe('who is told of an offer (the notification job)', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    // this process runs the jobs; the wall clock (no wave falls due while the test runs)
    t = await buildTestApp({ JOB_CONCURRENCY: '1', OFFER_WAVES: JSON.stringify(WAVES), MATCH_WEIGHTS: NO_WEEKLY_FAIRNESS });
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
  });

  it('tells each person asked task.offered, with the time to answer by; nobody else hears of it as nearby', async () => {
    const db = t.database.db;
    await db.query(`UPDATE app_user SET on_duty = true WHERE id = ANY($1)`, [[w.users.volunteerA1.id, w.users.gridWorkerA1.id]]);
    await db.query(`UPDATE app_user SET skills = '{medicine_delivery}' WHERE id = $1`, [w.users.gridWorkerA1.id]);
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/regions/${w.regions.A}/dispatch-mode`,
      headers: bearer(w.users.dispatcherT.token),
      payload: { mode: 'auto' },
    });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: bearer(w.users.residentA1.token),
      payload: { categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'normal' },
    });
    expect(res.statusCode).toBe(201);
    const o = res.json<OrderDto>();
    const inbox = async (token: string) =>
      (await t.app.inject({ method: 'GET', url: '/api/v1/me/notifications', headers: bearer(token) })).json<{
        items: Array<{ kind: string; orderId: string; body: string }>;
      }>().items;
    for (const who of [w.users.volunteerA1, w.users.gridWorkerA1]) {
      const n = await waitFor(async () => (await inbox(who.token)).find((x) => x.kind === 'task.offered' && x.orderId === o.id), 15_000, 'task.offered');
      expect(n.body).toContain('先接先得');
      expect(n.body).toMatch(/\d{2}:\d{2} 前有效/);
    }
    // the resident is not told of an offer
    expect((await inbox(w.users.residentA1.token)).filter((x) => x.kind === 'task.offered')).toEqual([]);
  });
});
