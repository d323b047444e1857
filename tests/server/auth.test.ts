import { createHmac } from 'node:crypto';
import type { LoginResponse, MeDto } from '@bangbang/shared';
import { buildTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app';
import { FAKE_APPID, FAKE_SECRET, startFakeWechat, type FakeWechat } from '../support/fake-wechat';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token signed by hand, to try what the server must refuse. */
function handToken(header: Record<string, unknown>, payload: Record<string, unknown>, secret = TEST_JWT_SECRET): string {
  const head = `${b64url(header)}.${b64url(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

describe('login', () => {
  let wechat: FakeWechat;
  let t: TestApp;
  beforeAll(async () => {
    wechat = await startFakeWechat();
    t = await buildTestApp({ WECHAT_APPID: FAKE_APPID, WECHAT_SECRET: FAKE_SECRET, WECHAT_API_BASE: wechat.url, ADMIN_PHONES: '13900000001' });
  });
  afterAll(async () => {
    await t.close();
    await wechat.close();
  });

  const devLogin = (phone: unknown, ip = '10.0.0.1') => t.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { phone }, remoteAddress: ip });
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });

  describe('WeChat (code2Session against a fake WeChat server on loopback)', () => {
    it('creates a resident on the first login and finds the same person afterwards, never leaking the session key', async () => {
      wechat.codes.set('code-1', 'openid-aaa');
      const first = await t.app.inject({ method: 'POST', url: '/api/v1/auth/wechat', payload: { code: 'code-1' } });
      expect(first.statusCode).toBe(200);
      const body = first.json<LoginResponse>();
      expect(body.user).toMatchObject({ name: '微信用户', phone: null, roles: ['resident'] });
      expect(body.expiresIn).toBe(7 * 24 * 3600);
      expect(first.body).not.toContain('SESSION-KEY');
      expect(first.body).not.toContain('openid-aaa');
      const sent = wechat.requests.at(-1)!;
      expect(sent.searchParams.get('js_code')).toBe('code-1');

      wechat.codes.set('code-2', 'openid-aaa');
      const second = await t.app.inject({ method: 'POST', url: '/api/v1/auth/wechat', payload: { code: 'code-2' } });
      expect(second.json<LoginResponse>().user.id).toBe(body.user.id);
      expect((await me(second.json<LoginResponse>().token)).json<MeDto>().id).toBe(body.user.id);
    });

    it('answers an invalid or used code with 401 and a clear message', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/wechat', payload: { code: 'never-issued' } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 'UNAUTHORIZED', message: '微信登录凭证无效或已过期，请重新打开小程序再试。' });
    });

    it('answers WeChat being busy or unreachable with 503, and a missing code with 400', async () => {
      wechat.override = { errcode: -1, errmsg: 'system error' };
      try {
        const busy = await t.app.inject({ method: 'POST', url: '/api/v1/auth/wechat', payload: { code: 'x1' } });
        expect(busy.statusCode).toBe(503);
        expect(busy.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      } finally {
        wechat.override = undefined;
      }
      const missing = await t.app.inject({ method: 'POST', url: '/api/v1/auth/wechat', payload: {} });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().details[0].field).toBe('code');
    });
  });

  describe('dev-login', () => {
    it('creates a plain resident for an unknown phone, then logs the same person in', async () => {
      const first = await devLogin('13812345678');
      expect(first.statusCode).toBe(200);
      const { user, token } = first.json<LoginResponse>();
      expect(user).toMatchObject({ name: '居民5678', phone: '13812345678', roles: ['resident'] });
      const again = await devLogin('13812345678');
      expect(again.json<LoginResponse>().user.id).toBe(user.id);
      const mine = await me(token);
      expect(mine.statusCode).toBe(200);
      expect(mine.json<MeDto>()).toMatchObject({ id: user.id, phone: '13812345678' });
    });

    it('never grants a role at login, not even to a phone in ADMIN_PHONES (admins come from pnpm admin:grant)', async () => {
      const res = await devLogin('13900000001');
      expect(res.json<LoginResponse>().user.roles).toEqual(['resident']);
    });

    it('rejects a bad phone and extra properties', async () => {
      const bad = await devLogin('12345');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().details).toEqual([{ field: 'phone', message: '请输入 11 位手机号码' }]);
      const extra = await t.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { phone: '13812345678', roles: ['admin'] } });
      expect(extra.statusCode).toBe(400);
      expect(extra.json().details).toEqual([{ field: 'roles', message: '不允许的字段' }]);
    });

    it('is rate-limited per client address, with the contract and a Retry-After', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 22; i++) statuses.push((await devLogin('13700000000', '10.9.9.9')).statusCode);
      expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
      const limited = await devLogin('13700000000', '10.9.9.9');
      expect(limited.statusCode).toBe(429);
      expect(limited.json().code).toBe('RATE_LIMITED');
      expect(limited.json().message).toMatch(/操作太频繁，请 \d+ 秒后再试。/);
      expect(limited.headers['retry-after']).toBeDefined();
      // another address is not affected
      expect((await devLogin('13700000000', '10.9.9.8')).statusCode).toBe(200);
    });
  });

  describe('tokens', () => {
    let userId: string;
    beforeAll(async () => {
      userId = (await devLogin('13811110000', '10.1.1.1')).json<LoginResponse>().user.id;
    });

    it('requires one for /me', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/me' });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 'UNAUTHORIZED', message: '请先登录。' });
    });

    it.each([
      ['alg none', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: userId })}.`],
      ['another algorithm', () => handToken({ alg: 'HS512', typ: 'JWT' }, { sub: userId, exp: Math.floor(Date.now() / 1000) + 60 })],
      ['expired', () => handToken({ alg: 'HS256', typ: 'JWT' }, { sub: userId, exp: Math.floor(Date.now() / 1000) - 10 })],
      ['a wrong secret', () => handToken({ alg: 'HS256', typ: 'JWT' }, { sub: userId }, 'another-secret-another-secret-another')],
      [
        'a tampered payload',
        () => {
          const good = handToken({ alg: 'HS256', typ: 'JWT' }, { sub: userId, exp: Math.floor(Date.now() / 1000) + 60 });
          const [h, , s] = good.split('.');
          return `${h}.${b64url({ sub: '00000000-0000-0000-0000-000000000000', exp: Math.floor(Date.now() / 1000) + 60 })}.${s}`;
        },
      ],
      ['garbage', () => 'not-a-token'],
      [
        'an unknown user',
        () => handToken({ alg: 'HS256', typ: 'JWT' }, { sub: '00000000-0000-4000-8000-000000000000', exp: Math.floor(Date.now() / 1000) + 60 }),
      ],
    ])('refuses a token with %s (401)', async (_what, make) => {
      const res = await me(make());
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 'UNAUTHORIZED', message: '登录已失效，请重新登录。' });
    });

    it('accepts a well-signed, unexpired one', async () => {
      const token = handToken({ alg: 'HS256', typ: 'JWT' }, { sub: userId, exp: Math.floor(Date.now() / 1000) + 60 });
      expect((await me(token)).statusCode).toBe(200);
    });
  });
});

describe('login in production', () => {
  it('has no dev-login (404), and WeChat login unconfigured answers 503', async () => {
    const t = await buildTestApp({ NODE_ENV: 'production', LOG_LEVEL: 'silent' });
    try {
      const dev = await t.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { phone: '13812345678' } });
      expect(dev.statusCode).toBe(404);
      const wx = await t.app.inject({ method: 'POST', url: '/api/v1/auth/wechat', payload: { code: 'abc' } });
      expect(wx.statusCode).toBe(503);
      expect(wx.json().message).toBe('微信登录尚未配置，请使用其他方式登录。');
    } finally {
      await t.close();
    }
  });
});
