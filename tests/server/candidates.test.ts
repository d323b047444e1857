import 'reflect-metadata';
import {
  DEFAULT_MATCH_WEIGHTS,
  scoreCandidate,
  type CandidateDto,
  type CandidateListDto,
  type CandidateSignals,
  type MatchWeights,
  type OrderDto,
  type RosterSlot,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../server/src/app';
import { sweepEscalations } from '../../server/src/modules/dispatching/escalation';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * 推荐接单人: GET /api/v1/orders/:id/candidates. Every volunteer is placed due north of residentA1's door, so the
 * great-circle distance the server computes is exactly the metres asked for; the domain clock is injected, so
 * rosters (Beijing time) and "today's tasks" are exact too. Each test starts on a day of its own and leaves nobody
 * on duty and no open order behind, so each candidate list is exactly what the test set up.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Wednesday 2026-12-02, 10:00 in Beijing. */
const T0 = new Date('2026-12-02T02:00:00.000Z');
/** residentA1's door (everyone in the world lives there). */
const DOOR = { lat: 40.751, lng: 107.401 };
/** Metres per degree of latitude on the sphere the server measures with (radius 6371008.8 m). */
const METRES_PER_DEGREE = (6371008.8 * Math.PI) / 180;
const north = (metres: number): number => DOOR.lat + metres / METRES_PER_DEGREE;

type Person = { id: string; name: string; token: string };
type Who = keyof World['users'] | Person | 'anonymous';
type Region = keyof World['regions'];

/** The signals of a plain volunteer of the resident's grid: only the distance differs from one to the other. */
const plain = (distanceMeters: number | null, more: Partial<CandidateSignals> = {}): CandidateSignals => ({
  distanceMeters,
  sameGrid: true,
  pairedCadre: false,
  activeTasks: 0,
  todayTasks: 0,
  rating: null,
  ratingCount: 0,
  acceptanceRate: null,
  answers: 0,
  partyMember: false,
  ledgerHousehold: false,
  ...more,
});

describe('GET /api/v1/orders/:id/candidates (推荐接单人)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let app: FastifyInstance;
  let w: World;
  const clock = { now: T0 };
  const tick = () => new Date(clock.now.getTime());

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error' }), db, clock: tick });
    w = await buildWorld(app, db);
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  // a week and a day of its own per test: "today's tasks" and "this week's" of one test are history for the next
  let day = 0;
  beforeEach(() => {
    day += 8;
    clock.now = new Date(T0.getTime() + day * DAY);
  });
  afterEach(async () => {
    const open = await db.query<Array<{ id: string }>>(`SELECT id FROM service_order WHERE status IN ('pending', 'dispatched', 'accepted', 'in_service')`);
    for (const { id } of open) {
      const res = await call('admin', 'POST', `/orders/${id}/cancel`, { reason: '测试结束' });
      expect(res.statusCode).toBe(200);
    }
    await db.query(`UPDATE app_user SET on_duty = false, roster = NULL`);
    await db.query(`UPDATE app_user SET tags = '{}', paired_cadre_id = NULL WHERE id = $1`, [w.users.residentA1.id]);
  });

  const tokenOf = (who: Exclude<Who, 'anonymous'>): string => (typeof who === 'string' ? w.users[who].token : who.token);
  const call = (who: Who, method: 'GET' | 'POST', url: string, payload?: object, on: FastifyInstance = app) =>
    on.inject({ method, url: `/api/v1${url}`, payload, headers: who === 'anonymous' ? {} : bearer(tokenOf(who)) });

  let n = 0;
  /** A volunteer inserted by SQL, on duty unless told, `metres` due north of the door (null: no location). */
  const volunteer = async (
    metres: number | null,
    opts: { region?: Region; skills?: string[]; onDuty?: boolean; roster?: RosterSlot[]; partyMember?: boolean } = {},
  ): Promise<Person> => {
    n += 1;
    const name = `志愿者${String(n).padStart(3, '0')}`;
    const [row] = await db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, roster, party_member, location_lat, location_lng)
       VALUES ($1, $2, '{volunteer}', $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        name,
        `137${String(n).padStart(8, '0')}`,
        w.regions[opts.region ?? 'A1'],
        opts.skills ?? ['medicine_delivery'],
        opts.onDuty ?? true,
        opts.roster ? JSON.stringify(opts.roster) : null,
        opts.partyMember ?? false,
        metres === null ? null : north(metres),
        metres === null ? null : DOOR.lng,
      ],
    );
    return { id: row!.id, name, token: app.jwt.sign({ sub: row!.id }) };
  };

  /**
   * residentA1 orders (medicine delivery unless told). A resident has one open order per service (issue 20): when one
   * is open already, the admin places it knowingly beside it (allowRepeat).
   */
  const order = async (body: object = {}): Promise<OrderDto> => {
    const asked = { categoryCode: 'medicine_delivery', description: '帮忙取降压药', urgency: 'normal', ...body };
    let res = await call('residentA1', 'POST', '/orders', asked);
    if (res.statusCode === 409)
      res = await call('admin', 'POST', '/orders', { ...asked, residentId: w.users.residentA1.id, channel: 'miniapp', allowRepeat: true });
    expect(res.statusCode).toBe(201);
    return res.json<OrderDto>();
  };
  const act = async (who: Who, id: string, action: string, payload?: object): Promise<OrderDto> => {
    const res = await call(who, 'POST', `/orders/${id}/${action}`, payload);
    expect({ action, status: res.statusCode, body: res.statusCode === 200 ? undefined : res.json() }).toEqual({ action, status: 200, body: undefined });
    return res.json<OrderDto>();
  };
  /** A place on another order, in hand (accepted). */
  const holdPlace = async (v: Person, categoryCode = 'medicine_delivery'): Promise<string> => {
    const o = await order({ categoryCode });
    expect((await act(v, o.id, 'accept')).status).toBe('accepted');
    return o.id;
  };
  /** Another order of the category served start to finish and rated. */
  const serve = async (v: Person, rating: number): Promise<string> => {
    const id = await holdPlace(v);
    await act(v, id, 'check-in', { location: DOOR });
    await act(v, id, 'complete', { note: '药已送到' });
    expect((await act('residentA1', id, 'confirm', { resolved: true, rating })).status).toBe('closed');
    return id;
  };
  /** Another order of the category dispatched to them, and declined. */
  const decline = async (v: Person): Promise<void> => {
    const o = await order();
    await act('admin', o.id, 'dispatch', { assigneeId: v.id });
    expect((await act(v, o.id, 'reject', { reason: '今天不在家' })).status).toBe('pending');
  };

  const candidates = async (id: string, who: Who = 'dispatcherT', query = '', on: FastifyInstance = app): Promise<CandidateDto[]> => {
    const res = await call(who, 'GET', `/orders/${id}/candidates${query}`, undefined, on);
    expect({ status: res.statusCode, body: res.statusCode === 200 ? undefined : res.json() }).toEqual({ status: 200, body: undefined });
    return res.json<CandidateListDto>().items;
  };
  const ids = async (id: string, query = ''): Promise<string[]> => (await candidates(id, 'dispatcherT', query)).map((c) => c.id);
  const texts = (c: CandidateDto | undefined): string[] => (c?.reasons ?? []).map((r) => r.text);

  /** The clock at this test's day, at hh:mm Beijing time. */
  const beijing = (hours: number, minutes = 0, plusDays = 0): Date => new Date(T0.getTime() + (day + plusDays) * DAY + (hours - 10) * HOUR + minutes * 60_000);

  describe('hard rules: present, then absent after breaking exactly one', () => {
    it('the skill must fit the order’s category', async () => {
      const v = await volunteer(300);
      const o = await order();
      expect(await ids(o.id)).toEqual([v.id]);
      await db.query(`UPDATE app_user SET skills = '{errands}' WHERE id = $1`, [v.id]);
      expect(await ids(o.id)).toEqual([]);
    });

    it('on duty', async () => {
      const v = await volunteer(300);
      const o = await order();
      expect(await ids(o.id)).toEqual([v.id]);
      await db.query(`UPDATE app_user SET on_duty = false WHERE id = $1`, [v.id]);
      expect(await ids(o.id)).toEqual([]);
    });

    it('inside a roster slot now, read in Beijing time (end excluded, another weekday is not the slot)', async () => {
      clock.now = beijing(10);
      const weekday = ((clock.now.getUTCDay() + 6) % 7) + 1; // 10:00 Beijing is the same date in UTC
      const v = await volunteer(300, { roster: [{ weekday, start: '09:00', end: '11:00' }] });
      const o = await order();
      expect(await ids(o.id)).toEqual([v.id]);
      clock.now = beijing(10, 59);
      expect(await ids(o.id)).toEqual([v.id]);
      clock.now = beijing(11);
      expect(await ids(o.id)).toEqual([]);
      clock.now = beijing(10, 0, 1);
      expect(await ids(o.id)).toEqual([]);
      // 10:00 UTC is 18:00 in Beijing: outside, though the slot would hold it if it were read in UTC
      clock.now = beijing(18);
      expect(await ids(o.id)).toEqual([]);
      clock.now = beijing(9);
      expect(await ids(o.id)).toEqual([v.id]);
    });

    it('fewer tasks in hand than MATCH_MAX_ACTIVE_TASKS (default 3)', async () => {
      const v = await volunteer(300);
      const o = await order();
      await holdPlace(v);
      await holdPlace(v);
      const [c] = await candidates(o.id);
      expect(c).toMatchObject({ id: v.id, activeTasks: 2 });
      expect(texts(c)).toContain('手头 2 单');
      await holdPlace(v);
      expect(await ids(o.id)).toEqual([]);
    });

    it('inside the order’s area at its level: grid A2 absent at grid level, present once escalated to community A', async () => {
      const a2 = await volunteer(300, { region: 'A2' });
      const b1 = await volunteer(200, { region: 'B1' });
      const a1 = await volunteer(400);
      const o = await order();
      expect(await ids(o.id)).toEqual([a1.id]);
      expect(await sweepEscalations(db, new Date(clock.now.getTime() + 121 * 60_000))).toBe(1);
      expect((await call('admin', 'GET', `/orders/${o.id}`)).json<OrderDto>().escalationLevel).toBe('community');
      const after = await candidates(o.id);
      // B1 (another community) still outside; A2 in, without the same-grid bonus
      expect(after.map((c) => c.id)).toEqual([a1.id, a2.id]);
      expect(texts(after[1])).not.toContain('同网格');
      expect(after.map((c) => c.id)).not.toContain(b1.id);
    });

    it('has not rejected this order before', async () => {
      const v = await volunteer(300);
      const other = await volunteer(600);
      const o = await order();
      expect(await ids(o.id)).toEqual([v.id, other.id]);
      await act('admin', o.id, 'dispatch', { assigneeId: v.id });
      await act(v, o.id, 'reject', { reason: '今天不在家' });
      expect(await ids(o.id)).toEqual([other.id]);
    });

    it('does not already hold a place on it (headcount 2: the order still waits for the second)', async () => {
      const v = await volunteer(300);
      const other = await volunteer(600);
      const o = await order({ headcount: 2 });
      expect(await ids(o.id)).toEqual([v.id, other.id]);
      expect(await act(v, o.id, 'accept')).toMatchObject({ status: 'pending', acceptedCount: 1 });
      expect(await ids(o.id)).toEqual([other.id]);
    });
  });

  describe('signals, reasons and order', () => {
    it('a nearer volunteer beats a farther one otherwise equal; distance in 米 under 1 km, 公里 above', async () => {
      const far = await volunteer(1200);
      const near = await volunteer(350);
      const o = await order();
      const items = await candidates(o.id);
      expect(items.map((c) => c.id)).toEqual([near.id, far.id]);
      expect(items[0]).toEqual({ kind: 'volunteer', id: near.id, name: near.name, distanceMeters: 350, activeTasks: 0, ...scoreCandidate(plain(350)) });
      expect(items[1]).toEqual({ kind: 'volunteer', id: far.id, name: far.name, distanceMeters: 1200, activeTasks: 0, ...scoreCandidate(plain(1200)) });
      expect(texts(items[0])).toEqual(expect.arrayContaining(['同网格', '距离 350 米', '手头没有任务']));
      expect(texts(items[1])).toContain('距离 1.2 公里');
    });

    it('the paired cadre (包联责任人) beats a nearer stranger', async () => {
      const cadre = await volunteer(2000);
      const stranger = await volunteer(100);
      await db.query(`UPDATE app_user SET paired_cadre_id = $2 WHERE id = $1`, [w.users.residentA1.id, cadre.id]);
      const o = await order();
      const items = await candidates(o.id);
      expect(items.map((c) => c.id)).toEqual([cadre.id, stranger.id]);
      expect(items[0]).toMatchObject(scoreCandidate(plain(2000, { pairedCadre: true })));
      expect(texts(items[0])).toContain('包联责任人');
      expect(texts(items[1])).not.toContain('包联责任人');
    });

    it('a volunteer with a task in hand falls behind one without, though nearer', async () => {
      const busy = await volunteer(300, { skills: ['medicine_delivery', 'errands'] });
      const free = await volunteer(600);
      await holdPlace(busy, 'errands');
      const o = await order();
      const items = await candidates(o.id);
      expect(items.map((c) => c.id)).toEqual([free.id, busy.id]);
      expect(items[1]).toMatchObject({ activeTasks: 1, score: scoreCandidate(plain(300, { activeTasks: 1, todayTasks: 1, weekTasks: 1 })).score });
      expect(texts(items[1])).toEqual(expect.arrayContaining(['手头 1 单', '今日已接 1 单', '近 7 天已接 1 单']));
      expect(texts(items[0])).toContain('手头没有任务');
    });

    it('scores exactly as shared scoreCandidate from every signal, with every reason', async () => {
      const v = await volunteer(350, { skills: ['medicine_delivery', 'errands'], partyMember: true });
      await db.query(`UPDATE app_user SET tags = '{elderly,living_alone}', paired_cadre_id = $2 WHERE id = $1`, [w.users.residentA1.id, v.id]);
      // yesterday (22:00 Beijing): rated 4 and 5, declined two dispatches of the category
      const today = clock.now;
      clock.now = beijing(22, 0, -1);
      await serve(v, 4);
      await serve(v, 5);
      await decline(v);
      await decline(v);
      // today: one errand in hand (another category: the acceptance rate is per category)
      clock.now = today;
      await holdPlace(v, 'errands');
      const o = await order();
      const [c, ...rest] = await candidates(o.id);
      expect(rest).toEqual([]);
      const signals: CandidateSignals = {
        distanceMeters: 350,
        sameGrid: true,
        pairedCadre: true,
        activeTasks: 1,
        todayTasks: 1,
        // yesterday's two and today's one
        weekTasks: 3,
        rating: 4.5,
        ratingCount: 2,
        // two served and two declined in the category
        acceptanceRate: 0.5,
        answers: 4,
        partyMember: true,
        ledgerHousehold: true,
      };
      const expected = scoreCandidate(signals, DEFAULT_MATCH_WEIGHTS);
      expect(c).toEqual({ kind: 'volunteer', id: v.id, name: v.name, distanceMeters: 350, activeTasks: 1, score: expected.score, reasons: expected.reasons });
      expect([...texts(c)].sort()).toEqual(
        ['今日已接 1 单', '近 7 天已接 3 单', '党员联系重点户', '包联责任人', '同网格', '手头 1 单', '接单率 50%', '评分 4.5', '距离 350 米'].sort(),
      );
    });

    it('counts today’s tasks from midnight in Beijing, not UTC', async () => {
      const v = await volunteer(300);
      clock.now = beijing(23, 50, -1);
      await holdPlace(v);
      clock.now = beijing(0, 10);
      const o = await order();
      let [c] = await candidates(o.id);
      expect(texts(c)).toContain('手头 1 单');
      expect(texts(c).some((t) => t.startsWith('今日已接'))).toBe(false);
      await holdPlace(v);
      [c] = await candidates(o.id);
      expect(texts(c)).toEqual(expect.arrayContaining(['手头 2 单', '今日已接 1 单']));
      // both places are of the order's category: accepted without a decline, 100 %
      expect(c!.score).toBe(scoreCandidate(plain(300, { activeTasks: 2, todayTasks: 1, weekTasks: 2, acceptanceRate: 1, answers: 2 })).score);
    });

    it('a volunteer without a location: no distance and no distance reason', async () => {
      const nowhere = await volunteer(null);
      const o = await order();
      const [c] = await candidates(o.id);
      expect(c).toMatchObject({ id: nowhere.id, distanceMeters: null, score: scoreCandidate(plain(null)).score });
      expect(c!.reasons.map((r) => r.code)).not.toContain('distance');
    });
  });

  describe('squads (小分队)', () => {
    let squadN = 0;
    const squad = async (region: Region, categories: string[], leader: Person, members: Person[]): Promise<{ id: string; name: string }> => {
      squadN += 1;
      const name = `测试小分队${squadN}`;
      const [row] = await db.query<Array<{ id: string }>>(
        `INSERT INTO squad (name, color, region_id, leader_id, categories) VALUES ($1, 'green', $2, $3, $4) RETURNING id`,
        [name, w.regions[region], leader.id, categories],
      );
      for (const m of [leader, ...members]) await db.query(`INSERT INTO squad_member (squad_id, user_id) VALUES ($1, $2)`, [row!.id, m.id]);
      return { id: row!.id, name };
    };

    beforeAll(async () => {
      // the community's centre 500 m north of the door: a squad of community A is 500 m away
      await db.query(`UPDATE region SET center_lat = $2, center_lng = $3 WHERE id = $1`, [w.regions.A, north(500), DOOR.lng]);
    });

    it('a squad of community A whose categories fit, with members available now, is suggested with 可出动 N 人', async () => {
      // members without the skill themselves: only the squad is a candidate
      const leader = await volunteer(100, { skills: [] });
      const ready = await volunteer(100, { skills: [], region: 'A2' });
      const away = await volunteer(100, { skills: [], onDuty: false });
      const s = await squad('A', ['errands', 'medicine_delivery'], leader, [ready, away]);
      const o = await order();
      const items = await candidates(o.id);
      const expected = scoreCandidate({ ...plain(500), sameGrid: false });
      expect(items).toEqual([
        {
          kind: 'squad',
          id: s.id,
          name: s.name,
          distanceMeters: 500,
          activeTasks: 0,
          score: expected.score,
          reasons: [{ code: 'members', text: '可出动 2 人' }, ...expected.reasons],
        },
      ]);
    });

    it('not a squad whose members are all off duty, nor one whose categories do not fit, nor one of another area', async () => {
      const idle = await squad('A', ['medicine_delivery'], await volunteer(100, { skills: [], onDuty: false }), [
        await volunteer(100, { skills: [], onDuty: false }),
      ]);
      await squad('A', ['errands'], await volunteer(100, { skills: [] }), []);
      // the neighbouring grid's squad does not serve A1 (the order is still at grid level), nor another town's
      await squad('A2', ['medicine_delivery'], await volunteer(100, { skills: [], region: 'A2' }), []);
      await squad('X', ['medicine_delivery'], await volunteer(100, { skills: [], region: 'X1' }), []);
      const o = await order();
      expect(await ids(o.id)).toEqual([]);
      await db.query(`UPDATE app_user SET on_duty = true WHERE id IN (SELECT user_id FROM squad_member WHERE squad_id = $1)`, [idle.id]);
      expect(await ids(o.id)).toEqual([idle.id]);
    });

    it('not a squad that rejected the dispatch (its leader declined)', async () => {
      const leader = await volunteer(100, { skills: [] });
      const s = await squad('A', ['medicine_delivery'], leader, [await volunteer(100, { skills: [] })]);
      const o = await order();
      expect(await ids(o.id)).toEqual([s.id]);
      await act('admin', o.id, 'dispatch', { squadId: s.id });
      expect(await act(leader, o.id, 'reject', { reason: '人手不够' })).toMatchObject({ status: 'pending' });
      expect(await ids(o.id)).toEqual([]);
    });
  });

  describe('configuration', () => {
    const withConfig = async (env: Record<string, string>, run: (other: FastifyInstance) => Promise<void>): Promise<void> => {
      // the same database, clock and JWT secret: the tokens of this world work there too
      const other = await buildApp({ config: testConfig({ LOG_LEVEL: 'error', ...env }), db, clock: tick });
      try {
        await run(other);
      } finally {
        await other.close();
      }
    };

    it('MATCH_WEIGHTS={"perKm": 0}: distance no longer counts, the farther volunteer with a better record wins', async () => {
      const near = await volunteer(100);
      const far = await volunteer(5000);
      const today = clock.now;
      // over a week ago: the record counts, the week's fairness does not
      clock.now = beijing(10, 0, -8);
      await serve(far, 5);
      clock.now = today;
      const o = await order();
      const farSignals = plain(5000, { rating: 5, ratingCount: 1, acceptanceRate: 1, answers: 1 });
      const byDefault = await candidates(o.id);
      expect(byDefault.map((c) => [c.id, c.score])).toEqual([
        [near.id, scoreCandidate(plain(100)).score],
        [far.id, scoreCandidate(farSignals).score],
      ]);
      await withConfig({ MATCH_WEIGHTS: '{"perKm": 0}' }, async (other) => {
        const weights: MatchWeights = { ...DEFAULT_MATCH_WEIGHTS, perKm: 0 };
        const reweighed = await candidates(o.id, 'dispatcherT', '', other);
        expect(reweighed.map((c) => [c.id, c.score])).toEqual([
          [far.id, scoreCandidate(farSignals, weights).score],
          [near.id, scoreCandidate(plain(100), weights).score],
        ]);
        // the distance is still told, it just weighs nothing
        expect(texts(reweighed[0])).toEqual(expect.arrayContaining(['距离 5.0 公里', '评分 5.0', '接单率 100%']));
      });
    });

    it('MATCH_MAX_ACTIVE_TASKS=1 leaves out someone with one task in hand', async () => {
      // the task of another category, so that it does not count in this category's acceptance rate
      const busy = await volunteer(300, { skills: ['medicine_delivery', 'errands'] });
      const free = await volunteer(600);
      await holdPlace(busy, 'errands');
      const o = await order();
      expect(await ids(o.id)).toEqual([free.id, busy.id]);
      await withConfig({ MATCH_MAX_ACTIVE_TASKS: '1' }, async (other) => {
        expect((await candidates(o.id, 'dispatcherT', '', other)).map((c) => c.id)).toEqual([free.id]);
      });
    });
  });

  describe('access, states and the query', () => {
    it('staff with jurisdiction 200 (a town dispatcher even at grid level); others 404; requester and task-hall volunteer 403; anonymous 401', async () => {
      await db.query(`UPDATE app_user SET on_duty = true WHERE id = $1`, [w.users.volunteerA1.id]);
      const o = await order();
      const expected: Array<[Who, number]> = [
        ['dispatcherT', 200],
        ['gridWorkerA1', 200],
        ['admin', 200],
        ['countyAdmin', 200],
        ['dispatcherT2', 404],
        ['gridWorkerX1', 404],
        ['residentA2', 404],
        ['residentA1', 403],
        ['volunteerA1', 403],
        ['anonymous', 401],
      ];
      const got: Array<[Who, number]> = [];
      for (const [who] of expected) got.push([who, (await call(who, 'GET', `/orders/${o.id}/candidates`)).statusCode]);
      expect(got).toEqual(expected);
      // the volunteer really sees it in the task hall (and as a candidate)
      expect((await call('volunteerA1', 'GET', `/orders/${o.id}`)).statusCode).toBe(200);
      expect(await ids(o.id)).toEqual([w.users.volunteerA1.id]);
      const forbidden = await call('residentA1', 'GET', `/orders/${o.id}/candidates`);
      expect(forbidden.json()).toMatchObject({ code: 'FORBIDDEN', message: '只有有管辖权的工作人员可以查看推荐人选。' });
    });

    it('404 for an id that is not a uuid, or no order', async () => {
      for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
        const res = await call('admin', 'GET', `/orders/${id}/candidates`);
        expect({ id, status: res.statusCode }).toEqual({ id, status: 404 });
        expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: '需求不存在。' });
      }
    });

    it('409 naming the state for an order closed or cancelled; an accepted one answers others (撤回改派)', async () => {
      const v = await volunteer(300);
      const other = await volunteer(400);
      const accepted = await holdPlace(v);
      const instead = await call('dispatcherT', 'GET', `/orders/${accepted}/candidates`);
      expect(instead.statusCode).toBe(200);
      const ids = instead.json<{ items: Array<{ id: string }> }>().items.map((c) => c.id);
      expect(ids).toContain(other.id);
      expect(ids).not.toContain(v.id);
      const closed = await serve(v, 5);
      const cancelled = (await order()).id;
      await act('residentA1', cancelled, 'cancel', { reason: '不需要了' });
      for (const [id, name] of [
        [closed, '已完成'],
        [cancelled, '已取消'],
      ] as const) {
        const res = await call('dispatcherT', 'GET', `/orders/${id}/candidates`);
        expect({ name, status: res.statusCode, body: res.json() }).toEqual({
          name,
          status: 409,
          body: expect.objectContaining({ code: 'CONFLICT', message: `该需求当前为「${name}」，不需要推荐接单人。` }),
        });
      }
    });

    it('limit: 10 by default, respected from 1 to 50, 400 naming limit outside', async () => {
      const twelve: Person[] = [];
      for (let i = 1; i <= 12; i++) twelve.push(await volunteer(i * 100));
      const o = await order();
      const nearestFirst = twelve.map((v) => v.id);
      expect(await ids(o.id)).toEqual(nearestFirst.slice(0, 10));
      expect(await ids(o.id, '?limit=3')).toEqual(nearestFirst.slice(0, 3));
      expect(await ids(o.id, '?limit=1')).toEqual(nearestFirst.slice(0, 1));
      expect(await ids(o.id, '?limit=50')).toEqual(nearestFirst);
      for (const limit of ['0', '51', '2.5', 'ten']) {
        const res = await call('dispatcherT', 'GET', `/orders/${o.id}/candidates?limit=${limit}`);
        expect({ limit, status: res.statusCode }).toEqual({ limit, status: 400 });
        const body = res.json<{ code: string; message: string; details: Array<{ field: string }> }>();
        expect({ limit, code: body.code, fields: body.details.map((d) => d.field) }).toEqual({ limit, code: 'VALIDATION_FAILED', fields: ['limit'] });
        expect(body.message).toContain('每页条数');
      }
    });
  });
});
