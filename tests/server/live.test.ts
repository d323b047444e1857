import { AUTH_LOGOUT_PATH, LIVE_CLOSE_UNAUTHORIZED, LIVE_PATH, type LiveServerMessage, type NotificationDto, type OrderDto } from '@bangbang/shared';
import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { WebSocket } from 'ws';
import type { Actor } from '../../server/src/modules/auth/actor';
import fp from 'fastify-plugin';
import type { DataSource } from 'typeorm';
import bangbangApp, { createFastify, type AppOptions } from '../../server/src/app';
import { createDataSource, initializeDataSource } from '../../server/src/db/data-source';
import { entities } from '../../server/src/entities';
import { signToken } from '../../server/src/modules/auth/plugin';
import { onlineAmong } from '../../server/src/modules/live/live.repo';
import livePlugin, { type LiveOptions } from '../../server/src/modules/live/plugin';
import { LIVE_CHANNEL, mayHear, parseNotice, type LivePerson } from '../../server/src/modules/live/routing';
import { LiveClose, LiveSocket } from '../../server/src/modules/live/socket';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { LiveClient, liveUrl } from '../support/live-client';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * The live channel (issue 19, item 3): a WebSocket per open app, authenticated by its first message, with catch-up,
 * heartbeats and presence; what it carries comes through PostgreSQL NOTIFY, so two app instances on one database
 * (two API processes) each deliver to their own sockets whatever was notified. Real sockets on loopback.
 */

/** Short timers so the heartbeat, the auth timeout and the listener's retries show within a test. */
const FAST: LiveOptions = { authTimeoutMs: 600, pingMs: 200, silenceMs: 1_200, presenceMs: 500, retryMinMs: 50, retryMaxMs: 500 };

/**
 * One API process: the application and the live channel on its own pool, listening on a port of loopback. The
 * application registers the live channel itself with `live` as its options once composed so (app.ts); until then
 * the test registers it here.
 */
async function startProcess(db: DataSource, live: LiveOptions = FAST, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = testConfig(env);
  const app = createFastify(config);
  const opts: AppOptions & { live: LiveOptions } = { config, db, live };
  await app.register(fp(bangbangApp, { name: 'bangbang-app' }), opts);
  if (!app.hasPlugin('live')) await app.register(livePlugin, live);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

async function stopProcess(app: FastifyInstance): Promise<void> {
  const closing = app.close();
  app.server.closeAllConnections();
  await closing;
}

/** Polls `probe` until it returns true, up to 5 s. */
async function eventually(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const isNotification = (m: LiveServerMessage): m is Extract<LiveServerMessage, { type: 'notification' }> => m.type === 'notification';
const isOrder = (m: LiveServerMessage): m is Extract<LiveServerMessage, { type: 'order' }> => m.type === 'order';

describe('routing rules (pure)', () => {
  const A = '/c/t/a/';
  const order = { region: `${A}a1/`, scope: A, people: ['resident'] };
  const person = (id: string, roles: LivePerson['roles'], regionPath: string | null): LivePerson => ({ id, roles, regionPath });

  it.each([
    ['a person of the order', person('resident', ['resident'], `${A}a1/`), true],
    ['a family member with a login, elsewhere', person('resident', ['resident'], '/c/t2/x/'), true],
    ['an admin without a place', person('x', ['admin'], null), true],
    ['an admin of the county', person('x', ['admin'], '/c/'), true],
    ['the dispatcher of the town', person('x', ['dispatcher'], '/c/t/'), true],
    ['the grid worker of the grid', person('x', ['grid_worker'], `${A}a1/`), true],
    ['a volunteer of a grid under the scope', person('x', ['volunteer'], `${A}a2/`), true],
    ['a volunteer of the community itself', person('x', ['volunteer'], A), true],
    ['a volunteer of another community', person('x', ['volunteer'], '/c/t/b/b1/'), false],
    ['a volunteer above the scope', person('x', ['volunteer'], '/c/t/'), false],
    ['an unrelated resident under the scope', person('x', ['resident'], `${A}a2/`), false],
    ['a dispatcher of another town', person('x', ['dispatcher'], '/c/t2/'), false],
    ['a dispatcher without a place', person('x', ['dispatcher'], null), false],
    ['a grid worker of a sibling grid (staff: no; serving: under the scope)', person('x', ['grid_worker'], `${A}a2/`), true],
  ])('%s → %s', (_what, who, expected) => {
    expect(mayHear(who, order)).toBe(expected);
  });

  it('parses the two payloads and drops anything else', () => {
    const n: NotificationDto = {
      id: '7',
      kind: 'order.accepted',
      title: 't',
      body: 'b',
      orderId: null,
      urgent: false,
      createdAt: new Date().toISOString(),
      readAt: null,
    };
    expect(parseNotice(JSON.stringify({ t: 'n', to: 'u', n }))).toEqual({ t: 'n', to: 'u', n });
    const o = { t: 'o', id: 'o1', status: 'accepted', seq: 3, region: '/a/', scope: '/a/', people: ['u'] };
    expect(parseNotice(JSON.stringify(o))).toEqual(o);
    expect(parseNotice('not json')).toBeUndefined();
    expect(parseNotice(JSON.stringify({ ...o, status: 'flying' }))).toBeUndefined();
    expect(parseNotice(JSON.stringify({ ...o, people: 'u' }))).toBeUndefined();
    expect(parseNotice(JSON.stringify({ t: 'n', to: 'u', n: { ...n, kind: 'nope' } }))).toBeUndefined();
    expect(parseNotice(JSON.stringify({ t: 'x' }))).toBeUndefined();
  });
});

describe('a socket catching up (a fake socket, timing under control)', () => {
  /** What LiveSocket uses of a `ws` socket. */
  class FakeWs extends EventEmitter {
    readonly CONNECTING = 0;
    readonly OPEN = 1;
    readonly CLOSING = 2;
    readonly CLOSED = 3;
    readyState = 1;
    bufferedAmount = 0;
    readonly sent: LiveServerMessage[] = [];
    closeCode: number | undefined;
    send(text: string): void {
      this.sent.push(JSON.parse(text) as LiveServerMessage);
    }
    close(code: number): void {
      this.closeCode = code;
      this.readyState = 3;
      this.emit('close', code);
    }
    terminate(): void {
      this.close(1006);
    }
  }
  const note = (id: string): NotificationDto => ({
    id,
    kind: 'order.accepted',
    title: `n${id}`,
    body: 'b',
    orderId: null,
    urgent: false,
    createdAt: new Date(0).toISOString(),
    readAt: null,
  });

  it('sends ready, then the catch-up, then what was routed meanwhile, each notification once', async () => {
    const ws = new FakeWs();
    let release: (v: { unread: number; items: NotificationDto[] }) => void = () => undefined;
    const inbox = new Promise<{ unread: number; items: NotificationDto[] }>((resolve) => {
      release = resolve;
    });
    let joined: LiveSocket | undefined;
    const actor = { id: 'u1', roles: ['resident'], regionId: null, regionPath: null, user: {} } as unknown as Actor;
    const socket = new LiveSocket(
      ws as unknown as WebSocket,
      {
        authenticate: () => Promise.resolve({ actor }),
        inbox: (userId, after) => {
          expect([userId, after]).toEqual(['u1', '5']);
          return inbox;
        },
        joined: (s) => {
          joined = s;
        },
        left: () => undefined,
        log: pino({ level: 'silent' }),
        maxBufferedBytes: 1 << 20,
      },
      10_000,
    );
    ws.emit('message', Buffer.from(JSON.stringify({ type: 'auth', token: 'x.y.z', after: '5' })), false);
    for (let i = 0; i < 10 && !joined; i += 1) await new Promise((r) => setImmediate(r));
    expect(joined).toBe(socket);
    // routed while the catch-up is read: 7 is also in the catch-up, 9 is not
    const order: LiveServerMessage = { type: 'order', orderId: 'o1', status: 'accepted', seq: 2 };
    socket.send(JSON.stringify({ type: 'notification', notification: note('7') }), '7');
    socket.send(JSON.stringify(order));
    socket.send(JSON.stringify({ type: 'notification', notification: note('9') }), '9');
    expect(ws.sent).toEqual([]);
    release({ unread: 3, items: [note('6'), note('7')] });
    for (let i = 0; i < 10 && ws.sent.length < 5; i += 1) await new Promise((r) => setImmediate(r));
    expect(ws.sent.map((m) => (m.type === 'notification' ? m.notification.id : m.type))).toEqual(['ready', '6', '7', 'order', '9']);
    expect(ws.sent[0]).toEqual({ type: 'ready', userId: 'u1', unread: 3 });
    // the catch-up is marked (already in `unread`, not news); what was routed live is not
    expect(ws.sent.map((m) => (m.type === 'notification' ? (m.catchUp ?? false) : null))).toEqual([null, true, true, null, false]);
    socket.close(1000, 'done');
    expect(ws.closeCode).toBe(1000);
  });
});

describe('the live channel', () => {
  let database: TestDatabase;
  /** The second process's own pool on the same database. */
  let dbB: DataSource;
  let a: FastifyInstance;
  let b: FastifyInstance;
  let w: World;
  const opened: LiveClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dbB = await initializeDataSource(createDataSource({ url: database.url, entities, poolSize: 4 }), () => undefined);
    // A runs the job queue (the outbox → notifications → NOTIFY); B only holds sockets
    a = await startProcess(database.db, FAST, { JOB_CONCURRENCY: '2' });
    b = await startProcess(dbB);
    w = await buildWorld(a, database.db);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await stopProcess(a);
    await stopProcess(b);
    await dbB.destroy();
    await database.drop();
  });

  /** Connects and authenticates on the given process. */
  const open = async (app: FastifyInstance, token: string, after?: string) => {
    const { client, ready } = await LiveClient.open(liveUrl(app), token, after);
    opened.push(client);
    return { client, ready };
  };
  const connect = async (app: FastifyInstance, opts?: Parameters<typeof LiveClient.connect>[1]) => {
    const client = await LiveClient.connect(liveUrl(app), opts);
    opened.push(client);
    return client;
  };

  let sources = 0;
  /** A notification row for a person, as the notification job would write it; its id. */
  const notify = async (userId: string, over: { read?: boolean; title?: string; orderId?: string } = {}): Promise<string> => {
    sources += 1;
    const [row] = await database.db.query<Array<{ id: string }>>(
      `INSERT INTO notification (recipient_id, kind, order_id, source, title, body, urgent, read_at)
       VALUES ($1, 'order.accepted', $2, $3, $4, '志愿者李海龙已接单', false, $5) RETURNING id::text AS id`,
      [userId, over.orderId ?? null, `test:${sources}`, over.title ?? `通知 ${sources}`, over.read ? new Date() : null],
    );
    return row!.id;
  };
  const pgNotify = (payload: unknown) => database.db.query(`SELECT pg_notify($1, $2)`, [LIVE_CHANNEL, JSON.stringify(payload)]);
  const presenceOf = (userId: string) =>
    database.db.query<Array<{ process_id: string; sockets: number }>>(`SELECT process_id, sockets FROM live_presence WHERE user_id = $1 ORDER BY process_id`, [
      userId,
    ]);

  it('authenticates with the first message and answers ready with the unread count; no catch-up without `after`', async () => {
    const me = w.users.residentX1;
    await notify(me.id);
    await notify(me.id);
    await notify(me.id, { read: true });
    const { client, ready } = await open(a, me.token);
    expect(ready).toEqual({ type: 'ready', userId: me.id, unread: 2 });
    expect(await client.collect(isNotification, 300)).toEqual([]);
  });

  it('closes with 4401 for a bad token, a token of an ended session, and no auth within the time', async () => {
    const bad = await connect(a);
    bad.send({ type: 'auth', token: 'a.b.c' });
    expect((await bad.waitClosed()).code).toBe(LIVE_CLOSE_UNAUTHORIZED);

    const missing = await connect(a);
    missing.send({ type: 'auth' });
    expect((await missing.waitClosed()).code).toBe(LIVE_CLOSE_UNAUTHORIZED);

    // logged out over HTTP: the same token no longer opens the live channel, on either process
    const me = w.users.residentA2;
    const token = signToken(a, { id: me.id, tokenVersion: 0 });
    await open(b, token);
    const logout = await a.inject({ method: 'POST', url: AUTH_LOGOUT_PATH, headers: bearer(token) });
    expect(logout.statusCode).toBeLessThan(300);
    const ended = await connect(b);
    ended.send({ type: 'auth', token });
    expect((await ended.waitClosed()).code).toBe(LIVE_CLOSE_UNAUTHORIZED);

    const silent = await connect(a);
    const started = Date.now();
    expect((await silent.waitClosed()).code).toBe(LIVE_CLOSE_UNAUTHORIZED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('ends an open socket whose session ends (checked again at each heartbeat)', async () => {
    const me = w.users.residentA2;
    const token = signToken(a, { id: me.id, tokenVersion: 0 });
    const { client } = await open(a, token);
    const logout = await b.inject({ method: 'POST', url: AUTH_LOGOUT_PATH, headers: bearer(token) });
    expect(logout.statusCode).toBeLessThan(300);
    expect((await client.waitClosed()).code).toBe(LIVE_CLOSE_UNAUTHORIZED);
  });

  it('closes with 1003 for what is not the protocol before auth, and ignores it after', async () => {
    const garbage = await connect(a);
    garbage.sendRaw('hello');
    expect((await garbage.waitClosed()).code).toBe(LiveClose.UNSUPPORTED);

    const unknown = await connect(a);
    unknown.send({ type: 'subscribe', to: 'everything' });
    expect((await unknown.waitClosed()).code).toBe(LiveClose.UNSUPPORTED);

    const { client } = await open(a, w.users.residentA1.token);
    client.sendRaw('hello');
    client.sendRaw(Buffer.from([1, 2, 3]));
    client.send({ type: 'subscribe' });
    client.send({ type: 'auth', token: 'a.b.c' });
    client.send({ type: 'ping' });
    await client.waitFor((m) => m.type === 'pong');
    expect(client.closeInfo).toBeUndefined();
  });

  it('catches up from `after`: every newer notification, oldest first, in the inbox’s shape, right after ready', async () => {
    const me = w.users.residentA1;
    const first = await notify(me.id);
    const second = await notify(me.id, { title: '已接单' });
    const third = await notify(me.id, { read: true });
    const { client, ready } = await open(b, me.token, first);
    const caught = await client.waitFor(isNotification);
    expect(caught.notification).toEqual({
      id: second,
      kind: 'order.accepted',
      title: '已接单',
      body: '志愿者李海龙已接单',
      orderId: null,
      urgent: false,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      readAt: null,
    });
    await client.waitFor((m) => isNotification(m) && m.notification.id === third);
    const order = client.messages.filter((m) => m.type !== 'ping' && m.type !== 'pong');
    expect(order.map((m) => (m.type === 'notification' ? m.notification.id : m.type))).toEqual(['ready', second, third]);
    expect(client.messages.find(isNotification)?.notification.id).toBe(second);
    expect(ready.unread).toBe(2); // first and second; third is read
    const [latest] = client.messages.filter(isNotification).slice(-1);
    expect(latest?.notification.readAt).not.toBeNull();
  });

  it('catches up at most 100 and nothing when `after` is the latest', async () => {
    const me = w.users.gridWorkerX1;
    const before = await notify(me.id);
    for (let i = 0; i < 105; i += 1) await notify(me.id);
    const { client } = await open(a, me.token, before);
    await client.waitFor(() => client.messages.filter(isNotification).length >= 100);
    expect(await client.collect(isNotification, 300)).toEqual([]);
    const ids = client.messages.filter(isNotification).map((m) => BigInt(m.notification.id));
    expect(ids).toHaveLength(100);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    expect(ids[0]).toBe(BigInt(before) + 1n);

    const latest = String(ids.at(-1)! + 5n);
    const { client: second } = await open(a, me.token, latest);
    expect(await second.collect(isNotification, 300)).toEqual([]);
  });

  it('delivers a NOTIFY issued on the database to a socket held by the other process, and to the person’s sockets only', async () => {
    const me = w.users.volunteerA1;
    const { client: onB } = await open(b, me.token);
    const { client: onA } = await open(a, me.token);
    const { client: other } = await open(b, w.users.residentA2.token);
    const id = await notify(me.id, { title: '有需求派给您' });
    const [n] = await database.db.query<Array<{ created_at: Date }>>(`SELECT created_at FROM notification WHERE id = $1`, [id]);
    const dto: NotificationDto = {
      id,
      kind: 'task.dispatched',
      title: '有需求派给您',
      body: '请在 06:41 前答复',
      orderId: null,
      urgent: true,
      createdAt: n!.created_at.toISOString(),
      readAt: null,
    };
    await pgNotify({ t: 'n', to: me.id, n: dto });
    expect((await onB.waitFor(isNotification)).notification).toEqual(dto);
    expect((await onA.waitFor(isNotification)).notification).toEqual(dto);
    expect(await other.collect(isNotification, 300)).toEqual([]);
  });

  it('routes an order change to its people, staff whose jurisdiction covers it and the task hall under its scope', async () => {
    const u = w.users;
    const hearing = {
      resident: await open(a, u.residentA1.token),
      familyElsewhere: await open(b, u.residentX1.token),
      admin: await open(b, u.admin.token),
      countyAdmin: await open(a, u.countyAdmin.token),
      dispatcherT: await open(b, u.dispatcherT.token),
      gridWorkerA1: await open(a, u.gridWorkerA1.token),
      volunteerA1: await open(b, u.volunteerA1.token),
    };
    const deaf = {
      unrelatedResident: await open(a, u.residentA2.token),
      dispatcherT2: await open(b, u.dispatcherT2.token),
      gridWorkerX1: await open(a, u.gridWorkerX1.token),
    };
    const [paths] = await database.db.query<Array<{ a1: string; a: string }>>(
      `SELECT (SELECT path FROM region WHERE id = $1) AS a1, (SELECT path FROM region WHERE id = $2) AS a`,
      [w.regions.A1, w.regions.A],
    );
    const orderId = '3f1d2c4b-0000-4000-8000-000000000001';
    await pgNotify({ t: 'o', id: orderId, status: 'pending', seq: 4, region: paths!.a1, scope: paths!.a, people: [u.residentA1.id, u.residentX1.id] });
    for (const [who, { client }] of Object.entries(hearing)) {
      const got = await client.waitFor(isOrder).catch((err: Error) => {
        throw new Error(`${who}: ${err.message}`);
      });
      expect(got).toEqual({ type: 'order', orderId, status: 'pending', seq: 4 });
    }
    for (const [who, { client }] of Object.entries(deaf)) {
      expect([who, await client.collect(isOrder, 200)]).toEqual([who, []]);
      expect([who, client.messages.filter(isOrder)]).toEqual([who, []]);
    }
  });

  it('carries an order placed through one process, by the job queue and NOTIFY, to sockets held by the other', async () => {
    const u = w.users;
    await database.db.query(`UPDATE app_user SET on_duty = true WHERE id = $1`, [u.volunteerA1.id]);
    const { client: grid } = await open(b, u.gridWorkerA1.token);
    const { client: volunteer } = await open(b, u.volunteerA1.token);
    const { client: resident } = await open(b, u.residentA1.token);
    const { client: elsewhere } = await open(b, u.residentX1.token);
    const res = await a.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: bearer(u.residentA1.token),
      payload: { categoryCode: 'medicine_delivery', description: '帮忙去医院取药', urgency: 'normal' },
    });
    expect(res.statusCode).toBe(201);
    const placed = res.json<OrderDto>();
    const about = (kind: string) => (m: LiveServerMessage) => isNotification(m) && m.notification.kind === kind && m.notification.orderId === placed.id;
    const changed = (m: LiveServerMessage) => isOrder(m) && m.orderId === placed.id;
    // the job runs within a second or so; 15 s leaves room for a loaded machine
    const staff = await grid.waitFor(about('staff.new_order'), { timeoutMs: 15_000 });
    expect(staff.type === 'notification' && staff.notification.title).toBe('辖区有新需求');
    await volunteer.waitFor(about('task.nearby'), { timeoutMs: 15_000 });
    expect(await grid.waitFor(changed)).toMatchObject({ type: 'order', status: 'pending' });
    await volunteer.waitFor(changed);
    await resident.waitFor(changed);
    expect(elsewhere.messages.filter(changed)).toEqual([]);
    // a person with the app open was reached by the live message itself: recorded so, no WeChat or text for it
    const outcomes = await database.db.query<Array<{ channel: string; status: string; detail: string }>>(
      `SELECT d.channel, d.status, d.detail FROM notification n JOIN notification_delivery d ON d.notification_id = n.id
       WHERE n.order_id = $1 AND n.recipient_id = $2 AND n.kind = 'staff.new_order'`,
      [placed.id, u.gridWorkerA1.id],
    );
    expect(outcomes).toEqual([{ channel: 'live', status: 'sent', detail: '正在使用小程序' }]);
  });

  it('drops a payload of an unknown shape without harming the channel', async () => {
    const me = w.users.dispatcherT;
    const { client } = await open(b, me.token);
    await database.db.query(`SELECT pg_notify($1, 'not json')`, [LIVE_CHANNEL]);
    await pgNotify({ t: 'o', id: 'x', status: 'bogus' });
    const id = await notify(me.id);
    const [n] = await database.db.query<Array<{ created_at: Date }>>(`SELECT created_at FROM notification WHERE id = $1`, [id]);
    await pgNotify({
      t: 'n',
      to: me.id,
      n: { id, kind: 'staff.new_order', title: 't', body: 'b', orderId: null, urgent: false, createdAt: n!.created_at.toISOString(), readAt: null },
    });
    expect((await client.waitFor(isNotification)).notification.id).toBe(id);
  });

  it('heartbeat: answers ping with pong, pings the client, and ends a client that has gone silent', async () => {
    const { client } = await open(a, w.users.residentA1.token);
    client.send({ type: 'ping' });
    await client.waitFor((m) => m.type === 'pong');
    await client.waitFor((m) => m.type === 'ping');
    // a client that answers the pings stays past the silence limit
    await new Promise((r) => setTimeout(r, FAST.silenceMs! + 400));
    expect(client.closeInfo).toBeUndefined();

    const silent = await connect(a, { autoPong: false });
    await silent.auth(w.users.residentA1.token);
    const closed = await silent.waitClosed();
    expect(closed.code).toBe(1006); // terminated, no closing handshake
  });

  it('keeps presence: a row per person and process with the socket count, gone with the last socket; onlineAmong', async () => {
    const me = w.users.dispatcherT2;
    const other = w.users.countyAdmin;
    await eventually(async () => (await presenceOf(me.id)).length === 0, 'no row from earlier tests');
    const { client: first } = await open(a, me.token);
    await eventually(async () => (await presenceOf(me.id)).map((r) => r.sockets).join() === '1', 'a row with one socket');
    const { client: second } = await open(a, me.token);
    const { client: third } = await open(b, me.token);
    await eventually(async () => (await presenceOf(me.id)).length === 2, 'a row per process');
    await eventually(
      async () =>
        (await presenceOf(me.id))
          .map((r) => r.sockets)
          .sort()
          .join() === '1,2',
      'two sockets on one, one on the other',
    );
    expect(await onlineAmong(database.db, [me.id, other.id])).toEqual(new Set([me.id]));
    // refreshed while present (every presenceMs; 30 s by default)
    const seenAt = async () =>
      (await database.db.query<Array<{ seen: Date }>>(`SELECT min(seen_at) AS seen FROM live_presence WHERE user_id = $1`, [me.id]))[0]!.seen.getTime();
    const seen = await seenAt();
    await eventually(async () => (await seenAt()) > seen, 'seen_at refreshed on both processes');
    // a row not refreshed for 90 s is not online (the refresh every presenceMs keeps the real ones fresh)
    expect(await onlineAmong(database.db, [me.id], new Date(Date.now() + 120_000))).toEqual(new Set());

    await second.close();
    await third.close();
    await eventually(async () => (await presenceOf(me.id)).map((r) => r.sockets).join() === '1', 'one socket left');
    await first.close();
    await eventually(async () => (await presenceOf(me.id)).length === 0, 'no row after the last socket');
    expect(await onlineAmong(database.db, [me.id])).toEqual(new Set());
  });

  it('recovers when the listening connection is killed: sockets get 1012, and a new socket hears NOTIFY again', async () => {
    const me = w.users.gridWorkerA1;
    const { client: onA } = await open(a, me.token);
    const { client: onB } = await open(b, me.token);
    const killed = await database.db.query<Array<{ pid: number }>>(
      `SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'bangbang-live' AND query LIKE 'LISTEN%'`,
    );
    expect(killed).toHaveLength(2);
    expect((await onA.waitClosed()).code).toBe(LiveClose.RESTART);
    expect((await onB.waitClosed()).code).toBe(LiveClose.RESTART);
    await eventually(
      async () =>
        (await database.db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'bangbang-live'`)).length === 2,
      'both processes listening again',
    );
    const { client } = await open(b, me.token);
    const id = await notify(me.id);
    const [n] = await database.db.query<Array<{ created_at: Date }>>(`SELECT created_at FROM notification WHERE id = $1`, [id]);
    await pgNotify({
      t: 'n',
      to: me.id,
      n: { id, kind: 'staff.no_show', title: 't', body: 'b', orderId: null, urgent: true, createdAt: n!.created_at.toISOString(), readAt: null },
    });
    expect((await client.waitFor(isNotification)).notification.id).toBe(id);
  });

  it('closes its sockets with 1001 and removes its presence when the process stops', async () => {
    const c = await startProcess(database.db);
    const me = w.users.residentA1;
    const { client } = await LiveClient.open(liveUrl(c), me.token);
    await eventually(async () => (await presenceOf(me.id)).length === 1, 'present');
    await stopProcess(c);
    expect((await client.waitClosed()).code).toBe(LiveClose.GOING_AWAY);
    expect(await presenceOf(me.id)).toEqual([]);
    expect(await database.db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'bangbang-live'`)).toHaveLength(2);
  });

  it('answers a plain GET of the live path in the error contract, and leaves the HTTP API as it was', async () => {
    const res = await a.inject({ method: 'GET', url: LIVE_PATH });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'upgrade' }] });
    const me = await a.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(w.users.residentA1.token) });
    expect(me.statusCode).toBe(200);
  });
});
