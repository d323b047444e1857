import type { BatchDispatchResultDto, OrderDto, OrderEventDto, Page } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Staff with jurisdiction act at once (issue 20, item 4): a dispatcher sends a fresh order of their jurisdiction
 * without waiting for it to escalate to their level, recorded as 越级派单 on the timeline; batch dispatch includes
 * those orders and names every order it leaves out, with why, in words a dispatcher understands.
 */

let t: TestApp;
let w: World;
type Who = keyof World['users'] | { id: string; token: string };
const tokenOf = (who: Who) => (typeof who === 'string' ? w.users[who].token : who.token);
const call = (who: Who, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, payload, headers: bearer(tokenOf(who)) });
const ok = async (who: Who, id: string, action: string, body: object = {}): Promise<OrderDto> => {
  const res = await call(who, 'POST', `/orders/${id}/${action}`, body);
  expect({ action, status: res.statusCode, body: res.json() }).toMatchObject({ action, status: 200 });
  return res.json<OrderDto>();
};
const lastEvent = async (id: string) => (await call('admin', 'GET', `/orders/${id}/events`)).json<{ items: OrderEventDto[] }>().items.at(-1)!;
const order = async (categoryCode = 'medicine_delivery', who: Who = 'residentA1'): Promise<OrderDto> => {
  const res = await call(who, 'POST', '/orders', { categoryCode, description: '需要帮忙', urgency: 'normal' });
  expect(res.statusCode).toBe(201);
  return res.json<OrderDto>();
};
const volunteer = async (name: string, phone: string, region: string, skills: string[]) => {
  const [row] = await t.database.db.query<Array<{ id: string }>>(
    `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
     VALUES ($1, $2, '{volunteer}', $3, $4, true, 40.751, 107.401) RETURNING id`,
    [name, phone, region, skills],
  );
  return { id: row!.id, token: t.app.jwt.sign({ sub: row!.id }) };
};

beforeAll(async () => {
  // one task in hand at a time: the batch below finds someone with their hands full
  t = await buildTestApp({ LOG_LEVEL: 'error', MATCH_MAX_ACTIVE_TASKS: '1' });
  w = await buildWorld(t.app, t.database.db);
});

afterAll(async () => {
  await t.close();
});

describe('越级派单: staff dispatch before the order reaches their level', () => {
  it("the town's dispatcher dispatches a fresh grid-level order at once, and the timeline says so", async () => {
    const o = await order();
    expect(o.escalationLevel).toBe('grid');
    const seen = (await call('dispatcherT', 'GET', `/orders/${o.id}`)).json<OrderDto>();
    expect(seen.actions).toEqual(['dispatch', 'cancel']);
    // the order is not on the town's board yet (三级联动 still decides whose list it tops)
    const board = (await call('dispatcherT', 'GET', '/orders?actionable=true')).json<Page<OrderDto>>().items.map((i) => i.id);
    expect(board).not.toContain(o.id);

    const sent = await ok('dispatcherT', o.id, 'dispatch', { assigneeId: w.users.volunteerA1.id });
    expect(sent).toMatchObject({ status: 'dispatched', dispatchedToUserId: w.users.volunteerA1.id });
    expect(await lastEvent(o.id)).toMatchObject({
      type: 'dispatch',
      actorId: w.users.dispatcherT.id,
      data: { assigneeId: w.users.volunteerA1.id, overLevel: true, level: 'grid' },
    });
    // staff elsewhere still neither see nor act on it
    expect((await call('dispatcherT2', 'POST', `/orders/${o.id}/dispatch`, { assigneeId: w.users.volunteerA1.id })).statusCode).toBe(404);
  });

  it('is not 越级 for the grid worker of the grid, nor for an administrator over everything', async () => {
    // general services (any volunteer of the area): one open order per resident and service (issue 20)
    for (const [who, service] of [
      ['gridWorkerA1', 'errands'],
      ['admin', 'meal_delivery'],
    ] as const) {
      const o = await order(service);
      await ok(who, o.id, 'dispatch', { assigneeId: w.users.volunteerA1.id });
      const e = await lastEvent(o.id);
      expect({ who, data: e.data }).toEqual({ who, data: { assigneeId: w.users.volunteerA1.id, assigneeName: '甲一志愿者' } });
    }
  });

  it('keeps cancelling as it was: any staff member with jurisdiction, the resident before check-in', async () => {
    const o = await order('paperwork');
    expect((await ok('dispatcherT', o.id, 'cancel', { reason: '家属来电说不需要了' })).status).toBe('cancelled');
  });
});

describe('batch dispatch (批量派单) includes them and says what it left out, and why', () => {
  it('dispatches the grid-level orders of the town, and names every order left out with its reason', async () => {
    const db = t.database.db;
    // nobody else can take anything in grid A1 from here on
    await db.query(`UPDATE app_user SET on_duty = false WHERE region_id = $1`, [w.regions.A1]);
    await db.query(`UPDATE service_order SET status = 'cancelled', cancelled_at = now() WHERE status IN ('pending', 'dispatched', 'accepted')`);
    const medic = await volunteer('王志愿者', '13711130001', w.regions.A1, ['medicine_delivery']);
    const fixer = await volunteer('维修志愿者', '13711130002', w.regions.A1, ['appliance_repair']);
    const helper = await volunteer('孙志愿者', '13711130003', w.regions.A1, []);
    // the only one who repairs appliances already has a task in hand (an errand, which anyone of the area may take):
    // at the limit of one
    const held = await order('errands');
    await ok(fixer, held.id, 'accept');

    const medicine = await order('medicine_delivery');
    // one open order per resident and service (issue 20): the dispatched one is a general service, which the helper
    // without skills may be sent
    const dispatched = await order('meal_delivery');
    await ok('gridWorkerA1', dispatched.id, 'dispatch', { assigneeId: helper.id });
    const haircut = await order('haircut');
    const repair = await order('appliance_repair');
    // a place of another town is not the town dispatcher's: never in their batch
    await order('medicine_delivery', 'residentX1');

    const res = await call('dispatcherT', 'POST', '/dispatch/batch', { regionId: w.regions.T });
    expect(res.statusCode).toBe(200);
    const batch = res.json<BatchDispatchResultDto>();
    expect(batch).toMatchObject({
      orders: 3,
      assigned: [{ orderId: medicine.id, assigneeId: medic.id, assigneeName: '王志愿者' }],
      unassigned: [
        { orderId: haircut.id, reason: '现在没有符合条件的接单人（需在岗、技能相符、在需求所在区域内）' },
        { orderId: repair.id, reason: '能接的 1 人手头任务都已满（每人最多 1 个）' },
      ],
      skipped: [{ orderId: dispatched.id, reason: '已派单，等待接单人回应' }],
      summary: '共 3 个待派需求，派出 1 个（其中 1 个尚未升级到本级，记为越级派单）；2 个未派出，原因见各需求；另有 1 个需求未纳入（已派单等），原因见各需求。',
    });
    expect(await lastEvent(medicine.id)).toMatchObject({
      type: 'dispatch',
      actorId: w.users.dispatcherT.id,
      reason: '批量派单',
      data: { batch: true, assigneeId: medic.id, overLevel: true, level: 'grid' },
    });
  });

  it('says why when there is nothing to dispatch', async () => {
    const empty = (await call('dispatcherT', 'POST', '/dispatch/batch', { regionId: w.regions.B1 })).json<BatchDispatchResultDto>();
    expect(empty).toMatchObject({ orders: 0, assigned: [], unassigned: [], skipped: [], summary: '该区域没有待派的需求。' });
  });

  it('says when everyone who could take an order is off their roster now', async () => {
    const db = t.database.db;
    const o = await order('companionship', 'residentA2');
    const [row] = await db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, roster, location_lat, location_lng)
       VALUES ('周志愿者', '13711130004', '{volunteer}', $1, '{companionship}', true, $2, 40.751, 107.401) RETURNING id`,
      // a slot that is never now: 03:00–03:01 on a day of the week other than today
      [w.regions.A2, JSON.stringify([{ weekday: ((new Date().getUTCDay() + 3) % 7) + 1, start: '03:00', end: '03:01' }])],
    );
    expect(row).toBeDefined();
    const batch = (await call('dispatcherT', 'POST', '/dispatch/batch', { regionId: w.regions.A2 })).json<BatchDispatchResultDto>();
    expect(batch.unassigned).toEqual([{ orderId: o.id, reason: '能接的 1 人现在都不在排班时段内' }]);
  });
});
