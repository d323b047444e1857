import { replayOrderEvents, type OrderDto, type OrderEventDto, type Page, type ServiceRecordDto, type TaskPoolDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

type Who = keyof World['users'];

describe('the order lifecycle over HTTP', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await buildTestApp({ LOG_LEVEL: 'error' });
    w = await buildWorld(t.app, t.database.db);
    await t.database.db.query(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery,errands}' WHERE id = ANY($1)`, [
      [w.users.volunteerA1.id, w.users.gridWorkerA1.id],
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (who: Who, method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url: `/api/v1${url}`, payload, headers: { ...bearer(w.users[who].token), ...headers } });

  const order = async (who: Who = 'residentA1', body: object = {}): Promise<OrderDto> => {
    const res = await call(who, 'POST', '/orders', { categoryCode: 'medicine_delivery', description: '帮忙取降压药', urgency: 'normal', ...body });
    expect(res.statusCode).toBe(201);
    return res.json<OrderDto>();
  };

  const events = async (id: string): Promise<OrderEventDto[]> => (await call('admin', 'GET', `/orders/${id}/events`)).json<{ items: OrderEventDto[] }>().items;

  it('goes 点单 → 接单 → 签到 → 完成 → 评价, with the timeline replaying to its state', async () => {
    const o = await order();
    expect(o).toMatchObject({ status: 'pending', escalationLevel: 'grid', acceptedCount: 0, headcount: 1, channel: 'miniapp', actions: ['cancel', 'urge'] });
    expect(o.resident.phoneMasked).toBe(false);

    const pool = (await call('volunteerA1', 'GET', '/tasks/pool')).json<TaskPoolDto>();
    const inPool = pool.items.find((i) => i.id === o.id);
    expect(inPool).toMatchObject({ addressMasked: true, location: null, address: '甲社区', actions: ['accept'] });
    expect(inPool!.resident.phoneMasked).toBe(true);
    expect(typeof inPool!.distanceMeters).toBe('number');

    const accepted = await call('volunteerA1', 'POST', `/orders/${o.id}/accept`);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json<OrderDto>()).toMatchObject({ status: 'accepted', acceptedCount: 1, addressMasked: false, actions: ['release', 'check_in'] });

    const late = await call('gridWorkerA1', 'POST', `/orders/${o.id}/accept`);
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'CONFLICT', message: '该需求已被接单。' });

    const checkedIn = await call('volunteerA1', 'POST', `/orders/${o.id}/check-in`, { location: { lat: 40.7511, lng: 107.4011 } });
    expect(checkedIn.json<OrderDto>()).toMatchObject({ status: 'in_service', farCheckIn: false });
    const done = await call('volunteerA1', 'POST', `/orders/${o.id}/complete`, { note: '药已送到' });
    expect(done.json<OrderDto>()).toMatchObject({ status: 'completed' });
    const closed = await call('residentA1', 'POST', `/orders/${o.id}/confirm`, { resolved: true, rating: 5, comment: '谢谢' });
    // closed: only 问题未解决 is left, for a week after confirming (issue 22: the order reopens, its points reversed)
    expect(closed.json<OrderDto>()).toMatchObject({ status: 'closed', rating: 5, actions: ['reopen'] });

    const timeline = await events(o.id);
    expect(timeline.map((e) => e.type)).toEqual(['created', 'accept', 'check_in', 'complete', 'confirm']);
    expect(replayOrderEvents(timeline)).toBe('closed');
  });

  it('creates one order for one Idempotency-Key, even sent at once; another body with the key is 409', async () => {
    const body = { categoryCode: 'errands', description: '买菜', urgency: 'normal' };
    const key = `key-${Date.now()}`;
    const replies = await Promise.all(Array.from({ length: 10 }, () => call('residentA2', 'POST', '/orders', body, { 'idempotency-key': key })));
    const ids = new Set(replies.map((r) => r.json<OrderDto>().id));
    expect(ids.size).toBe(1);
    expect(replies.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const other = await call('residentA2', 'POST', '/orders', { ...body, description: '买药' }, { 'idempotency-key': key });
    expect(other.statusCode).toBe(409);
    const [row] = await t.database.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM service_order WHERE idempotency_key = $1`, [key]);
    expect(row?.n).toBe(1);
  });

  it("keeps each volunteer's service record: completions, minutes, releases, no-shows, rejects, rating, reliability", async () => {
    const record = async (who: Who, of: Who) => call(who, 'GET', `/users/${w.users[of].id}/service-record`);
    const before = (await record('volunteerA1', 'volunteerA1')).json<ServiceRecordDto>();
    // one more release and one rejected dispatch
    const o = await order();
    expect((await call('volunteerA1', 'POST', `/orders/${o.id}/accept`, { note: '二十分钟后到' })).statusCode).toBe(200);
    expect((await call('volunteerA1', 'POST', `/orders/${o.id}/release`, { reason: '家里有事' })).statusCode).toBe(200);
    expect((await call('gridWorkerA1', 'POST', `/orders/${o.id}/dispatch`, { assigneeId: w.users.volunteerA1.id })).statusCode).toBe(200);
    expect((await call('volunteerA1', 'POST', `/orders/${o.id}/reject`, { reason: '今天不在' })).statusCode).toBe(200);
    const after = (await record('volunteerA1', 'volunteerA1')).json<ServiceRecordDto>();
    expect(after).toMatchObject({
      accepted: before.accepted + 1,
      released: before.released + 1,
      rejectedDispatches: before.rejectedDispatches + 1,
      completed: before.completed,
    });
    expect(after.completed).toBeGreaterThanOrEqual(1); // the first test's order, rated 5
    expect(after.averageRating).toBe(5);
    expect(after.reliability).toBeCloseTo(after.completed / (after.completed + after.released + after.noShows), 3);
    // the accept's note is on the timeline
    expect((await events(o.id)).find((e) => e.type === 'accept')?.reason).toBe('二十分钟后到');
    // staff with jurisdiction see it; anyone else does not learn the person exists
    expect((await record('dispatcherT', 'volunteerA1')).statusCode).toBe(200);
    expect((await record('dispatcherT2', 'volunteerA1')).statusCode).toBe(404);
    expect((await record('residentA1', 'volunteerA1')).statusCode).toBe(404);
  });

  it('lists orders by scope with cursor pages', async () => {
    const page = (await call('dispatcherT', 'GET', '/orders?limit=1')).json<Page<OrderDto>>();
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const none = (await call('dispatcherT2', 'GET', '/orders')).json<Page<OrderDto>>();
    expect(none.items).toHaveLength(0);
  });
});
