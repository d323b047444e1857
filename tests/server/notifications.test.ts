import type { NotificationDto, NotificationPageDto, NotificationPreferencesDto, OrderDto, OrderNotificationDto, SubscriptionsDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/tmp';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Reaching people (issue 19), the core: order events become notifications through the job queue — the right people,
 * the right words, once — kept in each person's inbox, with every channel's outcome on the order's record for staff.
 * The channels themselves (WeChat, SMS) are tested in notify-delivery.test.ts against the fakes.
 */

let t: TestApp;
let w: World;

const inboxOf = async (token: string): Promise<NotificationPageDto> => {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/me/notifications', headers: bearer(token) });
  expect(res.statusCode).toBe(200);
  return res.json<NotificationPageDto>();
};

/** Waits until the person's inbox holds a notification of this kind about the order. */
const told = async (token: string, kind: string, orderId: string): Promise<NotificationDto> =>
  waitFor(async () => (await inboxOf(token)).items.find((n) => n.kind === kind && n.orderId === orderId), 15_000, `${kind} for ${orderId}`);

/** Until no job of the outbox or of delivery is waiting or running. */
const settled = () =>
  waitFor(
    async () =>
      (
        await t.database.db.query<unknown[]>(
          `SELECT 1 FROM graphile_worker.jobs WHERE task_identifier IN ('order-events', 'deliver', 'nearby') AND attempts < max_attempts`,
        )
      ).length === 0,
    15_000,
    'the notification jobs to finish',
  );

const order = async (token: string, description = '帮忙去医院取药', categoryCode = 'medicine_delivery'): Promise<OrderDto> => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: bearer(token),
    payload: { categoryCode, description, urgency: 'normal' },
  });
  expect(res.statusCode).toBe(201);
  return res.json<OrderDto>();
};

beforeAll(async () => {
  // this test's process runs the jobs (JOB_CONCURRENCY is 0 in the test configuration by default)
  t = await buildTestApp({ JOB_CONCURRENCY: '2', WECHAT_TEMPLATE_ORDER_STATUS: 'tpl-status', WECHAT_TEMPLATE_NEW_TASK: 'tpl-task' });
  w = await buildWorld(t.app, t.database.db);
  await t.database.db.query(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery}' WHERE id = $1`, [w.users.volunteerA1.id]);
});

afterAll(async () => {
  await t.close();
});

describe('who hears what', () => {
  let placed: OrderDto;

  beforeAll(async () => {
    placed = await order(w.users.residentA1.token);
  });

  it('tells the grid worker of a new order in their grid, and the on-duty volunteer nearby', async () => {
    const staff = await told(w.users.gridWorkerA1.token, 'staff.new_order', placed.id);
    expect(staff.title).toBe('辖区有新需求');
    expect(staff.body).toContain('甲一居民');
    expect(staff.body).toContain('「送医送药」');
    const near = await told(w.users.volunteerA1.token, 'task.nearby', placed.id);
    expect(near.body).toContain('甲一网格');
    // the resident who ordered is not told of their own order
    await settled();
    expect((await inboxOf(w.users.residentA1.token)).items.filter((n) => n.orderId === placed.id)).toEqual([]);
  });

  it('tells the resident who accepted, in words they understand', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${placed.id}/accept`, headers: bearer(w.users.volunteerA1.token), payload: {} });
    expect(res.statusCode).toBe(200);
    const n = await told(w.users.residentA1.token, 'order.accepted', placed.id);
    expect(n.title).toBe('已有人接单');
    expect(n.body).toMatch(/^甲一志愿者已接下您的「送医送药」需求/);
    expect(n.readAt).toBeNull();
  });

  it('tells a family member with a login in the app, and one without a login only by phone', async () => {
    await t.database.db.query(
      `INSERT INTO family_contact (resident_id, name, relation, phone) VALUES ($1, '女儿', 'child', $2), ($1, '儿子', 'child', '13500000077')`,
      [w.users.residentA1.id, w.users.residentA2.phone],
    );
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${placed.id}/check-in`, headers: bearer(w.users.volunteerA1.token), payload: {} });
    expect(res.statusCode).toBe(200);
    await told(w.users.residentA1.token, 'order.checked_in', placed.id);
    await told(w.users.residentA2.token, 'order.checked_in', placed.id);
    const [phoneOnly] = await t.database.db.query<Array<{ recipient_id: string | null }>>(
      `SELECT recipient_id FROM notification WHERE order_id = $1 AND kind = 'order.checked_in' AND recipient_phone = '13500000077'`,
      [placed.id],
    );
    expect(phoneOnly).toEqual({ recipient_id: null });
  });

  it('shows staff what was sent, by which channel, and why not', async () => {
    await settled();
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${placed.id}/notifications`, headers: bearer(w.users.dispatcherT.token) });
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: OrderNotificationDto[] }>().items;
    const accepted = items.filter((i) => i.kind === 'order.accepted');
    // nobody had the app open, nobody logged in by WeChat, no notice SMS configured here: every outcome recorded
    expect(accepted.map((i) => [i.recipient, i.channel, i.status, i.detail])).toEqual([
      ['甲一居民', 'live', 'skipped', '未打开小程序'],
      ['甲一居民', 'wechat', 'skipped', '未用微信登录过小程序'],
      ['甲一居民', 'sms', 'skipped', '未配置通知短信'],
    ]);
    // a phone-only family member: named by their masked phone
    expect(items.some((i) => i.recipient === '135****0077')).toBe(true);
    // not for the resident, nor for staff elsewhere
    const resident = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${placed.id}/notifications`, headers: bearer(w.users.residentA1.token) });
    expect(resident.statusCode).toBe(403);
    const elsewhere = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${placed.id}/notifications`, headers: bearer(w.users.dispatcherT2.token) });
    expect(elsewhere.statusCode).toBe(404);
  });

  it('says nothing twice when the job runs again', async () => {
    await settled();
    const said = () =>
      t.database.db.query<Array<{ id: string }>>(`SELECT id::text FROM notification WHERE order_id = $1 ORDER BY notification.id`, [placed.id]);
    const before = await said();
    const deliveries = await t.database.db.query(`SELECT count(*)::int AS n FROM notification_delivery`);
    expect(deliveries).toEqual(
      await t.database.db.query(`SELECT count(*)::int AS n FROM notification_delivery WHERE notification_id = ANY($1::bigint[])`, [before.map((b) => b.id)]),
    );
    const events = await t.database.db.query<Array<{ seq: number }>>(`SELECT seq FROM order_event WHERE order_id = $1`, [placed.id]);
    await t.database.db.query(`SELECT graphile_worker.add_job('order-events', $1::json)`, [JSON.stringify({ events: events.map((e) => [placed.id, e.seq]) })]);
    await settled();
    // every (cause, kind, person) once: what was said is not said again (family added since the accept are told
    // of it now — they are new recipients, not a repeat)
    const after = await said();
    expect(after.slice(0, before.length)).toEqual(before);
    const repeats = await t.database.db.query(
      `SELECT source, kind, COALESCE(recipient_id::text, recipient_phone) FROM notification GROUP BY 1, 2, 3 HAVING count(*) > 1`,
    );
    expect(repeats).toEqual([]);
    // and what was delivered is not delivered again: the outcomes of the earlier ones are as they were
    expect(
      await t.database.db.query(`SELECT count(*)::int AS n FROM notification_delivery WHERE notification_id = ANY($1::bigint[])`, [before.map((b) => b.id)]),
    ).toEqual(deliveries);
  });

  it('tells no one of a change that was rolled back', async () => {
    await settled();
    const jobs = async () => (await t.database.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM graphile_worker.jobs`))[0]!.n;
    const before = await jobs();
    await t.database.db
      .transaction(async (m) => {
        await m.query(
          `INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, data) VALUES ($1, 999, 'cancel', NULL, now(), 'in_service', 'cancelled', '{"by":"staff"}')`,
          [placed.id],
        );
        // inside the transaction the outbox job exists…
        expect(await m.query<unknown[]>(`SELECT 1 FROM graphile_worker.jobs WHERE task_identifier = 'order-events'`)).toHaveLength(1);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    // …and after the rollback it never did
    expect(await jobs()).toBe(before);
    await new Promise((r) => setTimeout(r, 300));
    expect(await t.database.db.query<unknown[]>(`SELECT 1 FROM notification WHERE source = $1`, [`e:${placed.id}:999`])).toEqual([]);
  });
});

describe('the inbox', () => {
  it('pages newest first, counts unread, marks read — only one’s own', async () => {
    // another service: the first order of the file may still be open (one open order per resident and service)
    const first = await order(w.users.residentA1.token, '帮忙买菜', 'errands');
    await told(w.users.gridWorkerA1.token, 'staff.new_order', first.id);
    const page = await t.app.inject({ method: 'GET', url: '/api/v1/me/notifications?limit=1', headers: bearer(w.users.gridWorkerA1.token) });
    const body = page.json<NotificationPageDto>();
    expect(body.items).toHaveLength(1);
    expect(body.items[0]!.orderId).toBe(first.id);
    expect(body.unread).toBeGreaterThanOrEqual(2);
    expect(body.nextBefore).toBe(body.items[0]!.id);
    const older = await t.app.inject({
      method: 'GET',
      url: `/api/v1/me/notifications?limit=1&before=${body.nextBefore}`,
      headers: bearer(w.users.gridWorkerA1.token),
    });
    expect(Number(older.json<NotificationPageDto>().items[0]!.id)).toBeLessThan(Number(body.items[0]!.id));

    // someone else's id is not marked
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/notifications/read',
      headers: bearer(w.users.residentA1.token),
      payload: { ids: [body.items[0]!.id] },
    });
    expect(foreign.statusCode).toBe(200);
    const one = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/notifications/read',
      headers: bearer(w.users.gridWorkerA1.token),
      payload: { ids: [body.items[0]!.id] },
    });
    expect(one.json()).toEqual({ unread: body.unread - 1 });
    const all = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/notifications/read',
      headers: bearer(w.users.gridWorkerA1.token),
      payload: { all: true },
    });
    expect(all.json()).toEqual({ unread: 0 });
  });

  it('refuses bad input with the field named', async () => {
    const none = await t.app.inject({ method: 'POST', url: '/api/v1/me/notifications/read', headers: bearer(w.users.gridWorkerA1.token), payload: {} });
    expect(none.statusCode).toBe(400);
    expect(none.json().details[0].field).toBe('ids');
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/notifications/read',
      headers: bearer(w.users.gridWorkerA1.token),
      payload: { ids: ['abc'] },
    });
    expect(bad.statusCode).toBe(400);
    const limit = await t.app.inject({ method: 'GET', url: '/api/v1/me/notifications?limit=500', headers: bearer(w.users.gridWorkerA1.token) });
    expect(limit.statusCode).toBe(400);
    expect(limit.json().details[0].field).toBe('limit');
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/me/notifications' });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('preferences and subscriptions', () => {
  it('lists the kinds a person can hear by role, and keeps what they choose', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/me/notification-preferences', headers: bearer(w.users.residentX1.token) });
    const p = res.json<NotificationPreferencesDto>();
    expect(p.channelOrder).toEqual(['live', 'wechat', 'sms']);
    // a resident hears of their orders, of a community project they claimed and of their points (anyone may do both)
    expect(p.kinds.every((k) => /^(order|project|points)\./.test(k))).toBe(true);
    expect(p.kinds).toEqual(expect.arrayContaining(['order.accepted', 'project.changed']));
    const staff = await t.app.inject({ method: 'GET', url: '/api/v1/me/notification-preferences', headers: bearer(w.users.gridWorkerA1.token) });
    expect(staff.json<NotificationPreferencesDto>().kinds).toEqual(expect.arrayContaining(['staff.new_order', 'task.dispatched', 'order.accepted']));

    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/me/notification-preferences',
      headers: bearer(w.users.residentX1.token),
      payload: { channelOrder: ['sms', 'live'], muted: { 'order.checked_in': ['sms'] }, smsOptIn: true },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json<NotificationPreferencesDto>()).toMatchObject({
      channelOrder: ['sms', 'live', 'wechat'],
      muted: { 'order.checked_in': ['sms'] },
      smsOptIn: true,
    });
  });

  it('refuses a preference that makes no sense, naming it', async () => {
    const cases: Array<[unknown, string]> = [
      [{ channelOrder: ['pigeon'] }, 'channelOrder'],
      [{ channelOrder: ['sms', 'sms'] }, 'channelOrder'],
      [{ muted: { 'order.teleported': ['sms'] } }, 'muted.order.teleported'],
      [{ muted: { 'order.accepted': ['fax'] } }, 'muted.order.accepted'],
      [{ smsOptIn: 'yes' }, 'smsOptIn'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/me/notification-preferences',
        headers: bearer(w.users.residentX1.token),
        payload: payload as object,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().details[0].field).toBe(field);
    }
  });

  it('counts each accepted subscription as one send, and only for our templates', async () => {
    const get = await t.app.inject({ method: 'GET', url: '/api/v1/me/subscriptions', headers: bearer(w.users.volunteerA1.token) });
    expect(get.json<SubscriptionsDto>().templates).toMatchObject({ 'task.dispatched': 'tpl-task', 'order.accepted': 'tpl-status' });
    const twice = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/subscriptions',
      headers: bearer(w.users.volunteerA1.token),
      payload: { accepted: ['tpl-task', 'tpl-task', 'tpl-status'] },
    });
    expect(twice.json<SubscriptionsDto>().quota).toEqual({ 'tpl-task': 2, 'tpl-status': 1 });
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/subscriptions',
      headers: bearer(w.users.volunteerA1.token),
      payload: { accepted: ['someone-else'] },
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().details[0].field).toBe('accepted');
  });
});

describe('dead letters', () => {
  it('are for admins', async () => {
    const admin = await t.app.inject({ method: 'GET', url: '/api/v1/admin/jobs/failed', headers: bearer(w.users.admin.token) });
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toEqual({ items: [] });
    const staff = await t.app.inject({ method: 'GET', url: '/api/v1/admin/jobs/failed', headers: bearer(w.users.dispatcherT.token) });
    expect(staff.statusCode).toBe(403);
  });
});
