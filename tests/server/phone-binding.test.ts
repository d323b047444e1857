import type { LoginResponse, MeDto, UserDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { FAKE_APPID, FAKE_SECRET, startFakeWechat, type FakeWechat } from '../support/fake-wechat';
import { startFakeSms, type FakeSms } from '../support/fake-sms';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Binding a phone to the logged-in account (issue 18 item 1): by SMS code, or by WeChat's phone-number button
 * (exchanged at the fake WeChat's getuserphonenumber with a stable_token), and claiming a person staff registered.
 */
describe('phone binding', () => {
  let sms: FakeSms;
  let wechat: FakeWechat;
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    sms = await startFakeSms();
    wechat = await startFakeWechat();
    t = await buildTestApp({ ...sms.env, WECHAT_APPID: FAKE_APPID, WECHAT_SECRET: FAKE_SECRET, WECHAT_API_BASE: wechat.url });
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
    await wechat.close();
    await sms.close();
  });

  let n = 0;
  const ip = () => `10.8.${Math.floor(++n / 250)}.${n % 250}`;
  const q = <T>(sql: string, params: unknown[] = []) => t.database.db.query<T[]>(sql, params);

  /** A first WeChat login: a resident with no phone. */
  const wechatLogin = async (openid: string): Promise<LoginResponse> => {
    const code = `login-${++n}`;
    wechat.codes.set(code, openid);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/wechat', payload: { code }, remoteAddress: ip() });
    expect(res.statusCode).toBe(200);
    return res.json<LoginResponse>();
  };
  /** A binding code for the phone (an earlier code of the phone is aged past the 60 s limit first). */
  const bindCode = async (phone: string): Promise<string> => {
    await q(`UPDATE phone_code SET created_at = created_at - interval '61 seconds' WHERE phone = $1`, [phone]);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone, purpose: 'bind' }, remoteAddress: ip() });
    expect(res.statusCode).toBe(204);
    return sms.lastCode(phone)!;
  };
  const bindBySms = (token: string, phone: string, code: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/me/phone', payload: { phone, code }, headers: bearer(token), remoteAddress: ip() });
  const bindByWechat = (token: string, code: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/me/phone/wechat', payload: { code }, headers: bearer(token), remoteAddress: ip() });
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
  const auditOf = (subjectId: string) =>
    q<{ action: string; actor_id: string; before: unknown; after: unknown; ip: string }>(
      `SELECT action, actor_id, before, after, ip FROM audit_log WHERE subject_id = $1 ORDER BY created_at`,
      [subjectId],
    );

  it('binds a phone by SMS code: a fresh token, the old one refused, the change audited', async () => {
    const login = await wechatLogin('openid-sms-1');
    const code = await bindCode('13500000001');

    const wrong = await bindBySms(login.token, '13500000001', code === '000000' ? '000001' : '000000');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().details[0].field).toBe('code');

    const res = await bindBySms(login.token, '13500000001', code);
    expect(res.statusCode).toBe(200);
    const bound = res.json<LoginResponse>();
    expect(bound.user).toMatchObject({ id: login.user.id, phone: '13500000001' });
    expect(bound.token).not.toBe(login.token);
    expect((await me(bound.token)).json<MeDto>().phone).toBe('13500000001');
    // the phone changed: the token_version trigger ended the token signed before
    expect((await me(login.token)).statusCode).toBe(401);
    expect(await auditOf(login.user.id)).toEqual([
      { action: 'user.phone.bind', actor_id: login.user.id, before: { phone: null }, after: { phone: '13500000001', via: 'sms' }, ip: expect.any(String) },
    ]);

    // the code was used up
    const reused = await bindBySms(bound.token, '13500000001', code);
    expect(reused.statusCode).toBe(400);
    expect(reused.json().details[0].field).toBe('code');
    // a login code is no binding code
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone: '13500000002', purpose: 'login' }, remoteAddress: ip() });
    expect((await bindBySms(bound.token, '13500000002', sms.lastCode('13500000002')!)).statusCode).toBe(400);

    // changing one's own phone: re-verified the same way, audited as a change
    const change = await bindBySms(bound.token, '13500000003', await bindCode('13500000003'));
    expect(change.statusCode).toBe(200);
    expect(change.json<LoginResponse>().user.phone).toBe('13500000003');
    expect((await me(bound.token)).statusCode).toBe(401);
    const rows = await auditOf(login.user.id);
    expect(rows.at(-1)).toMatchObject({ action: 'user.phone.change', before: { phone: '13500000001' }, after: { phone: '13500000003', via: 'sms' } });
  });

  it('binds through WeChat getPhoneNumber with one cached stable_token, refreshing once on 40001', async () => {
    const tokensBefore = wechat.count('/cgi-bin/stable_token');
    const first = await wechatLogin('openid-wx-1');
    wechat.phoneCodes.set('phone-code-1', '13500000011');
    const res = await bindByWechat(first.token, 'phone-code-1');
    expect(res.statusCode).toBe(200);
    expect(res.json<LoginResponse>().user).toMatchObject({ id: first.user.id, phone: '13500000011' });
    expect((await me(first.token)).statusCode).toBe(401);
    expect((await auditOf(first.user.id)).at(-1)).toMatchObject({ action: 'user.phone.bind', after: { phone: '13500000011', via: 'wechat' } });
    const exchange = wechat.requests.filter((u) => u.pathname === '/wxa/business/getuserphonenumber').at(-1)!;
    expect(exchange.searchParams.get('access_token')).toBe(wechat.accessToken);

    // a second binding reuses the cached token
    const second = await wechatLogin('openid-wx-2');
    wechat.phoneCodes.set('phone-code-2', '13500000012');
    expect((await bindByWechat(second.token, 'phone-code-2')).statusCode).toBe(200);
    expect(wechat.count('/cgi-bin/stable_token')).toBe(tokensBefore + 1);

    // WeChat ends the token: 40001, one new stable_token, the exchange retried
    wechat.rotateToken();
    const exchangesBefore = wechat.count('/wxa/business/getuserphonenumber');
    const third = await wechatLogin('openid-wx-3');
    wechat.phoneCodes.set('phone-code-3', '13500000013');
    const retried = await bindByWechat(third.token, 'phone-code-3');
    expect(retried.statusCode).toBe(200);
    expect(retried.json<LoginResponse>().user.phone).toBe('13500000013');
    expect(wechat.count('/cgi-bin/stable_token')).toBe(tokensBefore + 2);
    expect(wechat.count('/wxa/business/getuserphonenumber')).toBe(exchangesBefore + 2);

    // an unknown or used code: 400 naming code
    const used = await bindByWechat((await wechatLogin('openid-wx-4')).token, 'phone-code-3');
    expect(used.statusCode).toBe(400);
    expect(used.json().details).toEqual([{ field: 'code', message: '手机号授权已失效，请重新点击获取手机号' }]);
  });

  it('answers WeChat being down with 503', async () => {
    const login = await wechatLogin('openid-wx-down');
    wechat.override = { errcode: -1, errmsg: 'system error' };
    try {
      const res = await bindByWechat(login.token, 'anything');
      expect(res.statusCode).toBe(503);
    } finally {
      wechat.override = undefined;
    }
  });

  /** A resident registered by the grid worker: place, tags and paired cadre (包联责任人). */
  const registerResident = async (phone: string): Promise<UserDto> => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(w.users.gridWorkerA1.token),
      payload: {
        name: '刘奶奶',
        phone,
        roles: ['resident'],
        regionId: w.regions.A1,
        tags: ['living_alone', 'elderly'],
        pairedCadreId: w.users.gridWorkerA1.id,
      },
    });
    expect(res.statusCode).toBe(201);
    return res.json<UserDto>();
  };

  it('claims a person staff registered: their place, tags and paired cadre kept, the empty account removed', async () => {
    const registered = await registerResident('13500000021');
    const caller = await wechatLogin('openid-claim-1');
    const res = await bindBySms(caller.token, '13500000021', await bindCode('13500000021'));
    expect(res.statusCode).toBe(200);
    const claimed = res.json<LoginResponse>();
    expect(claimed.user).toMatchObject({
      id: registered.id,
      name: '刘奶奶',
      phone: '13500000021',
      roles: ['resident'],
      regionId: w.regions.A1,
      tags: ['living_alone', 'elderly'],
      pairedCadreId: w.users.gridWorkerA1.id,
    });
    expect((await me(claimed.token)).json<MeDto>().id).toBe(registered.id);
    // the caller's empty account is gone, and its token with it
    expect(await q(`SELECT id FROM app_user WHERE id = $1`, [caller.user.id])).toEqual([]);
    expect((await me(caller.token)).statusCode).toBe(401);
    // the WeChat identity now logs in as the registered person
    expect((await wechatLogin('openid-claim-1')).user.id).toBe(registered.id);
    expect((await auditOf(registered.id)).at(-1)).toEqual({
      action: 'user.claim',
      actor_id: registered.id,
      before: { accountId: caller.user.id },
      after: { accountId: registered.id, phone: '13500000021', via: 'sms' },
      ip: expect.any(String),
    });
  });

  it('claims through the WeChat phone button too, keeping roles', async () => {
    const [volunteer] = await q<{ id: string }>(
      `INSERT INTO app_user (name, phone, roles, region_id) VALUES ('老志愿者', '13500000022', '{resident,volunteer}', $1) RETURNING id`,
      [w.regions.A1],
    );
    const caller = await wechatLogin('openid-claim-2');
    wechat.phoneCodes.set('phone-claim-2', '13500000022');
    const res = await bindByWechat(caller.token, 'phone-claim-2');
    expect(res.statusCode).toBe(200);
    expect(res.json<LoginResponse>().user).toMatchObject({ id: volunteer!.id, roles: ['resident', 'volunteer'] });
    expect((await me(caller.token)).statusCode).toBe(401);
  });

  it('refuses a claim (409, nothing changed) when the caller account has history of its own', async () => {
    const registered = await registerResident('13500000031');
    const caller = await wechatLogin('openid-history');
    // the caller became a volunteer meanwhile: a person with a history, not an empty account
    await q(`UPDATE app_user SET roles = '{resident,volunteer}' WHERE id = $1`, [caller.user.id]);
    const relogin = await wechatLogin('openid-history');
    const res = await bindBySms(relogin.token, '13500000031', await bindCode('13500000031'));
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toBe('您当前的账号已有订单或其他记录，不能直接认领社区登记的档案，请联系社区工作人员帮您合并。');
    const rows = await q<{ id: string; wechat_openid: string | null; phone: string | null }>(
      `SELECT id, wechat_openid, phone FROM app_user WHERE id IN ($1, $2) ORDER BY phone NULLS FIRST`,
      [caller.user.id, registered.id],
    );
    expect(rows).toEqual([
      { id: caller.user.id, wechat_openid: 'openid-history', phone: null },
      { id: registered.id, wechat_openid: null, phone: '13500000031' },
    ]);
    expect((await auditOf(registered.id)).map((r) => r.action)).toEqual(['user.register']);
  });

  it('counts an application the caller made as history too (a claim would have deleted it silently)', async () => {
    await registerResident('13500000032');
    const caller = await wechatLogin('openid-applied');
    // a WeChat newcomer placed themself and asked to be a volunteer before binding a phone
    await q(`UPDATE app_user SET region_id = $2 WHERE id = $1`, [caller.user.id, w.regions.A1]);
    const applied = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/applications',
      headers: bearer(caller.token),
      payload: { kind: 'volunteer', skills: ['errands'] },
    });
    expect(applied.statusCode).toBe(201);
    const res = await bindBySms(caller.token, '13500000032', await bindCode('13500000032'));
    expect(res.statusCode).toBe(409);
    expect(await q(`SELECT status FROM application WHERE applicant_id = $1`, [caller.user.id])).toEqual([{ status: 'pending' }]);
  });

  it('answers 409 for a phone bound to another WeChat account, and for a caller with a phone of their own', async () => {
    const owner = await wechatLogin('openid-owner');
    expect((await bindBySms(owner.token, '13500000041', await bindCode('13500000041'))).statusCode).toBe(200);
    const other = await wechatLogin('openid-other');
    const taken = await bindBySms(other.token, '13500000041', await bindCode('13500000041'));
    expect(taken.statusCode).toBe(409);
    expect(taken.json().message).toBe('这个手机号已绑定在另一个微信账号上。如确属本人，请联系社区工作人员处理。');
    wechat.phoneCodes.set('phone-taken', '13500000041');
    expect((await bindByWechat(other.token, 'phone-taken')).statusCode).toBe(409);

    // a person with a phone (here: logged in by SMS) cannot take over another registered person's phone
    await registerResident('13500000042');
    const resident = w.users.residentA1;
    const res = await bindBySms(resident.token, '13500000042', await bindCode('13500000042'));
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toBe('这个手机号已登记在另一个人名下。如确属本人，请联系社区工作人员处理。');
    const holders = await q<{ n: number }>(`SELECT count(*)::int AS n FROM app_user WHERE phone = '13500000042'`);
    expect(holders[0]!.n).toBe(1);
  });

  it('two concurrent bindings of one phone: one wins, the other gets 409', async () => {
    const a = await wechatLogin('openid-race-a');
    const b = await wechatLogin('openid-race-b');
    // both codes exist before either binds (the second issue replaces the first: so bind by WeChat)
    wechat.phoneCodes.set('race-a', '13500000051');
    wechat.phoneCodes.set('race-b', '13500000051');
    const [ra, rb] = await Promise.all([bindByWechat(a.token, 'race-a'), bindByWechat(b.token, 'race-b')]);
    expect([ra.statusCode, rb.statusCode].sort()).toEqual([200, 409]);
    const holders = await q<{ n: number }>(`SELECT count(*)::int AS n FROM app_user WHERE phone = '13500000051'`);
    expect(holders[0]!.n).toBe(1);
  });

  it('limits WeChat logins per account (openid), whatever the address: 429 in Chinese', async () => {
    for (let i = 0; i < 30; i++) await wechatLogin('openid-busy');
    wechat.codes.set('busy-31', 'openid-busy');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/wechat', payload: { code: 'busy-31' }, remoteAddress: ip() });
    expect(res.statusCode).toBe(429);
    expect(res.json().message).toMatch(/^这个微信账号登录太频繁，请 \d+ 秒后再试。$/);
    // another account is not held back
    expect((await wechatLogin('openid-calm')).user.phone).toBeNull();
  });
});
