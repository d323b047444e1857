import { createHmac } from 'node:crypto';
import type { LoginResponse, MeDto } from '@bangbang/shared';
import { buildTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Login sessions (issue 18, item 8): every token expires; logout ends one token, "log out everywhere" every token
 * of the person; a phone change or a role taken away ends the person's tokens; a role or place change applies to
 * the very next request.
 */

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An HS256 token signed with the server's own secret, claims as given. */
function signed(payload: Record<string, unknown>): string {
  const head = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${head}.${createHmac('sha256', TEST_JWT_SECRET).update(head).digest('base64url')}`;
}

describe('login sessions', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
  });

  let n = 0;
  /** A new person logged in by phone (a plain resident): their token and id. */
  const login = async (phone?: string): Promise<LoginResponse> => {
    n += 1;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/dev-login',
      payload: { phone: phone ?? `1370000${String(1000 + n).slice(-4)}` },
      remoteAddress: `10.9.0.${n}`,
    });
    expect(res.statusCode).toBe(200);
    return res.json<LoginResponse>();
  };
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
  const post = (url: string, token: string) => t.app.inject({ method: 'POST', url, headers: bearer(token) });

  it('refuses a token without an expiry (401), though its signature is good', async () => {
    const { user } = await login();
    const forever = signed({ sub: user.id, iat: Math.floor(Date.now() / 1000) });
    const res = await me(forever);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    // the same claims with an expiry are fine
    expect((await me(signed({ sub: user.id, exp: Math.floor(Date.now() / 1000) + 60 }))).statusCode).toBe(200);
  });

  it('signs tokens with an expiry, a token id and the person’s token version', async () => {
    const { token } = await login();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(typeof claims.exp).toBe('number');
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.ver).toBe(0);
  });

  it('logout ends that token at once, and only that one', async () => {
    const phone = '13700002001';
    const a = await login(phone);
    const b = await login(phone);
    expect(b.user.id).toBe(a.user.id);
    const out = await post('/api/v1/auth/logout', a.token);
    expect(out.statusCode).toBe(204);
    expect((await me(a.token)).statusCode).toBe(401);
    expect((await post('/api/v1/auth/logout', a.token)).statusCode).toBe(401);
    // the same person on another device is still logged in
    expect((await me(b.token)).statusCode).toBe(200);
    // and a new login works
    expect((await me((await login(phone)).token)).statusCode).toBe(200);
  });

  it('a logged-out token cannot place an order through the one-statement path either', async () => {
    const r = w.users.residentA1;
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { phone: r.phone }, remoteAddress: '10.9.1.1' });
    const { token } = res.json<LoginResponse>();
    const order = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: bearer(token),
        payload: { categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'normal' },
      });
    expect((await order()).statusCode).toBe(201);
    expect((await post('/api/v1/auth/logout', token)).statusCode).toBe(204);
    const after = await order();
    expect(after.statusCode).toBe(401);
  });

  it('log out everywhere ends every token of the person, and only theirs', async () => {
    const phone = '13700002002';
    const a = await login(phone);
    const b = await login(phone);
    const other = await login();
    expect((await post('/api/v1/auth/logout-all', a.token)).statusCode).toBe(204);
    expect((await me(a.token)).statusCode).toBe(401);
    expect((await me(b.token)).statusCode).toBe(401);
    expect((await me(other.token)).statusCode).toBe(200);
    const again = await login(phone);
    expect((await me(again.token)).statusCode).toBe(200);
  });

  it('ends the tokens of a person whose phone changes', async () => {
    const person = await login('13700002003');
    // staff may no longer change the phone of a person who logs in (issue 18, item 5: they re-verify it
    // themselves), so the change is made where every path ends: the row, whose trigger raises the version
    await t.database.db.query(`UPDATE app_user SET phone = '13700002004' WHERE id = $1`, [person.user.id]);
    expect((await me(person.token)).statusCode).toBe(401);
    expect((await me((await login('13700002004')).token)).statusCode).toBe(200);
  });

  it('ends the tokens of a person who loses a role; a role or place change applies to the next request', async () => {
    const person = await login('13700002005');
    const admin = w.users.admin.token;
    const patch = (payload: Record<string, unknown>) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/users/${person.user.id}`, headers: bearer(admin), payload });

    // a role given: the same token has it at once
    expect((await patch({ roles: ['resident', 'volunteer'], regionId: w.regions.A1 })).statusCode).toBe(200);
    const now = await me(person.token);
    expect(now.statusCode).toBe(200);
    expect(now.json<MeDto>()).toMatchObject({ roles: ['resident', 'volunteer'], regionId: w.regions.A1 });

    // a place changed: at once too
    expect((await patch({ regionId: w.regions.A2 })).statusCode).toBe(200);
    expect((await me(person.token)).json<MeDto>().regionId).toBe(w.regions.A2);

    // a role taken away: the token ends
    expect((await patch({ roles: ['resident'] })).statusCode).toBe(200);
    expect((await me(person.token)).statusCode).toBe(401);
  });

  it('refuses a token signed at an older version and a token with a malformed version or id', async () => {
    const { user } = await login();
    const exp = Math.floor(Date.now() / 1000) + 60;
    expect((await me(signed({ sub: user.id, exp, ver: 0 }))).statusCode).toBe(200);
    expect((await me(signed({ sub: user.id, exp, ver: 1 }))).statusCode).toBe(401);
    expect((await me(signed({ sub: user.id, exp, ver: 'x' }))).statusCode).toBe(401);
    expect((await me(signed({ sub: user.id, exp, jti: 'not-a-uuid' }))).statusCode).toBe(401);
  });

  it('asks for a token to log out (401 without one)', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout-all' })).statusCode).toBe(401);
  });
});
