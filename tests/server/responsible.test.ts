import 'reflect-metadata';
import type { OrderDto, Page } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import type { AppConfig } from '../../server/src/config';
import { sweepAll } from '../../server/src/modules/dispatching/escalation';
import type { NotificationService } from '../../server/src/modules/notifications/service';
import { notificationsWithoutChannels, testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * 兜底 (issue 20, item 3): every order has a responsible person from the first minute — the paired cadre (包联) of a
 * ledger household, otherwise a grid worker of the resident's grid — who is alarmed when nobody accepts in time and
 * may then take the order or dispatch it at any level; overdue orders head every level's board with how long they
 * have waited; at the county the alarms repeat, once per period, until someone takes it; an overdue list per place.
 * Time is the app's injected clock; the timed work and the fan-out are called directly at chosen instants.
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
type Person = { id: string; phone: string; token: string };
let gridWorkerA1b: Person;
let cadre: Person;
let volunteerB1: Person;
let dispatcherCounty: Person;

let n = 0;
async function person(name: string, roles: string[], region: string, extra = ''): Promise<Person> {
  n += 1;
  const phone = `1360000${String(1000 + n)}`;
  const [row] = await database.db.query<Array<{ id: string }>>(
    `INSERT INTO app_user (name, phone, roles, region_id, location_lat, location_lng${extra ? ', skills, on_duty' : ''})
     VALUES ($1, $2, $3, $4, 40.752, 107.402${extra ? `, '{${extra}}', true` : ''}) RETURNING id`,
    [name, phone, roles, region],
  );
  return { id: row!.id, phone, token: app.jwt.sign({ sub: row!.id }) };
}

beforeAll(async () => {
  database = await createTestDatabase();
  config = testConfig({ LOG_LEVEL: 'error' });
  app = await buildApp({ config, db: database.db, clock: () => new Date(clock.now.getTime()) });
  w = await buildWorld(app, database.db);
  gridWorkerA1b = await person('甲一网格员乙', ['grid_worker'], w.regions.A1);
  // a cadre paired with households (包联): a party member who is neither staff nor on duty
  cadre = await person('包联干部', ['volunteer'], w.regions.T);
  volunteerB1 = await person('乙一志愿者', ['volunteer'], w.regions.B1, 'medicine_delivery');
  dispatcherCounty = await person('旗调度', ['dispatcher'], w.regions.county);
  notifications = notificationsWithoutChannels(database.db, config, () => new Date(clock.now.getTime()));
});

afterAll(async () => {
  await app.close();
  await database.drop();
});

const call = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload ? { payload } : {}) });

async function order(token: string, body: Record<string, unknown> = {}): Promise<OrderDto> {
  const res = await call(token, 'POST', '/orders', { categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'normal', ...body });
  expect(res.statusCode).toBe(201);
  return res.json<OrderDto>();
}

async function resident(name: string, region: string, extra: { tags?: string[]; paired?: string } = {}): Promise<Person> {
  const p = await person(name, ['resident'], region);
  await database.db.query(`UPDATE app_user SET tags = $2, paired_cadre_id = $3 WHERE id = $1`, [p.id, extra.tags ?? [], extra.paired ?? null]);
  return p;
}

/** Runs the fan-out of the order's events (as the outbox job would) and answers what each person was told of it. */
async function toldOf(orderId: string): Promise<Array<{ kind: string; recipient_id: string; body: string; source: string }>> {
  const events = await database.db.query<Array<{ seq: number }>>(`SELECT seq FROM order_event WHERE order_id = $1 ORDER BY seq`, [orderId]);
  await notifications.tasks['order-events']({ events: events.map((e) => [orderId, e.seq]) });
  return database.db.query(`SELECT kind, recipient_id, body, source FROM notification WHERE order_id = $1 ORDER BY id`, [orderId]);
}

describe('set when the order is created', () => {
  it('a grid worker of the resident’s grid, the same one for a household every time, shared fairly among several', async () => {
    clock.now = T0;
    const workers = new Set([w.users.gridWorkerA1.id, gridWorkerA1b.id]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 40; i += 1) {
      const r = await resident(`住户${i}`, w.regions.A1);
      const first = await order(r.token);
      // another service: one open order per resident and service
      const second = await order(r.token, { categoryCode: 'errands', description: '代买米面' });
      expect(first.responsible).not.toBeNull();
      expect(workers.has(first.responsible!.id)).toBe(true);
      // deterministic: a household always has the same person
      expect(second.responsible!.id).toBe(first.responsible!.id);
      counts.set(first.responsible!.id, (counts.get(first.responsible!.id) ?? 0) + 1);
    }
    // fair: each of the two answers for a share of the households (rendezvous hashing: about half each)
    for (const id of workers) expect(counts.get(id) ?? 0).toBeGreaterThanOrEqual(10);
  });

  it('the paired cadre of a household on the ledger; a pairing without the ledger does not count', async () => {
    const ledger = await resident('独居老人', w.regions.A1, { tags: ['living_alone'], paired: cadre.id });
    const o = await order(ledger.token);
    expect(o.responsible).toEqual({ id: cadre.id, name: '包联干部', phone: cadre.phone, phoneMasked: false });
    const plain = await resident('普通住户', w.regions.A1, { paired: cadre.id });
    expect([w.users.gridWorkerA1.id, gridWorkerA1b.id]).toContain((await order(plain.token)).responsible!.id);
    // a proxy order (代下单, the other creation statement) too, stored on the row (another service: the first is open)
    const proxy = await order(w.users.gridWorkerA1.token, { residentId: ledger.id, categoryCode: 'errands', description: '代买米面' });
    expect(proxy.responsible!.id).toBe(cadre.id);
    const [row] = await database.db.query<Array<{ responsible_id: string }>>(`SELECT responsible_id FROM service_order WHERE id = $1`, [proxy.id]);
    expect(row!.responsible_id).toBe(cadre.id);
  });

  it('a grid with no grid worker: the staff of the nearest place above', async () => {
    // 甲二网格 has no grid worker, 甲社区 no staff: 一号镇's dispatcher answers
    const o = await order(w.users.residentA2.token);
    expect(o.responsible!.id).toBe(w.users.dispatcherT.id);
  });

  it('its phone is masked for whoever sees the order masked (the task hall)', async () => {
    await database.db.query(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery}' WHERE id = $1`, [w.users.volunteerA1.id]);
    const o = await order(w.users.residentA1.token);
    const seen = await call(w.users.volunteerA1.token, 'GET', `/orders/${o.id}`);
    expect(seen.statusCode).toBe(200);
    const r = seen.json<OrderDto>().responsible!;
    expect(r.phoneMasked).toBe(true);
    expect(r.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
  });
});

describe('when nobody accepts in time', () => {
  let o: OrderDto;
  beforeAll(async () => {
    clock.now = T0;
    const ledger = await resident('空巢老人', w.regions.A1, { tags: ['empty_nest'], paired: cadre.id });
    o = await order(ledger.token);
    expect(o.responsible!.id).toBe(cadre.id);
  });

  it('the responsible person is alarmed at the first deadline, with how long the resident has waited', async () => {
    clock.now = at(119);
    await sweepAll(database.db, clock.now);
    // before the deadline it is the grid's like any other order: the cadre may not dispatch it yet
    expect((await call(cadre.token, 'POST', `/orders/${o.id}/dispatch`, { assigneeId: volunteerB1.id })).statusCode).toBe(403);
    expect((await toldOf(o.id)).filter((x) => x.kind === 'staff.waiting')).toEqual([]);
    clock.now = at(120);
    expect(await sweepAll(database.db, clock.now)).toBeGreaterThanOrEqual(1);
    const waiting = (await toldOf(o.id)).filter((x) => x.kind === 'staff.waiting');
    expect(waiting.map((x) => x.recipient_id)).toEqual([cadre.id]);
    expect(waiting[0]!.body).toContain('已等待 120 分钟');
    expect(waiting[0]!.body).toContain('兜底责任人');
  });

  it('at the county they may dispatch it (not being staff) and the buttons say so; they may not cancel it', async () => {
    for (const m of [240, 360]) {
      clock.now = at(m);
      await sweepAll(database.db, clock.now);
    }
    const seen = await call(cadre.token, 'GET', `/orders/${o.id}`);
    expect(seen.json<OrderDto>().escalationLevel).toBe('county');
    expect(seen.json<OrderDto>().actions).toEqual(expect.arrayContaining(['dispatch', 'accept']));
    expect(seen.json<OrderDto>().actions).not.toContain('cancel');
    expect((await call(cadre.token, 'POST', `/orders/${o.id}/cancel`, { reason: '不需要了' })).statusCode).toBe(403);
    // someone who is not answerable for it may not
    expect((await call(volunteerB1.token, 'POST', `/orders/${o.id}/dispatch`, { assigneeId: volunteerB1.id })).statusCode).toBe(403);
    const sent = await call(cadre.token, 'POST', `/orders/${o.id}/dispatch`, { assigneeId: volunteerB1.id });
    expect(sent.statusCode).toBe(200);
    expect(sent.json<OrderDto>().status).toBe('dispatched');
  });

  it('or take it themself at any level, without the skill and off duty', async () => {
    clock.now = T0;
    const ledger = await resident('残疾住户', w.regions.A1, { tags: ['disabled'], paired: cadre.id });
    const other = await order(ledger.token, { categoryCode: 'errands', description: '代买米面' });
    for (const m of [240, 480, 720]) {
      clock.now = at(m);
      await sweepAll(database.db, clock.now);
    }
    expect((await call(cadre.token, 'GET', `/orders/${other.id}`)).json<OrderDto>().escalationLevel).toBe('county');
    const taken = await call(cadre.token, 'POST', `/orders/${other.id}/accept`, {});
    expect(taken.statusCode).toBe(200);
    expect(taken.json<OrderDto>().status).toBe('accepted');
  });
});

describe('兜底 from the first minutes: nobody has taken a new order', () => {
  const waitingAlarms = async (orderId: string) =>
    database.db.query<Array<{ recipient_id: string; body: string; source: string }>>(
      `SELECT recipient_id, body, source FROM notification WHERE order_id = $1 AND kind = 'staff.waiting' ORDER BY id`,
      [orderId],
    );

  it('alarms the responsible person once, RESPONSIBLE_ALARM_MINUTES after it was placed (urgent sooner), not after it was taken', async () => {
    clock.now = at(5000);
    const household = await resident('独居住户', w.regions.A1, { tags: ['living_alone'], paired: cadre.id });
    const normal = await order(household.token);
    const urgent = await order(household.token, { categoryCode: 'errands', description: '急需买药', urgency: 'urgent' });
    const takenBy = await resident('另一户', w.regions.A1, { tags: ['living_alone'], paired: cadre.id });
    const taken = await order(takenBy.token, { categoryCode: 'meal_delivery', description: '送饭' });
    expect((await call(w.users.volunteerA1.token, 'POST', `/orders/${taken.id}/accept`, {})).statusCode).toBe(200);

    clock.now = at(5000 + config.notify.responsibleAlarmUrgentMinutes - 1);
    expect(await notifications.alarmWaiting(clock.now)).toBe(0);
    clock.now = at(5000 + config.notify.responsibleAlarmUrgentMinutes);
    expect(await notifications.alarmWaiting(clock.now)).toBe(1);
    expect((await waitingAlarms(urgent.id)).map((x) => x.recipient_id)).toEqual([cadre.id]);
    expect(await waitingAlarms(normal.id)).toEqual([]);

    clock.now = at(5000 + config.notify.responsibleAlarmMinutes);
    // two sweeps at once (two API processes): still one alarm each
    await Promise.all([notifications.alarmWaiting(clock.now), notifications.alarmWaiting(clock.now)]);
    const said = await waitingAlarms(normal.id);
    expect(said).toEqual([expect.objectContaining({ recipient_id: cadre.id, source: `waiting:${normal.id}:1` })]);
    expect(said[0]!.body).toContain(`已等待 ${config.notify.responsibleAlarmMinutes} 分钟`);
    expect(await waitingAlarms(urgent.id)).toHaveLength(1);
    // someone took that one: nobody needs alarming
    expect(await waitingAlarms(taken.id)).toEqual([]);
    clock.now = at(5000 + 2 * config.notify.responsibleAlarmMinutes);
    expect(await notifications.alarmWaiting(clock.now)).toBe(0);
  });
});

describe('the board (GET /orders?actionable=true)', () => {
  it('puts the orders waiting past their deadline first, longest waiting first, with waitedMinutes', async () => {
    // three households of 甲一网格 (one open order per resident and service; residentA1's is open from above)
    const [r1, r2, r3] = [await resident('看板住户一', w.regions.A1), await resident('看板住户二', w.regions.A1), await resident('看板住户三', w.regions.A1)];
    clock.now = at(1000);
    const first = await order(r1.token);
    clock.now = at(1010);
    const second = await order(r2.token);
    clock.now = at(1250);
    const fresh = await order(r3.token);
    await sweepAll(database.db, clock.now);
    const mine = new Set([first.id, second.id, fresh.id]);
    const board = await call(w.users.gridWorkerA1.token, 'GET', '/orders?actionable=true&limit=5');
    expect(board.statusCode).toBe(200);
    const items = board.json<Page<OrderDto>>().items.filter((i) => mine.has(i.id));
    expect(items.map((i) => i.id)).toEqual([first.id, second.id, fresh.id]);
    expect(items.map((i) => i.waitedMinutes)).toEqual([250, 240, null]);
    expect(items[0]!.responsible).not.toBeNull();
    // every overdue order on the first page, whatever the limit; the pages go on with the rest, none twice
    const all = await call(w.users.gridWorkerA1.token, 'GET', '/orders?actionable=true&limit=1');
    const page = all.json<Page<OrderDto>>();
    const overdue = page.items.filter((i) => i.waitedMinutes !== null);
    expect(overdue.length).toBeGreaterThanOrEqual(2);
    expect(overdue.map((i) => i.waitedMinutes)).toEqual([...overdue.map((i) => i.waitedMinutes)].sort((a, b) => b! - a!));
    const seen = new Set(page.items.map((i) => i.id));
    let cursor = page.nextCursor;
    while (cursor !== null) {
      const next = (await call(w.users.gridWorkerA1.token, 'GET', `/orders?actionable=true&limit=20&cursor=${cursor}`)).json<Page<OrderDto>>();
      for (const i of next.items) {
        expect(seen.has(i.id)).toBe(false);
        expect(i.waitedMinutes).toBeNull();
        seen.add(i.id);
      }
      cursor = next.nextCursor;
    }
    expect(seen.has(fresh.id)).toBe(true);
  });
});

describe('at the county it never just waits', () => {
  it('alarms the county’s dispatchers and the responsible person again every period, exactly once per period, until someone takes it', async () => {
    clock.now = at(2000);
    // a household of 甲一网格 with no open order (residentA1's are open from above)
    const o = await order((await resident('旗级住户', w.regions.A1)).token);
    for (const m of [2120, 2240, 2360]) {
      clock.now = at(m);
      await sweepAll(database.db, clock.now);
    }
    const alarms = () =>
      database.db.query<Array<{ kind: string; recipient_id: string; source: string }>>(
        `SELECT kind, recipient_id, source FROM notification WHERE order_id = $1 AND source LIKE 'overdue:%' ORDER BY source, kind, recipient_id`,
        [o.id],
      );
    // COUNTY_OVERDUE_MINUTES (60) after reaching the county: not before
    await notifications.alarmOverdue(at(2419));
    expect(await alarms()).toEqual([]);
    // two sweeps at once, in the same period: one alarm each
    await Promise.all([notifications.alarmOverdue(at(2420)), notifications.alarmOverdue(at(2421))]);
    const first = await alarms();
    const responsible = o.responsible!.id;
    expect(first.map((a) => [a.kind, a.recipient_id])).toEqual(
      [
        ['staff.overdue', dispatcherCounty.id],
        ['staff.waiting', responsible],
      ].sort(),
    );
    await notifications.alarmOverdue(at(2449));
    expect(await alarms()).toHaveLength(2);
    // COUNTY_ALARM_REPEAT_MINUTES (30) later: again, once
    await Promise.all([notifications.alarmOverdue(at(2450)), notifications.alarmOverdue(at(2450))]);
    const second = await alarms();
    expect(second).toHaveLength(4);
    expect(new Set(second.map((a) => a.source)).size).toBe(2);
    const [text] = await database.db.query<Array<{ body: string }>>(
      `SELECT body FROM notification WHERE order_id = $1 AND kind = 'staff.overdue' ORDER BY id DESC LIMIT 1`,
      [o.id],
    );
    expect(text!.body).toContain('已等待 450 分钟');
    // someone takes it: no more
    clock.now = at(2460);
    expect((await call(volunteerB1.token, 'POST', `/orders/${o.id}/accept`, {})).statusCode).toBe(200);
    await notifications.alarmOverdue(at(2490));
    expect(await alarms()).toHaveLength(4);
  });
});

describe('the overdue list per place (GET /orders/overdue)', () => {
  let o: OrderDto;
  beforeAll(async () => {
    clock.now = at(3000);
    // 乙一网格: no grid worker there, none at 乙社区 either — 一号镇's dispatcher answers for it
    o = await order((await resident('乙一居民', w.regions.B1)).token);
    clock.now = at(3130);
    await sweepAll(database.db, clock.now);
  });

  it('lists, under the place, the orders waiting past their deadline with waited minutes, responsible person and level', async () => {
    const res = await call(w.users.dispatcherT.token, 'GET', `/orders/overdue?regionId=${w.regions.B}`);
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: OrderDto[] }>().items;
    const mine = items.find((i) => i.id === o.id)!;
    expect(mine).toMatchObject({ waitedMinutes: 130, escalationLevel: 'community' });
    expect(mine.responsible).toMatchObject({ id: w.users.dispatcherT.id, name: '一号镇调度', phoneMasked: false });
    // longest waiting first, every one overdue
    expect(items.every((i) => i.waitedMinutes !== null && (i.status === 'pending' || i.status === 'dispatched'))).toBe(true);
    expect(items.map((i) => i.waitedMinutes)).toEqual([...items.map((i) => i.waitedMinutes)].sort((a, b) => b! - a!));
  });

  it('scoped by jurisdiction: another town sees none of it, a place outside it is 404, a resident 403', async () => {
    const other = await call(w.users.dispatcherT2.token, 'GET', '/orders/overdue');
    expect(other.statusCode).toBe(200);
    expect(other.json<{ items: OrderDto[] }>().items.some((i) => i.id === o.id)).toBe(false);
    expect((await call(w.users.dispatcherT2.token, 'GET', `/orders/overdue?regionId=${w.regions.B}`)).statusCode).toBe(404);
    expect((await call(w.users.residentA1.token, 'GET', '/orders/overdue')).statusCode).toBe(403);
  });
});
