import { Writable } from 'node:stream';
import type { LoginResponse, MeDto } from '@bangbang/shared';
import pino from 'pino';
import { buildApp } from '../../server/src/app';
import { parseConfig, type ConfigError } from '../../server/src/config';
import { buildTestApp, testConfig, type TestApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { startFakeSms, type FakeSms } from '../support/fake-sms';

/** SMS one-time codes (issue 18 item 1) through Tencent Cloud SMS's official SDK, pointed at a fake on loopback. */
describe('SMS codes and SMS login', () => {
  let sms: FakeSms;
  let t: TestApp;
  beforeAll(async () => {
    sms = await startFakeSms();
    t = await buildTestApp(sms.env);
  });
  afterAll(async () => {
    await t.close();
    await sms.close();
  });

  let ipCounter = 0;
  /** A fresh client address per test, so the per-address limit is met only where a test wants it. */
  const freshIp = () => `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;
  const askCode = (phone: string, purpose = 'login', ip = freshIp()) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone, purpose }, remoteAddress: ip });
  const smsLogin = (phone: string, code: string, ip = freshIp()) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/sms-login', payload: { phone, code }, remoteAddress: ip });
  const q = <T>(sql: string, params: unknown[] = []) => t.database.db.query<T[]>(sql, params);
  const wrongOf = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  it('sends a 6-digit code through the SMS provider, stores only its hash, and logs in with it once', async () => {
    const phone = '13700000001';
    const res = await askCode(phone);
    expect(res.statusCode).toBe(204);
    const sent = sms.sent.at(-1)!;
    expect(sent).toMatchObject({ phone, action: 'SendSms' });
    expect(sent.code).toMatch(/^\d{6}$/);
    expect(sent.params).toEqual([sent.code, '5']);
    expect(sent.body).toMatchObject({ PhoneNumberSet: [`+86${phone}`], SmsSdkAppId: '1400000000', SignName: '帮帮团', TemplateId: '123456' });
    expect(sent.authorization).toMatch(/^TC3-HMAC-SHA256 Credential=AKIDfake\//);

    const rows = await q<{ code_hash: string; purpose: string; ttl: number }>(
      `SELECT code_hash, purpose, round(extract(epoch FROM expires_at - created_at))::int AS ttl FROM phone_code WHERE phone = $1`,
      [phone],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.purpose).toBe('login');
    expect(rows[0]!.ttl).toBe(300);
    expect(rows[0]!.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(sent.code);

    const login = await smsLogin(phone, sent.code);
    expect(login.statusCode).toBe(200);
    const body = login.json<LoginResponse>();
    expect(body.user).toMatchObject({ phone, roles: ['resident'], name: '居民0001' });
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${body.token}` } });
    expect(me.json<MeDto>().id).toBe(body.user.id);

    // single use
    const again = await smsLogin(phone, sent.code);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'code', message: '验证码已失效或未获取，请重新获取验证码' }] });
  });

  it('logs a phone staff registered in as that person (the claim), keeping their place and tags', async () => {
    const [region] = await q<{ id: string }>(`INSERT INTO region (level, name, path) VALUES ('city', '短信市', '/x/') RETURNING id`);
    const [staffMade] = await q<{ id: string }>(
      `INSERT INTO app_user (name, phone, roles, region_id, tags) VALUES ('孙大娘', '13700000002', '{resident}', $1, '{living_alone}') RETURNING id`,
      [region!.id],
    );
    expect((await askCode('13700000002')).statusCode).toBe(204);
    const login = await smsLogin('13700000002', sms.lastCode('13700000002')!);
    expect(login.statusCode).toBe(200);
    expect(login.json<LoginResponse>().user).toMatchObject({ id: staffMade!.id, name: '孙大娘', regionId: region!.id, tags: ['living_alone'] });
  });

  it('answers a wrong code with 400 naming code and the tries left; the fifth wrong try kills the code', async () => {
    const phone = '13700000003';
    await askCode(phone);
    const code = sms.lastCode(phone)!;
    for (let left = 4; left >= 1; left--) {
      const res = await smsLogin(phone, wrongOf(code));
      expect(res.statusCode).toBe(400);
      expect(res.json().details).toEqual([{ field: 'code', message: `验证码不正确，还可以再试 ${left} 次` }]);
    }
    const fifth = await smsLogin(phone, wrongOf(code));
    expect(fifth.json().details).toEqual([{ field: 'code', message: '验证码错误次数过多，已失效，请重新获取验证码' }]);
    const right = await smsLogin(phone, code);
    expect(right.statusCode).toBe(400);
    expect(right.json().details[0].field).toBe('code');
    expect((await q<{ attempts: number }>(`SELECT attempts FROM phone_code WHERE phone = $1`, [phone]))[0]!.attempts).toBe(5);
  });

  it('refuses an expired code (after 5 minutes) and a code issued for binding', async () => {
    const phone = '13700000004';
    await askCode(phone);
    const code = sms.lastCode(phone)!;
    await q(`UPDATE phone_code SET created_at = now() - interval '301 seconds', expires_at = now() - interval '1 second' WHERE phone = $1`, [phone]);
    const late = await smsLogin(phone, code);
    expect(late.statusCode).toBe(400);
    expect(late.json().details).toEqual([{ field: 'code', message: '验证码已失效或未获取，请重新获取验证码' }]);

    await askCode(phone, 'bind');
    const forBinding = await smsLogin(phone, sms.lastCode(phone)!);
    expect(forBinding.statusCode).toBe(400);
  });

  it('a newer code replaces the older one', async () => {
    const phone = '13700000005';
    await askCode(phone);
    const first = sms.lastCode(phone)!;
    await q(`UPDATE phone_code SET created_at = created_at - interval '61 seconds' WHERE phone = $1`, [phone]);
    await askCode(phone);
    const second = sms.lastCode(phone)!;
    if (first !== second) expect((await smsLogin(phone, first)).statusCode).toBe(400);
    expect((await smsLogin(phone, second)).statusCode).toBe(200);
  });

  it('sends one code per phone per 60 s and at most 10 a day, with 429 saying when to retry', async () => {
    const phone = '13700000006';
    expect((await askCode(phone)).statusCode).toBe(204);
    const soon = await askCode(phone);
    expect(soon.statusCode).toBe(429);
    expect(soon.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(soon.json().message).toMatch(/^验证码刚刚发过，请 (60|59|58) 秒后再重新获取。$/);
    // and in the header HTTP clients read: the same seconds as the message
    expect(soon.headers['retry-after']).toBe(/请 (\d+) 秒/.exec(soon.json<{ message: string }>().message)![1]);

    for (let n = 2; n <= 10; n++) {
      await q(`UPDATE phone_code SET created_at = created_at - interval '61 seconds' WHERE phone = $1`, [phone]);
      expect((await askCode(phone)).statusCode).toBe(204);
    }
    await q(`UPDATE phone_code SET created_at = created_at - interval '61 seconds' WHERE phone = $1`, [phone]);
    const eleventh = await askCode(phone);
    expect(eleventh.statusCode).toBe(429);
    expect(eleventh.json().message).toBe('这个手机号今天获取验证码的次数已达上限，请 24 小时后再试。');
    expect(Number(eleventh.headers['retry-after'])).toBeGreaterThan(23 * 3600);
    expect(sms.sent.filter((s) => s.phone === phone)).toHaveLength(10);

    // a day later the oldest no longer count
    await q(`UPDATE phone_code SET created_at = created_at - interval '1 day' WHERE phone = $1`, [phone]);
    expect((await askCode(phone)).statusCode).toBe(204);
  });

  it('limits codes per client address (20 in 10 minutes), counted in PostgreSQL', async () => {
    const ip = '10.77.0.1';
    for (let i = 0; i < 20; i++) expect((await askCode(`1360000${String(i).padStart(4, '0')}`, 'login', ip)).statusCode).toBe(204);
    const over = await askCode('13600000099', 'login', ip);
    expect(over.statusCode).toBe(429);
    expect(over.json().message).toMatch(/^操作太频繁，请 \d+ 秒后再试。$/);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    const [counter] = await q<{ count: number }>(`SELECT count FROM rate_limit WHERE key LIKE '%sms-code%' AND key LIKE '%10.77.0.1%'`);
    expect(counter!.count).toBe(21);
    // another address is not held back
    expect((await askCode('13600000099')).statusCode).toBe(204);
  });

  it('answers the provider failing with 503 and leaves no usable code behind', async () => {
    const phone = '13700000007';
    sms.error = { Code: 'AuthFailure.SecretIdNotFound', Message: 'The SecretId is not found' };
    try {
      const res = await askCode(phone);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ code: 'SERVICE_UNAVAILABLE', message: '短信发送失败，请稍后再试。' });
    } finally {
      sms.error = undefined;
    }
    expect(await q(`SELECT id FROM phone_code WHERE phone = $1`, [phone])).toEqual([]);

    sms.status = { Code: 'FailedOperation.InsufficientBalanceInSmsPackage', Message: 'no balance' };
    try {
      expect((await askCode(phone)).statusCode).toBe(503);
    } finally {
      sms.status = undefined;
    }
    expect(await q(`SELECT id FROM phone_code WHERE phone = $1`, [phone])).toEqual([]);
    // the failure did not hold the phone back
    expect((await askCode(phone)).statusCode).toBe(204);
  });

  it('answers a provider that cannot be reached with 503', async () => {
    const down = await buildTestApp({ ...sms.env, SMS_ENDPOINT: 'http://127.0.0.1:1' });
    try {
      const res = await down.app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone: '13700000008', purpose: 'login' } });
      expect(res.statusCode).toBe(503);
      expect(await down.database.db.query(`SELECT id FROM phone_code`)).toEqual([]);
    } finally {
      await down.close();
    }
  });

  it('validates the body: a bad phone, purpose or code is a 400 naming the field', async () => {
    const bad = await askCode('12345', 'login');
    expect(bad.json().details[0].field).toBe('phone');
    const purpose = await askCode('13700000009', 'steal');
    expect(purpose.json().details[0].field).toBe('purpose');
    const code = await smsLogin('13700000009', '12ab56');
    expect(code.statusCode).toBe(400);
    expect(code.json().details[0]).toEqual({ field: 'code', message: '请输入 6 位数字验证码' });
  });
});

describe('SMS through Alibaba Cloud SMS (its official SDK, against the fake on loopback)', () => {
  let sms: FakeSms;
  let t: TestApp;
  beforeAll(async () => {
    sms = await startFakeSms();
    t = await buildTestApp(sms.aliyunEnv);
  });
  afterAll(async () => {
    await t.close();
    await sms.close();
  });

  it('sends the code in the template parameter `code` and logs in with it', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone: '13700000101', purpose: 'login' } });
    expect(res.statusCode).toBe(204);
    const sent = sms.sent.at(-1)!;
    expect(sent).toMatchObject({ phone: '13700000101', action: 'SendSms' });
    expect(sent.code).toMatch(/^\d{6}$/);
    expect(sent.body).toMatchObject({ SignName: '帮帮团', TemplateCode: 'SMS_123456789', TemplateParam: JSON.stringify({ code: sent.code }) });
    expect(sent.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=LTAIfake,/);
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sms-login', payload: { phone: '13700000101', code: sent.code } });
    expect(login.statusCode).toBe(200);
  });

  it('answers a refusal (wrong key: an HTTP error; no balance: a status) with 503, a provider limit with 429', async () => {
    sms.error = { Code: 'InvalidAccessKeyId.NotFound', Message: 'Specified access key is not found.' };
    try {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone: '13700000102', purpose: 'login' } });
      expect(res.statusCode).toBe(503);
    } finally {
      sms.error = undefined;
    }
    sms.status = { Code: 'isv.AMOUNT_NOT_ENOUGH', Message: 'no balance' };
    try {
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone: '13700000102', purpose: 'login' } })).statusCode).toBe(503);
      sms.status = { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: 'limit' };
      const limited = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone: '13700000102', purpose: 'login' } });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().message).toBe('这个手机号今天收到的短信太多了，请明天再试。');
    } finally {
      sms.status = undefined;
    }
    expect(await t.database.db.query(`SELECT id FROM phone_code WHERE phone = '13700000102'`)).toEqual([]);
  });
});

describe('SMS provider configuration', () => {
  it('writes the code to the log with the log provider (development), never the whole phone', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const database = await createTestDatabase();
    const config = testConfig({ SMS_PROVIDER: 'log' });
    const app = await buildApp({ config, db: database.db, logger: pino({ level: 'info' }, stream) });
    try {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone: '13700000010', purpose: 'login' } });
      expect(res.statusCode).toBe(204);
      const line = lines.find((l) => l.includes('短信验证码'));
      expect(line).toBeDefined();
      const code = /短信验证码 (\d{6})/.exec(line!)![1]!;
      expect(line).toContain('尾号 0010');
      expect(lines.join('')).not.toContain('13700000010');
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/sms-login', payload: { phone: '13700000010', code } });
      expect(login.statusCode).toBe(200);
    } finally {
      await app.close();
      await database.drop();
    }
  });

  it('defaults to the log provider outside production; in production with none configured the SMS routes answer 503', async () => {
    expect(parseConfig({ NODE_ENV: 'development' }).sms).toEqual({ provider: 'log' });
    const prod = await buildTestApp({ NODE_ENV: 'production' });
    try {
      expect(prod.config.sms).toEqual({ provider: 'none' });
      const res = await prod.app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone: '13700000011', purpose: 'login' } });
      expect(res.statusCode).toBe(503);
      expect(res.json().message).toBe('本服务器尚未开通短信验证码，请在微信中打开「帮帮团」小程序，或联系社区工作人员。');
    } finally {
      await prod.close();
    }
  });

  it('refuses the log provider in production, an incomplete Tencent setup, and an unknown provider', () => {
    const problems = (env: Record<string, string>) => {
      try {
        parseConfig({ JWT_SECRET: 'x'.repeat(40), ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ NODE_ENV: 'production', SMS_PROVIDER: 'log' })).toEqual([expect.stringContaining('生产环境不能使用 SMS_PROVIDER=log')]);
    expect(problems({ SMS_PROVIDER: 'tencent', SMS_SECRET_ID: 'a' })).toEqual([
      'SMS_PROVIDER=tencent 还需要设置：SMS_SECRET_KEY、SMS_SDK_APP_ID、SMS_SIGN_NAME、SMS_TEMPLATE_ID',
    ]);
    expect(problems({ SMS_PROVIDER: 'sms77' })).toEqual([expect.stringContaining('SMS_PROVIDER 必须是')]);
    expect(problems({ SMS_PROVIDER: 'aliyun', SMS_SECRET_ID: 'a', SMS_SECRET_KEY: 'b', SMS_SIGN_NAME: 'c' })).toEqual([
      'SMS_PROVIDER=aliyun 还需要设置：SMS_TEMPLATE_ID',
    ]);
    expect(problems({ SMS_PROVIDER: 'aliyun', SMS_SECRET_ID: 'a', SMS_SECRET_KEY: 'b', SMS_SIGN_NAME: 'c', SMS_TEMPLATE_ID: '123' })).toEqual([
      expect.stringContaining('模板 CODE'),
    ]);
    const ok = parseConfig({
      SMS_PROVIDER: 'tencent',
      SMS_SECRET_ID: 'id',
      SMS_SECRET_KEY: 'key',
      SMS_SDK_APP_ID: '1400000000',
      SMS_SIGN_NAME: '帮帮团',
      SMS_TEMPLATE_ID: '1',
      SMS_ENDPOINT: 'http://127.0.0.1:9',
    });
    expect(ok.sms).toMatchObject({ provider: 'tencent', region: 'ap-guangzhou', endpoint: { protocol: 'http://', host: '127.0.0.1:9' } });
  });
});
