import type { OrderDto } from '@bangbang/shared';
import { sweepAll } from '../../server/src/modules/dispatching/escalation';
import { buildTestApp, type TestApp } from '../support/app';
import { FAKE_APPID, FAKE_SECRET, startFakeWechat, type FakeWechat } from '../support/fake-wechat';
import { startFakeSms, type FakeSms } from '../support/fake-sms';
import { waitFor } from '../support/tmp';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Delivery beyond the app (issue 19), against loopback fakes of WeChat and of Tencent Cloud SMS: a subscription
 * message per event with the right template, the quota each 允许 gives consumed and refused when empty, the access
 * token refreshed once when WeChat ended it, a WeChat outage retried with backoff then dead-lettered and retried by
 * an admin — nothing lost, nothing sent twice — and the SMS rules (who gets texts, quiet hours, the daily cap).
 */

jest.setTimeout(120_000);

const TPL = { status: 'tpl-status', task: 'tpl-task', alarm: 'tpl-alarm' };

interface Setup {
  t: TestApp;
  w: World;
  wechat: FakeWechat;
  sms: FakeSms;
}

async function setUp(env: Record<string, string> = {}): Promise<Setup> {
  const wechat = await startFakeWechat();
  const sms = await startFakeSms();
  const t = await buildTestApp({
    ...sms.env,
    JOB_CONCURRENCY: '2',
    WECHAT_APPID: FAKE_APPID,
    WECHAT_SECRET: FAKE_SECRET,
    WECHAT_API_BASE: wechat.url,
    WECHAT_TEMPLATE_ORDER_STATUS: TPL.status,
    WECHAT_TEMPLATE_NEW_TASK: TPL.task,
    WECHAT_TEMPLATE_ALARM: TPL.alarm,
    QUIET_HOURS: 'off',
    ...env,
  });
  const w = await buildWorld(t.app, t.database.db);
  await t.database.db.query(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery}' WHERE id = $1`, [w.users.volunteerA1.id]);
  return { t, w, wechat, sms };
}

async function tearDown(s: Setup | undefined): Promise<void> {
  await s?.t.close();
  await s?.wechat.close();
  await s?.sms.close();
}

/** Gives people a WeChat login (an openid) and `n` sends of each template. */
async function subscribe(s: Setup, who: Array<{ id: string }>, n = 100): Promise<void> {
  for (const p of who) {
    await s.t.database.db.query(`UPDATE app_user SET wechat_openid = $2 WHERE id = $1`, [p.id, `openid-${p.id}`]);
    await s.t.database.db.query(
      `INSERT INTO subscribe_quota (user_id, template_id, remaining) SELECT $1, t, $2 FROM unnest($3::text[]) t
       ON CONFLICT (user_id, template_id) DO UPDATE SET remaining = $2`,
      [p.id, n, Object.values(TPL)],
    );
  }
}

const post = async (s: Setup, token: string, url: string, payload: object = {}) => {
  const res = await s.t.app.inject({ method: 'POST', url, headers: bearer(token), payload });
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json<OrderDto>();
};

/** A fresh order of the token's resident; their earlier one, if still open, is retired (one open order per resident and service, issue 20). */
const order = async (s: Setup, token: string, urgency: 'normal' | 'urgent' = 'normal') => {
  const resident = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
  await s.t.database.db.query(
    `UPDATE service_order SET status = 'cancelled' WHERE resident_id = $1 AND status IN ('pending', 'dispatched', 'accepted', 'in_service')`,
    [resident],
  );
  return post(s, token, '/api/v1/orders', { categoryCode: 'medicine_delivery', description: '帮忙去医院取药', urgency });
};

/** The outcome of a notification's channel, once decided. */
const outcome = (s: Setup, kind: string, orderId: string, recipientId: string, channel: string) =>
  waitFor(
    async () => {
      const [row] = await s.t.database.db.query<Array<{ status: string; detail: string | null }>>(
        `SELECT d.status, d.detail FROM notification n JOIN notification_delivery d ON d.notification_id = n.id
         WHERE n.kind = $1 AND n.order_id = $2 AND n.recipient_id = $3 AND d.channel = $4 AND d.status <> 'sending'`,
        [kind, orderId, recipientId, channel],
      );
      return row;
    },
    20_000,
    `${kind} by ${channel}`,
  );

describe('WeChat subscription messages', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp();
    const u = s.w.users;
    await subscribe(s, [u.residentA1, u.volunteerA1, u.gridWorkerA1, u.dispatcherT]);
  });
  afterAll(() => tearDown(s));

  const sendsFor = (userId: string, orderId: string) =>
    s.wechat.subscribeSends.filter((m) => m.touser === `openid-${userId}` && m.page.endsWith(`id=${orderId}`));

  it('sends one message per event, with the template of who hears it, opening the order as they see it', async () => {
    const u = s.w.users;
    const o = await order(s, u.residentA1.token);
    // 新需求 to the grid worker (an alarm)
    expect(await outcome(s, 'staff.new_order', o.id, u.gridWorkerA1.id, 'wechat')).toEqual({ status: 'sent', detail: null });
    // 派单 → the volunteer's task template
    await post(s, u.gridWorkerA1.token, `/api/v1/orders/${o.id}/dispatch`, { assigneeId: u.volunteerA1.id });
    expect(await outcome(s, 'task.dispatched', o.id, u.volunteerA1.id, 'wechat')).toMatchObject({ status: 'sent' });
    // 接单, 签到, 完成 → the resident's progress template
    await post(s, u.volunteerA1.token, `/api/v1/orders/${o.id}/accept`);
    await post(s, u.volunteerA1.token, `/api/v1/orders/${o.id}/check-in`);
    await post(s, u.volunteerA1.token, `/api/v1/orders/${o.id}/complete`, { note: '药已送到' });
    for (const kind of ['order.accepted', 'order.checked_in', 'order.completed']) {
      expect(await outcome(s, kind, o.id, u.residentA1.id, 'wechat')).toMatchObject({ status: 'sent' });
    }
    const grid = sendsFor(u.gridWorkerA1.id, o.id);
    expect(grid.map((m) => [m.template_id, m.page])).toEqual([[TPL.alarm, `pages/dispatch/order/index?id=${o.id}`]]);
    // the volunteer on duty nearby heard of it first (附近新需求), then that it was dispatched to him
    expect(await outcome(s, 'task.nearby', o.id, u.volunteerA1.id, 'wechat')).toMatchObject({ status: 'sent' });
    const volunteer = sendsFor(u.volunteerA1.id, o.id);
    expect(volunteer.map((m) => [m.template_id, m.page])).toEqual([
      [TPL.task, `pages/volunteer/task/index?id=${o.id}`],
      [TPL.task, `pages/volunteer/task/index?id=${o.id}`],
    ]);
    const resident = sendsFor(u.residentA1.id, o.id);
    expect(resident.map((m) => m.template_id)).toEqual([TPL.status, TPL.status, TPL.status]);
    expect(resident.every((m) => m.page === `pages/resident/order/index?id=${o.id}`)).toBe(true);
    // the progress template's fields: the service, the state in a word, when, and the sentence
    // (deliveries run in parallel: in any order)
    expect(resident.map((m) => m.data.phrase2?.value).sort()).toEqual(['已上门', '已接单', '待确认'].sort());
    expect(resident.every((m) => m.data.thing1?.value === '送医送药')).toBe(true);
    // each send took one of the person's sends of that template
    const [quota] = await s.t.database.db.query<Array<{ remaining: number }>>(`SELECT remaining FROM subscribe_quota WHERE user_id = $1 AND template_id = $2`, [
      u.residentA1.id,
      TPL.status,
    ]);
    expect(quota!.remaining).toBe(97);
  });

  it('tells staff when someone declines, the resident when it escalates, and both sides when staff cancel', async () => {
    const u = s.w.users;
    const o = await order(s, u.residentA1.token);
    await post(s, u.gridWorkerA1.token, `/api/v1/orders/${o.id}/dispatch`, { assigneeId: u.volunteerA1.id });
    await post(s, u.volunteerA1.token, `/api/v1/orders/${o.id}/reject`, { reason: '今天在外地' });
    expect(await outcome(s, 'staff.unmatched', o.id, u.gridWorkerA1.id, 'wechat')).toMatchObject({ status: 'sent' });
    // nobody took it in time: 三级联动 moves it up to the community
    await sweepAll(s.t.database.db, new Date(Date.now() + 3 * 3600_000));
    expect(await outcome(s, 'order.escalated', o.id, u.residentA1.id, 'wechat')).toMatchObject({ status: 'sent' });
    await post(s, u.gridWorkerA1.token, `/api/v1/orders/${o.id}/dispatch`, { assigneeId: u.volunteerA1.id });
    await post(s, u.volunteerA1.token, `/api/v1/orders/${o.id}/accept`);
    await post(s, u.gridWorkerA1.token, `/api/v1/orders/${o.id}/cancel`, { reason: '居民家属已自行处理' });
    expect(await outcome(s, 'order.cancelled', o.id, u.residentA1.id, 'wechat')).toMatchObject({ status: 'sent' });
    expect(await outcome(s, 'task.cancelled', o.id, u.volunteerA1.id, 'wechat')).toMatchObject({ status: 'sent' });
  });

  it('refreshes an access token WeChat ended, once, and sends', async () => {
    const u = s.w.users;
    const tokensBefore = s.wechat.count('/cgi-bin/stable_token');
    s.wechat.rotateToken();
    const o = await order(s, u.residentA1.token);
    expect(await outcome(s, 'staff.new_order', o.id, u.gridWorkerA1.id, 'wechat')).toMatchObject({ status: 'sent' });
    expect(s.wechat.count('/cgi-bin/stable_token')).toBe(tokensBefore + 1);
  });

  it('uses the quota up, then goes on to the next channel (for staff: a text)', async () => {
    const u = s.w.users;
    await s.t.database.db.query(`UPDATE subscribe_quota SET remaining = 1 WHERE user_id = $1`, [u.gridWorkerA1.id]);
    const first = await order(s, u.residentA1.token);
    expect(await outcome(s, 'staff.new_order', first.id, u.gridWorkerA1.id, 'wechat')).toMatchObject({ status: 'sent' });
    const second = await order(s, u.residentA1.token);
    expect(await outcome(s, 'staff.new_order', second.id, u.gridWorkerA1.id, 'wechat')).toEqual({
      status: 'skipped',
      detail: '本人没有可用的订阅（未点「允许」或已用完）',
    });
    expect(await outcome(s, 'staff.new_order', second.id, u.gridWorkerA1.id, 'sms')).toMatchObject({ status: 'sent' });
    expect(s.sms.notices.filter((n) => n.phone === u.gridWorkerA1.phone).length).toBe(1);
    expect(sendsFor(u.gridWorkerA1.id, second.id)).toEqual([]);
  });

  it('takes WeChat’s word (43101) that the person has no subscription left', async () => {
    const u = s.w.users;
    await s.t.database.db.query(`UPDATE subscribe_quota SET remaining = 5 WHERE user_id = $1`, [u.gridWorkerA1.id]);
    s.wechat.subscribeErrors.set(`openid-${u.gridWorkerA1.id}`, 43101);
    try {
      const o = await order(s, u.residentA1.token);
      expect(await outcome(s, 'staff.new_order', o.id, u.gridWorkerA1.id, 'wechat')).toMatchObject({ status: 'skipped' });
      expect(await outcome(s, 'staff.new_order', o.id, u.gridWorkerA1.id, 'sms')).toMatchObject({ status: 'sent' });
      const [quota] = await s.t.database.db.query<Array<{ remaining: number }>>(
        `SELECT remaining FROM subscribe_quota WHERE user_id = $1 AND template_id = $2`,
        [u.gridWorkerA1.id, TPL.alarm],
      );
      expect(quota!.remaining).toBe(0);
    } finally {
      s.wechat.subscribeErrors.clear();
    }
  });

  it('retries an outage with backoff, dead-letters it, and an admin’s retry delivers it once', async () => {
    const u = s.w.users;
    const o = await order(s, u.residentA1.token);
    await outcome(s, 'staff.new_order', o.id, u.gridWorkerA1.id, 'sms').catch(() => undefined);
    await post(s, u.gridWorkerA1.token, `/api/v1/orders/${o.id}/dispatch`, { assigneeId: u.volunteerA1.id });
    s.wechat.outage = 'http';
    s.wechat.rotateToken(); // the cached token must be fetched again: that fails too
    const [n] = await waitFor(
      async () => {
        const rows = await s.t.database.db.query<Array<{ id: string }>>(
          `SELECT id::text FROM notification WHERE kind = 'task.dispatched' AND order_id = $1 AND recipient_id = $2`,
          [o.id, u.volunteerA1.id],
        );
        return rows.length > 0 ? rows : undefined;
      },
      20_000,
      'the dispatch notification',
    );
    const job = async () =>
      (
        await s.t.database.db.query<Array<{ id: string; attempts: number; max_attempts: number; wait: number; last_error: string | null; locked: boolean }>>(
          `SELECT j.id::text, j.attempts, j.max_attempts, extract(epoch FROM j.run_at - now())::float AS wait, j.last_error, j.locked_at IS NOT NULL AS locked
           FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
           WHERE t.identifier = 'deliver' AND j.payload->>'id' = $1 AND j.payload->>'after' IS NULL`,
          [n!.id],
        )
      )[0];
    // each failure pushes the next try further out (about e^attempts seconds); hurried along here
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const j = await waitFor(
        async () => {
          const x = await job();
          return x && x.attempts >= attempt && !x.locked ? x : undefined;
        },
        20_000,
        `attempt ${attempt}`,
      );
      expect(j.last_error).toMatch(/微信/);
      if (attempt < 5) {
        waits.push(j.wait);
        await s.t.database.db.query(`SELECT graphile_worker.reschedule_jobs(ARRAY[$1::bigint], run_at := now())`, [j.id]);
      }
    }
    expect(waits[0]).toBeGreaterThan(1);
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1]!);
    // dead: the admin sees it; the delivery is recorded as failed; the volunteer was not texted (not an alarm)
    expect(await outcome(s, 'task.dispatched', o.id, u.volunteerA1.id, 'wechat')).toMatchObject({ status: 'failed' });
    const dead = await s.t.app.inject({ method: 'GET', url: '/api/v1/admin/jobs/failed', headers: bearer(u.admin.token) });
    const item = dead.json<{ items: Array<{ id: string; task: string; payload: { id: string } }> }>().items.find((i) => i.payload.id === n!.id);
    expect(item?.task).toBe('deliver');
    expect(sendsFor(u.volunteerA1.id, o.id)).toEqual([]);

    // WeChat is back; an admin retries: delivered, once
    s.wechat.outage = false;
    const retried = await s.t.app.inject({ method: 'POST', url: '/api/v1/admin/jobs/retry', headers: bearer(u.admin.token), payload: { ids: [item!.id] } });
    expect(retried.json()).toEqual({ retried: [item!.id] });
    expect(await outcome(s, 'task.dispatched', o.id, u.volunteerA1.id, 'wechat')).toMatchObject({ status: 'sent' });
    await new Promise((r) => setTimeout(r, 500));
    expect(sendsFor(u.volunteerA1.id, o.id)).toHaveLength(1);
    const again = await s.t.app.inject({ method: 'POST', url: '/api/v1/admin/jobs/retry', headers: bearer(u.admin.token), payload: { ids: [item!.id] } });
    expect(again.json()).toEqual({ retried: [] });
  });
});

describe('texts', () => {
  let s: Setup;
  // the hour it is now in Beijing is quiet in this app; one text a day per phone
  const hour = (new Date().getUTCHours() + 8) % 24;
  beforeAll(async () => {
    s = await setUp({ QUIET_HOURS: `${hour}-${(hour + 1) % 24}`, SMS_DAILY_CAP: '1' });
  });
  afterAll(() => tearDown(s));

  it('reach a resident without WeChat for an urgent order at night, once a day at most, and never wake them for a normal one', async () => {
    const u = s.w.users;
    const urgent = await order(s, u.residentA1.token, 'urgent');
    await post(s, u.volunteerA1.token, `/api/v1/orders/${urgent.id}/accept`);
    expect(await outcome(s, 'order.accepted', urgent.id, u.residentA1.id, 'sms')).toMatchObject({ status: 'sent' });
    const notice = s.sms.notices.find((n) => n.phone === u.residentA1.phone);
    expect(notice?.content).toMatch(/^已有人接单：甲一志愿者已接下您的/);

    await post(s, u.volunteerA1.token, `/api/v1/orders/${urgent.id}/check-in`);
    expect(await outcome(s, 'order.checked_in', urgent.id, u.residentA1.id, 'sms')).toEqual({ status: 'skipped', detail: '今天已发 1 条短信，达到上限' });

    // a normal order in the quiet hours: not even counted against the cap, simply not sent
    const normal = await order(s, u.residentA1.token);
    await post(s, u.volunteerA1.token, `/api/v1/orders/${normal.id}/accept`);
    expect(await outcome(s, 'order.accepted', normal.id, u.residentA1.id, 'sms')).toEqual({ status: 'skipped', detail: '夜间免打扰时段，不发短信' });
  });

  it('are not sent for a kind the person switched off', async () => {
    const u = s.w.users;
    const res = await s.t.app.inject({
      method: 'PUT',
      url: '/api/v1/me/notification-preferences',
      headers: bearer(u.residentA1.token),
      payload: { muted: { 'order.checked_in': ['sms'] } },
    });
    expect(res.statusCode).toBe(200);
    const o = await order(s, u.residentA1.token, 'urgent');
    await post(s, u.volunteerA1.token, `/api/v1/orders/${o.id}/accept`);
    await post(s, u.volunteerA1.token, `/api/v1/orders/${o.id}/check-in`);
    expect(await outcome(s, 'order.checked_in', o.id, u.residentA1.id, 'sms')).toEqual({ status: 'skipped', detail: '本人已关闭这类短信提醒' });
  });
});
