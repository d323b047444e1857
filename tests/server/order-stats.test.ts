import 'reflect-metadata';
import { ORDER_STATUSES, type ErrorBody, type OrderDto, type OrderStatus, type StatsOverviewDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import { sweepEscalations } from '../../server/src/modules/dispatching/escalation';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * The dashboard's figures, every one asserted exactly on a known history: orders placed at known minutes of the
 * injected clock, accepted, served, rated, escalated and cancelled at known minutes.
 */

const MINUTE = 60_000;
const T0 = new Date('2026-12-01T00:00:00.000Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * MINUTE);
const iso = (minutes: number): string => at(minutes).toISOString();

/** PostgreSQL's percentile_cont: linear interpolation at position p·(n−1) of the sorted values. */
function percentileCont(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
/** The route's rounding: to `digits` decimals. */
const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

function statuses(counts: Partial<Record<OrderStatus, number>>): Record<OrderStatus, number> {
  return Object.fromEntries(ORDER_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<OrderStatus, number>;
}

const MEDICINE = { categoryCode: 'medicine_delivery', categoryName: '送医送药' };
const ERRANDS = { categoryCode: 'errands', categoryName: '代购代办' };

describe('GET /api/v1/stats/overview', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let w: World;
  const clock = { now: T0 };
  const orders: Record<string, string> = {};

  type Who = keyof World['users'];
  const call = (who: Who | null, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, payload, headers: who === null ? {} : bearer(w.users[who].token) });
  const stats = (who: Who | null, query = '') => call(who, 'GET', `/stats/overview${query}`);
  const overview = async (who: Who, query = ''): Promise<StatsOverviewDto> => {
    const res = await stats(who, query);
    expect(res.statusCode).toBe(200);
    return res.json<StatsOverviewDto>();
  };

  /** At minute `m` of the clock: `who` orders; the order is remembered as `name`. */
  const order = async (m: number, name: string, who: Who, categoryCode: string, urgency: 'normal' | 'urgent' = 'normal') => {
    clock.now = at(m);
    let res = await call(who, 'POST', '/orders', { categoryCode, description: `需求 ${name}`, urgency });
    // a resident has one open order per service (issue 20): a second one open at once is the grid worker's, knowingly
    if (res.statusCode === 409) {
      const body = { categoryCode, description: `需求 ${name}`, urgency, residentId: w.users[who].id, channel: 'miniapp', allowRepeat: true };
      res = await call('gridWorkerA1', 'POST', '/orders', body);
    }
    expect(res.statusCode).toBe(201);
    orders[name] = res.json<OrderDto>().id;
  };
  /** At minute `m`: `who` does `action` on the order `name`. */
  const act = async (m: number, who: Who, action: string, name: string, payload: object = {}) => {
    clock.now = at(m);
    const res = await call(who, 'POST', `/orders/${orders[name]}/${action}`, payload);
    if (res.statusCode !== 200) throw new Error(`${action} ${name} by ${who} at minute ${m}: ${res.statusCode} ${res.body}`);
  };
  const door = { location: { lat: 40.751, lng: 107.401 } };

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error' }), db: database.db, clock: () => new Date(clock.now.getTime()) });
    w = await buildWorld(app, database.db);
    await database.db.query(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery,errands}' WHERE id = ANY($1)`, [
      [w.users.volunteerA1.id, w.users.gridWorkerA1.id, w.users.gridWorkerX1.id],
    ]);

    // Town T (grids A1, A2) — ten orders; town T2 (grid X1) — two. Minutes from T0; deadlines: medicine 120 / 30
    // urgent, errands 240 / 60 urgent.
    await order(0, 'o1', 'residentA1', 'medicine_delivery'); //         deadline 120
    await act(10, 'volunteerA1', 'accept', 'o1'); //                      10 min to accept
    await act(20, 'volunteerA1', 'check-in', 'o1', door);
    await order(30, 'x1', 'residentX1', 'medicine_delivery'); //        T2, deadline 150
    await act(50, 'gridWorkerX1', 'accept', 'x1'); //                     20 min
    await order(60, 'o2', 'residentA1', 'errands'); //                  deadline 300
    await act(60, 'gridWorkerX1', 'check-in', 'x1', door);
    await act(65, 'volunteerA1', 'complete', 'o1', { note: '药已送到' }); // 45 min of service
    await act(70, 'residentA1', 'confirm', 'o1', { resolved: true, rating: 5 });
    await act(90, 'volunteerA1', 'accept', 'o2'); //                      30 min
    await act(100, 'volunteerA1', 'check-in', 'o2', door);
    await order(120, 'o3', 'residentA2', 'medicine_delivery', 'urgent'); // deadline 150
    await act(120, 'gridWorkerX1', 'complete', 'x1', { note: '已送到' }); // 60 min of service (T2)
    await act(125, 'residentX1', 'confirm', 'x1', { resolved: true, rating: 4 });
    // nobody in grid A2 took o3 in time: the one escalation (to community A), where grid A1's people see it
    expect(await sweepEscalations(database.db, at(150))).toBe(1);
    await act(165, 'gridWorkerA1', 'accept', 'o3'); //                    45 min: after its deadline
    await act(170, 'gridWorkerA1', 'check-in', 'o3', door);
    await order(180, 'o4', 'residentA1', 'medicine_delivery'); //       deadline 300
    await act(185, 'volunteerA1', 'accept', 'o4'); //                     5 min
    await act(190, 'residentA1', 'cancel', 'o4', { reason: '家人已经买到了' });
    await act(195, 'volunteerA1', 'complete', 'o2', { note: '已代购' }); // 95 min of service
    await act(200, 'gridWorkerA1', 'complete', 'o3', { note: '药已送到' }); // 30 min of service
    await act(210, 'residentA2', 'confirm', 'o3', { resolved: true, rating: 4 });
    await order(240, 'o5', 'residentA1', 'errands'); //                 deadline 480
    await act(250, 'residentA1', 'cancel', 'o5', { reason: '不需要了' }); // before its deadline
    await order(300, 'o6', 'residentA2', 'medicine_delivery'); //       deadline 420, never accepted
    await order(360, 'o7', 'residentA1', 'medicine_delivery'); //       deadline 480
    await order(420, 'o8', 'residentA1', 'medicine_delivery'); //       deadline 540
    await order(480, 'o9', 'residentA1', 'medicine_delivery'); //       deadline 600 (after "now")
    await act(483, 'gridWorkerA1', 'dispatch', 'o9', { assigneeId: w.users.volunteerA1.id });
    await order(490, 'o10', 'residentA1', 'errands'); //                deadline 730
    await order(500, 'x2', 'residentX1', 'errands', 'urgent'); //       T2, deadline 560, never accepted
    await act(505, 'gridWorkerA1', 'accept', 'o10'); //                   15 min
    await act(510, 'residentA1', 'cancel', 'o7', { reason: '等不及了' }); // after its deadline, never accepted
    await act(515, 'gridWorkerA1', 'check-in', 'o10', door);
    await act(540, 'volunteerA1', 'accept', 'o8'); //                     120 min: exactly at its deadline
    // the dashboard is looked at now
    clock.now = at(570);
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('has the history it is meant to have', async () => {
    const rows = await database.db.query<Array<{ id: string; status: OrderStatus }>>(`SELECT id, status FROM service_order`);
    const status = Object.fromEntries(rows.map((r) => [r.id, r.status]));
    const named = (name: string) => status[orders[name]!];
    expect(['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'o8', 'o9', 'o10', 'x1', 'x2'].map(named)).toEqual([
      'closed',
      'completed',
      'closed',
      'cancelled',
      'cancelled',
      'pending',
      'cancelled',
      'accepted',
      'dispatched',
      'in_service',
      'closed',
      'pending',
    ]);
  });

  it("gives the town dispatcher every figure of town T's orders", async () => {
    const s = await overview('dispatcherT');
    const acceptMinutes = [10, 30, 45, 5, 120, 15]; // o1 o2 o3 o4 o8 o10
    expect(s).toEqual({
      regionId: w.regions.T,
      from: null,
      to: null,
      total: 10,
      byStatus: statuses({ pending: 1, dispatched: 1, accepted: 1, in_service: 1, completed: 1, closed: 2, cancelled: 3 }),
      byCategory: [
        { ...MEDICINE, count: 7 },
        { ...ERRANDS, count: 3 },
      ],
      // residentA1 (o1, o2) and residentA2 (o3)
      peopleServed: 2,
      // 45 + 95 + 30 minutes = 2.83 h
      volunteerServiceHours: round((45 + 95 + 30) / 60, 1),
      medianMinutesToAccept: round(percentileCont(acceptMinutes, 0.5), 1),
      p90MinutesToAccept: round(percentileCont(acceptMinutes, 0.9), 1),
      // counted: the six accepted, o6 (past its deadline) and o7 (cancelled after its deadline); not o5 (cancelled
      // before it) nor o9 (its deadline is still ahead). In time: o1 o2 o4 o10, and o8 exactly at the deadline.
      acceptedBeforeDeadlineShare: round(5 / 8, 3),
      averageRating: 4.5,
      escalations: 1,
    });
    // the same figures written out, so the helper above cannot hide a mistake
    expect([s.volunteerServiceHours, s.medianMinutesToAccept, s.p90MinutesToAccept, s.acceptedBeforeDeadlineShare]).toEqual([2.8, 22.5, 82.5, 0.625]);
  });

  it("gives town T2's dispatcher only T2's orders", async () => {
    expect(await overview('dispatcherT2')).toEqual({
      regionId: w.regions.T2,
      from: null,
      to: null,
      total: 2,
      byStatus: statuses({ pending: 1, closed: 1 }),
      // a tie: in the catalogue's order
      byCategory: [
        { ...MEDICINE, count: 1 },
        { ...ERRANDS, count: 1 },
      ],
      peopleServed: 1,
      volunteerServiceHours: 1,
      medianMinutesToAccept: 20,
      p90MinutesToAccept: 20,
      // x1 in time; x2 (urgent errands, deadline 560) past it and still waiting
      acceptedBeforeDeadlineShare: 0.5,
      averageRating: 4,
      escalations: 0,
    });
  });

  it('gives an admin without a region everything, and a grid worker only their grid', async () => {
    const all = await overview('admin');
    expect(all).toMatchObject({
      regionId: null,
      total: 12,
      peopleServed: 3,
      volunteerServiceHours: round((45 + 95 + 30 + 60) / 60, 1),
      averageRating: round((5 + 4 + 4) / 3, 2),
      escalations: 1,
    });
    expect(all.byStatus).toEqual(statuses({ pending: 2, dispatched: 1, accepted: 1, in_service: 1, completed: 1, closed: 3, cancelled: 3 }));
    const acceptMinutes = [10, 30, 45, 5, 120, 15, 20];
    expect(all.medianMinutesToAccept).toBe(20);
    expect(all.p90MinutesToAccept).toBe(round(percentileCont(acceptMinutes, 0.9), 1));
    expect(all.acceptedBeforeDeadlineShare).toBe(round(6 / 10, 3));
    expect(await overview('countyAdmin')).toEqual({ ...all, regionId: w.regions.county });

    // grid A1: all of T's orders but residentA2's o3 and o6
    const grid = await overview('gridWorkerA1');
    expect(grid).toMatchObject({
      regionId: w.regions.A1,
      total: 8,
      peopleServed: 1,
      escalations: 0,
      averageRating: 5,
      acceptedBeforeDeadlineShare: round(5 / 6, 3),
    });
    expect(grid.byStatus).toEqual(statuses({ dispatched: 1, accepted: 1, in_service: 1, completed: 1, closed: 1, cancelled: 3 }));
  });

  it('narrows to a region inside the jurisdiction', async () => {
    const a2 = await overview('admin', `?regionId=${w.regions.A2}`);
    expect(a2).toEqual({
      regionId: w.regions.A2,
      from: null,
      to: null,
      total: 2,
      byStatus: statuses({ pending: 1, closed: 1 }),
      byCategory: [{ ...MEDICINE, count: 2 }],
      peopleServed: 1,
      volunteerServiceHours: 0.5,
      medianMinutesToAccept: 45,
      p90MinutesToAccept: 45,
      // o3 accepted late, o6 past its deadline
      acceptedBeforeDeadlineShare: 0,
      averageRating: 4,
      escalations: 1,
    });
    expect(await overview('dispatcherT', `?regionId=${w.regions.A}`)).toEqual({ ...(await overview('dispatcherT')), regionId: w.regions.A });

    // a community with no orders: zeros and no averages
    expect(await overview('dispatcherT', `?regionId=${w.regions.B}`)).toEqual({
      regionId: w.regions.B,
      from: null,
      to: null,
      total: 0,
      byStatus: statuses({}),
      byCategory: [],
      peopleServed: 0,
      volunteerServiceHours: 0,
      medianMinutesToAccept: null,
      p90MinutesToAccept: null,
      acceptedBeforeDeadlineShare: null,
      averageRating: null,
      escalations: 0,
    });
  });

  it('filters by ordering time: from inclusive, to exclusive', async () => {
    // o2 (minute 60) and o3 (120); o4 at 180 is outside
    const s = await overview('dispatcherT', `?from=${iso(60)}&to=${iso(180)}`);
    expect(s).toEqual({
      regionId: w.regions.T,
      from: iso(60),
      to: iso(180),
      total: 2,
      byStatus: statuses({ completed: 1, closed: 1 }),
      byCategory: [
        { ...MEDICINE, count: 1 },
        { ...ERRANDS, count: 1 },
      ],
      peopleServed: 2,
      volunteerServiceHours: round((95 + 30) / 60, 1),
      medianMinutesToAccept: 37.5,
      p90MinutesToAccept: round(percentileCont([30, 45], 0.9), 1),
      acceptedBeforeDeadlineShare: 0.5,
      averageRating: 4,
      escalations: 1,
    });
    expect(s.p90MinutesToAccept).toBe(43.5);

    // from only: o6 o7 o8 o9 o10 and x2
    const late = await overview('admin', `?from=${iso(300)}`);
    expect(late).toMatchObject({ from: iso(300), to: null, total: 6, peopleServed: 0, volunteerServiceHours: 0, averageRating: null, escalations: 0 });
    expect(late.byStatus).toEqual(statuses({ pending: 2, dispatched: 1, accepted: 1, in_service: 1, cancelled: 1 }));
    expect([late.medianMinutesToAccept, late.p90MinutesToAccept]).toEqual([67.5, 109.5]);
    // o8 and o10 in time; o6, o7 and x2 past their deadlines unaccepted; o9 not yet due
    expect(late.acceptedBeforeDeadlineShare).toBe(0.4);

    // to only: o1 and x1
    const early = await overview('admin', `?to=${iso(60)}`);
    expect(early).toMatchObject({
      from: null,
      to: iso(60),
      total: 2,
      peopleServed: 2,
      volunteerServiceHours: round(105 / 60, 1),
      medianMinutesToAccept: 15,
      p90MinutesToAccept: 19,
    });
    expect(early).toMatchObject({ acceptedBeforeDeadlineShare: 1, averageRating: 4.5, escalations: 0 });

    // an offset is the same instant
    expect((await overview('dispatcherT', `?from=${encodeURIComponent('2026-12-01T09:00:00+08:00')}&to=${iso(180)}`)).total).toBe(2);
  });

  it('refuses what it must', async () => {
    const outside = await stats('dispatcherT', `?regionId=${w.regions.X}`);
    expect(outside.statusCode).toBe(404);
    expect(outside.json<ErrorBody>()).toMatchObject({ code: 'NOT_FOUND', message: '地区不存在。' });
    expect((await stats('dispatcherT', `?regionId=${w.regions.T2}`)).statusCode).toBe(404);
    expect((await stats('dispatcherT', `?regionId=${w.regions.county}`)).statusCode).toBe(404);
    expect((await stats('dispatcherT', '?regionId=00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);

    for (const who of ['volunteerA1', 'residentA1'] as const) {
      const res = await stats(who);
      expect(res.statusCode).toBe(403);
      expect(res.json<ErrorBody>()).toMatchObject({ code: 'FORBIDDEN', message: '只有工作人员可以查看统计。' });
    }
    const anonymous = await stats(null);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json<ErrorBody>().code).toBe('UNAUTHORIZED');

    for (const q of [`?from=${iso(60)}&to=${iso(60)}`, `?from=${iso(60)}&to=${iso(30)}`]) {
      const res = await stats('dispatcherT', q);
      expect(res.statusCode).toBe(400);
      expect(res.json<ErrorBody>()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'to', message: '结束时间须晚于开始时间' }] });
    }
    const badRegion = await stats('dispatcherT', '?regionId=not-a-uuid');
    expect(badRegion.statusCode).toBe(400);
    expect(badRegion.json<ErrorBody>()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'regionId', message: '地区编号格式不正确' }] });
    const badTime = await stats('dispatcherT', '?from=yesterday');
    expect(badTime.statusCode).toBe(400);
    expect(badTime.json<ErrorBody>().details).toEqual([expect.objectContaining({ field: 'from' })]);
  });
});
