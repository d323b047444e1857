import 'reflect-metadata';
import type { ErrorBody, NotificationPageDto, OrderDto, OrderEventDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../server/src/app';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { waitFor } from '../support/tmp';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * A repeat is a nudge, not a duplicate (issue 20, item 7): ordering a service one already has open answers 409
 * ORDER_REPEATED naming that order — whoever orders, and however many identical requests arrive at once — and
 * 催一下 on the open order makes it urgent, shortens its wait, re-offers it, counts, and tells the staff.
 */

const MINUTE = 60_000;
const MEDICINE = { categoryCode: 'medicine_delivery', description: '帮忙去医院取药', urgency: 'normal' as const };
const FAMILY_PHONE = '13655557777';

type Who = keyof World['users'] | { token: string };

describe('a repeat is a nudge (催一下), not a duplicate', () => {
  let database: TestDatabase;
  let db: DataSource;
  let app: FastifyInstance;
  let w: World;
  let family: { id: string; token: string };
  const clock = { now: new Date() };

  const tokenOf = (who: Who) => (typeof who === 'string' ? w.users[who].token : who.token);
  const call = (who: Who, method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method, url: `/api/v1${url}`, payload, headers: { ...bearer(tokenOf(who)), ...headers } });
  const place = (who: Who, body: object = {}, headers: Record<string, string> = {}) => call(who, 'POST', '/orders', { ...MEDICINE, ...body }, headers);
  const placed = async (who: Who, body: object = {}): Promise<OrderDto> => {
    const res = await place(who, body);
    expect(res.statusCode).toBe(201);
    return res.json<OrderDto>();
  };
  const urge = (who: Who, id: string, body: object = {}) => call(who, 'POST', `/orders/${id}/urge`, body);
  const events = async (id: string) => (await call('admin', 'GET', `/orders/${id}/events`)).json<{ items: OrderEventDto[] }>().items;
  const openOf = async (residentId: string, category = 'medicine_delivery') =>
    (
      await db.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM service_order WHERE resident_id = $1 AND category_code = $2 AND status NOT IN ('completed', 'closed', 'cancelled')`,
        [residentId, category],
      )
    )[0]!.n;
  const later = (minutes: number) => (clock.now = new Date(clock.now.getTime() + minutes * MINUTE));
  const expectRepeated = (res: { statusCode: number; json: <T>() => T }, first: OrderDto, message: string, service = '送医送药') => {
    expect(res.statusCode).toBe(409);
    const body = res.json<ErrorBody>();
    expect(body.code).toBe('ORDER_REPEATED');
    expect(body.message).toContain(message);
    expect(body.details).toEqual([
      {
        field: 'categoryCode',
        message: expect.stringContaining(service) as string,
        order: { id: first.id, status: first.status, categoryName: service },
      },
    ]);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    // this process runs the notification jobs itself
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error', JOB_CONCURRENCY: '2' }), db, clock: () => new Date(clock.now.getTime()) });
    w = await buildWorld(app, db);
    // 甲一居民's daughter, with a login of her own (家属)
    const [row] = await db.query<Array<{ id: string }>>(`INSERT INTO app_user (name, phone, roles) VALUES ('甲一居民的女儿', $1, '{resident}') RETURNING id`, [
      FAMILY_PHONE,
    ]);
    await db.query(`INSERT INTO family_contact (resident_id, name, relation, phone) VALUES ($1, '女儿', 'child', $2)`, [w.users.residentA1.id, FAMILY_PHONE]);
    family = { id: row!.id, token: app.jwt.sign({ sub: row!.id }) };
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });
  afterEach(async () => {
    await db.query(`UPDATE region SET dispatch_mode = NULL, effective_dispatch_mode = 'manual'`);
    await db.query(`UPDATE service_order SET status = 'cancelled', auto_dispatch_at = NULL WHERE status NOT IN ('closed', 'cancelled')`);
    await db.query(`UPDATE order_assignment SET state = 'cancelled' WHERE state IN ('accepted', 'in_service')`);
    await db.query(`UPDATE app_user SET on_duty = false`);
    later(24 * 60);
  });

  describe('ordering a service one has open', () => {
    it('is refused 409 naming the open order, whoever orders; another service is fine', async () => {
      const first = await placed('residentA1');
      expectRepeated(await place('residentA1', { description: '再催一下取药' }), first, '您已有一个送医送药的需求正在办理');
      // family and staff ordering for the resident (代下单) are shown the same order
      expectRepeated(await place(family, { residentId: w.users.residentA1.id }), first, '该居民已有一个送医送药的需求正在办理');
      expectRepeated(await place('gridWorkerA1', { residentId: w.users.residentA1.id, channel: 'phone' }), first, '该居民已有一个送医送药的需求正在办理');
      expect(await openOf(w.users.residentA1.id)).toBe(1);
      // another service, and another resident's same service
      expect((await place('residentA1', { categoryCode: 'errands', description: '帮忙买菜' })).statusCode).toBe(201);
      expect((await place('residentA2')).statusCode).toBe(201);
    });

    it('is allowed again once the first is cancelled, or done', async () => {
      const first = await placed('residentA1');
      expect((await call('residentA1', 'POST', `/orders/${first.id}/cancel`, { reason: '不需要了' })).statusCode).toBe(200);
      const second = await placed('residentA1');
      // served to the end (待确认): no longer waiting for help
      expect((await call('gridWorkerA1', 'POST', `/orders/${second.id}/dispatch`, { assigneeId: w.users.volunteerA1.id })).statusCode).toBe(200);
      expect((await call('volunteerA1', 'POST', `/orders/${second.id}/accept`, {})).statusCode).toBe(200);
      expect((await call('volunteerA1', 'POST', `/orders/${second.id}/check-in`, { location: { lat: 40.751, lng: 107.401 } })).statusCode).toBe(200);
      expect((await call('volunteerA1', 'POST', `/orders/${second.id}/complete`, { note: '药已送到' })).statusCode).toBe(200);
      expect((await place('residentA1')).statusCode).toBe(201);
    });

    it('staff may knowingly place a second one (allowRepeat), recorded on the timeline; nobody else may', async () => {
      const first = await placed('residentA1', { categoryCode: 'appliance_repair', description: '厨房水龙头漏水' });
      const body = { categoryCode: 'appliance_repair', description: '卧室灯不亮了', residentId: w.users.residentA1.id, allowRepeat: true };
      const second = await place('gridWorkerA1', body);
      expect(second.statusCode).toBe(201);
      expect(second.json<OrderDto>().repeatOf).toBe(first.id);
      expect((await events(second.json<OrderDto>().id))[0]!.data).toMatchObject({ repeatOf: first.id, proxy: true });
      for (const who of ['residentA1', family] as const) {
        const res = await place(who, { ...body, description: '还有一处' });
        expect(res.statusCode).toBe(403);
        expect(res.json<ErrorBody>().message).toContain('allowRepeat');
      }
      // the first is still the one a repeat is shown
      expectRepeated(await place('residentA1', { categoryCode: 'appliance_repair' }), first, '您已有一个家电维修的需求正在办理', '家电维修');
    });

    it('identical requests at the same moment make one order; others of the same batch are written', async () => {
      const own = Array.from({ length: 6 }, () => place('residentA1'));
      const proxy = Array.from({ length: 3 }, () => place('gridWorkerA1', { residentId: w.users.residentA1.id }));
      const other = place('residentA2');
      const all = await Promise.all([...own, ...proxy]);
      expect(all.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409]);
      expect(all.filter((r) => r.statusCode === 409).every((r) => r.json<ErrorBody>().code === 'ORDER_REPEATED')).toBe(true);
      expect((await other).statusCode).toBe(201);
      expect(await openOf(w.users.residentA1.id)).toBe(1);
      expect(await openOf(w.users.residentA2.id)).toBe(1);
    });

    it('an Idempotency-Key replay still answers the same order 200', async () => {
      const first = await place('residentA1', {}, { 'idempotency-key': 'urge-replay-1' });
      expect(first.statusCode).toBe(201);
      const again = await Promise.all([1, 2, 3].map(() => place('residentA1', {}, { 'idempotency-key': 'urge-replay-1' })));
      for (const res of again) {
        expect(res.statusCode).toBe(200);
        expect(res.headers['idempotent-replayed']).toBe('true');
        expect(res.json<OrderDto>().id).toBe(first.json<OrderDto>().id);
      }
      // a new key is a new request: a repeat
      expectRepeated(await place('residentA1', {}, { 'idempotency-key': 'urge-replay-2' }), first.json<OrderDto>(), '您已有一个');
    });
  });

  describe('催一下', () => {
    it('makes the order urgent, shortens its wait, counts, and is on the timeline', async () => {
      const o = await placed('residentA1');
      expect(o.urgency).toBe('normal');
      later(5);
      const res = await urge('residentA1', o.id, { note: '药快吃完了' });
      expect(res.statusCode).toBe(200);
      const urged = res.json<OrderDto>();
      const window = clock.now.getTime() + 30 * MINUTE; // 送医送药's urgent window
      expect(urged).toMatchObject({ status: 'pending', urgency: 'urgent', urgeCount: 1, lastUrgedAt: clock.now.toISOString() });
      expect(Date.parse(urged.escalateAt!)).toBe(window);
      expect(Date.parse(urged.deadlineAt)).toBe(window);
      expect(urged.actions).toContain('urge');
      const last = (await events(o.id)).at(-1)!;
      expect(last).toMatchObject({
        type: 'urge',
        actorId: w.users.residentA1.id,
        fromStatus: 'pending',
        toStatus: 'pending',
        data: { count: 1, by: 'resident' },
      });

      // too early: refused, saying how long to wait
      later(3);
      const early = await urge('residentA1', o.id);
      expect(early.statusCode).toBe(429);
      expect(early.json<ErrorBody>()).toEqual({ code: 'RATE_LIMITED', message: '刚刚催过了，请 7 分钟后再催。' });
      expect(early.headers['retry-after']).toBe('420');

      // family may too, once the interval has passed; the window never grows back
      later(7);
      const again = await urge(family, o.id);
      expect(again.statusCode).toBe(200);
      expect(again.json<OrderDto>()).toMatchObject({ urgeCount: 2, escalateAt: new Date(window).toISOString() });
      expect((await events(o.id)).at(-1)!.data).toEqual({ count: 2, by: 'family' });
      // staff see the count on the board
      const board = (await call('gridWorkerA1', 'GET', '/orders?actionable=true')).json<{ items: OrderDto[] }>();
      expect(board.items.find((i) => i.id === o.id)).toMatchObject({ urgeCount: 2 });
    });

    it('a reopened order, waiting anew, has its new deadline shortened too', async () => {
      const o = await placed('residentA1');
      const act = async (who: Who, action: string, body: object = {}) => {
        const res = await call(who, 'POST', `/orders/${o.id}/${action}`, body);
        expect({ action, status: res.statusCode }).toEqual({ action, status: 200 });
        return res.json<OrderDto>();
      };
      await act('gridWorkerA1', 'dispatch', { assigneeId: w.users.volunteerA1.id });
      await act('volunteerA1', 'accept');
      await act('volunteerA1', 'check-in', { location: { lat: 40.751, lng: 107.401 } });
      await act('volunteerA1', 'complete', { note: '药已送到' });
      later(60);
      const reopened = await act('residentA1', 'confirm', { resolved: false, comment: '药拿错了' });
      expect(Date.parse(reopened.deadlineAt)).toBe(clock.now.getTime() + 120 * MINUTE);
      later(15);
      const urged = (await urge('residentA1', o.id)).json<OrderDto>();
      expect(Date.parse(urged.deadlineAt)).toBe(clock.now.getTime() + 30 * MINUTE);
      await act('residentA1', 'cancel', { reason: '自己去换了' });
    });

    it('a volunteer on the order may not (403), a stranger does not see it (404), a closed order cannot be urged (409)', async () => {
      const o = await placed('residentA1');
      expect((await call('gridWorkerA1', 'POST', `/orders/${o.id}/dispatch`, { assigneeId: w.users.volunteerA1.id })).statusCode).toBe(200);
      const byVolunteer = await urge('volunteerA1', o.id);
      expect(byVolunteer.statusCode).toBe(403);
      expect(byVolunteer.json<ErrorBody>().code).toBe('FORBIDDEN');
      expect((await urge('residentX1', o.id)).statusCode).toBe(404);
      expect((await call('residentA1', 'POST', `/orders/${o.id}/cancel`, { reason: '家人去取了' })).statusCode).toBe(200);
      const closed = await urge('residentA1', o.id);
      expect(closed.statusCode).toBe(409);
      expect(closed.json<ErrorBody>().code).toBe('CONFLICT');
      expect((await events(o.id)).some((e) => e.type === 'urge')).toBe(false);
    });

    it('under auto-dispatch re-offers a waiting order at once; under manual nothing automatic', async () => {
      await db.query(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery}' WHERE id = $1`, [w.users.volunteerA1.id]);
      expect(
        (
          await app.inject({
            method: 'PUT',
            url: `/api/v1/regions/${w.regions.A1}/dispatch-mode`,
            payload: { mode: 'pool' },
            headers: bearer(w.users.dispatcherT.token),
          })
        ).statusCode,
      ).toBe(200);
      const pooled = await placed('residentA1');
      expect(pooled.status).toBe('pending');
      // in the task hall for its window: nobody offered it yet
      expect((await events(pooled.id)).some((e) => e.type === 'offer')).toBe(false);
      const urged = (await urge('residentA1', pooled.id)).json<OrderDto>();
      // offered at once to several (先接先得): an `offer` right after the `urge`, the order waiting for the first to accept
      expect(urged).toMatchObject({ status: 'pending', dispatchedToUserId: null, urgeCount: 1 });
      const [urgedEvent, offered] = (await events(pooled.id)).slice(-2);
      expect(urgedEvent).toMatchObject({ type: 'urge', actorId: w.users.residentA1.id });
      expect(offered).toMatchObject({ type: 'offer', actorId: null, fromStatus: 'pending', toStatus: 'pending', at: clock.now.toISOString() });
      expect(offered!.data['people']).toContain(w.users.volunteerA1.id);

      await db.query(`UPDATE region SET dispatch_mode = NULL, effective_dispatch_mode = 'manual'`);
      const manual = await placed('residentA2');
      const left = (await urge('residentA2', manual.id)).json<OrderDto>();
      expect(left).toMatchObject({ status: 'pending', dispatchedToUserId: null, urgency: 'urgent' });
      expect((await db.query<Array<{ at: Date | null }>>(`SELECT auto_dispatch_at AS at FROM service_order WHERE id = $1`, [manual.id]))[0]!.at).toBeNull();
    });

    it('tells the staff of the grid (「居民催办」) and the volunteer on their way', async () => {
      const o = await placed('residentA1');
      expect((await call('gridWorkerA1', 'POST', `/orders/${o.id}/dispatch`, { assigneeId: w.users.volunteerA1.id })).statusCode).toBe(200);
      expect((await call('volunteerA1', 'POST', `/orders/${o.id}/accept`, {})).statusCode).toBe(200);
      later(1);
      expect((await urge('residentA1', o.id)).statusCode).toBe(200);
      const inbox = async (token: string) =>
        (await app.inject({ method: 'GET', url: '/api/v1/me/notifications', headers: bearer(token) })).json<NotificationPageDto>().items;
      const staff = await waitFor(
        async () => (await inbox(w.users.gridWorkerA1.token)).find((n) => n.kind === 'staff.urged' && n.orderId === o.id),
        15_000,
        'staff.urged',
      );
      expect(staff).toMatchObject({ title: '居民催办', urgent: true });
      expect(staff.body).toContain('甲一居民催办「送医送药」需求');
      const volunteer = await waitFor(
        async () => (await inbox(w.users.volunteerA1.token)).find((n) => n.kind === 'task.check_in_reminder' && n.orderId === o.id),
        15_000,
        'the volunteer reminded',
      );
      expect(volunteer.body).toContain('正在等您上门');
      // the resident who urged is not told of it
      expect((await inbox(w.users.residentA1.token)).filter((n) => n.orderId === o.id && n.kind === 'staff.urged')).toEqual([]);

      // dispatched, not yet answered: the person it waits for is asked again (a second 「有需求派给您」)
      const waiting = await placed('residentA2');
      expect((await call('admin', 'POST', `/orders/${waiting.id}/dispatch`, { assigneeId: w.users.volunteerA1.id })).statusCode).toBe(200);
      expect((await urge('residentA2', waiting.id)).statusCode).toBe(200);
      await waitFor(
        async () => (await inbox(w.users.volunteerA1.token)).filter((n) => n.kind === 'task.dispatched' && n.orderId === waiting.id).length === 2,
        15_000,
        'the assignee asked again',
      );
    });
  });
});
