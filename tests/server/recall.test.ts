import type { NotificationPageDto, OrderDto, OrderEventDto, Page, ServiceRecordDto } from '@bangbang/shared';
import { replayOrderEvents } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/tmp';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * 撤回改派 (issue 20, item 5): POST /orders/:id/recall. Staff with jurisdiction take back a dispatch, or an accepted
 * order before check-in, with a reason, and may send it on in the same step; the person taken off is told, it does not
 * count against them, and they may still be sent it again.
 */

let t: TestApp;
let w: World;
type Who = keyof World['users'] | { id: string; token: string };
const tokenOf = (who: Who) => (typeof who === 'string' ? w.users[who].token : who.token);

const call = (who: Who, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, payload, headers: bearer(tokenOf(who)) });
const act = (who: Who, id: string, action: string, body: object = {}) => call(who, 'POST', `/orders/${id}/${action}`, body);
const ok = async (who: Who, id: string, action: string, body: object = {}): Promise<OrderDto> => {
  const res = await act(who, id, action, body);
  expect({ action, status: res.statusCode, body: res.json() }).toMatchObject({ action, status: 200 });
  return res.json<OrderDto>();
};
const events = async (id: string) => (await call('admin', 'GET', `/orders/${id}/events`)).json<{ items: OrderEventDto[] }>().items;
const view = async (id: string) => (await call('admin', 'GET', `/orders/${id}`)).json<OrderDto>();
let households = 0;
/** A resident of grid A1 of their own: a resident has one open order per service (issue 20), and these stay open. */
const household = async (): Promise<{ id: string; token: string }> => {
  households += 1;
  const [row] = await t.database.db.query<Array<{ id: string }>>(
    `INSERT INTO app_user (name, phone, roles, region_id, address, location_lat, location_lng)
     VALUES ($1, $2, '{resident}', $3, $4, 40.751, 107.401) RETURNING id`,
    [`甲一居民${households}`, `1371114${String(households).padStart(4, '0')}`, w.regions.A1, `甲社区7号楼${households}室`],
  );
  return { id: row!.id, token: t.app.jwt.sign({ sub: row!.id }) };
};
/** A medicine delivery in grid A1, by a household of its own unless `who` is given. */
const order = async (extra: object = {}, who?: Who): Promise<OrderDto> => {
  const res = await call(who ?? (await household()), 'POST', '/orders', {
    categoryCode: 'medicine_delivery',
    description: '帮忙取药',
    urgency: 'normal',
    ...extra,
  });
  expect(res.statusCode).toBe(201);
  return res.json<OrderDto>();
};
const myTasks = async (who: Who) => (await call(who, 'GET', '/tasks/mine')).json<Page<OrderDto>>().items.map((o) => o.id);

let li: { id: string; token: string };
let zhao: { id: string; token: string };

beforeAll(async () => {
  // this process runs the jobs: the recalled person's notification is written by the outbox job
  t = await buildTestApp({ LOG_LEVEL: 'error', JOB_CONCURRENCY: '2' });
  w = await buildWorld(t.app, t.database.db);
  const db = t.database.db;
  await db.query(`UPDATE app_user SET on_duty = true WHERE id = $1`, [w.users.volunteerA1.id]);
  const add = async (name: string, phone: string, region: string) => {
    const [row] = await db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
       VALUES ($1, $2, '{volunteer}', $3, '{medicine_delivery}', true, 40.752, 107.401) RETURNING id`,
      [name, phone, region],
    );
    return { id: row!.id, token: t.app.jwt.sign({ sub: row!.id }) };
  };
  li = await add('李志愿者', '13711120001', w.regions.A1);
  zhao = await add('赵志愿者', '13711120002', w.regions.A1);
});

afterAll(async () => {
  await t.close();
});

describe('POST /orders/:id/recall (撤回改派)', () => {
  it('takes back a dispatch and sends it to someone else in one step', async () => {
    const o = await order();
    await ok('gridWorkerA1', o.id, 'dispatch', { assigneeId: w.users.volunteerA1.id });
    expect(await myTasks('volunteerA1')).toContain(o.id);

    const res = await ok('dispatcherT', o.id, 'recall', { reason: '联系不上，改派李志愿者', assigneeId: li.id });
    expect(res).toMatchObject({ status: 'dispatched', dispatchedToUserId: li.id });

    const timeline = await events(o.id);
    expect(timeline.slice(-3).map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['dispatch', 'pending', 'dispatched'],
      ['recall', 'dispatched', 'pending'],
      ['dispatch', 'pending', 'dispatched'],
    ]);
    const [recall, again] = timeline.slice(-2);
    expect(recall).toMatchObject({
      actorId: w.users.dispatcherT.id,
      reason: '联系不上，改派李志愿者',
      data: { recalled: [{ userId: w.users.volunteerA1.id, name: '甲一志愿者' }], acceptedCount: 0 },
    });
    // the town's dispatcher acted before the grid's order reached the town: 越级派单
    expect(again!.data).toMatchObject({ assigneeId: li.id, afterRecall: true, overLevel: true, level: 'grid' });
    expect(replayOrderEvents(timeline)).toBe('dispatched');

    // no longer theirs; the new assignee has it
    expect(await myTasks('volunteerA1')).not.toContain(o.id);
    expect(await myTasks(li)).toContain(o.id);
    expect((await ok(li, o.id, 'accept')).status).toBe('accepted');
  });

  it('takes back an accepted order before check-in: it waits again, and the person is not kept from it', async () => {
    const o = await order();
    await ok('volunteerA1', o.id, 'accept');
    const back = await ok('gridWorkerA1', o.id, 'recall', { reason: '居民改约时间，另行安排' });
    expect(back).toMatchObject({ status: 'pending', acceptedCount: 0, dispatchedToUserId: null });
    expect(back.assignees).toEqual([expect.objectContaining({ userId: w.users.volunteerA1.id, state: 'recalled' })]);
    expect(await myTasks('volunteerA1')).not.toContain(o.id);

    // a recall is staff's decision: not a release or a no-show on the volunteer's record
    const record = (await call('admin', 'GET', `/users/${w.users.volunteerA1.id}/service-record`)).json<ServiceRecordDto>();
    expect(record).toMatchObject({ released: 0, noShows: 0, rejectedDispatches: 0 });

    // unlike a refusal, they may take it or be sent it again
    const candidates = (await call('gridWorkerA1', 'GET', `/orders/${o.id}/candidates`)).json<{ items: Array<{ id: string }> }>().items;
    expect(candidates.map((c) => c.id)).toContain(w.users.volunteerA1.id);
    expect((await ok('volunteerA1', o.id, 'accept')).status).toBe('accepted');
    expect(replayOrderEvents(await events(o.id))).toBe('accepted');
  });

  it('tells the person taken off it, with the reason (the outbox job)', async () => {
    const o = await order();
    await ok('volunteerA1', o.id, 'accept');
    await ok('dispatcherT', o.id, 'recall', { reason: '老人家属已自行送医', assigneeId: zhao.id });
    const told = await waitFor(
      async () => {
        const inbox = (await call('volunteerA1', 'GET', '/me/notifications')).json<NotificationPageDto>();
        return inbox.items.find((n) => n.kind === 'task.recalled' && n.orderId === o.id);
      },
      15_000,
      'task.recalled for the recalled volunteer',
    );
    expect(told.title).toBe('需求已撤回');
    expect(told.body).toContain('老人家属已自行送医');
    // and the new assignee hears of the dispatch
    await waitFor(
      async () =>
        (await call(zhao, 'GET', '/me/notifications')).json<NotificationPageDto>().items.find((n) => n.kind === 'task.dispatched' && n.orderId === o.id),
      15_000,
      'task.dispatched for the new assignee',
    );
  });

  it('is refused once everyone on it has checked in, or while nobody has it (409), saying why', async () => {
    const o = await order();
    await ok('volunteerA1', o.id, 'accept');
    await ok('volunteerA1', o.id, 'check-in');
    const res = await act('dispatcherT', o.id, 'recall', { reason: '改派' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'CONFLICT', message: '该需求已在服务中，没有接单后还未签到的人可以撤回。' });
    // and from pending: nothing to take back
    const waiting = await order();
    expect((await act('dispatcherT', waiting.id, 'recall', { reason: '改派' })).json()).toMatchObject({
      code: 'CONFLICT',
      message: '该需求还没有人接单，也没有派给谁，不需要撤回。',
    });
    expect((await view(waiting.id)).actions).not.toContain('recall');
    expect(await events(waiting.id)).toHaveLength(1);
  });

  it('races a check-in safely: exactly one of the two happens, the timeline adds up', async () => {
    for (let i = 0; i < 3; i++) {
      const o = await order();
      await ok('volunteerA1', o.id, 'accept');
      const [recall, checkIn] = await Promise.all([act('dispatcherT', o.id, 'recall', { reason: '改派' }), act('volunteerA1', o.id, 'check-in')]);
      expect([recall.statusCode, checkIn.statusCode].sort()).toEqual([200, 409]);
      const after = await view(o.id);
      expect(after.status).toBe(recall.statusCode === 200 ? 'pending' : 'in_service');
      expect(replayOrderEvents(await events(o.id))).toBe(after.status);
    }
  });

  it('is for staff with jurisdiction: 403 for others who see the order, 404 for staff elsewhere', async () => {
    const o = await order({}, 'residentA1');
    await ok('volunteerA1', o.id, 'accept');
    for (const who of ['volunteerA1', 'residentA1'] as const) {
      const res = await act(who, o.id, 'recall', { reason: '不想要了' });
      expect({ who, status: res.statusCode, body: res.json() }).toMatchObject({
        who,
        status: 403,
        body: { code: 'FORBIDDEN', message: '您不能对这个需求进行「撤回改派」。' },
      });
    }
    const elsewhere = await act('dispatcherT2', o.id, 'recall', { reason: '改派' });
    expect(elsewhere.statusCode).toBe(404);
    expect(elsewhere.json()).toMatchObject({ code: 'NOT_FOUND', message: '需求不存在。' });
    expect((await view(o.id)).status).toBe('accepted');
  });

  it('recalls and re-dispatches atomically: a bad choice leaves the order untouched', async () => {
    const o = await order();
    await ok('volunteerA1', o.id, 'accept');
    const before = await events(o.id);
    const refused = async (body: object, field: string, message: string) => {
      const res = await act('dispatcherT', o.id, 'recall', body);
      expect({ status: res.statusCode, details: res.json().details }).toEqual({ status: 400, details: [{ field, message }] });
      expect(await events(o.id)).toEqual(before);
      expect(await view(o.id)).toMatchObject({
        status: 'accepted',
        acceptedCount: 1,
        assignees: [expect.objectContaining({ userId: w.users.volunteerA1.id, state: 'accepted' })],
      });
    };
    await refused({ reason: '改派', assigneeId: '00000000-0000-4000-8000-000000000000' }, 'assigneeId', '接单人不存在，或不在您的管辖范围和需求所在区域内');
    await refused({ reason: '改派', assigneeId: w.users.residentX1.id }, 'assigneeId', '接单人不存在，或不在您的管辖范围和需求所在区域内');
    await refused({ reason: '改派', assigneeId: w.users.volunteerA1.id }, 'assigneeId', '不能改派给被撤回的人，请选择其他人');
    await refused({ reason: '改派', assigneeId: li.id, squadId: li.id }, 'squadId', '改派时请只指定接单人或小分队之一');
    await refused({ reason: '改派', volunteerId: li.id }, 'volunteerId', '这位志愿者没有接下、也没有被派这个需求');
    await refused({ reason: '', assigneeId: li.id }, 'reason', '请说明原因');
    await refused({ reason: '改派', assigneeId: 'li' }, 'assigneeId', '接单人编号格式不正确');
  });

  it('several people: recalls one with volunteerId, or everyone who has not checked in', async () => {
    const o = await order({ headcount: 3 });
    await ok('volunteerA1', o.id, 'accept');
    await ok(li, o.id, 'accept');
    expect((await ok(zhao, o.id, 'accept')).status).toBe('accepted');

    const one = await ok('gridWorkerA1', o.id, 'recall', { reason: '李志愿者临时有事', volunteerId: li.id });
    expect(one).toMatchObject({ status: 'pending', acceptedCount: 2 });
    const states = (d: OrderDto) => Object.fromEntries(d.assignees.map((a) => [a.name, a.state]));
    expect(states(one)).toEqual({ 甲一志愿者: 'accepted', 李志愿者: 'recalled', 赵志愿者: 'accepted' });
    expect((await events(o.id)).at(-1)!.data).toMatchObject({ recalled: [{ userId: li.id, name: '李志愿者' }], acceptedCount: 2 });

    // full again (李 may come back), then everyone taken back at once
    expect((await ok(li, o.id, 'accept')).status).toBe('accepted');
    const all = await ok('gridWorkerA1', o.id, 'recall', { reason: '改期' });
    expect(all).toMatchObject({ status: 'pending', acceptedCount: 0 });
    expect((await events(o.id)).at(-1)!.data.recalled).toHaveLength(3);
    expect(replayOrderEvents(await events(o.id))).toBe('pending');
  });

  it('several people, partly filled: takes back a place while it waits for more, or one not yet there while others serve', async () => {
    const o = await order({ headcount: 3 });
    await ok('volunteerA1', o.id, 'accept');
    const open = await ok(li, o.id, 'accept');
    expect(open).toMatchObject({ status: 'pending', acceptedCount: 2 });
    expect((await view(o.id)).actions).toContain('recall');

    // waiting for a third: 李's place is taken back, 甲一 keeps theirs, and it may go to 赵 in the same step
    const sent = await ok('gridWorkerA1', o.id, 'recall', { reason: '李志愿者临时有事', volunteerId: li.id, assigneeId: zhao.id });
    expect(sent).toMatchObject({ status: 'dispatched', acceptedCount: 1, dispatchedToUserId: zhao.id });
    const states = (d: OrderDto) => Object.fromEntries(d.assignees.map((a) => [a.name, a.state]));
    expect(states(sent)).toEqual({ 甲一志愿者: 'accepted', 李志愿者: 'recalled' });
    expect((await events(o.id)).slice(-2).map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['recall', 'pending', 'pending'],
      ['dispatch', 'pending', 'dispatched'],
    ]);

    // full again (李 may come back); under way: 甲一 is there, 赵 and 李 accepted and have not come
    await ok(zhao, o.id, 'accept');
    expect((await ok(li, o.id, 'accept')).status).toBe('accepted');
    await ok('volunteerA1', o.id, 'check-in');
    const serving = await view(o.id);
    expect(serving).toMatchObject({ status: 'in_service', acceptedCount: 3 });
    expect(serving.actions).toContain('recall');
    // sending it on is for an order still waiting: nothing is written
    const before = await events(o.id);
    const bad = await act('dispatcherT', o.id, 'recall', { reason: '改派', assigneeId: li.id });
    expect({ status: bad.statusCode, details: bad.json().details }).toEqual({
      status: 400,
      details: [{ field: 'assigneeId', message: '服务已经开始，撤回后空出的名额由任务大厅补位，不能在此改派' }],
    });
    expect(await events(o.id)).toEqual(before);
    // a volunteer next door, on duty, not yet told of it
    const [row] = await t.database.db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
       VALUES ('周志愿者', '13711120009', '{volunteer}', $1, '{medicine_delivery}', true, 40.752, 107.401) RETURNING id`,
      [w.regions.A1],
    );
    const zhou = { id: row!.id, token: t.app.jwt.sign({ sub: row!.id }) };
    // 赵's place alone is taken back, then everyone not yet there (李); the order stays in service throughout
    const one = await ok('dispatcherT', o.id, 'recall', { reason: '赵志愿者联系不上', volunteerId: zhao.id });
    expect(one).toMatchObject({ status: 'in_service', acceptedCount: 2 });
    expect((await events(o.id)).at(-1)).toMatchObject({
      type: 'recall',
      fromStatus: 'in_service',
      toStatus: 'in_service',
      data: { recalled: [{ userId: zhao.id }] },
    });
    const back = await ok('dispatcherT', o.id, 'recall', { reason: '李志愿者说今天来不了' });
    expect(back).toMatchObject({ status: 'in_service', acceptedCount: 1 });
    expect(states(back)).toEqual({ 甲一志愿者: 'in_service', 李志愿者: 'recalled', 赵志愿者: 'recalled' });
    expect(replayOrderEvents(await events(o.id))).toBe('in_service');
    // nobody left to take back
    expect((await view(o.id)).actions).not.toContain('recall');
    expect((await act('dispatcherT', o.id, 'recall', { reason: '改派' })).statusCode).toBe(409);

    // volunteers nearby hear of the freed places (附近新需求), whatever the dispatch mode: nothing else offers them
    const nearby = await waitFor(
      async () => (await call(zhou, 'GET', '/me/notifications')).json<NotificationPageDto>().items.find((n) => n.kind === 'task.nearby' && n.orderId === o.id),
      15_000,
      'task.nearby for the freed places',
    );
    expect(nearby.body).toContain('送医送药');
    // the two freed places are in the task hall of the grid's volunteers, with 接单 on the order
    const hall = async (who: Who) => {
      const res = await call(who, 'GET', '/tasks/pool');
      expect(res.statusCode).toBe(200);
      return res.json<{ items: OrderDto[] }>().items.map((x) => x.id);
    };
    expect(await hall(zhao)).toContain(o.id);
    expect((await call(zhao, 'GET', `/orders/${o.id}`)).json<OrderDto>().actions).toEqual(['accept']);
    // 赵 fills one and may give it back before arriving; 李 fills it again, 赵 the last one
    expect(await ok(zhao, o.id, 'accept')).toMatchObject({ status: 'in_service', acceptedCount: 2 });
    expect(await ok(zhao, o.id, 'release', { reason: '临时有事' })).toMatchObject({ status: 'in_service', acceptedCount: 1 });
    await ok(li, o.id, 'accept');
    expect(await ok(zhao, o.id, 'accept')).toMatchObject({ status: 'in_service', acceptedCount: 3 });
    // full: it leaves the hall, and a late taker is told it is taken
    const late = zhou;
    expect(await hall(late)).not.toContain(o.id);
    const refused = await act(late, o.id, 'accept');
    expect({ status: refused.statusCode, message: refused.json().message }).toEqual({ status: 409, message: '该需求已被接单。' });
    // 李 arrives and joins; the order is completed when the last one there is done (赵 never came: a no-show)
    await ok(li, o.id, 'check-in');
    expect((await ok('volunteerA1', o.id, 'complete', { note: '药送到了' })).status).toBe('in_service');
    const done = await ok(li, o.id, 'complete', { note: '药送到了' });
    expect(done).toMatchObject({ status: 'completed', acceptedCount: 2 });
    expect(replayOrderEvents(await events(o.id))).toBe('completed');
  });

  it('under auto-dispatch, a recall without a new assignee makes the order due at once — not back to the one taken off it', async () => {
    // auto: offers to several at once (issue 20); the two on duty nearby are asked, 钱 takes it
    expect((await call('dispatcherT', 'PUT', `/regions/${w.regions.A2}/dispatch-mode`, { mode: 'auto' })).statusCode).toBe(200);
    const add = async (name: string, phone: string) => {
      const [row] = await t.database.db.query<Array<{ id: string }>>(
        `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
         VALUES ($1, $2, '{volunteer}', $3, '{medicine_delivery}', true, 40.751, 107.401) RETURNING id`,
        [name, phone, w.regions.A2],
      );
      return { id: row!.id, token: t.app.jwt.sign({ sub: row!.id }) };
    };
    const qian = await add('钱志愿者', '13711120003');
    const sun = await add('孙志愿者', '13711120004');
    const o = await order({}, 'residentA2');
    const firstOffer = (await events(o.id)).at(-1)!;
    expect(firstOffer.type).toBe('offer');
    expect(firstOffer.data.people).toEqual(expect.arrayContaining([qian.id, sun.id]));
    await ok(qian, o.id, 'accept');
    await ok('dispatcherT', o.id, 'recall', { reason: '重新安排' });
    // the system acts at once, in the same request: offered again — to 孙 (whose offer was withdrawn when 钱 took
    // it), not to 钱, whom staff just took off it
    const timeline = await events(o.id);
    expect(timeline.slice(-2).map((e) => [e.type, e.actorId, e.toStatus])).toEqual([
      ['recall', w.users.dispatcherT.id, 'pending'],
      ['offer', null, 'pending'],
    ]);
    expect(timeline.at(-1)!.data.people).toContain(sun.id);
    expect(timeline.at(-1)!.data.people).not.toContain(qian.id);
    expect((await ok(sun, o.id, 'accept')).status).toBe('accepted');
  });
});
