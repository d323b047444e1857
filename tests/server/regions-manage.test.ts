import 'reflect-metadata';
import type { CandidateListDto, DispatchSettingsDto, OrderDto, RegionDto, RegionMoveResultDto, StatsOverviewDto } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../server/src/app';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Places set up on screens (issue 21, item 1): renaming a place and setting its centre, and moving a grid (网格) to
 * another community with its people — after the move its residents order, are seen and are served under the new
 * community, its volunteers are matched to the new community's orders, its waiting orders answer to the new place's
 * staff, and nothing outside an admin's jurisdiction can be touched.
 */

let database: TestDatabase;
let db: DataSource;
let app: FastifyInstance;
let w: World;
type Person = { id: string; phone: string; token: string };
/** An admin of 二号镇 (town T2) only. */
let adminT2: Person;

let n = 0;
async function person(name: string, roles: string[], region: string, more: { skills?: string[]; onDuty?: boolean } = {}): Promise<Person> {
  n += 1;
  const phone = `1350000${String(1000 + n)}`;
  const [row] = await db.query<Array<{ id: string }>>(
    `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
     VALUES ($1, $2, $3, $4, $5, $6, 40.7512, 107.4012) RETURNING id`,
    [name, phone, roles, region, more.skills ?? [], more.onDuty ?? false],
  );
  return { id: row!.id, phone, token: app.jwt.sign({ sub: row!.id }) };
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error' }), db });
  w = await buildWorld(app, db);
  adminT2 = await person('二号镇管理员', ['admin'], w.regions.T2);
});

afterAll(async () => {
  await app.close();
  await database.drop();
});

const call = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) =>
  app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload ? { payload } : {}) });

const pathOf = async (id: string): Promise<string> => (await db.query<Array<{ path: string }>>(`SELECT path FROM region WHERE id = $1`, [id]))[0]!.path;

describe('PATCH /regions/:id (rename, centre)', () => {
  it('an admin renames a place and sets its centre; both are audited', async () => {
    const res = await call(w.users.countyAdmin.token, 'PATCH', `/regions/${w.regions.B1}`, { name: '乙社区第一网格', center: { lat: 40.8, lng: 107.5 } });
    expect(res.statusCode).toBe(200);
    expect(res.json<RegionDto>()).toMatchObject({ id: w.regions.B1, name: '乙社区第一网格', center: { lat: 40.8, lng: 107.5 }, level: 'grid' });
    const [audit] = await db.query<Array<{ before: unknown; after: unknown; actor_id: string }>>(
      `SELECT before, after, actor_id FROM audit_log WHERE action = 'region.update' AND subject_id = $1`,
      [w.regions.B1],
    );
    expect(audit).toMatchObject({
      actor_id: w.users.countyAdmin.id,
      before: { name: '乙一网格' },
      after: { name: '乙社区第一网格', center: { lat: 40.8, lng: 107.5 } },
    });
    // the centre alone, then cleared; the name stays
    const cleared = await call(w.users.countyAdmin.token, 'PATCH', `/regions/${w.regions.B1}`, { center: null });
    expect(cleared.json<RegionDto>()).toMatchObject({ name: '乙社区第一网格', center: null });
    await call(w.users.countyAdmin.token, 'PATCH', `/regions/${w.regions.B1}`, { name: '乙一网格' });
  });

  it('refuses a sibling’s name (409 on the name field), an empty change, a bad centre, a non-admin and a place outside the jurisdiction', async () => {
    const same = await call(w.users.countyAdmin.token, 'PATCH', `/regions/${w.regions.A1}`, { name: '甲二网格' });
    expect(same.statusCode).toBe(409);
    expect(same.json()).toMatchObject({ code: 'CONFLICT', details: [{ field: 'name' }] });
    expect(same.json<{ message: string }>().message).toContain('同名');

    const empty = await call(w.users.countyAdmin.token, 'PATCH', `/regions/${w.regions.A1}`, {});
    expect(empty.statusCode).toBe(400);
    const blank = await call(w.users.countyAdmin.token, 'PATCH', `/regions/${w.regions.A1}`, { name: '' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json()).toMatchObject({ details: [{ field: 'name', message: '请填写名称' }] });
    const lat = await call(w.users.countyAdmin.token, 'PATCH', `/regions/${w.regions.A1}`, { center: { lat: 100, lng: 107 } });
    expect(lat.statusCode).toBe(400);
    expect(lat.json()).toMatchObject({ details: [{ field: 'center.lat' }] });

    expect((await call(w.users.dispatcherT.token, 'PATCH', `/regions/${w.regions.A1}`, { name: '新名' })).statusCode).toBe(403);
    // 二号镇's admin cannot see 一号镇's grid: 404, as for a place that does not exist
    expect((await call(adminT2.token, 'PATCH', `/regions/${w.regions.A1}`, { name: '新名' })).statusCode).toBe(404);
    expect((await call(adminT2.token, 'PATCH', `/regions/${w.regions.X1}`, { name: '丙社区一网格' })).statusCode).toBe(200);
    expect((await call(adminT2.token, 'PATCH', `/regions/${w.regions.X1}`, { name: '丙一网格' })).statusCode).toBe(200);
  });
});

describe('POST /regions/:id/move', () => {
  it('refuses what cannot move, where it cannot go, who may not, and a name taken in the new community', async () => {
    const admin = w.users.countyAdmin.token;
    const community = await call(admin, 'POST', `/regions/${w.regions.A}/move`, { parentId: w.regions.X });
    expect(community.statusCode).toBe(400);
    expect(community.json<{ message: string }>().message).toContain('只有网格');
    const intoTown = await call(admin, 'POST', `/regions/${w.regions.A2}/move`, { parentId: w.regions.T2 });
    expect(intoTown.statusCode).toBe(400);
    expect(intoTown.json()).toMatchObject({ details: [{ field: 'parentId', message: '网格只能移入社区或嘎查村' }] });
    const already = await call(admin, 'POST', `/regions/${w.regions.A2}/move`, { parentId: w.regions.A });
    expect(already.statusCode).toBe(400);
    expect(already.json()).toMatchObject({ details: [{ field: 'parentId' }] });
    const noParent = await call(admin, 'POST', `/regions/${w.regions.A2}/move`, {});
    expect(noParent.json()).toMatchObject({ details: [{ field: 'parentId', message: '必填' }] });

    expect((await call(w.users.dispatcherT.token, 'POST', `/regions/${w.regions.A2}/move`, { parentId: w.regions.B })).statusCode).toBe(403);
    // the grid outside an admin's jurisdiction (二号镇's admin, 一号镇's grid), or the community
    expect((await call(adminT2.token, 'POST', `/regions/${w.regions.A2}/move`, { parentId: w.regions.X })).statusCode).toBe(404);
    const away = await call(adminT2.token, 'POST', `/regions/${w.regions.X1}/move`, { parentId: w.regions.A });
    expect(away.statusCode).toBe(404);
    expect(away.json<{ message: string }>().message).toContain('社区');

    // 乙社区 gets a grid named as the one that moves: 409, nothing moved
    const twin = await call(admin, 'POST', '/regions', { name: '甲二网格', level: 'grid', parentId: w.regions.B });
    expect(twin.statusCode).toBe(201);
    const taken = await call(admin, 'POST', `/regions/${w.regions.A2}/move`, { parentId: w.regions.B });
    expect(taken.statusCode).toBe(409);
    expect(taken.json<{ message: string }>().message).toContain('同名网格');
    await call(admin, 'PATCH', `/regions/${twin.json<RegionDto>().id}`, { name: '乙二网格' });
    expect((await call(admin, 'GET', `/regions/${w.regions.A2}`)).json<RegionDto>().parentId).toBe(w.regions.A);
  });

  it('moves a grid to a community of another town with its people, squads, orders and duty', async () => {
    const admin = w.users.countyAdmin.token;
    const [A2, X] = [w.regions.A2, w.regions.X];
    const oldPath = await pathOf(A2);
    // 甲二网格 has no grid worker: its orders answer to the staff above it (一号镇's dispatcher)
    const volunteerA2 = await person('甲二志愿者', ['volunteer'], A2, { skills: ['medicine_delivery'], onDuty: true });
    // squads: one of 甲社区 (left behind: the volunteer leaves it), one of the county (still covers them)
    const [squadA] = await db.query<Array<{ id: string }>>(
      `INSERT INTO squad (name, color, region_id, leader_id) VALUES ('甲社区暖心小分队', 'red', $1, $2) RETURNING id`,
      [w.regions.A, volunteerA2.id],
    );
    const [squadCounty] = await db.query<Array<{ id: string }>>(
      `INSERT INTO squad (name, color, region_id, leader_id) VALUES ('全旗医疗队', 'green', $1, $2) RETURNING id`,
      [w.regions.county, w.users.gridWorkerA1.id],
    );
    await db.query(`INSERT INTO squad_member (squad_id, user_id) VALUES ($1, $2), ($3, $2), ($1, $4), ($3, $4)`, [
      squadA!.id,
      volunteerA2.id,
      squadCounty!.id,
      w.users.gridWorkerA1.id,
    ]);
    // 丙社区 dispatches by pool (先抢单后派单); the moved grid will too
    expect((await call(w.users.dispatcherT2.token, 'PUT', `/regions/${X}/dispatch-mode`, { mode: 'pool' })).statusCode).toBe(200);

    // a waiting order of the grid, escalated to 甲社区 (三级联动)
    const orderRes = await call(w.users.residentA2.token, 'POST', '/orders', { categoryCode: 'errands', description: '帮忙买菜', urgency: 'normal' });
    expect(orderRes.statusCode).toBe(201);
    const waiting = orderRes.json<OrderDto>();
    expect(waiting.responsible?.id).toBe(w.users.dispatcherT.id);
    await db.query(`UPDATE service_order SET escalation_level = 'community', scope_region_id = $2, scope_path = $3 WHERE id = $1`, [
      waiting.id,
      w.regions.A,
      await pathOf(w.regions.A),
    ]);
    // an order of 丙社区 waiting at the community: before the move, the grid's volunteer is not a candidate
    const xRes = await call(w.users.residentX1.token, 'POST', '/orders', { categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'normal' });
    const xOrder = xRes.json<OrderDto>();
    await db.query(`UPDATE service_order SET escalation_level = 'community', scope_region_id = $2, scope_path = $3 WHERE id = $1`, [
      xOrder.id,
      X,
      await pathOf(X),
    ]);
    const before = await call(w.users.dispatcherT2.token, 'GET', `/orders/${xOrder.id}/candidates`);
    expect(before.statusCode).toBe(200);
    expect(before.json<CandidateListDto>().items.map((c) => c.id)).not.toContain(volunteerA2.id);

    // its leader is in the grid: the squad of 甲社区 would be left without one
    const stranded = await call(admin, 'POST', `/regions/${A2}/move`, { parentId: X });
    expect(stranded.statusCode).toBe(409);
    expect(stranded.json<{ message: string }>().message).toContain('甲社区暖心小分队');
    await db.query(`UPDATE squad SET leader_id = $2 WHERE id = $1`, [squadA!.id, w.users.gridWorkerA1.id]);

    const res = await call(admin, 'POST', `/regions/${A2}/move`, { parentId: X });
    expect(res.statusCode).toBe(200);
    const moved = res.json<RegionMoveResultDto>();
    expect(moved).toMatchObject({
      region: { id: A2, parentId: X, name: '甲二网格' },
      from: { id: w.regions.A },
      to: { id: X },
      people: 2,
      orders: 1,
      openOrders: 1,
      squadMembershipsEnded: 1,
    });
    const newPath = await pathOf(A2);
    expect(newPath).toBe(`${await pathOf(X)}${A2}/`);
    expect(newPath).not.toBe(oldPath);

    // the waiting order: now 丙社区's (seen by 二号镇, not 一号镇), waiting at 丙社区, answering to 二号镇's dispatcher
    expect((await call(w.users.dispatcherT2.token, 'GET', `/orders/${waiting.id}`)).statusCode).toBe(200);
    expect((await call(w.users.dispatcherT.token, 'GET', `/orders/${waiting.id}`)).statusCode).toBe(404);
    const [row] = await db.query<Array<{ region_path: string; scope_region_id: string; scope_path: string; responsible_id: string }>>(
      `SELECT region_path, scope_region_id, scope_path, responsible_id FROM service_order WHERE id = $1`,
      [waiting.id],
    );
    expect(row).toEqual({ region_path: newPath, scope_region_id: X, scope_path: await pathOf(X), responsible_id: w.users.dispatcherT2.id });

    // the grid's resident orders under the new community
    const next = await call(w.users.residentA2.token, 'POST', '/orders', { categoryCode: 'meal_delivery', description: '送午饭', urgency: 'normal' });
    expect(next.statusCode).toBe(201);
    const nextOrder = next.json<OrderDto>();
    expect(nextOrder.responsible?.id).toBe(w.users.dispatcherT2.id);
    expect((await db.query<Array<{ region_path: string }>>(`SELECT region_path FROM service_order WHERE id = $1`, [nextOrder.id]))[0]!.region_path).toBe(
      newPath,
    );
    const listed = await call(w.users.dispatcherT2.token, 'GET', `/orders?regionId=${X}`);
    expect(listed.json<{ items: OrderDto[] }>().items.map((o) => o.id)).toEqual(expect.arrayContaining([waiting.id, nextOrder.id]));

    // the grid's volunteer is matched to 丙社区's order (the walk's copy of their place's path followed)
    const after = await call(w.users.dispatcherT2.token, 'GET', `/orders/${xOrder.id}/candidates`);
    expect(after.json<CandidateListDto>().items.map((c) => c.id)).toContain(volunteerA2.id);
    const [spot] = await db.query<Array<{ path: string }>>(`SELECT DISTINCT path FROM duty_skill_spot WHERE user_id = $1`, [volunteerA2.id]);
    expect(spot!.path).toBe(newPath);

    // the volunteer left 甲社区's squad, not the county's
    const squads = await db.query<Array<{ squad_id: string }>>(`SELECT squad_id FROM squad_member WHERE user_id = $1`, [volunteerA2.id]);
    expect(squads.map((s) => s.squad_id)).toEqual([squadCounty!.id]);

    // the new community's dispatch mode applies to the grid
    const mode = await call(w.users.dispatcherT2.token, 'GET', `/regions/${A2}/dispatch-mode`);
    expect(mode.json<DispatchSettingsDto>()).toMatchObject({ mode: null, effectiveMode: 'pool', inheritedFrom: X });

    // the grid's people are 二号镇's now: its staff see them, 一号镇's do not
    expect((await call(w.users.dispatcherT2.token, 'GET', `/users/${w.users.residentA2.id}`)).statusCode).toBe(200);
    expect((await call(w.users.dispatcherT.token, 'GET', `/users/${w.users.residentA2.id}`)).statusCode).toBe(404);

    const [audit] = await db.query<Array<{ before: { parentId: string }; after: { parentId: string; people: number } }>>(
      `SELECT before, after FROM audit_log WHERE action = 'region.move' AND subject_id = $1`,
      [A2],
    );
    expect(audit).toMatchObject({ before: { parentId: w.regions.A }, after: { parentId: X, people: 2 } });
  });

  it('takes the grid’s history with it (each community’s figures are its grids’ sum) and an order waiting at the town to the new town', async () => {
    const admin = w.users.countyAdmin.token;
    // 乙一网格 (乙社区, 一号镇): a past order (cancelled) and one waiting at the town
    const grid = w.regions.B1;
    const resident = await person('乙一居民', ['resident'], grid);
    const past = (await call(resident.token, 'POST', '/orders', { categoryCode: 'errands', description: '买米', urgency: 'normal' })).json<OrderDto>();
    expect((await call(resident.token, 'POST', `/orders/${past.id}/cancel`, { reason: '不需要了' })).statusCode).toBe(200);
    const waiting = (await call(resident.token, 'POST', '/orders', { categoryCode: 'meal_delivery', description: '送饭', urgency: 'normal' })).json<OrderDto>();
    await db.query(`UPDATE service_order SET escalation_level = 'town', scope_region_id = $2, scope_path = $3 WHERE id = $1`, [
      waiting.id,
      w.regions.T,
      await pathOf(w.regions.T),
    ]);
    const total = async (regionId: string) => (await call(admin, 'GET', `/stats/overview?regionId=${regionId}`)).json<StatsOverviewDto>().total;
    const [bBefore, xBefore, t2Before, countyBefore] = [
      await total(w.regions.B),
      await total(w.regions.X),
      await total(w.regions.T2),
      await total(w.regions.county),
    ];

    const moved = await call(admin, 'POST', `/regions/${grid}/move`, { parentId: w.regions.X });
    expect(moved.json<RegionMoveResultDto>()).toMatchObject({ orders: 2, openOrders: 1 });
    expect(await total(w.regions.B)).toBe(bBefore - 2);
    expect(await total(w.regions.X)).toBe(xBefore + 2);
    expect(await total(w.regions.T2)).toBe(t2Before + 2);
    expect(await total(w.regions.county)).toBe(countyBefore);
    // every community's figure is the sum of its grids' (none of the grid's orders is left counted under 乙社区)
    for (const community of [w.regions.B, w.regions.X]) {
      const children = (await call(admin, 'GET', `/regions?parentId=${community}`)).json<{ items: RegionDto[] }>().items;
      let sum = 0;
      for (const c of children) sum += await total(c.id);
      expect(sum).toBe(await total(community));
    }
    // the order waiting at 一号镇 now waits at 二号镇, the grid's new town
    const [row] = await db.query<Array<{ scope_region_id: string; scope_path: string }>>(
      `SELECT scope_region_id, scope_path FROM service_order WHERE id = $1`,
      [waiting.id],
    );
    expect(row).toEqual({ scope_region_id: w.regions.T2, scope_path: await pathOf(w.regions.T2) });
  });

  it('two admins moving the same grid at once: one move after the other, every copy of its path agrees', async () => {
    const admin = w.users.countyAdmin.token;
    const created = await call(admin, 'POST', '/regions', { name: '并发网格', level: 'grid', parentId: w.regions.A });
    const grid = created.json<RegionDto>().id;
    const resident = await person('并发居民', ['resident'], grid);
    await call(resident.token, 'POST', '/orders', { categoryCode: 'errands', description: '买菜', urgency: 'normal' });
    const answers = await Promise.all([
      call(admin, 'POST', `/regions/${grid}/move`, { parentId: w.regions.B }),
      call(adminT2.token, 'POST', `/regions/${grid}/move`, { parentId: w.regions.X }),
      call(admin, 'POST', `/regions/${grid}/move`, { parentId: w.regions.X }),
    ]);
    // 二号镇's admin cannot reach 甲社区's grid until it is in 丙社区: a 404 or a move, never a 500
    for (const a of answers) expect([200, 400, 404]).toContain(a.statusCode);
    expect(answers.filter((a) => a.statusCode === 200).length).toBeGreaterThanOrEqual(1);
    const [place] = await db.query<Array<{ path: string; parent_path: string }>>(
      `SELECT r.path, p.path AS parent_path FROM region r JOIN region p ON p.id = r.parent_id WHERE r.id = $1`,
      [grid],
    );
    expect(place!.path).toBe(`${place!.parent_path}${grid}/`);
    const stale = await db.query(`SELECT id FROM service_order WHERE region_id = $1 AND region_path <> $2`, [grid, place!.path]);
    expect(stale).toEqual([]);
  });
});
