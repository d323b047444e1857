import { Writable } from 'node:stream';
import type { OrderDto, OrderEventDto, TaskPoolDto } from '@bangbang/shared';
import pino from 'pino';
import { buildApp } from '../../server/src/app';
import { logSerializers } from '../../server/src/http/log-serializers';
import { buildTestApp, testConfig, type TestApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Privacy of residents (issue 18, item 11): the task hall shows a surname only; where a volunteer stood when
 * checking in is for staff and the current holder; those who served an order see the resident in full only until
 * VOLUNTEER_CONTACT_HOURS after it ended; logs carry no phones, addresses or SQL parameters.
 */
describe('privacy of residents', () => {
  let t: TestApp;
  let w: World;
  let second: { id: string; token: string };
  const DOOR = { lat: 40.751, lng: 107.401 };
  const NEAR = { lat: 40.75105, lng: 107.40105 };

  beforeAll(async () => {
    t = await buildTestApp({ LOG_LEVEL: 'error' });
    w = await buildWorld(t.app, t.database.db);
    const [row] = await t.database.db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
       VALUES ('甲一第二志愿者', '13912349999', '{volunteer}', $1, '{medicine_delivery}', true, 40.752, 107.402) RETURNING id`,
      [w.regions.A1],
    );
    second = { id: row!.id, token: t.app.jwt.sign({ sub: row!.id }) };
    await t.database.db.query(`UPDATE app_user SET on_duty = true WHERE id = $1`, [w.users.volunteerA1.id]);
  });
  afterAll(async () => {
    await t.close();
  });

  const call = async <T = OrderDto>(token: string, method: 'GET' | 'POST', url: string, payload?: object): Promise<T> => {
    const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload ? { payload } : {}) });
    expect(r.statusCode).toBeLessThan(300);
    return r.json<T>();
  };
  /** A fresh order of residentA1's; the one before, if still open, is retired (one open order per resident and service, issue 20). */
  const order = async (): Promise<OrderDto> => {
    await t.database.db.query(`UPDATE service_order SET status = 'cancelled' WHERE status IN ('pending', 'dispatched', 'accepted', 'in_service')`);
    return call(w.users.residentA1.token, 'POST', '/orders', { categoryCode: 'medicine_delivery', urgency: 'normal', description: '帮忙取药', location: DOOR });
  };

  it('the task hall shows the resident by surname only, with a masked phone', async () => {
    const o = await order();
    const hall = await call<TaskPoolDto>(w.users.volunteerA1.token, 'GET', '/tasks/pool');
    const seen = hall.items.find((i) => i.id === o.id)!;
    expect(seen.resident.name).toBe('甲**');
    expect(seen.resident.phoneMasked).toBe(true);
    // the resident and staff with jurisdiction see the name in full
    expect((await call(w.users.residentA1.token, 'GET', `/orders/${o.id}`)).resident.name).toBe('甲一居民');
    expect((await call(w.users.dispatcherT.token, 'GET', `/orders/${o.id}`)).resident.name).toBe('甲一居民');
  });

  it("a check-in's location is shown to staff and the current holder, not to a volunteer who released", async () => {
    const o = await order();
    await call(w.users.volunteerA1.token, 'POST', `/orders/${o.id}/accept`, {});
    await call(w.users.volunteerA1.token, 'POST', `/orders/${o.id}/release`, { reason: '临时有事' });
    await call(second.token, 'POST', `/orders/${o.id}/accept`, {});
    await call(second.token, 'POST', `/orders/${o.id}/check-in`, { location: NEAR });

    const checkIn = async (token: string) =>
      (await call<{ items: OrderEventDto[] }>(token, 'GET', `/orders/${o.id}/events`)).items.find((e) => e.type === 'check_in')!;
    expect((await checkIn(second.token)).data).toMatchObject({ location: NEAR });
    expect((await checkIn(w.users.dispatcherT.token)).data).toMatchObject({ location: NEAR });
    const released = await checkIn(w.users.volunteerA1.token);
    expect(released.data).not.toHaveProperty('location');
    expect(released.data).toMatchObject({ far: false });
  });

  it('those who served see the resident in full until VOLUNTEER_CONTACT_HOURS after the order closed', async () => {
    const o = await order();
    await call(second.token, 'POST', `/orders/${o.id}/accept`, {});
    await call(second.token, 'POST', `/orders/${o.id}/check-in`, { location: NEAR });
    await call(second.token, 'POST', `/orders/${o.id}/complete`, { note: '药已送到' });
    await call(w.users.residentA1.token, 'POST', `/orders/${o.id}/confirm`, { resolved: true, rating: 5 });

    const during = await call(second.token, 'GET', `/orders/${o.id}`);
    expect(during.resident).toMatchObject({ name: '甲一居民', phone: w.users.residentA1.phone, phoneMasked: false });
    expect(during.addressMasked).toBe(false);

    await t.database.db.query(`UPDATE service_order SET closed_at = closed_at - interval '25 hours' WHERE id = $1`, [o.id]);
    const after = await call(second.token, 'GET', `/orders/${o.id}`);
    expect(after.resident).toMatchObject({ name: '甲**', phoneMasked: true });
    expect(after.resident.phone).not.toBe(w.users.residentA1.phone);
    expect(after.addressMasked).toBe(true);
    expect(after.location).toBeNull();
    // the resident themself always
    expect((await call(w.users.residentA1.token, 'GET', `/orders/${o.id}`)).resident.phoneMasked).toBe(false);
  });
});

describe('logs carry no personal data', () => {
  it('a request is logged by its path: a phone in the query string stays out', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const database = await createTestDatabase();
    const app = await buildApp({ config: testConfig({ LOG_LEVEL: 'info' }), db: database.db, logger: pino({ level: 'info' }, sink) });
    try {
      const w = await buildWorld(app, database.db);
      const r = await app.inject({ method: 'GET', url: `/api/v1/users?q=${w.users.residentA1.phone}`, headers: bearer(w.users.admin.token) });
      expect(r.statusCode).toBe(200);
      const text = lines.join('');
      expect(text).toContain('/api/v1/users');
      expect(text).not.toContain(w.users.residentA1.phone);
    } finally {
      await app.close();
      await database.drop();
    }
  });

  it("a database error is logged without the statement's parameters or PostgreSQL's detail", () => {
    const err = Object.assign(new Error('duplicate key value violates unique constraint "app_user_phone_key"'), {
      query: 'INSERT INTO app_user (name, phone) VALUES ($1, $2)',
      parameters: ['孙桂兰', '13800000005'],
      driverError: { code: '23505', detail: 'Key (phone)=(13800000005) already exists.', parameters: ['13800000005'] },
      detail: 'Key (phone)=(13800000005) already exists.',
    });
    const logged = JSON.stringify(logSerializers.err(err));
    expect(logged).toContain('INSERT INTO app_user');
    expect(logged).toContain('23505');
    expect(logged).not.toContain('13800000005');
    expect(logged).not.toContain('孙桂兰');
  });
});
