import {
  replayOrderEvents,
  type ErrorBody,
  type OrderDto,
  type OrderEventDto,
  type OrderEventType,
  type OrderStatus,
  type Page,
  type SquadDto,
} from '@bangbang/shared';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../server/src/app';
import { sweepEscalations } from '../../server/src/modules/dispatching/escalation';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Every transition of the order state machine over HTTP: allowed and forbidden, for each role, inside and outside
 * jurisdiction, with the exact status, error code and (where a person reads it) message; the timeline gets one
 * event per change and none per refusal, and always replays to the order's status.
 *
 * Each describe block has an application and database of its own (an escalation sweep moves every due order of a
 * database, so blocks must not share one) with an injected clock that only moves when a test moves it.
 */

// ---------- the people, the clock, the requests ----------

type WorldWho = keyof World['users'];
/** People the world does not have, made for these tests (all on duty with the medicine_delivery skill). */
type ExtraWho = 'volunteerA1b' | 'volunteerA1c' | 'volunteerA2' | 'townVolunteer';
type Who = WorldWho | ExtraWho | 'anonymous';
interface Person {
  id: string;
  phone: string;
  token: string;
}
type Res = LightMyRequestResponse;
type ActionPath = 'dispatch' | 'accept' | 'reject' | 'check-in' | 'complete' | 'release' | 'confirm' | 'cancel' | 'recall';

/** Monday 2026-11-23, 10:00 in UTC+8 (rosters are read in UTC+8). */
const START = new Date('2026-11-23T02:00:00.000Z');
const MINUTE = 60_000;
/** Everyone in the world lives at (40.751, 107.401); an order's door is its resident's. */
const DOOR = { lat: 40.751, lng: 107.401 };
/** About 14 m from the door. */
const NEAR = { lat: 40.7511, lng: 107.4011 };
/** 0.045° of latitude north of the door: about 5 km. */
const FAR = { lat: 40.796, lng: 107.401 };

const ORDER_BODY = { categoryCode: 'medicine_delivery', description: '帮忙取降压药', urgency: 'normal' };
const REASON = { reason: '临时有事' };
const NOTE = { note: '药已送到' };
const CHECK_IN = { location: NEAR };
const CONFIRM = { resolved: true, rating: 5, comment: '谢谢' };
const REOPEN = { resolved: false, comment: '药拿错了' };
/** medicine_delivery waits 120 minutes (normal) at each level before moving up. */
const WAIT_MINUTES = 120;

const CODE: Record<number, ErrorBody['code']> = { 400: 'VALIDATION_FAILED', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT' };

/** What the person reads for each status (written out here, not taken from the code under test). */
const STATUS_NAME: Record<OrderStatus, string> = {
  pending: '待接单',
  dispatched: '已派单',
  accepted: '已接单',
  in_service: '服务中',
  completed: '待确认',
  closed: '已完成',
  cancelled: '已取消',
};
const refusedMessage = (status: OrderStatus, action: string) => `该需求当前为「${STATUS_NAME[status]}」，不能${action}。`;
const roleMessage = (action: string) => `您不能对这个需求进行「${action}」。`;
const masked = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(7)}`;
const iso = (d: Date, plusMinutes = 0) => new Date(d.getTime() + plusMinutes * MINUTE).toISOString();

/** An error in the contract's shape: status, its code, and (when given) the exact message. */
function expectError(res: Res, status: number, message?: string | RegExp): void {
  const body = res.json<ErrorBody>();
  expect({ status: res.statusCode, code: body.code }).toEqual({ status, code: CODE[status] });
  if (typeof message === 'string') expect(body.message).toBe(message);
  else if (message) expect(body.message).toMatch(message);
}

/** A 400 naming `field` (with that message, when given). */
function expectInvalid(res: Res, field: string, message?: string): void {
  expectError(res, 400);
  const details = res.json<ErrorBody>().details ?? [];
  expect(details.map((d) => d.field)).toContain(field);
  if (message !== undefined) expect(details).toContainEqual({ field, message });
}

/** The application on a database of its own, the world in it, a clock the tests move. */
class Harness {
  app!: FastifyInstance;
  database!: TestDatabase;
  w!: World;
  people!: Record<WorldWho | ExtraWho, Person>;
  now = new Date(START);

  async start(): Promise<void> {
    this.database = await createTestDatabase();
    this.app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error' }), db: this.database.db, clock: () => this.now });
    this.w = await buildWorld(this.app, this.database.db);
    let n = 0;
    const extra = async (name: string, roles: string[], region: string): Promise<Person> => {
      n += 1;
      const phone = `136${String(10000000 + n).slice(-8)}`;
      const [row] = await this.sql<{ id: string }>(
        `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
         VALUES ($1, $2, $3, $4, '{medicine_delivery}', true, $5, $6) RETURNING id`,
        [name, phone, roles, this.w.regions[region as keyof World['regions']], DOOR.lat, DOOR.lng],
      );
      return { id: row!.id, phone, token: this.app.jwt.sign({ sub: row!.id }) };
    };
    this.people = {
      ...this.w.users,
      volunteerA1b: await extra('甲一志愿者乙', ['volunteer'], 'A1'),
      volunteerA1c: await extra('甲一志愿者丙', ['volunteer'], 'A1'),
      volunteerA2: await extra('甲二志愿者', ['volunteer'], 'A2'),
      // a town dispatcher who also volunteers: sees the town's orders, may take only those that reached the town
      townVolunteer: await extra('一号镇调度兼志愿者', ['dispatcher', 'volunteer'], 'T'),
    };
    // volunteers are off duty and without skills by default
    await this.sql(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery}' WHERE id = ANY($1)`, [
      [this.id('volunteerA1'), this.id('gridWorkerA1')],
    ]);
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.database?.drop();
  }

  sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
    return this.database.db.query<T[]>(query, params);
  }

  id(who: WorldWho | ExtraWho): string {
    return this.people[who].id;
  }

  advance(minutes: number): Date {
    this.now = new Date(this.now.getTime() + minutes * MINUTE);
    return this.now;
  }

  call(who: Who, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object): Promise<Res> {
    return this.app.inject({ method, url: `/api/v1${url}`, payload, headers: who === 'anonymous' ? {} : bearer(this.people[who].token) });
  }

  act(who: Who, id: string, action: ActionPath, body?: object): Promise<Res> {
    return this.call(who, 'POST', `/orders/${id}/${action}`, body);
  }

  /** An action that must succeed: the order as the actor now sees it. */
  async ok(who: Who, id: string, action: ActionPath, body?: object): Promise<OrderDto> {
    const res = await this.act(who, id, action, body);
    if (res.statusCode !== 200) throw new Error(`${who} ${action} on ${id}: ${res.statusCode} ${res.body}`);
    return res.json<OrderDto>();
  }

  /**
   * A resident has one open order per service (issue 20: a repeat is 催一下): the fresh orders these tests make one
   * after the other retire the ones before (their places are left as they were).
   */
  async retireOpenOrders(): Promise<void> {
    await this.sql(`UPDATE service_order SET status = 'cancelled' WHERE status IN ('pending', 'dispatched', 'accepted', 'in_service')`);
  }

  async order(body: object = {}, who: Who = 'residentA1'): Promise<OrderDto> {
    await this.retireOpenOrders();
    const res = await this.call(who, 'POST', '/orders', { ...ORDER_BODY, ...body });
    if (res.statusCode !== 201) throw new Error(`${who} ordering: ${res.statusCode} ${res.body}`);
    return res.json<OrderDto>();
  }

  async view(id: string, who: Who = 'admin'): Promise<OrderDto> {
    const res = await this.call(who, 'GET', `/orders/${id}`);
    if (res.statusCode !== 200) throw new Error(`${who} viewing ${id}: ${res.statusCode} ${res.body}`);
    return res.json<OrderDto>();
  }

  async events(id: string): Promise<OrderEventDto[]> {
    return (await this.call('admin', 'GET', `/orders/${id}/events`)).json<{ items: OrderEventDto[] }>().items;
  }

  /**
   * A fresh order of residentA1 brought to `status` by the people who would do it: the grid worker dispatches to
   * volunteerA1, who accepts, checks in near the door and completes; the resident confirms, or cancels it while pending.
   */
  async drive(status: OrderStatus, body: object = {}): Promise<OrderDto> {
    const o = await this.order(body);
    const steps: Array<[Who, ActionPath, object?]> = {
      pending: [],
      dispatched: [['gridWorkerA1', 'dispatch', { assigneeId: this.id('volunteerA1') }]],
      accepted: [['volunteerA1', 'accept']],
      in_service: [
        ['volunteerA1', 'accept'],
        ['volunteerA1', 'check-in', CHECK_IN],
      ],
      completed: [
        ['volunteerA1', 'accept'],
        ['volunteerA1', 'check-in', CHECK_IN],
        ['volunteerA1', 'complete', NOTE],
      ],
      closed: [
        ['volunteerA1', 'accept'],
        ['volunteerA1', 'check-in', CHECK_IN],
        ['volunteerA1', 'complete', NOTE],
        ['residentA1', 'confirm', CONFIRM],
      ],
      cancelled: [['residentA1', 'cancel', REASON]],
    }[status] as Array<[Who, ActionPath, object?]>;
    let now = o;
    for (const [who, action, payload] of steps) now = await this.ok(who, o.id, action, payload);
    expect(now.status).toBe(status);
    return now;
  }

  /** Rows of access_log for residentA1 viewed by `viewer` (with this reason, when given). */
  async accessLog(viewer: WorldWho, reason?: string): Promise<Array<{ fields: string[]; reason: string }>> {
    return this.sql(`SELECT fields, reason FROM access_log WHERE viewer_id = $1 AND subject_id = $2 AND ($3::text IS NULL OR reason = $3) ORDER BY id`, [
      this.id(viewer),
      this.id('residentA1'),
      reason ?? null,
    ]);
  }
}

/** A harness started before the describe block's tests and dropped after them. */
function harness(): Harness {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());
  return h;
}

// ---------- the authorisation matrix ----------

const CALLERS = [
  'admin',
  'countyAdmin',
  'dispatcherT',
  'dispatcherT2',
  'gridWorkerA1',
  'gridWorkerX1',
  'volunteerA1',
  'residentA1',
  'residentA2',
  'residentX1',
  'anonymous',
] as const;
type Caller = (typeof CALLERS)[number];

describe('the authorisation matrix (exact status per action, caller, inside and outside jurisdiction)', () => {
  const h = harness();

  /**
   * Each row: the state a fresh order of residentA1 (grid A1, still at grid level) is brought to for every caller,
   * and the request. dispatcherT2, gridWorkerX1, residentA2 and residentX1 cannot see grid A1's orders: 404, the
   * order's existence not leaked. dispatcherT sees them (oversight) but may act only once they reach the town.
   */
  const matrix: Array<{ route: string; state: OrderStatus | null; run: (who: Caller, id: string) => Promise<Res>; expect: Record<Caller, number> }> = [
    {
      route: 'POST /orders (for oneself)',
      state: null,
      run: async (who) => {
        await h.retireOpenOrders();
        return h.call(who, 'POST', '/orders', ORDER_BODY);
      },
      // staff must say for whom (400 on residentId); a volunteer may not order at all
      expect: {
        admin: 400,
        countyAdmin: 400,
        dispatcherT: 400,
        dispatcherT2: 400,
        gridWorkerA1: 400,
        gridWorkerX1: 400,
        volunteerA1: 403,
        residentA1: 201,
        residentA2: 201,
        residentX1: 201,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders (on behalf of residentA1)',
      state: null,
      run: async (who) => {
        await h.retireOpenOrders();
        return h.call(who, 'POST', '/orders', { ...ORDER_BODY, residentId: h.id('residentA1') });
      },
      // residentA1 naming themself is an ordinary self-order; staff outside A1 get 400 on residentId
      expect: {
        admin: 201,
        countyAdmin: 201,
        dispatcherT: 201,
        dispatcherT2: 400,
        gridWorkerA1: 201,
        gridWorkerX1: 400,
        volunteerA1: 403,
        residentA1: 201,
        residentA2: 403,
        residentX1: 403,
        anonymous: 401,
      },
    },
    {
      route: 'GET /orders/:id (pending)',
      state: 'pending',
      run: (who, id) => h.call(who, 'GET', `/orders/${id}`),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 200,
        residentA1: 200,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'GET /orders/:id/events (pending)',
      state: 'pending',
      run: (who, id) => h.call(who, 'GET', `/orders/${id}/events`),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 200,
        residentA1: 200,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'GET /orders/:id (closed, served by volunteerA1)',
      state: 'closed',
      run: (who, id) => h.call(who, 'GET', `/orders/${id}`),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 200,
        residentA1: 200,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/dispatch (pending, grid level, to volunteerA1)',
      state: 'pending',
      run: (who, id) => h.act(who, id, 'dispatch', { assigneeId: h.id('volunteerA1') }),
      expect: {
        admin: 200,
        countyAdmin: 200,
        // issue 20: the town acts at once on its jurisdiction's orders (越级派单)
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 403,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/accept (pending, from the task hall)',
      state: 'pending',
      run: (who, id) => h.act(who, id, 'accept'),
      expect: {
        admin: 403,
        countyAdmin: 403,
        dispatcherT: 403,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 200,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/accept (dispatched to volunteerA1)',
      state: 'dispatched',
      run: (who, id) => h.act(who, id, 'accept'),
      // gridWorkerA1 could take it from the hall, but it went to someone else: 409
      expect: {
        admin: 403,
        countyAdmin: 403,
        dispatcherT: 403,
        dispatcherT2: 404,
        gridWorkerA1: 409,
        gridWorkerX1: 404,
        volunteerA1: 200,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/reject (dispatched to volunteerA1)',
      state: 'dispatched',
      run: (who, id) => h.act(who, id, 'reject', REASON),
      expect: {
        admin: 403,
        countyAdmin: 403,
        dispatcherT: 403,
        dispatcherT2: 404,
        gridWorkerA1: 403,
        gridWorkerX1: 404,
        volunteerA1: 200,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/check-in (accepted by volunteerA1)',
      state: 'accepted',
      run: (who, id) => h.act(who, id, 'check-in', CHECK_IN),
      expect: {
        admin: 403,
        countyAdmin: 403,
        dispatcherT: 403,
        dispatcherT2: 404,
        gridWorkerA1: 403,
        gridWorkerX1: 404,
        volunteerA1: 200,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/complete (in service by volunteerA1)',
      state: 'in_service',
      run: (who, id) => h.act(who, id, 'complete', NOTE),
      expect: {
        admin: 403,
        countyAdmin: 403,
        dispatcherT: 403,
        dispatcherT2: 404,
        gridWorkerA1: 403,
        gridWorkerX1: 404,
        volunteerA1: 200,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/release (accepted by volunteerA1)',
      state: 'accepted',
      run: (who, id) => h.act(who, id, 'release', REASON),
      expect: {
        admin: 403,
        countyAdmin: 403,
        dispatcherT: 403,
        dispatcherT2: 404,
        gridWorkerA1: 403,
        gridWorkerX1: 404,
        volunteerA1: 200,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/confirm resolved:true (completed)',
      state: 'completed',
      run: (who, id) => h.act(who, id, 'confirm', CONFIRM),
      expect: {
        admin: 403,
        countyAdmin: 403,
        dispatcherT: 403,
        dispatcherT2: 404,
        gridWorkerA1: 403,
        gridWorkerX1: 404,
        volunteerA1: 403,
        residentA1: 200,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/confirm resolved:false (completed)',
      state: 'completed',
      run: (who, id) => h.act(who, id, 'confirm', REOPEN),
      expect: {
        admin: 403,
        countyAdmin: 403,
        dispatcherT: 403,
        dispatcherT2: 404,
        gridWorkerA1: 403,
        gridWorkerX1: 404,
        volunteerA1: 403,
        residentA1: 200,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/cancel (pending)',
      state: 'pending',
      run: (who, id) => h.act(who, id, 'cancel', REASON),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 403,
        residentA1: 200,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/cancel (accepted by volunteerA1)',
      state: 'accepted',
      run: (who, id) => h.act(who, id, 'cancel', REASON),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 403,
        residentA1: 200,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/recall (dispatched to volunteerA1)',
      state: 'dispatched',
      run: (who, id) => h.act(who, id, 'recall', REASON),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 403,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/recall (accepted by volunteerA1)',
      state: 'accepted',
      run: (who, id) => h.act(who, id, 'recall', REASON),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 403,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/recall (in service, nobody left to take back: 409 for staff; not theirs to do: 403)',
      state: 'in_service',
      run: (who, id) => h.act(who, id, 'recall', REASON),
      expect: {
        admin: 409,
        countyAdmin: 409,
        dispatcherT: 409,
        dispatcherT2: 404,
        gridWorkerA1: 409,
        gridWorkerX1: 404,
        volunteerA1: 403,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /orders/:id/cancel (in service: staff only)',
      state: 'in_service',
      run: (who, id) => h.act(who, id, 'cancel', REASON),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 403,
        residentA1: 403,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
  ];

  it.each(matrix.map((m) => [m.route, m] as const))('%s', async (_route, m) => {
    const got: Partial<Record<Caller, number>> = {};
    const codes: Partial<Record<Caller, string>> = {};
    const expectedCodes: Partial<Record<Caller, string>> = {};
    for (const who of CALLERS) {
      const id = m.state === null ? '' : (await h.drive(m.state)).id;
      const res = await m.run(who, id);
      got[who] = res.statusCode;
      if (res.statusCode >= 400) codes[who] = res.json<ErrorBody>().code;
      if (m.expect[who] >= 400) expectedCodes[who] = CODE[m.expect[who]];
    }
    expect(got).toEqual(m.expect);
    expect(codes).toEqual(expectedCodes);
  });
});

// ---------- every status × every action ----------

type Outcome = { to: OrderStatus } | { status: 403 | 409; message: string | RegExp };

interface ActionSpec {
  title: string;
  path: ActionPath;
  event: OrderEventType;
  /** Who tries it from this status: the person who would be allowed to. */
  actor: (from: OrderStatus) => WorldWho | ExtraWho;
  body: (h: Harness) => object | undefined;
  outcome: Record<OrderStatus, Outcome>;
}

const to = (status: OrderStatus): Outcome => ({ to: status });
/**
 * volunteerA1 tries the actions of someone serving; a cancelled order (cancelled while pending, before anyone was on
 * it) has left the task hall and volunteerA1 no longer sees it, so the grid worker — who oversees grid A1 and could
 * serve too — tries there.
 */
const volunteerOrGridWorker = (from: OrderStatus): WorldWho => (from === 'cancelled' ? 'gridWorkerA1' : 'volunteerA1');
const refused = (status: OrderStatus, action: string): Outcome => ({ status: 409, message: refusedMessage(status, action) });
const conflict = (message: string): Outcome => ({ status: 409, message });
const ACTIONS: ActionSpec[] = [
  {
    title: 'dispatch by the grid worker',
    path: 'dispatch',
    event: 'dispatch',
    actor: () => 'gridWorkerA1',
    body: (h) => ({ assigneeId: h.id('volunteerA1') }),
    outcome: {
      pending: to('dispatched'),
      dispatched: refused('dispatched', '派单'),
      accepted: refused('accepted', '派单'),
      in_service: refused('in_service', '派单'),
      completed: refused('completed', '派单'),
      closed: refused('closed', '派单'),
      cancelled: refused('cancelled', '派单'),
    },
  },
  {
    title: 'accept by volunteerA1 (pending, dispatched to them), another volunteer (accepted) or the grid worker (later)',
    path: 'accept',
    event: 'accept',
    // once volunteerA1 holds the place: another volunteer of the hall has lost the race; later only staff still see it
    actor: (from) => (from === 'pending' || from === 'dispatched' ? 'volunteerA1' : from === 'accepted' ? 'volunteerA1b' : 'gridWorkerA1'),
    body: () => undefined,
    outcome: {
      pending: to('accepted'),
      dispatched: to('accepted'),
      accepted: conflict('该需求已被接单。'),
      in_service: conflict('该需求已被接单。'),
      completed: conflict('该需求已被接单。'),
      closed: conflict('该需求已被接单。'),
      cancelled: refused('cancelled', '接单'),
    },
  },
  {
    title: 'reject by volunteerA1',
    path: 'reject',
    event: 'reject',
    actor: volunteerOrGridWorker,
    body: () => REASON,
    outcome: {
      pending: refused('pending', '拒绝派单'),
      dispatched: to('pending'),
      accepted: refused('accepted', '拒绝派单'),
      in_service: refused('in_service', '拒绝派单'),
      completed: refused('completed', '拒绝派单'),
      closed: refused('closed', '拒绝派单'),
      cancelled: refused('cancelled', '拒绝派单'),
    },
  },
  {
    title: 'check-in by volunteerA1',
    path: 'check-in',
    event: 'check_in',
    actor: volunteerOrGridWorker,
    body: () => CHECK_IN,
    outcome: {
      pending: refused('pending', '签到'),
      dispatched: refused('dispatched', '签到'),
      accepted: to('in_service'),
      in_service: conflict('您已签到过了。'),
      completed: refused('completed', '签到'),
      closed: refused('closed', '签到'),
      cancelled: refused('cancelled', '签到'),
    },
  },
  {
    title: 'complete by volunteerA1',
    path: 'complete',
    event: 'complete',
    actor: volunteerOrGridWorker,
    body: () => NOTE,
    outcome: {
      pending: refused('pending', '完成服务'),
      dispatched: refused('dispatched', '完成服务'),
      accepted: conflict('请先到居民家中签到，再完成服务。'),
      in_service: to('completed'),
      completed: conflict('您已完成这个需求的服务。'),
      closed: conflict('您已完成这个需求的服务。'),
      cancelled: refused('cancelled', '完成服务'),
    },
  },
  {
    title: 'release by volunteerA1',
    path: 'release',
    event: 'release',
    actor: volunteerOrGridWorker,
    body: () => REASON,
    outcome: {
      // a pending order may be released — by someone holding a place in it, which volunteerA1 does not yet
      pending: { status: 403, message: roleMessage('退单') },
      dispatched: refused('dispatched', '退单'),
      accepted: to('pending'),
      in_service: conflict('您已签到，不能退单；如无法继续服务，请联系网格员。'),
      completed: conflict('您已签到，不能退单；如无法继续服务，请联系网格员。'),
      closed: conflict('您已签到，不能退单；如无法继续服务，请联系网格员。'),
      cancelled: refused('cancelled', '退单'),
    },
  },
  {
    title: 'confirm (resolved) by the resident',
    path: 'confirm',
    event: 'confirm',
    actor: () => 'residentA1',
    body: () => CONFIRM,
    outcome: {
      pending: refused('pending', '确认并评价'),
      dispatched: refused('dispatched', '确认并评价'),
      accepted: refused('accepted', '确认并评价'),
      in_service: refused('in_service', '确认并评价'),
      completed: to('closed'),
      closed: refused('closed', '确认并评价'),
      cancelled: refused('cancelled', '确认并评价'),
    },
  },
  {
    title: 'confirm (not resolved: reopen) by the resident',
    path: 'confirm',
    event: 'reopen',
    actor: () => 'residentA1',
    body: () => REOPEN,
    // the sentence is built from the action's name ("问题未解决"); the part naming the status is what matters here
    outcome: {
      pending: { status: 409, message: /^该需求当前为「待接单」，不能/ },
      dispatched: { status: 409, message: /^该需求当前为「已派单」，不能/ },
      accepted: { status: 409, message: /^该需求当前为「已接单」，不能/ },
      in_service: { status: 409, message: /^该需求当前为「服务中」，不能/ },
      completed: to('pending'),
      // issue 22: 问题未解决 after confirming reopens the same order (within REOPEN_AFTER_CONFIRM_DAYS)
      closed: to('pending'),
      cancelled: { status: 409, message: /^该需求当前为「已取消」，不能/ },
    },
  },
  {
    title: 'cancel by the resident',
    path: 'cancel',
    event: 'cancel',
    actor: () => 'residentA1',
    body: () => REASON,
    outcome: {
      pending: to('cancelled'),
      dispatched: to('cancelled'),
      accepted: to('cancelled'),
      // someone is at the door: only staff may call it off now
      in_service: { status: 403, message: roleMessage('取消') },
      completed: refused('completed', '取消'),
      closed: refused('closed', '取消'),
      cancelled: refused('cancelled', '取消'),
    },
  },
  {
    title: 'cancel by the grid worker (staff)',
    path: 'cancel',
    event: 'cancel',
    actor: () => 'gridWorkerA1',
    body: () => REASON,
    outcome: {
      pending: to('cancelled'),
      dispatched: to('cancelled'),
      accepted: to('cancelled'),
      in_service: to('cancelled'),
      completed: refused('completed', '取消'),
      closed: refused('closed', '取消'),
      cancelled: refused('cancelled', '取消'),
    },
  },
];

const STATUSES: OrderStatus[] = ['pending', 'dispatched', 'accepted', 'in_service', 'completed', 'closed', 'cancelled'];

describe('every status × every action: allowed ones move the order and add one event, refused ones change nothing', () => {
  const h = harness();

  const cells = ACTIONS.flatMap((spec) =>
    STATUSES.map((from) => {
      const outcome = spec.outcome[from];
      const result = 'to' in outcome ? `→ ${outcome.to}` : `→ ${outcome.status}`;
      return [`${spec.title}, from ${from} ${result}`, spec, from] as const;
    }),
  );

  it.each(cells)('%s', async (_title, spec, from) => {
    const o = await h.drive(from);
    const before = await h.events(o.id);
    const actor = spec.actor(from);
    const res = await h.act(actor, o.id, spec.path, spec.body(h));
    const outcome = spec.outcome[from];
    const after = await h.events(o.id);
    const now = await h.view(o.id);
    if ('to' in outcome) {
      expect({ status: res.statusCode, order: res.json<OrderDto>().status }).toEqual({ status: 200, order: outcome.to });
      expect(now.status).toBe(outcome.to);
      expect(after).toHaveLength(before.length + 1);
      expect(after.slice(0, -1)).toEqual(before);
      expect(after.at(-1)).toMatchObject({
        seq: before.length + 1,
        type: spec.event,
        actorId: h.id(actor),
        fromStatus: from,
        toStatus: outcome.to,
        at: h.now.toISOString(),
      });
    } else {
      expectError(res, outcome.status, outcome.message);
      expect(now.status).toBe(from);
      expect(after).toEqual(before);
    }
    expect(replayOrderEvents(after)).toBe(now.status);
  });
});

// ---------- 三级联动 and who may take an order ----------

describe('escalation levels and eligibility', () => {
  const h = harness();

  it("puts a grid-level order on the town dispatcher's board once it has escalated to the town", async () => {
    const o = await h.order();
    expect(o).toMatchObject({ escalationLevel: 'grid', escalateAt: iso(START, WAIT_MINUTES), deadlineAt: iso(START, WAIT_MINUTES) });
    const dispatchToVolunteer = () => h.act('dispatcherT', o.id, 'dispatch', { assigneeId: h.id('volunteerA1') });
    const actionable = async () => (await h.call('dispatcherT', 'GET', '/orders?actionable=true')).json<Page<OrderDto>>().items.map((i) => i.id);

    // the town oversees it from the start and may act on it at once (越级派单: over-level-dispatch.test.ts), but it
    // is not on the town's board until it reaches the town
    expect((await h.view(o.id, 'dispatcherT')).actions).toEqual(['dispatch', 'cancel']);
    expect(await actionable()).not.toContain(o.id);

    // grid → community: still not the town's
    expect(await sweepEscalations(h.database.db, h.advance(WAIT_MINUTES + 1))).toBe(1);
    expect(await h.view(o.id)).toMatchObject({ escalationLevel: 'community', escalateAt: iso(h.now, WAIT_MINUTES), status: 'pending' });
    expect(await actionable()).not.toContain(o.id);

    // community → town: on the town's board now
    expect(await sweepEscalations(h.database.db, h.advance(WAIT_MINUTES + 1))).toBe(1);
    expect((await h.view(o.id, 'dispatcherT')).actions).toEqual(['dispatch', 'cancel']);
    expect(await actionable()).toContain(o.id);
    const dispatched = await dispatchToVolunteer();
    expect(dispatched.statusCode).toBe(200);
    expect(dispatched.json<OrderDto>()).toMatchObject({ status: 'dispatched', escalationLevel: 'town', dispatchedToUserId: h.id('volunteerA1') });
    // the other town never sees it, whatever its level
    expectError(await h.call('dispatcherT2', 'GET', `/orders/${o.id}`), 404);

    // a dispatched order nobody accepts keeps moving up; at the county it stops
    expect(await sweepEscalations(h.database.db, h.advance(WAIT_MINUTES + 1))).toBe(1);
    expect(await h.view(o.id)).toMatchObject({ escalationLevel: 'county', escalateAt: null, status: 'dispatched' });
    expect(await sweepEscalations(h.database.db, h.advance(24 * 60))).toBe(0);

    const timeline = await h.events(o.id);
    expect(timeline.map((e) => [e.type, e.actorId, e.toStatus])).toEqual([
      ['created', h.id('residentA1'), 'pending'],
      ['escalate', null, 'pending'],
      ['escalate', null, 'pending'],
      ['dispatch', h.id('dispatcherT'), 'dispatched'],
      ['escalate', null, 'dispatched'],
    ]);
    expect(timeline.filter((e) => e.type === 'escalate').map((e) => [e.data.from, e.data.to])).toEqual([
      ['grid', 'community'],
      ['community', 'town'],
      ['town', 'county'],
    ]);
    expect(replayOrderEvents(timeline)).toBe('dispatched');
  });

  it('widens the task hall level by level: a volunteer of grid A2 sees and takes the order once it reached community A', async () => {
    const o = await h.order();
    expectError(await h.call('volunteerA2', 'GET', `/orders/${o.id}`), 404);
    expectError(await h.act('volunteerA2', o.id, 'accept'), 404);
    // the town volunteer sees it as a dispatcher, but it is not in their area yet
    expectError(await h.act('townVolunteer', o.id, 'accept'), 403, '这个需求不在您的服务区域内。');

    expect(await sweepEscalations(h.database.db, h.advance(WAIT_MINUTES + 1))).toBe(1);
    const seen = await h.view(o.id, 'volunteerA2');
    expect(seen).toMatchObject({ escalationLevel: 'community', addressMasked: true, actions: ['accept'] });
    expectError(await h.act('townVolunteer', o.id, 'accept'), 403, '这个需求不在您的服务区域内。');
    expect(await h.ok('volunteerA2', o.id, 'accept')).toMatchObject({ status: 'accepted', acceptedCount: 1 });
    expect(replayOrderEvents(await h.events(o.id))).toBe('accepted');
  });

  describe('a person who may not take it is told why (403), and nothing is written', () => {
    const refusedAccept = async (who: Who, status: number, message?: string) => {
      const o = await h.order();
      const before = await h.events(o.id);
      expectError(await h.act(who, o.id, 'accept'), status, message);
      expect(await h.events(o.id)).toEqual(before);
      expect((await h.view(o.id)).status).toBe('pending');
      return o;
    };

    it('off duty: still sees the order in the hall, cannot take it', async () => {
      await h.sql(`UPDATE app_user SET on_duty = false WHERE id = $1`, [h.id('volunteerA1')]);
      try {
        const o = await refusedAccept('volunteerA1', 403, '您当前不在接单状态（未上岗或不在排班时间），请先开启接单。');
        expect(await h.view(o.id, 'volunteerA1')).toMatchObject({ actions: [], addressMasked: true });
      } finally {
        await h.sql(`UPDATE app_user SET on_duty = true WHERE id = $1`, [h.id('volunteerA1')]);
      }
    });

    it('on duty but outside the roster (Tuesday only): refused on Monday, accepted on Tuesday by the same clock', async () => {
      const roster = await h.call('volunteerA1', 'PUT', `/users/${h.id('volunteerA1')}/roster`, { slots: [{ weekday: 2, start: '08:00', end: '12:00' }] });
      expect(roster.statusCode).toBe(200);
      // a Monday, 10:00 in UTC+8, after every time used above
      h.now = new Date('2026-11-30T02:00:00.000Z');
      try {
        const o = await refusedAccept('volunteerA1', 403, '您当前不在接单状态（未上岗或不在排班时间），请先开启接单。');
        h.advance(24 * 60);
        expect(await h.ok('volunteerA1', o.id, 'accept')).toMatchObject({ status: 'accepted' });
      } finally {
        await h.call('volunteerA1', 'PUT', `/users/${h.id('volunteerA1')}/roster`, { slots: [] });
      }
    });

    it('without the skill: a grid worker (who oversees the grid) is told so; a plain volunteer does not even see it', async () => {
      await h.sql(`UPDATE app_user SET skills = '{errands}' WHERE id = ANY($1)`, [[h.id('gridWorkerA1'), h.id('volunteerA1b')]]);
      try {
        await refusedAccept('gridWorkerA1', 403, '您的服务技能与这个需求不符。');
        await refusedAccept('volunteerA1b', 404);
      } finally {
        await h.sql(`UPDATE app_user SET skills = '{medicine_delivery}' WHERE id = ANY($1)`, [[h.id('gridWorkerA1'), h.id('volunteerA1b')]]);
      }
    });

    it('outside the area: 403 with the reason for one who sees it, 404 for one who does not', async () => {
      await refusedAccept('townVolunteer', 403, '这个需求不在您的服务区域内。');
      await refusedAccept('volunteerA2', 404);
    });

    it('not someone who serves: the resident and the dispatcher', async () => {
      await refusedAccept('residentA1', 403, '只有志愿者和网格员可以接单。');
      await refusedAccept('dispatcherT', 403, '只有志愿者和网格员可以接单。');
    });

    it('already holding the place: 409', async () => {
      const o = await h.drive('accepted');
      expectError(await h.act('volunteerA1', o.id, 'accept'), 409, '您已接下这个需求。');
    });
  });
});

// ---------- several people ----------

describe('orders needing several people (headcount 3)', () => {
  const h = harness();
  let squad: SquadDto;

  beforeAll(async () => {
    // 甲社区's team: the grid worker leads, volunteerA1 and volunteerA1b are members; volunteerA1c is not
    const res = await h.call('dispatcherT', 'POST', '/squads', {
      name: '甲社区红色帮帮团',
      color: 'red',
      regionId: h.w.regions.A,
      leaderId: h.id('gridWorkerA1'),
      categories: ['medicine_delivery'],
    });
    expect(res.statusCode).toBe(201);
    squad = res.json<SquadDto>();
    for (const member of ['volunteerA1', 'volunteerA1b'] as const) {
      expect((await h.call('dispatcherT', 'POST', `/squads/${squad.id}/members`, { userId: h.id(member) })).statusCode).toBe(201);
    }
  });

  const states = (o: OrderDto) => Object.fromEntries(o.assignees.map((a) => [a.userId, a.state]));

  it('stays pending until the third accept; a fourth is refused', async () => {
    const o = await h.order({ headcount: 3 });
    const first = await h.ok('volunteerA1', o.id, 'accept');
    expect(first).toMatchObject({ status: 'pending', acceptedCount: 1, headcount: 3, actions: ['release'] });
    expectError(await h.act('volunteerA1', o.id, 'accept'), 409, '您已接下这个需求。');
    expect(await h.ok('volunteerA1b', o.id, 'accept')).toMatchObject({ status: 'pending', acceptedCount: 2 });
    // nobody goes before everyone is there
    expectError(await h.act('volunteerA1', o.id, 'check-in', CHECK_IN), 409, refusedMessage('pending', '签到'));
    expect(await h.ok('volunteerA1c', o.id, 'accept')).toMatchObject({ status: 'accepted', acceptedCount: 3 });
    expectError(await h.act('gridWorkerA1', o.id, 'accept'), 409, '该需求已被接单。');

    const timeline = await h.events(o.id);
    expect(timeline.map((e) => [e.type, e.fromStatus, e.toStatus, e.data.acceptedCount])).toEqual([
      ['created', null, 'pending', undefined],
      ['accept', 'pending', 'pending', 1],
      ['accept', 'pending', 'pending', 2],
      ['accept', 'pending', 'accepted', 3],
    ]);
    expect(replayOrderEvents(timeline)).toBe('accepted');
  });

  it('in 我的任务, one who accepted sees 已接单 while the order still waits for the others', async () => {
    const o = await h.order({ headcount: 3 });
    await h.ok('volunteerA1', o.id, 'accept');
    const tab = async (status: string) =>
      (await h.call('volunteerA1', 'GET', `/tasks/mine?status=${status}`)).json<{ items: OrderDto[] }>().items.map((x) => x.id);
    // the order is 待接单 (two more to come), the volunteer's own part is 已接单
    expect((await h.view(o.id, 'volunteerA1')).status).toBe('pending');
    expect(await tab('accepted')).toContain(o.id);
    expect(await tab('pending')).not.toContain(o.id);
    // given back: no part of theirs runs, and the order's own status counts again
    await h.ok('volunteerA1', o.id, 'release', REASON);
    expect(await tab('accepted')).not.toContain(o.id);
  });

  it('dispatched to a squad: its members accept it, others may not', async () => {
    const o = await h.order({ headcount: 3 });
    // the squad belongs to community A, outside the grid worker's jurisdiction (grid A1): an admin dispatches
    const dispatched = await h.ok('admin', o.id, 'dispatch', { squadId: squad.id });
    expect(dispatched).toMatchObject({ status: 'dispatched', dispatchedToSquadId: squad.id, dispatchedToUserId: null });
    // a member sees "accept" only; the leader also "reject"
    expect((await h.view(o.id, 'volunteerA1')).actions).toEqual(['accept']);
    expect((await h.view(o.id, 'gridWorkerA1')).actions).toEqual(['reject', 'accept', 'cancel', 'recall']);
    expectError(await h.act('volunteerA1c', o.id, 'accept'), 409, '该需求已派给他人。');

    expect(await h.ok('volunteerA1', o.id, 'accept')).toMatchObject({ status: 'pending', acceptedCount: 1 });
    expect(await h.ok('volunteerA1b', o.id, 'accept')).toMatchObject({ status: 'pending', acceptedCount: 2 });
    const full = await h.ok('gridWorkerA1', o.id, 'accept');
    expect(full).toMatchObject({ status: 'accepted', acceptedCount: 3 });
    expect(Object.fromEntries(full.assignees.map((a) => [a.userId, a.squadId]))).toEqual({
      [h.id('volunteerA1')]: squad.id,
      [h.id('volunteerA1b')]: squad.id,
      [h.id('gridWorkerA1')]: squad.id,
    });
    const timeline = await h.events(o.id);
    expect(timeline.filter((e) => e.type === 'accept').map((e) => e.data.via)).toEqual(['dispatch', 'dispatch', 'dispatch']);
    expect(replayOrderEvents(timeline)).toBe('accepted');
  });

  it('only the leader may reject a squad dispatch', async () => {
    const o = await h.order({ headcount: 3 });
    await h.ok('admin', o.id, 'dispatch', { squadId: squad.id });
    const before = await h.events(o.id);
    expectError(await h.act('volunteerA1', o.id, 'reject', REASON), 403, '只有被派单的人（小分队由负责人）可以拒绝派单。');
    expect(await h.events(o.id)).toEqual(before);

    const rejected = await h.ok('gridWorkerA1', o.id, 'reject', { reason: '本周人手不足' });
    expect(rejected).toMatchObject({ status: 'pending', dispatchedToSquadId: null, acceptedCount: 0 });
    const timeline = await h.events(o.id);
    expect(timeline).toHaveLength(before.length + 1);
    expect(timeline.at(-1)).toMatchObject({
      type: 'reject',
      actorId: h.id('gridWorkerA1'),
      reason: '本周人手不足',
      toStatus: 'pending',
      data: { squadId: squad.id },
    });
    // the order is back in the hall: a volunteer outside the squad may take a place now
    expect(await h.ok('volunteerA1c', o.id, 'accept')).toMatchObject({ status: 'pending', acceptedCount: 1 });
  });

  it('a holder giving back their place sends the order back to pending with one place fewer, and a fresh escalation window', async () => {
    const o = await h.order({ headcount: 3 });
    for (const who of ['volunteerA1', 'volunteerA1b', 'volunteerA1c'] as const) await h.ok(who, o.id, 'accept');
    h.advance(30);
    const released = await h.ok('volunteerA1b', o.id, 'release', { reason: '家里有事' });
    expect(released).toMatchObject({ status: 'pending', acceptedCount: 2, escalateAt: iso(h.now, WAIT_MINUTES), addressMasked: true });
    expect(states(await h.view(o.id))).toEqual({ [h.id('volunteerA1')]: 'accepted', [h.id('volunteerA1b')]: 'released', [h.id('volunteerA1c')]: 'accepted' });

    // a place still waiting for more people can be given back too
    expect(await h.ok('volunteerA1c', o.id, 'release', REASON)).toMatchObject({ status: 'pending', acceptedCount: 1 });
    // and taken again, by anyone eligible
    await h.ok('volunteerA1b', o.id, 'accept');
    expect(await h.ok('gridWorkerA1', o.id, 'accept')).toMatchObject({ status: 'accepted', acceptedCount: 3 });

    const timeline = await h.events(o.id);
    expect(timeline.map((e) => `${e.type}:${e.fromStatus}→${e.toStatus}`)).toEqual([
      'created:null→pending',
      'accept:pending→pending',
      'accept:pending→pending',
      'accept:pending→accepted',
      'release:accepted→pending',
      'release:pending→pending',
      'accept:pending→pending',
      'accept:pending→accepted',
    ]);
    expect(replayOrderEvents(timeline)).toBe('accepted');
  });

  it('completes only when nobody else is still serving; who never checked in becomes no_show', async () => {
    const o = await h.order({ headcount: 3 });
    for (const who of ['volunteerA1', 'volunteerA1b', 'volunteerA1c'] as const) await h.ok(who, o.id, 'accept');
    expect(await h.ok('volunteerA1', o.id, 'check-in', CHECK_IN)).toMatchObject({ status: 'in_service' });
    expect(await h.ok('volunteerA1b', o.id, 'check-in', CHECK_IN)).toMatchObject({ status: 'in_service' });
    h.advance(60);
    expectError(await h.act('volunteerA1c', o.id, 'complete', NOTE), 409, '请先到居民家中签到，再完成服务。');

    expect(await h.ok('volunteerA1', o.id, 'complete', NOTE)).toMatchObject({ status: 'in_service', acceptedCount: 3 });
    expectError(await h.act('volunteerA1', o.id, 'complete', NOTE), 409, '您已完成这个需求的服务。');
    const done = await h.ok('volunteerA1b', o.id, 'complete', NOTE);
    expect(done).toMatchObject({ status: 'completed', acceptedCount: 2 });
    expect(states(done)).toEqual({ [h.id('volunteerA1')]: 'completed', [h.id('volunteerA1b')]: 'completed', [h.id('volunteerA1c')]: 'no_show' });

    const timeline = await h.events(o.id);
    expect(timeline.slice(-2).map((e) => [e.type, e.actorId, e.toStatus, e.data.noShow])).toEqual([
      ['complete', h.id('volunteerA1'), 'in_service', []],
      ['complete', h.id('volunteerA1b'), 'completed', [h.id('volunteerA1c')]],
    ]);
    expect(await h.ok('residentA1', o.id, 'confirm', CONFIRM)).toMatchObject({ status: 'closed', rating: 5 });
    expect(replayOrderEvents(await h.events(o.id))).toBe('closed');
  });
});

// ---------- check-in distance and service time ----------

describe('check-in distance and service minutes', () => {
  const h = harness();

  const checkIn = async (location: object) => {
    const o = await h.drive('accepted');
    const after = await h.ok('volunteerA1', o.id, 'check-in', location);
    return { order: after, assignment: after.assignees[0]!, event: (await h.events(o.id)).at(-1)! };
  };

  it('records a check-in near the door without a flag', async () => {
    const { order, assignment, event } = await checkIn({ location: NEAR });
    expect(order.farCheckIn).toBe(false);
    expect(assignment).toMatchObject({ state: 'in_service', checkInFar: false, checkedInAt: h.now.toISOString() });
    expect(assignment.checkInDistanceMeters).toBeGreaterThan(5);
    expect(assignment.checkInDistanceMeters).toBeLessThan(30);
    expect(event).toMatchObject({ type: 'check_in', data: { far: false, location: NEAR } });
  });

  it('flags a check-in 5 km away, on the order and on the person', async () => {
    const { order, assignment, event } = await checkIn({ location: FAR });
    expect(order.farCheckIn).toBe(true);
    expect(assignment.checkInFar).toBe(true);
    expect(assignment.checkInDistanceMeters).toBeGreaterThan(4900);
    expect(assignment.checkInDistanceMeters).toBeLessThan(5100);
    expect(event.data).toMatchObject({ far: true, distanceMeters: assignment.checkInDistanceMeters });
  });

  it('flags a check-in without a location (no proof of the visit)', async () => {
    const { order, assignment, event } = await checkIn({});
    expect(order.farCheckIn).toBe(true);
    expect(assignment).toMatchObject({ checkInFar: true, checkInDistanceMeters: null });
    expect(event.data).toMatchObject({ far: true, distanceMeters: null, location: null });
  });

  it('flags the order when one of several people checks in far, only that person', async () => {
    const o = await h.order({ headcount: 2 });
    await h.ok('volunteerA1', o.id, 'accept');
    await h.ok('volunteerA1b', o.id, 'accept');
    expect(await h.ok('volunteerA1', o.id, 'check-in', { location: NEAR })).toMatchObject({ farCheckIn: false });
    const after = await h.ok('volunteerA1b', o.id, 'check-in', { location: FAR });
    expect(after.farCheckIn).toBe(true);
    expect(Object.fromEntries(after.assignees.map((a) => [a.userId, a.checkInFar]))).toEqual({
      [h.id('volunteerA1')]: false,
      [h.id('volunteerA1b')]: true,
    });
  });

  it('counts the minutes from check-in to completion by the injected clock', async () => {
    const o = await h.drive('accepted');
    const checkedInAt = new Date(h.advance(7));
    await h.ok('volunteerA1', o.id, 'check-in', CHECK_IN);
    h.advance(45);
    const done = await h.ok('volunteerA1', o.id, 'complete', { note: '药已送到，顺便量了血压', photoUrls: ['https://example.com/a.jpg'] });
    expect(done.status).toBe('completed');
    expect(done.assignees[0]).toMatchObject({
      state: 'completed',
      serviceMinutes: 45,
      checkedInAt: checkedInAt.toISOString(),
      completedAt: h.now.toISOString(),
      note: '药已送到，顺便量了血压',
      photoUrls: ['https://example.com/a.jpg'],
    });
    expect((await h.events(o.id)).at(-1)).toMatchObject({ type: 'complete', at: h.now.toISOString(), data: { serviceMinutes: 45 } });
  });
});

// ---------- what each viewer sees ----------

describe('masking of the resident and the access log', () => {
  const h = harness();

  it('masks the resident for a volunteer browsing the hall, shows them in full once accepted, and logs that view', async () => {
    const resident = h.people.residentA1;
    const o = await h.order();
    const browsing = await h.view(o.id, 'volunteerA1');
    expect(browsing).toMatchObject({
      address: '甲社区',
      addressMasked: true,
      location: null,
      // issue 18 (privacy): the task hall shows the surname only
      resident: { id: resident.id, name: '甲**', phone: masked(resident.phone), phoneMasked: true },
      actions: ['accept'],
    });
    expect(await h.accessLog('volunteerA1')).toEqual([]);

    await h.ok('volunteerA1', o.id, 'accept');
    const logged = (await h.accessLog('volunteerA1', 'accepted_order')).length;
    const full = await h.view(o.id, 'volunteerA1');
    expect(full).toMatchObject({
      address: '甲社区3号楼2单元401',
      addressMasked: false,
      location: DOOR,
      resident: { phone: resident.phone, phoneMasked: false },
      actions: ['release', 'check_in'],
    });
    const log = await h.accessLog('volunteerA1', 'accepted_order');
    expect(log).toHaveLength(logged + 1);
    expect(log.at(-1)).toEqual({ fields: ['phone', 'address'], reason: 'accepted_order' });

    // giving the order back ends the full view
    await h.ok('volunteerA1', o.id, 'release', REASON);
    expect(await h.view(o.id, 'volunteerA1')).toMatchObject({ addressMasked: true, location: null, resident: { phoneMasked: true } });
  });

  it('shows the town dispatcher the full order (logged as jurisdiction) and the resident their own (not logged)', async () => {
    const resident = h.people.residentA1;
    const o = await h.order();
    const before = (await h.accessLog('dispatcherT', 'jurisdiction')).length;
    expect(await h.view(o.id, 'dispatcherT')).toMatchObject({
      address: '甲社区3号楼2单元401',
      location: DOOR,
      resident: { phone: resident.phone, phoneMasked: false },
    });
    const log = await h.accessLog('dispatcherT', 'jurisdiction');
    expect(log).toHaveLength(before + 1);
    expect(log.at(-1)).toEqual({ fields: ['phone', 'address'], reason: 'jurisdiction' });

    expect(await h.view(o.id, 'residentA1')).toMatchObject({ addressMasked: false, resident: { phoneMasked: false } });
    expect(await h.accessLog('residentA1')).toEqual([]);
  });

  it('shows a volunteer of the hall who was never on it the order until it is taken, and no further', async () => {
    const seen: Partial<Record<OrderStatus, number>> = {};
    for (const status of STATUSES) {
      const o = await h.drive(status);
      seen[status] = (await h.call('volunteerA1b', 'GET', `/orders/${o.id}`)).statusCode;
    }
    // accepted: the race lost, they may still see that it was taken
    expect(seen).toEqual({ pending: 200, dispatched: 200, accepted: 200, in_service: 404, completed: 404, closed: 404, cancelled: 404 });
  });

  it('writes no access record for a view it refuses', async () => {
    const o = await h.order();
    expectError(await h.call('dispatcherT2', 'GET', `/orders/${o.id}`), 404);
    expect(await h.accessLog('dispatcherT2')).toEqual([]);
  });

  it('lets a volunteer open an order their task list shows (one they accepted that the resident then cancelled)', async () => {
    const o = await h.order();
    await h.ok('volunteerA1b', o.id, 'accept');
    await h.ok('residentA1', o.id, 'cancel', { reason: '已经自己买到了' });
    // off duty, so that only their own part in it lets them see it
    expect((await h.call('volunteerA1b', 'PUT', '/me/duty', { onDuty: false })).statusCode).toBe(200);
    try {
      const mine = (await h.call('volunteerA1b', 'GET', '/tasks/mine')).json<Page<OrderDto>>();
      expect(mine.items.find((i) => i.id === o.id)).toMatchObject({ status: 'cancelled' });
      // the list offers it; opening it must not answer that it does not exist
      const res = await h.call('volunteerA1b', 'GET', `/orders/${o.id}`);
      expect({ status: res.statusCode, body: res.json<{ status?: string; message?: string }>() }).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    } finally {
      await h.call('volunteerA1b', 'PUT', '/me/duty', { onDuty: true });
    }
  });
});

// ---------- reopening ----------

describe('confirm resolved:false reopens the same order', () => {
  const h = harness();

  it('goes back to pending in a new round, the same volunteer may take it again, and the history is kept', async () => {
    const o = await h.order();
    await h.ok('volunteerA1', o.id, 'accept');
    await h.ok('volunteerA1', o.id, 'check-in', { location: FAR });
    await h.ok('volunteerA1', o.id, 'complete', NOTE);
    const before = await h.events(o.id);

    // a rating makes no sense when it was not solved
    expectInvalid(await h.act('residentA1', o.id, 'confirm', { resolved: false, rating: 3 }), 'rating', '问题未解决时不评分，请在说明中写明情况');
    expect(await h.events(o.id)).toEqual(before);

    h.advance(10);
    const reopened = await h.ok('residentA1', o.id, 'confirm', REOPEN);
    expect(reopened).toMatchObject({
      status: 'pending',
      reopenCount: 1,
      acceptedCount: 0,
      assignees: [],
      farCheckIn: false,
      dispatchedToUserId: null,
      escalationLevel: 'grid',
      escalateAt: iso(h.now, WAIT_MINUTES),
      // it waits anew: the service's accept window counts from the reopening
      deadlineAt: iso(h.now, WAIT_MINUTES),
      waitedMinutes: null,
      rating: null,
    });

    const again = await h.ok('volunteerA1', o.id, 'accept');
    expect(again).toMatchObject({ status: 'accepted', acceptedCount: 1 });
    expect(again.assignees.map((a) => [a.userId, a.state])).toEqual([[h.id('volunteerA1'), 'accepted']]);

    const timeline = await h.events(o.id);
    expect(timeline.map((e) => e.type)).toEqual(['created', 'accept', 'check_in', 'complete', 'reopen', 'accept']);
    expect(timeline[4]).toMatchObject({ actorId: h.id('residentA1'), fromStatus: 'completed', toStatus: 'pending', reason: '药拿错了', data: { round: 2 } });
    expect(replayOrderEvents(timeline)).toBe('accepted');

    // the second round runs to the end; both rounds' people stay on record
    await h.ok('volunteerA1', o.id, 'check-in', CHECK_IN);
    await h.ok('volunteerA1', o.id, 'complete', { note: '换了正确的药' });
    expect(await h.ok('residentA1', o.id, 'confirm', { resolved: true, rating: 4 })).toMatchObject({ status: 'closed', rating: 4, reopenCount: 1 });
    const rounds = await h.sql<{ round: number; state: string }>(`SELECT round, state FROM order_assignment WHERE order_id = $1 ORDER BY round`, [o.id]);
    expect(rounds).toEqual([
      { round: 1, state: 'completed' },
      { round: 2, state: 'completed' },
    ]);
    expect(replayOrderEvents(await h.events(o.id))).toBe('closed');
  });

  it('waits anew from the reopening days later: not shown as overdue, and the first round still counts as late in 按时接单', async () => {
    const o = await h.order();
    const firstDeadline = o.deadlineAt;
    // nobody took it in time: accepted 30 minutes past its deadline
    h.advance(WAIT_MINUTES + 30);
    await h.ok('volunteerA1', o.id, 'accept');
    await h.ok('volunteerA1', o.id, 'check-in', CHECK_IN);
    await h.ok('volunteerA1', o.id, 'complete', NOTE);
    const share = async () =>
      (await h.call('admin', 'GET', `/stats/overview?from=${encodeURIComponent(o.createdAt)}`)).json<{ acceptedBeforeDeadlineShare: number | null }>();
    expect(await share()).toMatchObject({ acceptedBeforeDeadlineShare: 0 });

    // three days later the resident says it was not solved
    h.advance(3 * 24 * 60);
    const reopened = await h.ok('residentA1', o.id, 'confirm', REOPEN);
    expect(reopened).toMatchObject({ status: 'pending', deadlineAt: iso(h.now, WAIT_MINUTES), waitedMinutes: null });
    const board = await h.call('gridWorkerA1', 'GET', '/orders?actionable=true');
    expect(board.json<{ items: OrderDto[] }>().items.find((x) => x.id === o.id)).toMatchObject({ waitedMinutes: null });
    // the first round's lateness is not rewritten by the new deadline
    expect(await share()).toMatchObject({ acceptedBeforeDeadlineShare: 0 });
    expect(await h.sql(`SELECT first_deadline_at, reopened_at FROM service_order WHERE id = $1`, [o.id])).toEqual([
      { first_deadline_at: new Date(firstDeadline), reopened_at: h.now },
    ]);

    // past the new deadline, the wait shown is since the reopening, not since the first order
    h.advance(WAIT_MINUTES + 5);
    expect((await h.view(o.id)).waitedMinutes).toBe(WAIT_MINUTES + 5);
    await h.ok('residentA1', o.id, 'cancel', REASON);
  });

  it('is refused with the newer order named when the resident has asked for the same service since', async () => {
    const o = await h.drive('closed');
    const newer = await h.order();
    const before = await h.events(o.id);
    const res = await h.act('residentA1', o.id, 'confirm', REOPEN);
    expect(res.statusCode).toBe(409);
    expect(res.json<ErrorBody>().message).toMatch(/^您已有一个「.+」的需求正在办理，请在那一单里说明情况/);
    expect((await h.view(o.id)).status).toBe('closed');
    expect(await h.events(o.id)).toEqual(before);
    expect((await h.view(newer.id)).status).toBe('pending');
  });
});

// ---------- bad input ----------

describe('bad input is refused with the field named, and nothing is written', () => {
  const h = harness();

  /** The request must fail with 400 on `field` and leave the order's timeline as it was. */
  const refusedOn = async (o: OrderDto, res: Promise<Res>, field: string, message?: string) => {
    const before = await h.events(o.id);
    expectInvalid(await res, field, message);
    expect(await h.events(o.id)).toEqual(before);
  };

  it('rejects unknown fields when ordering and on an action', async () => {
    const res = await h.call('residentA1', 'POST', '/orders', { ...ORDER_BODY, priority: 'high' });
    expectInvalid(res, 'priority', '不允许的字段');
    expect(res.json<ErrorBody>().message).toBe('提交的内容里有本页面不认识的一项，请刷新后重试。');
    const o = await h.order();
    await refusedOn(o, h.act('residentA1', o.id, 'cancel', { ...REASON, status: 'closed' }), 'status', '不允许的字段');
    await refusedOn(o, h.act('admin', o.id, 'dispatch', { assigneeId: h.id('volunteerA1'), urgent: true }), 'urgent', '不允许的字段');
  });

  it('rejects unknown fields on accept, which takes no body', async () => {
    const o = await h.order();
    await refusedOn(o, h.act('volunteerA1', o.id, 'accept', { force: true }), 'force', '不允许的字段');
  });

  it('refuses a rating outside 1..5 and a confirm without resolved', async () => {
    const o = await h.drive('completed');
    await refusedOn(o, h.act('residentA1', o.id, 'confirm', { resolved: true, rating: 6 }), 'rating', '评分须为 1 到 5 的整数');
    await refusedOn(o, h.act('residentA1', o.id, 'confirm', { resolved: true, rating: 0 }), 'rating', '评分须为 1 到 5 的整数');
    await refusedOn(o, h.act('residentA1', o.id, 'confirm', { rating: 5 }), 'resolved');
    expect((await h.view(o.id)).status).toBe('completed');
  });

  it('asks for exactly one of assigneeId and squadId, someone who serves, inside the jurisdiction', async () => {
    const o = await h.order();
    await refusedOn(
      o,
      h.act('admin', o.id, 'dispatch', { assigneeId: h.id('volunteerA1'), squadId: h.id('volunteerA1') }),
      'assigneeId',
      '请指定接单人或小分队之一',
    );
    await refusedOn(o, h.act('admin', o.id, 'dispatch', {}), 'assigneeId', '请指定接单人或小分队之一');
    await refusedOn(o, h.act('admin', o.id, 'dispatch', { assigneeId: 'someone' }), 'assigneeId', '接单人编号格式不正确');
    await refusedOn(o, h.act('admin', o.id, 'dispatch', { assigneeId: h.id('residentA2') }), 'assigneeId', '只能派给志愿者或网格员');
    // the grid worker's jurisdiction is grid A1: a volunteer of A2 is outside it
    await refusedOn(
      o,
      h.act('gridWorkerA1', o.id, 'dispatch', { assigneeId: h.id('volunteerA2') }),
      'assigneeId',
      '接单人不存在，或不在您的管辖范围和需求所在区域内',
    );
    await refusedOn(
      o,
      h.act('admin', o.id, 'dispatch', { squadId: '00000000-0000-4000-8000-000000000000' }),
      'squadId',
      '小分队不存在，或不在您的管辖范围内、也不服务需求所在区域',
    );
    expect((await h.view(o.id)).status).toBe('pending');
  });

  it('answers 404 for an id that is not a uuid, and for one that does not exist', async () => {
    for (const id of ['not-a-uuid', '1', '00000000-0000-4000-8000-000000000000']) {
      expectError(await h.call('admin', 'GET', `/orders/${id}`), 404, '需求不存在。');
      expectError(await h.call('admin', 'GET', `/orders/${id}/events`), 404, '需求不存在。');
      expectError(await h.act('volunteerA1', id, 'accept'), 404, '需求不存在。');
      expectError(await h.act('admin', id, 'cancel', REASON), 404, '需求不存在。');
      expectError(await h.act('admin', id, 'dispatch', { assigneeId: h.id('volunteerA1') }), 404, '需求不存在。');
    }
  });

  it('refuses an unknown or malformed category, a bad urgency or headcount, and an end before the start', async () => {
    const order = (body: object) => h.call('residentA1', 'POST', '/orders', { ...ORDER_BODY, ...body });
    const count = async () => (await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM service_order WHERE requester_id = $1`, [h.id('residentA1')]))[0]!.n;
    const orders = await count();
    expectInvalid(await order({ categoryCode: 'flying' }), 'categoryCode', '没有这项服务');
    expectInvalid(await order({ categoryCode: 'Not A Code!' }), 'categoryCode', '服务类别编码格式不正确');
    expectInvalid(await order({ urgency: 'asap' }), 'urgency', '紧急程度须为 普通 或 紧急');
    expectInvalid(await order({ headcount: 0 }), 'headcount');
    expectInvalid(await order({ headcount: 51 }), 'headcount');
    expectInvalid(
      await order({ preferredStart: '2026-11-24T10:00:00+08:00', preferredEnd: '2026-11-24T09:00:00+08:00' }),
      'preferredEnd',
      '结束时间须晚于开始时间',
    );
    expectInvalid(
      await order({ preferredStart: '2026-11-24T10:00:00+08:00', preferredEnd: '2026-11-24T10:00:00+08:00' }),
      'preferredEnd',
      '结束时间须晚于开始时间',
    );
    expectInvalid(await order({ preferredStart: 'tomorrow' }), 'preferredStart');
    expect(await count()).toBe(orders);
  });

  it('asks for a reason to reject, release and cancel', async () => {
    const dispatched = await h.drive('dispatched');
    await refusedOn(dispatched, h.act('volunteerA1', dispatched.id, 'reject', {}), 'reason');
    await refusedOn(dispatched, h.act('volunteerA1', dispatched.id, 'reject', { reason: '' }), 'reason', '请说明原因');
    expect((await h.view(dispatched.id)).status).toBe('dispatched');
    // (the next fresh order retires this one: one open order per resident and service)
    const accepted = await h.drive('accepted');
    await refusedOn(accepted, h.act('volunteerA1', accepted.id, 'release', {}), 'reason');
    await refusedOn(accepted, h.act('volunteerA1', accepted.id, 'release'), 'reason');
    await refusedOn(accepted, h.act('residentA1', accepted.id, 'cancel', {}), 'reason');
    await refusedOn(accepted, h.act('residentA1', accepted.id, 'cancel', { reason: 'x'.repeat(201) }), 'reason');
    expect((await h.view(accepted.id)).status).toBe('accepted');
  });

  it('asks for a note to complete and a real location to check in', async () => {
    const accepted = await h.drive('accepted');
    await refusedOn(accepted, h.act('volunteerA1', accepted.id, 'check-in', { location: { lat: 100, lng: 107.4 } }), 'location.lat');
    await h.ok('volunteerA1', accepted.id, 'check-in', CHECK_IN);
    await refusedOn(accepted, h.act('volunteerA1', accepted.id, 'complete', {}), 'note');
    await refusedOn(accepted, h.act('volunteerA1', accepted.id, 'complete', { note: '好了', photoUrls: ['not a url'] }), 'photoUrls');
    expect((await h.view(accepted.id)).status).toBe('in_service');
  });
});
