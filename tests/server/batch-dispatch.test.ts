import 'reflect-metadata';
import { type BatchDispatchResultDto, type OrderDto, type OrderEventDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../server/src/app';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * 批量派单 over HTTP: POST /api/v1/dispatch/batch. The instance is built so that taking the best pair first (greedy)
 * leaves a resident waiting: 王 is the best for both orders but may take only one more task (MATCH_MAX_ACTIVE_TASKS
 * = 1); 李 can serve only the medicine order. The batch must serve both.
 */

const DOOR = { lat: 40.751, lng: 107.401 };
const METRES_PER_DEGREE = (6371008.8 * Math.PI) / 180;
const north = (metres: number) => DOOR.lat + metres / METRES_PER_DEGREE;

describe('POST /api/v1/dispatch/batch (批量派单)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let app: FastifyInstance;
  let w: World;
  let wang: { id: string; token: string };
  let li: { id: string; token: string };

  const call = (who: keyof World['users'], method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, payload, headers: bearer(w.users[who].token) });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error', MATCH_MAX_ACTIVE_TASKS: '1' }), db });
    w = await buildWorld(app, db);
    const add = async (name: string, phone: string, skills: string[], metres: number) => {
      const [row] = await db.query<Array<{ id: string }>>(
        `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
         VALUES ($1, $2, '{volunteer}', $3, $4, true, $5, $6) RETURNING id`,
        [name, phone, w.regions.A1, skills, north(metres), DOOR.lng],
      );
      return { id: row!.id, token: app.jwt.sign({ sub: row!.id }) };
    };
    // a qualified service besides medicine (a general one, like errands, anyone could take: issue 20)
    wang = await add('王志愿者', '13711110001', ['medicine_delivery', 'legal_consultation'], 0);
    li = await add('李志愿者', '13711110002', ['medicine_delivery'], 500);
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('serves both orders where best-first would leave one waiting, and says why', async () => {
    // the medicine order at 王's door, the legal question 200 m away: 王 scores best on both, best of all on medicine
    const medicine = (
      await call('residentA1', 'POST', '/orders', { categoryCode: 'medicine_delivery', description: '取药', urgency: 'normal', location: DOOR })
    ).json<OrderDto>();
    const legal = (
      await call('residentA1', 'POST', '/orders', {
        categoryCode: 'legal_consultation',
        description: '咨询赡养纠纷',
        urgency: 'normal',
        location: { lat: north(200), lng: DOOR.lng },
      })
    ).json<OrderDto>();

    // a place with nothing waiting says so
    const empty = await call('dispatcherT', 'POST', '/dispatch/batch', { regionId: w.regions.B1 });
    expect(empty.statusCode).toBe(200);
    expect(empty.json<BatchDispatchResultDto>()).toMatchObject({ orders: 0, assigned: [], unassigned: [], skipped: [], summary: '该区域没有待派的需求。' });

    const res = await call('gridWorkerA1', 'POST', '/dispatch/batch', { regionId: w.regions.A1 });
    expect(res.statusCode).toBe(200);
    const batch = res.json<BatchDispatchResultDto>();
    expect(batch).toMatchObject({ regionId: w.regions.A1, method: 'exact', orders: 2, unassigned: [], greedy: { assigned: 1 } });
    expect(batch.assigned.map((a) => [a.orderId, a.assigneeName])).toEqual([
      [medicine.id, '李志愿者'],
      [legal.id, '王志愿者'],
    ]);
    expect(batch.assigned[0]!.reasons.map((r) => r.text)).toContain('距离 500 米');
    expect(batch.totalScore).toBeCloseTo(batch.assigned[0]!.score + batch.assigned[1]!.score, 1);

    // dispatched for real, with the reasons on the timeline
    const check = async (id: string, to: string) => {
      const o = (await call('admin', 'GET', `/orders/${id}`)).json<OrderDto>();
      expect(o).toMatchObject({ status: 'dispatched', dispatchedToUserId: to });
      const events = (await call('admin', 'GET', `/orders/${id}/events`)).json<{ items: OrderEventDto[] }>().items;
      expect(events.at(-1)).toMatchObject({ type: 'dispatch', actorId: w.users.gridWorkerA1.id, reason: '批量派单', data: { batch: true } });
    };
    await check(medicine.id, li.id);
    await check(legal.id, wang.id);

    // run again: nothing pending is left, and the answer says what became of the two
    expect((await call('gridWorkerA1', 'POST', '/dispatch/batch', { regionId: w.regions.A1 })).json<BatchDispatchResultDto>()).toMatchObject({
      orders: 0,
      skipped: [
        { orderId: medicine.id, reason: '已派单，等待接单人回应' },
        { orderId: legal.id, reason: '已派单，等待接单人回应' },
      ],
      summary: '该区域没有待派的需求；另有 2 个需求未纳入（已派单等），原因见各需求。',
    });
  });

  it('reports an order nobody can take, with the reason', async () => {
    const lonely = (await call('residentA1', 'POST', '/orders', { categoryCode: 'haircut', description: '理发', urgency: 'normal' })).json<OrderDto>();
    const batch = (await call('admin', 'POST', '/dispatch/batch', { regionId: w.regions.A })).json<BatchDispatchResultDto>();
    expect(batch.unassigned).toContainEqual({ orderId: lonely.id, reason: '现在没有符合条件的接单人（需在岗、技能相符、在需求所在区域内）' });
  });

  it('is for staff with jurisdiction, with a clear error for a bad region', async () => {
    expect((await call('volunteerA1', 'POST', '/dispatch/batch', { regionId: w.regions.A1 })).statusCode).toBe(403);
    expect((await call('residentA1', 'POST', '/dispatch/batch', { regionId: w.regions.A1 })).statusCode).toBe(403);
    expect((await call('dispatcherT2', 'POST', '/dispatch/batch', { regionId: w.regions.A1 })).statusCode).toBe(404);
    expect((await call('gridWorkerA1', 'POST', '/dispatch/batch', { regionId: w.regions.A })).statusCode).toBe(404);
    const bad = await call('admin', 'POST', '/dispatch/batch', { regionId: 'A1' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([{ field: 'regionId', message: '地区编号格式不正确' }]);
    expect((await call('admin', 'POST', '/dispatch/batch', {})).json().details).toEqual([{ field: 'regionId', message: '必填' }]);
  });
});
