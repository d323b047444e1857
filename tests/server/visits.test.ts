import 'reflect-metadata';
import type { MissedVisitsDto, OrderDto, OrderEventDto, Page, VisitCoverageDto, VisitDto, VisitPlanDto } from '@bangbang/shared';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import { createDataSource, initializeDataSource } from '../../server/src/db/data-source';
import { entities } from '../../server/src/entities';
import { createVisitService, type VisitService } from '../../server/src/modules/visits/service';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * 走访 (issue 22, item 1): visit tasks for ledger households made by the job queue's generation, once per household
 * and period (ISO week / month / quarter, Beijing calendar), with the most frequent of a household's tags; assigned
 * to the paired cadre, else a grid worker; done at the door (check-in, record), a need found becoming an order on the
 * household's behalf; missed visits flagged and escalated; coverage per place. Time is the injected clock; the
 * generation and the sweep are the service's calls the job runs, called at chosen instants.
 */

const HOUR = 3600_000;
// Wednesday 2026-12-09 10:00 Beijing: ISO week 2026-W50, December, Q4
const WED = new Date('2026-12-09T02:00:00.000Z');
// the week's last instant and the next week's first (Monday 2026-12-14 00:00 Beijing = 2026-12-13 16:00 UTC)
const WEEK_END = new Date('2026-12-13T16:00:00.000Z');

let app: FastifyInstance;
let database: TestDatabase;
let w: World;
let visits: VisitService;
const clock = { now: WED };
type Person = { id: string; phone: string; token: string };
let cadre: Person;
let dispatcherA: Person;

let n = 0;
async function person(name: string, roles: string[], region: string, extra: { tags?: string[]; paired?: string; home?: boolean } = {}): Promise<Person> {
  n += 1;
  const phone = `1370000${String(1000 + n)}`;
  const [row] = await database.db.query<Array<{ id: string }>>(
    `INSERT INTO app_user (name, phone, roles, region_id, tags, paired_cadre_id, address, location_lat, location_lng)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      name,
      phone,
      roles,
      region,
      extra.tags ?? [],
      extra.paired ?? null,
      `${name}的家`,
      extra.home === false ? null : 40.752,
      extra.home === false ? null : 107.402,
    ],
  );
  return { id: row!.id, phone, token: app.jwt.sign({ sub: row!.id }) };
}

const call = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload ? { payload } : {}) });

async function visitsOfHousehold(id: string): Promise<Array<{ id: string; period: string; frequency: string; assignee_id: string | null; due_at: Date }>> {
  return database.db.query(`SELECT id, period, frequency, assignee_id, due_at FROM visit WHERE household_id = $1 ORDER BY created_at, period`, [id]);
}

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error' }), db: database.db, clock: () => new Date(clock.now.getTime()) });
  w = await buildWorld(app, database.db);
  // a cadre paired with households (包联): a party member who is not staff
  cadre = await person('包联干部', ['volunteer'], w.regions.A1);
  dispatcherA = await person('甲社区书记', ['dispatcher'], w.regions.A);
  visits = createVisitService({ db: database.db, clock: () => new Date(clock.now.getTime()), poolOfferMinutes: 10 });
});

afterAll(async () => {
  await app.close();
  await database.drop();
});

/** Households of one test, apart from the others': their visits are counted by household. */
async function household(name: string, tags: string[], region = w.regions.A1, paired?: string, home = true): Promise<Person> {
  return person(name, ['resident'], region, { tags, paired, home });
}

describe('generation', () => {
  let alone: Person;
  let poor: Person;
  let emptyNest: Person;
  let several: Person;
  let plain: Person;

  beforeAll(async () => {
    alone = await household('独居老人', ['living_alone'], w.regions.A1, undefined);
    poor = await household('低保户', ['low_income']);
    emptyNest = await household('空巢老人', ['empty_nest']);
    several = await household('空巢残疾', ['empty_nest', 'disabled']);
    plain = await person('普通居民', ['resident'], w.regions.A1);
  });

  it('one visit per household in the period of its frequency, due at the period’s end (Beijing calendar)', async () => {
    await visits.generate(WED);
    expect(await visitsOfHousehold(alone.id)).toEqual([expect.objectContaining({ period: '2026-W50', frequency: 'weekly', due_at: WEEK_END })]);
    expect(await visitsOfHousehold(poor.id)).toEqual([
      expect.objectContaining({ period: '2026-12', frequency: 'monthly', due_at: new Date('2026-12-31T16:00:00.000Z') }),
    ]);
    expect(await visitsOfHousehold(emptyNest.id)).toEqual([
      expect.objectContaining({ period: '2026-Q4', frequency: 'quarterly', due_at: new Date('2026-12-31T16:00:00.000Z') }),
    ]);
    // several tags: the most frequent (残疾 weekly beats 空巢 quarterly)
    expect(await visitsOfHousehold(several.id)).toEqual([expect.objectContaining({ period: '2026-W50', frequency: 'weekly' })]);
    // not on the ledger: no visits
    expect(await visitsOfHousehold(plain.id)).toEqual([]);
  });

  it('again in the same period: nothing new; the next week: weekly households only; the new year: every frequency', async () => {
    const again = await visits.generate(new Date(WEEK_END.getTime() - 1));
    expect(again.created).toBe(0);
    await visits.generate(WEEK_END);
    expect((await visitsOfHousehold(alone.id)).map((v) => v.period)).toEqual(['2026-W50', '2026-W51']);
    expect((await visitsOfHousehold(poor.id)).map((v) => v.period)).toEqual(['2026-12']);
    expect((await visitsOfHousehold(emptyNest.id)).map((v) => v.period)).toEqual(['2026-Q4']);
    // 2027-01-01 00:00 Beijing (a Friday: still ISO week 2026-W53)
    const newYear = new Date('2026-12-31T16:00:00.000Z');
    await visits.generate(new Date(newYear.getTime() - 1));
    await visits.generate(newYear);
    expect((await visitsOfHousehold(alone.id)).map((v) => v.period)).toEqual(['2026-W50', '2026-W51', '2026-W53']);
    expect((await visitsOfHousehold(poor.id)).map((v) => v.period)).toEqual(['2026-12', '2027-01']);
    expect((await visitsOfHousehold(emptyNest.id)).map((v) => v.period)).toEqual(['2026-Q4', '2027-Q1']);
    const [q1] = (await visitsOfHousehold(emptyNest.id)).slice(-1);
    // Q1 ends at 2027-04-01 00:00 Beijing
    expect(q1!.due_at).toEqual(new Date('2027-03-31T16:00:00.000Z'));
  });

  it('exactly once per period with two processes generating at the same moment, in batches', async () => {
    const other = await initializeDataSource(createDataSource({ url: database.url, entities, poolSize: 4 }), () => undefined);
    try {
      const many: string[] = [];
      for (let i = 0; i < 30; i += 1) many.push((await household(`并发户${i}`, ['elderly'], w.regions.A2)).id);
      const at = new Date('2027-02-10T02:00:00.000Z');
      const first = createVisitService({ db: database.db, clock: () => at, poolOfferMinutes: 10 });
      const second = createVisitService({ db: other, clock: () => at, poolOfferMinutes: 10 });
      // small batches, so the two runs interleave batch by batch
      const { generateVisits } = await import('../../server/src/modules/visits/generation');
      const runs = await Promise.all([generateVisits(database.db, at, 7), generateVisits(other, at, 7), first.generate(), second.generate()]);
      const [{ made }] = await database.db.query<[{ made: number }]>(
        `SELECT count(*)::int AS made FROM visit WHERE household_id = ANY ($1) AND period = '2027-W06'`,
        [many],
      );
      expect(made).toBe(30);
      const [{ dup }] = await database.db.query<[{ dup: number }]>(
        `SELECT count(*)::int AS dup FROM (SELECT household_id, period FROM visit GROUP BY 1, 2 HAVING count(*) > 1) d`,
      );
      expect(dup).toBe(0);
      // every household's visit was made by exactly one of the four runs
      const createdByRuns = runs.reduce((s, r) => s + r.created, 0);
      const [{ total }] = await database.db.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM visit WHERE created_at = $1`, [at]);
      expect(createdByRuns).toBe(total);
    } finally {
      await other.destroy();
    }
  });
});

describe('assignment', () => {
  it('the paired cadre; else a grid worker of the grid; else the staff of the nearest place above', async () => {
    const paired = await household('包联户', ['elderly'], w.regions.A1, cadre.id);
    const unpaired = await household('未包联户', ['elderly'], w.regions.A1);
    // 甲二网格 has no grid worker, nor has 甲社区 one: its dispatcher answers
    const noWorker = await household('无网格员户', ['elderly'], w.regions.A2);
    await visits.generate(new Date('2027-03-03T02:00:00.000Z'));
    expect((await visitsOfHousehold(paired.id))[0]!.assignee_id).toBe(cadre.id);
    expect((await visitsOfHousehold(unpaired.id))[0]!.assignee_id).toBe(w.users.gridWorkerA1.id);
    expect((await visitsOfHousehold(noWorker.id))[0]!.assignee_id).toBe(dispatcherA.id);
  });
});

describe('plans', () => {
  it('an admin sets a frequency for the county, a place below overrides it; audited; others may not', async () => {
    const refused = await call(w.users.dispatcherT.token, 'PUT', '/visit-plans', {
      regionId: w.regions.county,
      plans: [{ tag: 'low_income', frequency: 'weekly' }],
    });
    expect(refused.statusCode).toBe(403);
    const bad = await call(w.users.countyAdmin.token, 'PUT', '/visit-plans', {
      regionId: w.regions.county,
      plans: [{ tag: 'low_income', frequency: 'daily' }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ details: Array<{ field: string; message: string }> }>().details[0]).toEqual({
      field: 'plans[0].frequency',
      message: expect.stringContaining('每周'),
    });
    const set = await call(w.users.countyAdmin.token, 'PUT', '/visit-plans', {
      regionId: w.regions.county,
      plans: [{ tag: 'low_income', frequency: 'weekly' }],
    });
    expect(set.statusCode).toBe(200);
    const own = await call(w.users.countyAdmin.token, 'PUT', '/visit-plans', { regionId: w.regions.X, plans: [{ tag: 'low_income', frequency: 'quarterly' }] });
    expect(own.statusCode).toBe(200);
    const atA1 = (await call(w.users.gridWorkerA1.token, 'GET', `/visit-plans?regionId=${w.regions.A1}`)).json<VisitPlanDto>();
    expect(atA1.plans.find((p) => p.tag === 'low_income')).toEqual({ tag: 'low_income', frequency: 'weekly', source: 'inherited', fromRegionName: '测试旗' });
    expect(atA1.plans.find((p) => p.tag === 'living_alone')).toEqual({ tag: 'living_alone', frequency: 'weekly', source: 'default', fromRegionName: null });
    const atX = (await call(w.users.countyAdmin.token, 'GET', `/visit-plans?regionId=${w.regions.X}`)).json<VisitPlanDto>();
    expect(atX.plans.find((p) => p.tag === 'low_income')).toMatchObject({ frequency: 'quarterly', source: 'own' });
    // a grid worker cannot read another grid's plans
    expect((await call(w.users.gridWorkerA1.token, 'GET', `/visit-plans?regionId=${w.regions.X1}`)).statusCode).toBe(404);
    const audit = await database.db.query<Array<{ action: string; after: unknown }>>(`SELECT action, after FROM audit_log WHERE subject_id = $1`, [
      w.regions.county,
    ]);
    expect(audit).toEqual([{ action: 'visit_plan.set', after: { low_income: 'weekly' } }]);

    // the generation follows: 低保 weekly in 甲社区, quarterly in 丙社区
    const poorA = await household('甲低保户', ['low_income'], w.regions.A1);
    const poorX = await household('丙低保户', ['low_income'], w.regions.X1);
    await visits.generate(new Date('2027-05-12T02:00:00.000Z'));
    expect((await visitsOfHousehold(poorA.id))[0]).toMatchObject({ period: '2027-W19', frequency: 'weekly' });
    expect((await visitsOfHousehold(poorX.id))[0]).toMatchObject({ period: '2027-Q2', frequency: 'quarterly' });
    // put back, for the tests below
    await call(w.users.countyAdmin.token, 'PUT', '/visit-plans', { regionId: w.regions.county, plans: [{ tag: 'low_income', frequency: null }] });
    await call(w.users.countyAdmin.token, 'PUT', '/visit-plans', { regionId: w.regions.X, plans: [{ tag: 'low_income', frequency: null }] });
  });
});

describe('at the door', () => {
  // a week of its own: Wednesday 2027-06-09 10:00 Beijing (2027-W23)
  const T = new Date('2027-06-09T02:00:00.000Z');
  let home: Person;
  let visit: VisitDto;

  beforeAll(async () => {
    clock.now = T;
    home = await household('孙奶奶', ['living_alone', 'elderly'], w.regions.A1, cadre.id);
    await visits.generate(T);
    const mine = (await call(cadre.token, 'GET', '/visits/mine')).json<VisitDto[]>();
    visit = mine.find((v) => v.household.id === home.id)!;
  });

  it('the paired cadre sees this week’s visit with the household’s name, address and tags', async () => {
    expect(visit).toMatchObject({
      period: '2027-W23',
      periodLabel: '2027年第23周',
      state: 'open',
      household: { name: '孙奶奶', address: '孙奶奶的家', tags: ['living_alone', 'elderly'], regionName: '甲一网格' },
      assignee: { id: cadre.id, name: '包联干部' },
    });
    // the full address seen is in the access log, as the visitor's
    const logged = await database.db.query<Array<{ fields: string[]; reason: string }>>(
      `SELECT fields, reason FROM access_log WHERE viewer_id = $1 AND subject_id = $2`,
      [cadre.id, home.id],
    );
    expect(logged[0]).toEqual({ fields: ['address'], reason: 'visit' });
  });

  it('someone else’s visit is not found: a grid worker of another grid, a volunteer', async () => {
    expect((await call(w.users.gridWorkerX1.token, 'POST', `/visits/${visit.id}/check-in`, {})).statusCode).toBe(404);
    expect((await call(w.users.gridWorkerX1.token, 'POST', `/visits/${visit.id}/record`, { condition: 'good' })).statusCode).toBe(404);
    expect((await call(w.users.volunteerA1.token, 'GET', `/visits/${visit.id}`)).statusCode).toBe(404);
    expect((await call(cadre.token, 'GET', `/visits/not-a-uuid`)).statusCode).toBe(404);
    // the grid's own grid worker may (jurisdiction), and sees it
    expect((await call(w.users.gridWorkerA1.token, 'GET', `/visits/${visit.id}`)).statusCode).toBe(200);
  });

  it('a record before the check-in is refused; the check-in records the distance from the door', async () => {
    const early = await call(cadre.token, 'POST', `/visits/${visit.id}/record`, { condition: 'good' });
    expect(early.statusCode).toBe(409);
    expect(early.json<{ message: string }>().message).toContain('请先');
    const bad = await call(cadre.token, 'POST', `/visits/${visit.id}/check-in`, { location: { lat: 'x', lng: 107.402 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ details: Array<{ field: string }> }>().details[0]!.field).toBe('location.lat');
    const res = await call(cadre.token, 'POST', `/visits/${visit.id}/check-in`, { location: { lat: 40.7521, lng: 107.4021 } });
    expect(res.statusCode).toBe(200);
    expect(res.json<VisitDto>()).toMatchObject({ state: 'checked_in', farCheckIn: false, checkInDistance: expect.any(Number) });
    expect(res.json<VisitDto>().checkInDistance!).toBeLessThan(50);
    expect((await call(cadre.token, 'POST', `/visits/${visit.id}/check-in`, {})).statusCode).toBe(409);
  });

  it('without a location the check-in is allowed and marked', async () => {
    const other = await household('无定位户', ['disabled'], w.regions.A1, cadre.id);
    await visits.generate(T);
    const v = (await call(cadre.token, 'GET', '/visits/mine')).json<VisitDto[]>().find((x) => x.household.id === other.id)!;
    const res = await call(cadre.token, 'POST', `/visits/${v.id}/check-in`, {});
    expect(res.json<VisitDto>()).toMatchObject({ state: 'checked_in', farCheckIn: true, checkInDistance: null });
  });

  it('validation errors name the field in Chinese; an unknown service rolls the whole record back', async () => {
    const noCondition = await call(cadre.token, 'POST', `/visits/${visit.id}/record`, { note: '挺好' });
    expect(noCondition.statusCode).toBe(400);
    expect(noCondition.json<{ details: Array<{ field: string; message: string }> }>().details).toEqual([{ field: 'condition', message: '必填' }]);
    const noDescription = await call(cadre.token, 'POST', `/visits/${visit.id}/record`, {
      condition: 'attention',
      need: { categoryCode: 'medicine_delivery', description: '', urgency: 'normal' },
    });
    expect(noDescription.statusCode).toBe(400);
    expect(noDescription.json<{ details: Array<{ field: string; message: string }> }>().details).toEqual([
      { field: 'need.description', message: '请描述需要什么帮助' },
    ]);
    const unknown = await call(cadre.token, 'POST', `/visits/${visit.id}/record`, {
      condition: 'attention',
      need: { categoryCode: 'no_such_service', description: '要东西', urgency: 'normal' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ details: Array<{ field: string; message: string }> }>().details).toEqual([{ field: 'need.categoryCode', message: '没有这项服务' }]);
    const [row] = await database.db.query<Array<{ done_at: Date | null }>>(`SELECT done_at FROM visit WHERE id = $1`, [visit.id]);
    expect(row!.done_at).toBeNull();
  });

  it('a need recorded becomes an order on the household’s behalf in one step, waiting on the board like any other', async () => {
    const res = await call(cadre.token, 'POST', `/visits/${visit.id}/record`, {
      condition: 'attention',
      note: '腿脚不便，药快吃完了',
      need: { categoryCode: 'medicine_delivery', description: '帮忙到社区医院取降压药', urgency: 'normal' },
    });
    expect(res.statusCode).toBe(200);
    const done = res.json<VisitDto>();
    expect(done).toMatchObject({ state: 'done', condition: 'attention', note: '腿脚不便，药快吃完了', late: false, orderId: expect.any(String) });
    const [order] = await database.db.query<Array<{ resident_id: string; requester_id: string; channel: string; status: string }>>(
      `SELECT resident_id, requester_id, channel, status FROM service_order WHERE id = $1`,
      [done.orderId],
    );
    expect(order).toEqual({ resident_id: home.id, requester_id: cadre.id, channel: 'walk_in', status: 'pending' });
    // the community's board: the order is there, waiting
    const board = (await call(dispatcherA.token, 'GET', `/orders?status=pending&regionId=${w.regions.A}`)).json<Page<OrderDto>>();
    expect(board.items.map((o) => o.id)).toContain(done.orderId);
    // its timeline says where it came from
    const events = (await call(dispatcherA.token, 'GET', `/orders/${done.orderId}/events`)).json<{ items: OrderEventDto[] }>().items;
    expect(events[0]).toMatchObject({ type: 'created', data: expect.objectContaining({ visitId: visit.id, proxy: true }) });
    // once
    expect((await call(cadre.token, 'POST', `/visits/${visit.id}/record`, { condition: 'good' })).statusCode).toBe(409);
  });

  it('a second need of the same open service is refused with the open order named, nothing recorded', async () => {
    const again = await household('孙奶奶邻居', ['elderly'], w.regions.A1);
    await visits.generate(T);
    const v = (await call(w.users.gridWorkerA1.token, 'GET', '/visits/mine')).json<VisitDto[]>().find((x) => x.household.id === again.id)!;
    await call(w.users.gridWorkerA1.token, 'POST', `/visits/${v.id}/check-in`, { location: { lat: 40.752, lng: 107.402 } });
    const need = { categoryCode: 'errands', description: '代买米面', urgency: 'normal' };
    expect((await call(w.users.gridWorkerA1.token, 'POST', '/orders', { ...need, residentId: again.id })).statusCode).toBe(201);
    const res = await call(w.users.gridWorkerA1.token, 'POST', `/visits/${v.id}/record`, { condition: 'good', need });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ details: Array<{ field: string }> }>().details[0]!.field).toBe('need.categoryCode');
    expect((await call(w.users.gridWorkerA1.token, 'GET', `/visits/${v.id}`)).json<VisitDto>().state).toBe('checked_in');
  });
});

describe('missed visits', () => {
  // 2027-09-01 (Wednesday) 10:00 Beijing: 2027-W35, due Monday 2027-09-06 00:00 Beijing
  const T = new Date('2027-09-01T02:00:00.000Z');
  const DUE = new Date('2027-09-05T16:00:00.000Z');
  // a chain of places of its own (三号镇 → 丁社区 → 丁一网格), so every alarm in it is about these visits
  let grid: string;
  let townStaff: Person;
  let communityStaff: Person;
  let cadreOne: Person;
  let cadreTwo: Person;
  let home: Person;
  let visitId: string;

  const place = async (name: string, level: string, parent: string): Promise<string> => {
    const [row] = await database.db.query<Array<{ id: string }>>(
      `INSERT INTO region (parent_id, level, name, path) VALUES ($1, $2, $3, gen_random_uuid()::text) RETURNING id`,
      [parent, level, name],
    );
    await database.db.query(`UPDATE region SET path = (SELECT path FROM region WHERE id = $2) || $1 || '/' WHERE id = $1`, [row!.id, parent]);
    return row!.id;
  };
  const alarms = async () =>
    database.db.query<Array<{ recipient_id: string; title: string; body: string }>>(
      `SELECT recipient_id, title, body FROM notification WHERE kind = 'staff.visit_missed' AND recipient_id = ANY ($1) ORDER BY id`,
      [[cadreOne.id, cadreTwo.id, communityStaff.id, townStaff.id]],
    );

  beforeAll(async () => {
    clock.now = T;
    const town = await place('三号镇', 'town', w.regions.county);
    const community = await place('丁社区', 'community', town);
    grid = await place('丁一网格', 'grid', community);
    townStaff = await person('三号镇调度', ['dispatcher'], town);
    communityStaff = await person('丁社区书记', ['dispatcher'], community);
    cadreOne = await person('包联干部一', ['volunteer'], grid);
    cadreTwo = await person('包联干部二', ['volunteer'], grid);
    home = await household('漏访户', ['seriously_ill'], grid, cadreOne.id);
    await household('漏访户二', ['disabled'], grid, cadreTwo.id);
    await household('漏访户三', ['elderly'], grid, cadreTwo.id);
    await visits.generate(T);
    visitId = (await visitsOfHousehold(home.id))[0]!.id;
  });

  it('before the due time nothing is flagged; after it the board’s flag counts it', async () => {
    clock.now = new Date(DUE.getTime() - 1);
    expect((await call(communityStaff.token, 'GET', '/visits/missed')).json<MissedVisitsDto>().count).toBe(0);
    await visits.sweepMissed(clock.now);
    expect(await alarms()).toEqual([]);
    clock.now = new Date(DUE.getTime() + HOUR);
    const after = (await call(communityStaff.token, 'GET', '/visits/missed')).json<MissedVisitsDto>();
    expect(after.count).toBe(3);
    expect(after.items.find((v) => v.id === visitId)).toMatchObject({ state: 'missed', household: { name: '漏访户' }, assignee: { name: '包联干部一' } });
    // another town's dispatcher does not see them
    const elsewhere = (await call(w.users.dispatcherT.token, 'GET', '/visits/missed')).json<MissedVisitsDto>();
    expect(elsewhere.items.map((v) => v.id)).not.toContain(visitId);
    // nor may a volunteer ask
    expect((await call(w.users.volunteerA1.token, 'GET', '/visits/missed')).statusCode).toBe(403);
  });

  it('escalates like an order: the assignee, then every 48 hours one level up, each told once, several visits in one alarm', async () => {
    const now = new Date(DUE.getTime() + HOUR);
    await visits.sweepMissed(now);
    await visits.sweepMissed(now);
    const first = await alarms();
    expect(first).toHaveLength(2);
    expect(first.find((a) => a.recipient_id === cadreOne.id)).toMatchObject({
      title: '走访已逾期',
      body: expect.stringContaining('丁一网格的漏访户（重病患者）2027年第35周'),
    });
    // two of cadre two's households: one alarm naming both
    expect(first.find((a) => a.recipient_id === cadreTwo.id)!.body).toContain('2 户台账户');
    // 48 hours later: the community; two sweepers at once move each visit once (they may split the three between
    // them: then the community's staff hear of each in one of two alarms)
    const later = new Date(DUE.getTime() + 49 * HOUR);
    await Promise.all([visits.sweepMissed(later), visits.sweepMissed(later)]);
    const second = (await alarms()).slice(2);
    expect(second.every((a) => a.recipient_id === communityStaff.id && a.body.includes('社区（村）'))).toBe(true);
    const named = second.reduce((n, a) => n + Number(/(\d+) 户台账户/.exec(a.body)?.[1] ?? 1), 0);
    expect(named).toBe(3);
    // then the town, by one sweeper: one alarm naming the three
    await visits.sweepMissed(new Date(DUE.getTime() + 97 * HOUR));
    const town = (await alarms()).filter((a) => a.recipient_id === townStaff.id);
    expect(town).toHaveLength(1);
    expect(town[0]!.body).toContain('3 户台账户（丁一网格的漏访户');
    expect(town[0]!.body).toContain('苏木乡镇（街道）');
    const levels = await database.db.query<Array<{ escalation_level: number }>>(`SELECT escalation_level FROM visit WHERE region_id = $1`, [grid]);
    expect(levels.map((l) => l.escalation_level)).toEqual([3, 3, 3]);
    // the inbox of the community's staff has it
    const inbox = (await call(communityStaff.token, 'GET', '/me/notifications')).json<{ items: Array<{ kind: string }> }>();
    expect(inbox.items.length).toBeGreaterThanOrEqual(1);
    expect(inbox.items.every((i) => i.kind === 'staff.visit_missed')).toBe(true);
  });

  it('a missed visit may still be done: late, and no longer flagged', async () => {
    clock.now = new Date(DUE.getTime() + 100 * HOUR);
    await call(cadreOne.token, 'POST', `/visits/${visitId}/check-in`, { location: { lat: 40.752, lng: 107.402 } });
    const done = (await call(cadreOne.token, 'POST', `/visits/${visitId}/record`, { condition: 'good' })).json<VisitDto>();
    expect(done).toMatchObject({ state: 'done', late: true });
    const flag = (await call(communityStaff.token, 'GET', '/visits/missed')).json<MissedVisitsDto>();
    expect(flag.count).toBe(2);
    expect(flag.items.map((v) => v.id)).not.toContain(visitId);
  });
});

describe('coverage', () => {
  // a grid of its own, in a quarter of its own: 2028-Q1
  let grid: string;
  const T = new Date('2028-01-05T02:00:00.000Z');

  beforeAll(async () => {
    const [g] = await database.db.query<Array<{ id: string }>>(
      `INSERT INTO region (parent_id, level, name, path) SELECT $1, 'grid', '覆盖率网格', '' RETURNING id`,
      [w.regions.B],
    );
    grid = g!.id;
    await database.db.query(`UPDATE region SET path = (SELECT path FROM region WHERE id = $2) || $1 || '/' WHERE id = $1`, [grid, w.regions.B]);
  });

  it('households visited on time / due per place, with the county → town → community → grid rows adding up; also as Excel', async () => {
    const worker = await person('覆盖率网格员', ['grid_worker'], grid);
    const homes = [];
    for (let i = 0; i < 4; i += 1) homes.push(await household(`覆盖户${i}`, ['left_behind_child'], grid));
    clock.now = T;
    await visits.generate(T);
    const mine = (await call(worker.token, 'GET', '/visits/mine')).json<VisitDto[]>();
    expect(mine).toHaveLength(4);
    // two on time, one late, one never
    for (const v of mine.slice(0, 2)) {
      await call(worker.token, 'POST', `/visits/${v.id}/check-in`, {});
      await call(worker.token, 'POST', `/visits/${v.id}/record`, { condition: 'good' });
    }
    const after = new Date('2028-04-02T02:00:00.000Z');
    clock.now = after;
    await call(worker.token, 'POST', `/visits/${mine[2]!.id}/check-in`, {});
    await call(worker.token, 'POST', `/visits/${mine[2]!.id}/record`, { condition: 'attention' });

    const window = `from=2028-03-01T00:00:00Z&to=2028-04-30T00:00:00Z`;
    const atB = (await call(w.users.dispatcherT.token, 'GET', `/visits/coverage?regionId=${w.regions.B}&${window}`)).json<VisitCoverageDto>();
    const row = atB.rows.find((r) => r.regionId === grid)!;
    // households visited (户): three of four, on time or late; the visits (户次) one each in this window
    expect(row).toEqual({
      regionId: grid,
      name: '覆盖率网格',
      level: 'grid',
      households: 4,
      householdsVisited: 3,
      due: 4,
      onTime: 2,
      late: 1,
      missed: 1,
      coverage: 0.5,
    });
    expect(atB.total).toMatchObject({ regionId: w.regions.B, householdsVisited: 3, due: 4, onTime: 2, late: 1, missed: 1, coverage: 0.5 });
    // the town's row for 乙社区 says the same, and the window is capped at now
    const atT = (await call(w.users.dispatcherT.token, 'GET', `/visits/coverage?regionId=${w.regions.T}&${window}`)).json<VisitCoverageDto>();
    expect(atT.rows.find((r) => r.regionId === w.regions.B)).toMatchObject({ due: 4, onTime: 2 });
    expect(atT.to).toBe(after.toISOString());
    const sum = atT.rows.reduce((s, r) => s + r.due, 0);
    expect(sum).toBe(atT.total.due);

    const xlsx = await call(w.users.dispatcherT.token, 'GET', `/visits/coverage.xlsx?regionId=${w.regions.B}&${window}`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-disposition']).toContain(encodeURIComponent('走访覆盖率-乙社区'));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('走访覆盖率')!;
    expect(sheet.getRow(1).values).toEqual([undefined, '地区', '台账户数', '走访到的户数', '应走访（户次）', '按时走访', '逾期补访', '未走访', '按时走访率']);
    const values = sheet.getSheetValues().map((r) => (Array.isArray(r) ? r.slice(1) : r));
    expect(values).toContainEqual(['覆盖率网格', 4, 3, 4, 2, 1, 1, 0.5]);
    expect(values).toContainEqual(['合计（乙社区）', 4, 3, 4, 2, 1, 1, 0.5]);

    // outside the jurisdiction: 404; the window backwards: 400 naming the field
    expect((await call(w.users.dispatcherT2.token, 'GET', `/visits/coverage?regionId=${w.regions.B}`)).statusCode).toBe(404);
    const backwards = await call(w.users.dispatcherT.token, 'GET', `/visits/coverage?from=2028-03-01T00:00:00Z&to=2028-02-01T00:00:00Z`);
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json<{ details: Array<{ field: string }> }>().details[0]!.field).toBe('from');
  });
});
