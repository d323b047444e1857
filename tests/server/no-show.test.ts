import 'reflect-metadata';
import { replayOrderEvents, type ErrorBody, type OrderDto, type OrderEventDto, type ServiceRecordDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import type { AppConfig } from '../../server/src/config';
import { autoDispatchOptions } from '../../server/src/modules/dispatching/auto-dispatch';
import { runTimedWork } from '../../server/src/modules/dispatching/escalation';
import { sweepNoShows } from '../../server/src/modules/dispatching/no-show';
import type { NotificationService } from '../../server/src/modules/notifications/service';
import { notificationsWithoutChannels, testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * No-shows and hoarding (issue 20, item 6): a volunteer holds at most MATCH_MAX_ACTIVE_TASKS orders, however they
 * came (409, race-safe); an accepted order nobody checks in for by the agreed time reminds its volunteer, then goes
 * back to the pool with the responsible person alarmed, the volunteer told, and the no-show on their record.
 */

const MINUTE = 60_000;
const T0 = new Date('2026-12-01T01:00:00.000Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * MINUTE);

let app: FastifyInstance;
let database: TestDatabase;
let config: AppConfig;
let w: World;
let notifications: NotificationService;
const clock = { now: T0 };
type Person = { id: string; token: string };

let n = 0;
async function volunteer(name: string): Promise<Person> {
  n += 1;
  const [row] = await database.db.query<Array<{ id: string }>>(
    `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
     VALUES ($1, $2, '{volunteer}', $3, '{medicine_delivery,errands}', true, 40.752, 107.402) RETURNING id`,
    [name, `1370000${String(1000 + n)}`, w.regions.A1],
  );
  return { id: row!.id, token: app.jwt.sign({ sub: row!.id }) };
}

beforeAll(async () => {
  database = await createTestDatabase();
  // the cap as deployed: MATCH_MAX_ACTIVE_TASKS (3), not the test world's "no limits"
  config = testConfig({ LOG_LEVEL: 'error', HALL_MAX_TASKS: '', MATCH_MAX_ACTIVE_TASKS: '3' });
  app = await buildApp({ config, db: database.db, clock: () => new Date(clock.now.getTime()) });
  w = await buildWorld(app, database.db);
  notifications = notificationsWithoutChannels(database.db, config, () => new Date(clock.now.getTime()));
});

afterAll(async () => {
  await app.close();
  await database.drop();
});

const call = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload ? { payload } : {}) });

/** A household of 甲一网格 of its own: a resident has one open order per service, and these stories need many. */
async function resident(): Promise<Person> {
  n += 1;
  const [row] = await database.db.query<Array<{ id: string }>>(
    `INSERT INTO app_user (name, phone, roles, region_id, location_lat, location_lng)
     VALUES ($1, $2, '{resident}', $3, 40.751, 107.401) RETURNING id`,
    [`甲一住户${n}`, `1370000${String(1000 + n)}`, w.regions.A1],
  );
  return { id: row!.id, token: app.jwt.sign({ sub: row!.id }) };
}

/** An order placed by a new household of 甲一网格. */
async function order(body: Record<string, unknown> = {}): Promise<OrderDto> {
  const res = await call((await resident()).token, 'POST', '/orders', {
    categoryCode: 'medicine_delivery',
    description: '帮忙取药',
    urgency: 'normal',
    ...body,
  });
  expect(res.statusCode).toBe(201);
  return res.json<OrderDto>();
}

const accept = (p: Person, id: string) => call(p.token, 'POST', `/orders/${id}/accept`, {});

/** Runs the fan-out of the order's events (as the outbox job would) and answers what each person was told of it. */
async function toldOf(orderId: string): Promise<Array<{ kind: string; recipient_id: string; body: string }>> {
  const events = await database.db.query<Array<{ seq: number }>>(`SELECT seq FROM order_event WHERE order_id = $1 ORDER BY seq`, [orderId]);
  await notifications.tasks['order-events']({ events: events.map((e) => [orderId, e.seq]) });
  return database.db.query(`SELECT kind, recipient_id, body FROM notification WHERE order_id = $1 ORDER BY id`, [orderId]);
}

const eventsOf = async (id: string): Promise<OrderEventDto[]> =>
  (await call(w.users.gridWorkerA1.token, 'GET', `/orders/${id}/events`)).json<{ items: OrderEventDto[] }>().items;

describe('at most MATCH_MAX_ACTIVE_TASKS in hand', () => {
  const REFUSED = '您手上已有 3 个未完成的任务，请先完成或退单后再接新的。';

  it('a further accept, from the hall or of a dispatch, is refused with a clear message', async () => {
    clock.now = T0;
    const v = await volunteer('囤单志愿者');
    for (let i = 0; i < 3; i += 1) expect((await accept(v, (await order()).id)).statusCode).toBe(200);
    const hall = await accept(v, (await order()).id);
    expect(hall.statusCode).toBe(409);
    expect(hall.json<ErrorBody>()).toEqual({ code: 'CONFLICT', message: REFUSED });
    const dispatched = await order();
    expect((await call(w.users.gridWorkerA1.token, 'POST', `/orders/${dispatched.id}/dispatch`, { assigneeId: v.id })).statusCode).toBe(200);
    const refused = await accept(v, dispatched.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json<ErrorBody>().message).toBe(REFUSED);
    // the order is still theirs to answer (or refuse), and still waits
    expect((await call(v.token, 'GET', `/orders/${dispatched.id}`)).json<OrderDto>().status).toBe('dispatched');
  });

  it('race-safe: two accepts at once of different orders by one volunteer at cap − 1 — exactly one passes', async () => {
    clock.now = T0;
    for (let round = 0; round < 5; round += 1) {
      const v = await volunteer(`抢单志愿者${round}`);
      for (let i = 0; i < 2; i += 1) expect((await accept(v, (await order()).id)).statusCode).toBe(200);
      const [a, b] = [await order(), await order()];
      const answers = await Promise.all([accept(v, a.id), accept(v, b.id)]);
      expect(answers.map((x) => x.statusCode).sort()).toEqual([200, 409]);
      const [held] = await database.db.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM order_assignment WHERE volunteer_id = $1 AND state IN ('accepted', 'in_service')`,
        [v.id],
      );
      expect(held!.n).toBe(3);
    }
  });
});

describe('no-shows (未到场)', () => {
  it('an urgent order with no check-in: reminded after NO_SHOW_URGENT_MINUTES, back to the pool after NO_SHOW_GRACE_MINUTES more', async () => {
    clock.now = T0;
    const v = await volunteer('未到场志愿者');
    const o = await order({ urgency: 'urgent' });
    expect((await accept(v, o.id)).statusCode).toBe(200);

    // not due yet
    expect(await sweepNoShows(database.db, at(59), config.noShow)).toEqual({ reminded: 0, noShows: 0 });
    // due: reminded once, even by two sweeps at once
    const both = await Promise.all([sweepNoShows(database.db, at(60), config.noShow), sweepNoShows(database.db, at(60), config.noShow)]);
    expect(both.reduce((s, x) => s + x.reminded, 0)).toBe(1);
    const reminded = (await eventsOf(o.id)).filter((e) => e.type === 'remind');
    expect(reminded).toHaveLength(1);
    expect(reminded[0]).toMatchObject({ actorId: null, fromStatus: 'accepted', toStatus: 'accepted', data: { volunteerId: v.id } });
    const told = await toldOf(o.id);
    expect(told.filter((x) => x.kind === 'task.check_in_reminder').map((x) => x.recipient_id)).toEqual([v.id]);

    // the grace period: still theirs
    expect(await sweepNoShows(database.db, at(89), config.noShow)).toEqual({ reminded: 0, noShows: 0 });
    // then back to the pool, through the minute's timed work
    clock.now = at(90);
    const done = await runTimedWork(database.db, autoDispatchOptions(app, at(90)), config.noShow);
    expect(done.noShows).toBe(1);
    const after = (await call(w.users.gridWorkerA1.token, 'GET', `/orders/${o.id}`)).json<OrderDto>();
    expect(after).toMatchObject({ status: 'pending', acceptedCount: 0 });
    // shown on the order as one who did not come, as a release is
    expect(after.assignees.map((a) => [a.name, a.state])).toEqual([['未到场志愿者', 'no_show']]);
    const noShow = (await eventsOf(o.id)).filter((e) => e.type === 'no_show');
    expect(noShow).toHaveLength(1);
    expect(noShow[0]).toMatchObject({ actorId: null, fromStatus: 'accepted', toStatus: 'pending', data: { volunteerId: v.id } });
    // the timeline still adds up: a reminder leaves the order as it was, a no-show moves it as a release does
    expect(replayOrderEvents(await eventsOf(o.id))).toBe('pending');
    const [place] = await database.db.query<Array<{ state: string }>>(`SELECT state FROM order_assignment WHERE order_id = $1`, [o.id]);
    expect(place!.state).toBe('no_show');

    // counts against their reliability
    const record = (await call(w.users.gridWorkerA1.token, 'GET', `/users/${v.id}/service-record`)).json<ServiceRecordDto>();
    expect(record).toMatchObject({ noShows: 1, completed: 0, reliability: 0 });

    // the volunteer told, the responsible person alarmed with their name
    const all = await toldOf(o.id);
    expect(all.filter((x) => x.kind === 'task.no_show').map((x) => x.recipient_id)).toEqual([v.id]);
    const alarm = all.filter((x) => x.kind === 'staff.no_show');
    expect(alarm.map((x) => x.recipient_id)).toEqual([o.responsible!.id]);
    expect(alarm[0]!.body).toContain('未到场志愿者');

    // someone else may take it now; the one who never came may take it again only as anyone would
    const other = await volunteer('接替志愿者');
    expect((await accept(other, o.id)).statusCode).toBe(200);
  });

  it('an agreed time: due at the preferred start, not NO_SHOW_MINUTES after accepting', async () => {
    clock.now = at(1000);
    const v = await volunteer('预约志愿者');
    const o = await order({ preferredStart: at(1500).toISOString() });
    expect((await accept(v, o.id)).statusCode).toBe(200);
    // four hours (NO_SHOW_MINUTES) after accepting is not the agreed time
    await sweepNoShows(database.db, at(1240), config.noShow);
    await sweepNoShows(database.db, at(1499), config.noShow);
    expect((await eventsOf(o.id)).filter((e) => e.type === 'remind')).toEqual([]);
    await sweepNoShows(database.db, at(1500), config.noShow);
    expect((await eventsOf(o.id)).filter((e) => e.type === 'remind')).toHaveLength(1);
    // at the door within the grace period: nothing more happens
    clock.now = at(1510);
    expect((await call(v.token, 'POST', `/orders/${o.id}/check-in`, {})).statusCode).toBe(200);
    await sweepNoShows(database.db, at(1600), config.noShow);
    expect((await eventsOf(o.id)).filter((e) => e.type === 'no_show')).toEqual([]);
  });

  it('several people, under way: the one not there is reminded, then their place is open in the hall while the others serve', async () => {
    clock.now = at(2999);
    const here = await volunteer('先到志愿者');
    const late = await volunteer('迟到志愿者');
    const o = await order({ categoryCode: 'errands', description: '帮忙搬家具', headcount: 2 });
    expect((await accept(here, o.id)).statusCode).toBe(200);
    // a minute apart: the order lists its places by when they were taken, and the injected clock would make a tie
    clock.now = at(3000);
    expect((await accept(late, o.id)).statusCode).toBe(200);
    expect((await call(here.token, 'POST', `/orders/${o.id}/check-in`, {})).statusCode).toBe(200);
    // due like the first: NO_SHOW_MINUTES after accepting (a normal order), reminded while the other serves
    await sweepNoShows(database.db, at(3240), config.noShow);
    const reminded = (await eventsOf(o.id)).filter((e) => e.type === 'remind');
    expect(reminded).toEqual([expect.objectContaining({ fromStatus: 'in_service', toStatus: 'in_service', data: { volunteerId: late.id } })]);
    expect((await toldOf(o.id)).filter((x) => x.kind === 'task.check_in_reminder').map((x) => x.recipient_id)).toEqual([late.id]);
    // the grace period over: their place is given up, the order goes on in service, one short
    clock.now = at(3270);
    expect((await sweepNoShows(database.db, at(3270), config.noShow)).noShows).toBe(1);
    const after = (await call(w.users.gridWorkerA1.token, 'GET', `/orders/${o.id}`)).json<OrderDto>();
    expect(after).toMatchObject({ status: 'in_service', acceptedCount: 1 });
    expect(after.assignees.map((a) => [a.name, a.state])).toEqual([
      ['先到志愿者', 'in_service'],
      ['迟到志愿者', 'no_show'],
    ]);
    expect((await eventsOf(o.id)).at(-1)).toMatchObject({ type: 'no_show', fromStatus: 'in_service', toStatus: 'in_service' });
    expect(replayOrderEvents(await eventsOf(o.id))).toBe('in_service');
    // the responsible person is alarmed, and someone next door may fill the place from the hall
    const told = await toldOf(o.id);
    expect(told.filter((x) => x.kind === 'staff.no_show').map((x) => x.recipient_id)).toEqual([o.responsible!.id]);
    const next = await volunteer('补位志愿者');
    const hall = (await call(next.token, 'GET', '/tasks/pool')).json<{ items: OrderDto[] }>().items;
    expect(hall.map((x) => x.id)).toContain(o.id);
    expect((await accept(next, o.id)).statusCode).toBe(200);
    const filled = (await call(w.users.gridWorkerA1.token, 'GET', `/orders/${o.id}`)).json<OrderDto>();
    expect(filled).toMatchObject({ status: 'in_service', acceptedCount: 2 });
  });

  it('under auto-dispatch the order is due again at once', async () => {
    clock.now = at(2000);
    await database.db.query(`UPDATE region SET effective_dispatch_mode = 'pool' WHERE id = $1`, [w.regions.A1]);
    const v = await volunteer('自动派单志愿者');
    const o = await order();
    await database.db.query(`UPDATE region SET effective_dispatch_mode = 'manual' WHERE id = $1`, [w.regions.A1]);
    expect(o.dispatchMode).toBe('pool');
    expect((await accept(v, o.id)).statusCode).toBe(200);
    await sweepNoShows(database.db, at(2240), config.noShow);
    await sweepNoShows(database.db, at(2270), config.noShow);
    const [row] = await database.db.query<Array<{ status: string; auto_dispatch_at: Date | null }>>(
      `SELECT status, auto_dispatch_at FROM service_order WHERE id = $1`,
      [o.id],
    );
    expect(row).toEqual({ status: 'pending', auto_dispatch_at: at(2270) });
    // and the minute's timed work acts on it at once: pool offers it to several (an `offer` event), it stays pending
    clock.now = at(2270);
    await runTimedWork(database.db, autoDispatchOptions(app, at(2270)), config.noShow);
    const offers = (await eventsOf(o.id)).filter((e) => e.type === 'offer');
    expect(offers).toHaveLength(1);
    expect(offers[0]).toMatchObject({ actorId: null, fromStatus: 'pending', toStatus: 'pending' });
    expect(new Date(offers[0]!.at)).toEqual(at(2270));
    expect((offers[0]!.data as { people: string[] }).people.length).toBeGreaterThan(0);
  });
});
