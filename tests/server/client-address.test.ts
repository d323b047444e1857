import { parseConfig, ConfigError } from '../../server/src/config';
import { buildTestApp, type TestApp } from '../support/app';

/**
 * Abuse limits that see the real client (issue 18, item 7). Behind nginx every request comes from nginx's address:
 * without TRUST_PROXY all clients shared one login allowance, and with X-Forwarded-For believed from anyone a
 * client could name a new address per request. TRUST_PROXY names whose header to believe. Logins are limited per
 * phone as well, whatever the address.
 */

let n = 0;
const nextPhone = () => {
  n += 1;
  return `1360000${String(1000 + n).slice(-4)}`;
};

function devLogin(t: TestApp, opts: { from: string; forwardedFor?: string; phone?: string }) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/dev-login',
    payload: { phone: opts.phone ?? nextPhone() },
    remoteAddress: opts.from,
    headers: opts.forwardedFor === undefined ? {} : { 'x-forwarded-for': opts.forwardedFor },
  });
}

/** Sends `count` logins and answers their statuses. */
async function statuses(count: number, send: (i: number) => ReturnType<typeof devLogin>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i += 1) out.push((await send(i)).statusCode);
  return out;
}

describe('TRUST_PROXY in the configuration', () => {
  const parse = (v: string) => parseConfig({ NODE_ENV: 'test', TRUST_PROXY: v }).trustProxy;
  it('is off by default and accepts a hop count or addresses and CIDRs', () => {
    expect(parseConfig({ NODE_ENV: 'test' }).trustProxy).toBe(false);
    expect(parse('off')).toBe(false);
    expect(parse('1')).toBe(1);
    expect(parse('127.0.0.1, 10.0.0.0/8,::1')).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
  });
  it('refuses "true" (it would believe any client) and malformed entries, naming them', () => {
    for (const bad of ['true', '11', '10.0.0.0/33', 'nginx', '1.2.3.4/8/1']) {
      expect(() => parse(bad)).toThrow(ConfigError);
    }
    expect(() => parse('10.0.0.1,bogus')).toThrow(/bogus/);
  });
});

describe('login limits without TRUST_PROXY (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('ignores X-Forwarded-For: a client cannot name a new address per request to escape the limit', async () => {
    const got = await statuses(21, (i) => devLogin(t, { from: '10.1.0.1', forwardedFor: `203.0.113.${i + 1}` }));
    expect(got.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(got[20]).toBe(429);
  });

  it('limits logins per phone whatever the address (30 in 10 minutes), with a Chinese message', async () => {
    const phone = nextPhone();
    const got = await statuses(30, (i) => devLogin(t, { from: `10.3.0.${i + 1}`, phone }));
    expect(got.every((s) => s === 200)).toBe(true);
    const refused = await devLogin(t, { from: '10.3.1.1', phone });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.json<{ message: string }>().message).toMatch(/^这个手机号登录太频繁，请 \d+ 秒后再试。$/);
    // another phone from the same address is not affected
    expect((await devLogin(t, { from: '10.3.1.1' })).statusCode).toBe(200);
  });
});

describe('login limits behind a proxy named by address (TRUST_PROXY=127.0.0.1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ TRUST_PROXY: '127.0.0.1' });
  });
  afterAll(async () => t.close());

  it('keys the limit on the client behind the proxy: one busy client does not lock out the others', async () => {
    const a = await statuses(21, () => devLogin(t, { from: '127.0.0.1', forwardedFor: '198.51.100.7' }));
    expect(a.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(a[20]).toBe(429);
    // another client through the same nginx
    expect((await devLogin(t, { from: '127.0.0.1', forwardedFor: '198.51.100.8' })).statusCode).toBe(200);
  });

  it('believes the header only from the proxy: a client elsewhere cannot spoof it', async () => {
    const got = await statuses(21, (i) => devLogin(t, { from: '10.2.0.1', forwardedFor: `198.51.100.${100 + i}` }));
    expect(got.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(got[20]).toBe(429);
  });
});

describe('login limits behind one proxy hop (TRUST_PROXY=1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ TRUST_PROXY: '1' });
  });
  afterAll(async () => t.close());

  it('takes the address the proxy appended, not what the client wrote before it', async () => {
    // the client writes anything first; nginx appends the address it saw
    const got = await statuses(21, (i) => devLogin(t, { from: '10.4.0.1', forwardedFor: `192.0.2.${i + 1}, 198.51.100.9` }));
    expect(got.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(got[20]).toBe(429);
    expect((await devLogin(t, { from: '10.4.0.1', forwardedFor: '198.51.100.10' })).statusCode).toBe(200);
  });
});
