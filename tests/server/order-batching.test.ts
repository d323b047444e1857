import { randomUUID } from 'node:crypto';
import type { OrderDto } from '@bangbang/shared';
import type { Pool } from 'pg';
import { orderWriter, type NewOrder } from '../../server/src/modules/orders/creation';
import { insertOrders } from '../../server/src/modules/orders/order.repo';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * 点单 under load: the orders of concurrent requests are written together, by one statement (group commit), and the
 * people behind concurrent requests' tokens are read together. Whatever shares a batch, each request must get its
 * own answer: its own order, its own error, its own replay — and nothing written twice or lost.
 */

type Who = keyof World['users'];

describe('order creation in batches', () => {
  let t: TestApp;
  let w: World;
  /** Statements sent on the application's pool, by their first words. */
  const sent: string[] = [];

  beforeAll(async () => {
    t = await buildTestApp({ LOG_LEVEL: 'error' });
    w = await buildWorld(t.app, t.database.db);
    const pool = (t.database.db.driver as unknown as { master: Pool }).master;
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0];
      const text = typeof first === 'string' ? first : ((first as { text?: string }).text ?? '');
      sent.push(text.trim().slice(0, 40));
      return query(...args);
    };
  });
  afterAll(async () => {
    await t.close();
  });
  // a resident has one open order per service (issue 20): each test starts with none
  afterEach(async () => {
    await t.database.db.query(`UPDATE service_order SET status = 'cancelled' WHERE status NOT IN ('closed', 'cancelled')`);
  });

  /** Each request of a test is for another service (unless it says which), so that none is a repeat of another. */
  const SERVICES = ['medicine_delivery', 'errands', 'meal_delivery', 'hospital_escort', 'companionship', 'emotional_support', 'appliance_repair', 'haircut'];
  let asked = 0;
  const post = (who: Who, body: object, key?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      payload: { categoryCode: SERVICES[asked++ % SERVICES.length], urgency: 'normal', ...body },
      headers: { ...bearer(w.users[who].token), ...(key ? { 'idempotency-key': key } : {}) },
    });
  const inserts = () => sent.filter((s) => s.startsWith('WITH x AS')).length;
  const actorReads = () => sent.filter((s) => s.startsWith('SELECT u.id AS "u.id"')).length;

  it('12 orders from 3 residents at once: fewer statements than orders, and each answer is its own order as the database has it', async () => {
    const residents: Who[] = ['residentA1', 'residentA2', 'residentX1'];
    const asked = Array.from({ length: 12 }, (_, i) => ({ who: residents[i % 3]!, description: `同时下单 ${i}`, key: randomUUID() }));
    sent.length = 0;
    const answers = await Promise.all(asked.map((a) => post(a.who, { description: a.description }, a.key)));
    const writes = inserts();
    const reads = actorReads();

    expect(answers.map((r) => r.statusCode)).toEqual(asked.map(() => 201));
    const orders = answers.map((r) => r.json<OrderDto>());
    orders.forEach((o, i) => {
      expect(o.description).toBe(asked[i]!.description);
      expect(o.resident.id).toBe(w.users[asked[i]!.who].id);
      expect(o.requesterId).toBe(w.users[asked[i]!.who].id);
    });
    expect(new Set(orders.map((o) => o.id)).size).toBe(12);
    // the batches really formed, and residents ordering for themselves were read by the order's own statement
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThan(12);
    expect(reads).toBe(0);

    // the answer, built from what was written, is exactly what reading the order back shows its resident
    for (const [i, o] of orders.entries()) {
      const again = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${o.id}`, headers: bearer(w.users[asked[i]!.who].token) });
      expect(again.json<OrderDto>()).toEqual(o);
    }
    const events = await t.database.db.query<Array<{ order_id: string; n: string; actor: string }>>(
      `SELECT order_id, count(*) AS n, min(actor_id::text) AS actor FROM order_event WHERE order_id = ANY($1) GROUP BY order_id`,
      [orders.map((o) => o.id)],
    );
    expect(events).toHaveLength(12);
    for (const e of events) {
      expect(e.n).toBe('1');
      expect(e.actor).toBe(orders.find((o) => o.id === e.order_id)!.requesterId);
    }
  });

  it('the hot path refuses what createOrder refuses, with the same answers: a staff member without residentId, a person gone, a bad time window', async () => {
    const staff = await post('dispatcherT', { description: '调度员没写居民' });
    expect(staff.statusCode).toBe(400);
    expect(staff.json()).toMatchObject({ details: [{ field: 'residentId' }] });

    const window = await post('residentA1', { description: '时间反了', preferredStart: '2026-12-01T10:00:00Z', preferredEnd: '2026-12-01T09:00:00Z' });
    expect(window.statusCode).toBe(400);
    expect(window.json()).toMatchObject({ details: [{ field: 'preferredEnd' }] });

    // a token whose person was removed: 401, and nothing written
    const [gone] = await t.database.db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id) VALUES ('将被删除', '13912340000', '{resident}', $1) RETURNING id`,
      [w.regions.A1],
    );
    const token = t.app.jwt.sign({ sub: gone!.id });
    await t.database.db.query(`DELETE FROM app_user WHERE id = $1`, [gone!.id]);
    const answer = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      payload: { categoryCode: 'medicine_delivery', urgency: 'normal', description: '人已不在' },
      headers: bearer(token),
    });
    expect(answer.statusCode).toBe(401);
    expect(answer.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await t.database.db.query(`SELECT id FROM service_order WHERE resident_id = $1`, [gone!.id])).toHaveLength(0);

    // a resident's own order takes their place, address and location; given ones win
    const home = (await post('residentA2', { description: '用资料里的地址' })).json<OrderDto>();
    expect(home).toMatchObject({ regionId: w.regions.A2, address: '甲社区9号楼1单元101', location: { lat: 40.751, lng: 107.401 }, escalationLevel: 'grid' });
    const given = (await post('residentA2', { description: '在别处', address: '村委会门口', location: { lat: 40.8, lng: 107.5 } })).json<OrderDto>();
    expect(given).toMatchObject({ address: '村委会门口', location: { lat: 40.8, lng: 107.5 } });
  });

  it('an unknown service, a repeated key and a key reused for another body, in the same batch as good orders', async () => {
    const key = randomUUID();
    const reused = randomUUID();
    sent.length = 0;
    const [good, unknown, first, again, original, other] = await Promise.all([
      post('residentA1', { description: '好的一单' }),
      post('residentA2', { description: '没有这项服务', categoryCode: 'no_such_service' }),
      post('residentX1', { description: '重复提交', categoryCode: 'errands' }, key),
      post('residentX1', { description: '重复提交', categoryCode: 'errands' }, key),
      post('residentA1', { description: '原来的内容' }, reused),
      post('residentA1', { description: '改过的内容' }, reused),
    ]);
    expect(inserts()).toBeLessThan(6);

    expect(good.statusCode).toBe(201);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'categoryCode' }] });

    // one of the two identical requests made the order, the other is its replay
    expect([first.statusCode, again.statusCode].sort()).toEqual([200, 201]);
    expect(first.json<OrderDto>().id).toBe(again.json<OrderDto>().id);
    const keyed = await t.database.db.query(`SELECT id FROM service_order WHERE idempotency_key = $1`, [key]);
    expect(keyed).toHaveLength(1);

    // the same key with two bodies: one order, and 409 for the other
    expect([original.statusCode, other.statusCode].sort()).toEqual([201, 409]);
    const made = await t.database.db.query<Array<{ description: string }>>(`SELECT description FROM service_order WHERE idempotency_key = $1`, [reused]);
    expect(made).toHaveLength(1);
    const winner = original.statusCode === 201 ? original : other;
    expect(made[0]!.description).toBe(winner.json<OrderDto>().description);
  });

  it('when the batch statement fails, each order is written again alone: only the one at fault fails', async () => {
    const region = await t.database.db.query<Array<{ id: string; path: string }>>(`SELECT id, path FROM region WHERE id = $1`, [w.regions.A1]);
    const order = (residentId: string, description: string, categoryCode = 'medicine_delivery'): NewOrder => ({
      id: randomUUID(),
      residentId,
      requesterId: residentId,
      channel: 'miniapp',
      categoryCode,
      description,
      address: null,
      lat: null,
      lng: null,
      preferredStart: null,
      preferredEnd: null,
      urgency: 'normal',
      headcount: 1,
      regionId: region[0]!.id,
      regionPath: region[0]!.path,
      level: 'grid',
      idempotencyKey: null,
      requestHash: null,
      at: new Date(),
      poolOfferMinutes: 10,
      dispatchMode: 'manual',
    });
    const good = [order(w.users.residentA1.id, '第一单'), order(w.users.residentA1.id, '第二单', 'errands')];
    // nobody: the foreign key refuses it, and with it the whole statement it shares
    const ghost = order(randomUUID(), '没有这个人');
    await expect(insertOrders(t.database.db, [good[0]!, ghost])).rejects.toMatchObject({ code: '23503' });
    expect(await t.database.db.query(`SELECT id FROM service_order WHERE id = $1`, [good[0]!.id])).toHaveLength(0);

    const write = orderWriter(t.database.db, { maxBatch: 10, maxInFlight: 1 });
    const results = await Promise.allSettled([write(good[0]!), write(ghost), write(good[1]!)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: '23503' });
    const rows = await t.database.db.query<Array<{ description: string; events: string }>>(
      `SELECT o.description, (SELECT count(*) FROM order_event e WHERE e.order_id = o.id) AS events FROM service_order o WHERE o.id = ANY($1) ORDER BY o.description`,
      [[good[0]!.id, good[1]!.id, ghost.id]],
    );
    expect(rows).toEqual([
      { description: '第一单', events: '1' },
      { description: '第二单', events: '1' },
    ]);
    for (const r of results.filter((x): x is PromiseFulfilledResult<Awaited<ReturnType<typeof write>>> => x.status === 'fulfilled')) {
      expect(r.value).toMatchObject({ status: 'pending', version: 1, accepted_count: 0, category_name: expect.any(String) });
    }
  });

  it("a person's concurrent requests share one read of the person, and each is answered", async () => {
    // the same token 5 times at once: fewer reads than requests, five answers
    sent.length = 0;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(w.users.residentA1.token) })),
    );
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((r) => r.json<{ id: string }>().id))).toEqual(new Set([w.users.residentA1.id]));
    expect(actorReads()).toBeLessThan(5);
  });
});
