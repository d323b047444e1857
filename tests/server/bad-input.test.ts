import type { OrderDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

type Who = keyof World['users'];

/**
 * Input that once gave 500 (issue 18, item 9): every one is a 400 in the error contract, naming the field, and
 * nothing of it reaches the database.
 */
describe('bad input never 500s', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await buildTestApp({ LOG_LEVEL: 'silent' });
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (who: Who, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url: url.startsWith('/') ? url : `/api/v1/${url}`,
      ...(payload !== undefined
        ? {
            payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
            headers: { ...bearer(w.users[who].token), 'content-type': 'application/json' },
          }
        : { headers: bearer(w.users[who].token) }),
    });

  const expect400 = (res: { statusCode: number; json: () => unknown }, field: string) => {
    expect(res.statusCode).toBe(400);
    const body = res.json() as { code: string; message: string; details?: Array<{ field: string; message: string }> };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.message).toMatch(/[\u4e00-\u9fff]/);
    expect(body.details?.map((d) => d.field)).toContain(field);
  };

  const order = { categoryCode: 'medicine_delivery', description: '帮忙取降压药', urgency: 'normal' };

  describe('the NUL character', () => {
    it('in an order description or address', async () => {
      expect400(await call('residentA1', 'POST', 'orders', { ...order, description: '取药\u0000' }), 'description');
      expect400(await call('residentA1', 'POST', 'orders', { ...order, address: '\u0000甲社区' }), 'address');
    });
    it('in my own name or address', async () => {
      expect400(await call('residentA1', 'PATCH', 'me', { name: '张\u0000三' }), 'name');
      expect400(await call('residentA1', 'PATCH', 'me', { address: '甲社区\u0000' }), 'address');
    });
    it('in a query string', async () => {
      expect400(await call('admin', 'GET', `users?q=${encodeURIComponent('张\u0000')}`), 'q');
    });
    it('in a cancel reason', async () => {
      const created = await call('residentA1', 'POST', 'orders', order);
      expect(created.statusCode).toBe(201);
      expect400(await call('residentA1', 'POST', `orders/${created.json<OrderDto>().id}/cancel`, { reason: '不需要了\u0000' }), 'reason');
    });
    it('in a path parameter: names nothing, so 404 in the contract (as any malformed id)', async () => {
      for (const res of [
        await call('admin', 'PATCH', `service-categories/${encodeURIComponent('abc\u0000')}`, { name: '送药' }),
        await call('admin', 'GET', `orders/${encodeURIComponent('\u0000')}`),
        // the page's wildcard path (any GET outside the API's routes)
        await call('admin', 'GET', `/api/v1/service-categories/${encodeURIComponent('abc\u0000')}`),
      ]) {
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/[\u4e00-\u9fff]/) as unknown });
      }
    });
    it('in a property name', async () => {
      expect400(await call('residentA1', 'POST', 'orders', { ...order, 'x\u0000': 1 }), 'x\\u0000');
    });
  });

  it('JSON nested 10,000 deep', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expect400(await call('residentA1', 'POST', 'orders', `{"description":${deep}}`), 'body');
    const list = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect400(await call('residentA1', 'PATCH', 'me', `{"name":${list}}`), 'body');
  });

  describe('coordinates are numbers, never coerced', () => {
    for (const [given, label] of [
      ['', 'an empty string'],
      [true, 'true'],
      ['0x1A', 'a hexadecimal string'],
      ['40.7', 'a numeric string'],
      [null, 'null'],
      [[40], 'a list'],
    ] as const) {
      it(`refuses ${label} as a latitude`, async () => {
        expect400(await call('residentA1', 'POST', 'orders', { ...order, location: { lat: given, lng: 107.4 } }), 'location.lat');
        expect400(await call('residentA1', 'PATCH', 'me', { location: { lat: 40.7, lng: given } }), 'location.lng');
      });
    }
    it('still accepts numbers', async () => {
      // another service than the open one above (one open order per resident and service)
      const res = await call('residentA1', 'POST', 'orders', { ...order, categoryCode: 'errands', location: { lat: 40.7511, lng: 107.4011 } });
      expect(res.statusCode).toBe(201);
      expect(res.json<OrderDto>().location).toEqual({ lat: 40.7511, lng: 107.4011 });
    });
  });

  describe('dates within a sane window', () => {
    for (const at of ['0001-01-01T00:00:00Z', '1900-01-01T00:00:00+08:00', '9999-12-31T23:59:59Z', '2999-01-01T00:00:00Z']) {
      it(`refuses ${at}`, async () => {
        expect400(await call('residentA1', 'POST', 'orders', { ...order, preferredStart: at }), 'preferredStart');
        expect400(await call('residentA1', 'POST', 'orders', { ...order, preferredEnd: at }), 'preferredEnd');
        expect400(await call('admin', 'GET', `orders?from=${encodeURIComponent(at)}`), 'from');
        expect400(await call('admin', 'GET', `stats/overview?to=${encodeURIComponent(at)}`), 'to');
      });
    }
    it('accepts this year', async () => {
      const res = await call('residentA1', 'POST', 'orders', { ...order, categoryCode: 'meal_delivery', preferredStart: '2026-12-07T09:00:00+08:00' });
      expect(res.statusCode).toBe(201);
    });
  });

  it('a multipart upload cut short or without its boundary (found by the OpenAPI fuzz test)', async () => {
    for (const payload of ['{"a":[]}', '--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\nabc']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/uploads',
        headers: { ...bearer(w.users.volunteerA1.token), 'content-type': 'multipart/form-data; boundary=x' },
        payload,
      });
      expect400(res, 'body');
    }
  });

  it('a path parameter over its limit answers in the error contract', async () => {
    for (const url of [`orders/${'a'.repeat(500)}`, `service-categories/${'a'.repeat(500)}`, `users/${'1'.repeat(150)}`, `orders/%E0%A4%A`]) {
      const res = await call('admin', 'GET', url);
      expect(res.statusCode).toBeLessThan(500);
      const body = res.json<{ code: string; message: string }>();
      expect(Object.keys(body).sort()).toEqual(expect.arrayContaining(['code', 'message']));
      expect(body.message).toMatch(/[\u4e00-\u9fff]/);
      expect(body).not.toHaveProperty('statusCode');
      expect(body).not.toHaveProperty('error');
    }
  });
});
