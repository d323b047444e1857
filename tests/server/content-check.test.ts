import type { AuditEntryDto, ErrorBody, OrderDto, Page } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { FAKE_APPID, FAKE_SECRET, startFakeWechat, type FakeWechat } from '../support/fake-wechat';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * WeChat's content security check on what people write (issue 18, item 13), against the fake WeChat on loopback:
 * risky text is refused with a 400 naming the field and nothing is written; text WeChat wants a person to look at,
 * or could not check (WeChat down), is taken and flagged for staff — a request for help is never lost to a checker.
 */
describe('WeChat content security check (msg_sec_check v2)', () => {
  let fake: FakeWechat;
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    fake = await startFakeWechat();
    t = await buildTestApp({ WECHAT_APPID: FAKE_APPID, WECHAT_SECRET: FAKE_SECRET, WECHAT_API_BASE: fake.url });
    w = await buildWorld(t.app, t.database.db);
    // residentA1 came through WeChat (has an openid); residentA2 only ever logged in by SMS in a browser
    await t.database.db.query(`UPDATE app_user SET wechat_openid = 'openid-a1' WHERE id = $1`, [w.users.residentA1.id]);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.override = undefined;
    fake.contentVerdicts.clear();
  });

  // each order of another service: a resident has one open order per service (issue 20), and the text is what matters here
  const SERVICES = ['errands', 'meal_delivery', 'companionship', 'emotional_support', 'appliance_repair', 'haircut', 'paperwork', 'anti_fraud'];
  let ordered = 0;
  const order = (token: string, description: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: bearer(token),
      payload: { categoryCode: SERVICES[ordered++ % SERVICES.length], description, urgency: 'normal' },
    });
  const orderCount = async () => (await t.database.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM service_order`))[0]!.n;

  it('passes clean text with the author’s openid and scene, and flags nothing', async () => {
    const before = fake.count('/wxa/msg_sec_check');
    const res = await order(w.users.residentA1.token, '帮忙买两斤鸡蛋');
    expect(res.statusCode).toBe(201);
    const checks = fake.contentChecks.slice(before);
    expect(checks).toEqual([{ content: '帮忙买两斤鸡蛋', version: 2, scene: 4, openid: 'openid-a1' }]);
    const seen = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${res.json<OrderDto>().id}`, headers: bearer(w.users.gridWorkerA1.token) });
    expect(seen.json<OrderDto>().contentReview).toBeNull();
  });

  it('refuses risky text with a 400 naming the field; nothing is written', async () => {
    fake.contentVerdicts.set('违规', 'risky');
    const before = await orderCount();
    const res = await order(w.users.residentA1.token, '这里有违规内容');
    expect(res.statusCode).toBe(400);
    expect(res.json<ErrorBody>()).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'description', message: '内容可能含有不当信息，请修改后再提交' }],
    });
    expect(await orderCount()).toBe(before);
  });

  it('takes text WeChat wants reviewed, flagged for staff only; staff list it, look at it, and clear the flag (audited)', async () => {
    fake.contentVerdicts.set('可疑', 'review');
    const res = await order(w.users.residentA1.token, '有点可疑的描述，帮忙修水管');
    expect(res.statusCode).toBe(201);
    const id = res.json<OrderDto>().id;
    expect(res.json<OrderDto>().contentReview).toBeNull(); // the resident is not told

    const staffView = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}`, headers: bearer(w.users.gridWorkerA1.token) });
    expect(staffView.json<OrderDto>().contentReview).toBe('review');
    const flagged = await t.app.inject({ method: 'GET', url: '/api/v1/orders?contentReview=true', headers: bearer(w.users.gridWorkerA1.token) });
    expect(flagged.json<Page<OrderDto>>().items.map((o) => o.id)).toEqual([id]);
    const residentsList = await t.app.inject({ method: 'GET', url: '/api/v1/orders?contentReview=true', headers: bearer(w.users.residentA1.token) });
    expect(residentsList.json<Page<OrderDto>>().items).toEqual([]);

    const byResident = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/content-reviewed`, headers: bearer(w.users.residentA1.token) });
    expect(byResident.statusCode).toBe(403);
    const cleared = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/content-reviewed`, headers: bearer(w.users.gridWorkerA1.token) });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json<OrderDto>().contentReview).toBeNull();
    const again = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/content-reviewed`, headers: bearer(w.users.gridWorkerA1.token) });
    expect(again.statusCode).toBe(409);

    const audit = await t.app.inject({ method: 'GET', url: `/api/v1/audit?subjectId=${id}`, headers: bearer(w.users.admin.token) });
    expect(audit.json<Page<AuditEntryDto>>().items).toMatchObject([
      {
        action: 'order.content_reviewed',
        actorId: w.users.gridWorkerA1.id,
        subjectType: 'order',
        before: { contentReview: 'review' },
        after: { contentReview: null },
      },
    ]);
  });

  it('when WeChat is down, the order still goes through, flagged unchecked', async () => {
    fake.override = { errcode: -1, errmsg: 'system error' };
    const res = await order(w.users.residentA1.token, '帮忙送药到家');
    expect(res.statusCode).toBe(201);
    const staffView = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${res.json<OrderDto>().id}`, headers: bearer(w.users.gridWorkerA1.token) });
    expect(staffView.json<OrderDto>().contentReview).toBe('unchecked');
  });

  it('does not check a person without a WeChat openid (version 2 needs one): their order is taken unflagged', async () => {
    fake.contentVerdicts.set('违规', 'risky');
    const before = fake.count('/wxa/msg_sec_check');
    const res = await order(w.users.residentA2.token, '违规也查不到');
    expect(res.statusCode).toBe(201);
    expect(fake.count('/wxa/msg_sec_check')).toBe(before);
  });

  it('checks a cancel reason and one’s own name too (400 naming the field, nothing changed)', async () => {
    fake.contentVerdicts.set('违规', 'risky');
    const placed = await order(w.users.residentA1.token, '帮忙取快递');
    const id = placed.json<OrderDto>().id;
    const cancel = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${id}/cancel`,
      headers: bearer(w.users.residentA1.token),
      payload: { reason: '违规理由' },
    });
    expect(cancel.statusCode).toBe(400);
    expect(cancel.json<ErrorBody>().details).toEqual([{ field: 'reason', message: '内容可能含有不当信息，请修改后再提交' }]);
    const still = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}`, headers: bearer(w.users.residentA1.token) });
    expect(still.json<OrderDto>().status).toBe('pending');

    const rename = await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(w.users.residentA1.token), payload: { name: '违规名字' } });
    expect(rename.statusCode).toBe(400);
    expect(rename.json<ErrorBody>().details).toEqual([{ field: 'name', message: '内容可能含有不当信息，请修改后再提交' }]);
  });

  it('fetches the access token once for many checks (stable_token, cached)', () => {
    expect(fake.count('/cgi-bin/stable_token')).toBe(1);
  });
});
