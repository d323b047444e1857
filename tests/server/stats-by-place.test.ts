import 'reflect-metadata';
import type { ErrorBody, PlaceFiguresDto, StatsByPlaceDto, StatsOverviewDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import { seedDemoData } from '../../server/src/demo/seed';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { generateLedgerTree, TREE_FROM, TREE_TO, type LedgerTree } from '../support/ledger-tree';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * 按地区统计: every place's children add up to the place (the counts; the shares through their numerators and
 * denominators), a child's row is what that child answers for itself, and a place's totals are the overview's
 * figures of the same place — over generated trees, the demo data and the test world; and who may ask for what.
 */

const ADDITIVE: Array<keyof PlaceFiguresDto> = ['orders', 'peopleServed', 'serviceMinutes', 'onTime', 'onTimeBase', 'ratings', 'escalations', 'neverServed'];

function sum(rows: readonly PlaceFiguresDto[], key: keyof PlaceFiguresDto): number {
  return rows.reduce((n, r) => n + (r[key] ?? 0), 0);
}

const NOW = new Date('2026-12-05T00:00:00+08:00');

describe('GET /api/v1/stats/by-place', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let w: World;
  let trees: LedgerTree[];
  let rootToken: string;

  const get = (token: string | null, query: string) =>
    app.inject({ method: 'GET', url: `/api/v1/stats/by-place${query}`, headers: token === null ? {} : bearer(token) });
  const byPlace = async (token: string, query: string): Promise<StatsByPlaceDto> => {
    const res = await get(token, query);
    expect(res.statusCode).toBe(200);
    return res.json<StatsByPlaceDto>();
  };

  /**
   * Walks down from `regionId`: at every place, the children's counts add up to the totals and each child's row
   * equals what the child answers for itself. Answers how many places it checked.
   */
  async function walk(token: string, regionId: string, period: string): Promise<number> {
    const s = await byPlace(token, `?regionId=${regionId}${period}`);
    for (const key of ADDITIVE) expect({ place: s.region.name, key, value: sum(s.rows, key) }).toEqual({ place: s.region.name, key, value: s.totals[key] });
    let checked = 1;
    for (const row of s.rows) {
      if (row.regionId === null) continue;
      const own = await byPlace(token, `?regionId=${row.regionId}${period}`);
      const { regionId: _id, name: _name, level: _level, hasChildren, ...figures } = row;
      expect({ place: row.name, ...figures }).toEqual({ place: row.name, ...own.totals });
      expect(hasChildren).toBe(own.rows.some((r) => r.regionId !== null));
      if (hasChildren) checked += await walk(token, row.regionId, period);
    }
    return checked;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error' }), db: database.db, clock: () => NOW });
    w = await buildWorld(app, database.db);
    trees = [];
    for (const seed of [1, 2, 3, 4, 5]) trees.push(await generateLedgerTree(database.db, seed));
    rootToken = w.users.admin.token;
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  const period = `&from=${encodeURIComponent(TREE_FROM.toISOString())}&to=${encodeURIComponent(TREE_TO.toISOString())}`;

  it('adds up at every place of generated trees, with and without a period', async () => {
    let checked = 0;
    for (const tree of trees) {
      checked += await walk(rootToken, tree.countyId, period);
      checked += await walk(rootToken, tree.countyId, '');
    }
    expect(checked).toBeGreaterThan(20);
    const all = await byPlace(rootToken, `?regionId=${trees[0]!.countyId}`);
    expect(all.totals.orders).toBeGreaterThan(0);
  });

  it('puts orders of a place itself, under no child, in a row 本级', async () => {
    let found = 0;
    for (const tree of trees) {
      for (const p of tree.places.filter((x) => x.level === 'town' || x.level === 'community')) {
        const [{ n }] = await database.db.query<[{ n: number }]>(`SELECT count(*)::int AS n FROM service_order WHERE region_id = $1`, [p.id]);
        const s = await byPlace(rootToken, `?regionId=${p.id}`);
        const own = s.rows.find((r) => r.regionId === null);
        if (n === 0) expect(own).toBeUndefined();
        else {
          found += 1;
          expect(own).toMatchObject({ name: '本级', level: null, hasChildren: false, orders: n });
        }
      }
    }
    expect(found).toBeGreaterThan(0);
  });

  it('lists every child, those without orders too, and a place’s totals are its overview figures', async () => {
    const tree = trees[1]!;
    for (const p of tree.places.filter((x) => x.level !== 'grid' && x.level !== 'city')) {
      const s = await byPlace(rootToken, `?regionId=${p.id}${period}`);
      const children = tree.places.filter((c) => c.parentId === p.id).map((c) => c.id);
      expect(
        s.rows
          .filter((r) => r.regionId !== null)
          .map((r) => r.regionId)
          .sort(),
      ).toEqual([...children].sort());
      const res = await app.inject({ method: 'GET', url: `/api/v1/stats/overview?regionId=${p.id}${period}`, headers: bearer(rootToken) });
      const o = res.json<StatsOverviewDto>();
      expect(s.totals).toMatchObject({
        orders: o.total,
        peopleServed: o.peopleServed,
        serviceHours: o.volunteerServiceHours,
        medianMinutesToAccept: o.medianMinutesToAccept,
        onTimeShare: o.acceptedBeforeDeadlineShare,
        averageRating: o.averageRating,
        escalations: o.escalations,
      });
    }
  });

  it('adds up over the demo data, from the top of the tree', async () => {
    const demo = await createTestDatabase();
    const demoApp = await buildApp({ config: testConfig({ LOG_LEVEL: 'error' }), db: demo.db });
    try {
      await seedDemoData(demo.db);
      const [admin] = await demo.db.query<Array<{ id: string }>>(`SELECT id FROM app_user WHERE phone = '13800000001'`);
      await demo.db.query(`UPDATE app_user SET region_id = NULL WHERE id = $1`, [admin!.id]);
      const token = demoApp.jwt.sign({ sub: admin!.id });
      const res = await demoApp.inject({ method: 'GET', url: '/api/v1/stats/by-place', headers: bearer(token) });
      const top = res.json<StatsByPlaceDto>();
      expect(top.region).toEqual({ id: null, name: '全部地区', level: null });
      const [{ n }] = await demo.db.query<[{ n: number }]>(`SELECT count(*)::int AS n FROM service_order`);
      expect(top.totals.orders).toBe(n);
      expect(n).toBeGreaterThan(100);
      const prev = app;
      app = demoApp;
      try {
        let checked = 0;
        for (const city of top.rows) if (city.regionId !== null) checked += await walk(token, city.regionId, '');
        expect(checked).toBeGreaterThan(5);
      } finally {
        app = prev;
      }
    } finally {
      await demoApp.close();
      await demo.drop();
    }
  });

  it('starts at the top of the viewer’s jurisdiction, with the breadcrumb from there', async () => {
    const t = await byPlace(w.users.dispatcherT.token, '');
    expect(t.region).toEqual({ id: w.regions.T, name: '一号镇', level: 'town' });
    expect(t.trail.map((p) => p.name)).toEqual(['一号镇']);
    expect(t.rows.map((r) => r.name)).toEqual(['乙社区', '甲社区']);
    const a1 = await byPlace(w.users.dispatcherT.token, `?regionId=${w.regions.A1}`);
    expect(a1.trail.map((p) => p.name)).toEqual(['一号镇', '甲社区', '甲一网格']);
    const root = await byPlace(rootToken, `?regionId=${w.regions.A}`);
    expect(root.trail.map((p) => p.name)).toEqual(['全部地区', '测试市', '测试旗', '一号镇', '甲社区']);
    const grid = await byPlace(w.users.gridWorkerA1.token, '');
    expect(grid.region.id).toBe(w.regions.A1);
    expect(grid.rows).toEqual([]);
  });

  it('answers 404 for a place outside the jurisdiction, 403 to a resident, 401 without a login', async () => {
    const outside = await get(w.users.dispatcherT2.token, `?regionId=${w.regions.A}`);
    expect(outside.statusCode).toBe(404);
    expect(outside.json<ErrorBody>().message).toBe('地区不存在。');
    expect((await get(w.users.gridWorkerA1.token, `?regionId=${w.regions.A}`)).statusCode).toBe(404);
    expect((await get(w.users.dispatcherT.token, `?regionId=${trees[0]!.countyId}`)).statusCode).toBe(404);
    const resident = await get(w.users.residentA1.token, '');
    expect(resident.statusCode).toBe(403);
    expect(resident.json<ErrorBody>().message).toMatch(/工作人员/);
    expect((await get(null, '')).statusCode).toBe(401);
  });

  it('refuses a bad period or place with the field named, in Chinese', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['?from=2026-12-01T00:00:00%2B08:00&to=2026-11-01T00:00:00%2B08:00', 'to', /结束时间须晚于开始时间/],
      ['?from=2025-01-01T00:00:00%2B08:00&to=2026-03-01T00:00:00%2B08:00', 'to', /最长 366 天/],
      ['?from=yesterday', 'from', /必须是带时区的时间/],
      ['?regionId=42', 'regionId', /地区编号格式不正确/],
      ['?regionId=1&sort=x', 'sort', /不允许/],
    ];
    for (const [query, field, message] of cases) {
      const res = await get(rootToken, query);
      expect({ query, status: res.statusCode }).toEqual({ query, status: 400 });
      const body = res.json<ErrorBody>();
      expect(body.details?.find((d) => d.field === field)?.message).toMatch(message);
    }
    expect((await get(rootToken, '?regionId=00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });
});
