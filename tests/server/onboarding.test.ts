import { randomUUID } from 'node:crypto';
import type { LoginResponse, MeDto, RegionHitDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Issue 18, item 2 (joining): a first-time person finds their place by name or by where they stand, and places
 * themself once through `PATCH /me`; after that a move is a request staff decide.
 */
describe('onboarding: finding and taking one’s place', () => {
  let t: TestApp;
  let w: World;
  /** 丁社区: a community without grids (a person may be placed there). */
  let D = '';
  let phoneSeq = 0;

  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
    const [town] = await t.database.db.query<Array<{ path: string }>>(`SELECT path FROM region WHERE id = $1`, [w.regions.T]);
    D = randomUUID();
    await t.database.db.query(`INSERT INTO region (id, parent_id, level, name, path) VALUES ($1, $2, 'community', '丁社区', $3)`, [
      D,
      w.regions.T,
      `${town!.path}${D}/`,
    ]);
    // grids spread out from 甲一网格 northwards: 甲二 ~1.1 km, 乙一 ~5.6 km, 丙一 ~55 km
    await t.database.db.query(`UPDATE region SET center_lat = 40.75, center_lng = 107.4 WHERE id = $1`, [w.regions.A1]);
    await t.database.db.query(`UPDATE region SET center_lat = 40.76, center_lng = 107.4 WHERE id = $1`, [w.regions.A2]);
    await t.database.db.query(`UPDATE region SET center_lat = 40.80, center_lng = 107.4 WHERE id = $1`, [w.regions.B1]);
    await t.database.db.query(`UPDATE region SET center_lat = 41.25, center_lng = 107.4 WHERE id = $1`, [w.regions.X1]);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A brand-new person, as a first login makes them: a resident with no place. */
  const newcomer = async (): Promise<{ id: string; token: string }> => {
    phoneSeq += 1;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/dev-login',
      payload: { phone: `1360000${String(phoneSeq).padStart(4, '0')}` },
      remoteAddress: `10.9.0.${phoneSeq}`,
    });
    expect(res.statusCode).toBe(200);
    const login = res.json<LoginResponse>();
    expect(login.user).toMatchObject({ roles: ['resident'], regionId: null });
    return { id: login.user.id, token: login.token };
  };
  const patchMe = (token: string, payload: object) => t.app.inject({ method: 'PATCH', url: '/api/v1/me', payload, headers: bearer(token) });
  const get = (token: string, url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: bearer(token) });
  const auditOf = (subjectId: string) =>
    t.database.db.query<Array<{ actor_id: string; action: string; before: Record<string, unknown>; after: Record<string, unknown> }>>(
      `SELECT actor_id, action, before, after FROM audit_log WHERE subject_id = $1 ORDER BY created_at, id`,
      [subjectId],
    );

  describe('first placement through PATCH /me', () => {
    it('places a person with no place in a grid, with name and address at once, audited; then they can order', async () => {
      const p = await newcomer();
      const orderFirst = await t.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        payload: { categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'normal' },
        headers: bearer(p.token),
      });
      expect(orderFirst.statusCode).toBeGreaterThanOrEqual(400);
      expect(orderFirst.json<{ message: string }>().message).toContain('请先在个人资料中选择所在网格');

      const res = await patchMe(p.token, { regionId: w.regions.A1, name: '新来的居民', address: '甲社区7号楼101' });
      expect(res.statusCode).toBe(200);
      expect(res.json<MeDto>()).toMatchObject({ regionId: w.regions.A1, name: '新来的居民', address: '甲社区7号楼101', roles: ['resident'] });
      const rows = await auditOf(p.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        actor_id: p.id,
        action: 'user.update',
        before: { regionId: null },
        after: { regionId: w.regions.A1, name: '新来的居民' },
      });

      const order = await t.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        payload: { categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'normal' },
        headers: bearer(p.token),
      });
      expect(order.statusCode).toBe(201);
    });

    it('accepts a community that has no grids', async () => {
      const p = await newcomer();
      const res = await patchMe(p.token, { regionId: D });
      expect(res.statusCode).toBe(200);
      expect(res.json<MeDto>().regionId).toBe(D);
    });

    it('refuses a place above the grid level, a community that has grids, and an unknown place: 400 naming regionId, nothing written', async () => {
      const p = await newcomer();
      for (const regionId of [w.regions.T, w.regions.county, w.regions.A, randomUUID()]) {
        const res = await patchMe(p.token, { regionId });
        expect(res.statusCode).toBe(400);
        expect(res.json<{ details: Array<{ field: string }> }>().details.map((d) => d.field)).toEqual(['regionId']);
      }
      expect((await patchMe(p.token, { regionId: 'not-a-uuid' })).statusCode).toBe(400);
      expect(await auditOf(p.id)).toEqual([]);
      const me = await get(p.token, '/me');
      expect(me.json<MeDto>().regionId).toBeNull();
    });

    it('refuses a change once placed (409: a move is a request), but sending the same place again is harmless', async () => {
      const p = await newcomer();
      expect((await patchMe(p.token, { regionId: w.regions.A1 })).statusCode).toBe(200);
      const again = await patchMe(p.token, { regionId: w.regions.A2 });
      expect(again.statusCode).toBe(409);
      expect(again.json<{ message: string }>().message).toContain('请提交迁移申请');
      expect((await patchMe(p.token, { regionId: w.regions.A1, address: '甲社区8号楼' })).statusCode).toBe(200);
      expect((await get(p.token, '/me')).json<MeDto>()).toMatchObject({ regionId: w.regions.A1, address: '甲社区8号楼' });
      // a seeded resident with a place is refused the same way
      const seeded = await patchMe(w.users.residentA1.token, { regionId: w.regions.A2 });
      expect(seeded.statusCode).toBe(409);
    });

    it('never lets staff place themselves (their place is their jurisdiction)', async () => {
      const [row] = await t.database.db.query<Array<{ id: string }>>(
        `INSERT INTO app_user (name, phone, roles, region_id) VALUES ('无地区调度', '13655550001', '{dispatcher}', NULL) RETURNING id`,
      );
      const token = t.app.jwt.sign({ sub: row!.id });
      const res = await patchMe(token, { regionId: w.regions.A1 });
      expect(res.statusCode).toBe(403);
      const [after] = await t.database.db.query<Array<{ region_id: string | null }>>(`SELECT region_id FROM app_user WHERE id = $1`, [row!.id]);
      expect(after!.region_id).toBeNull();
    });
  });

  describe('GET /regions/search', () => {
    it('finds places by name with the names of their ancestors, selectable ones first', async () => {
      const p = await newcomer();
      const res = await get(p.token, `/regions/search?q=${encodeURIComponent('甲')}`);
      expect(res.statusCode).toBe(200);
      const items = res.json<{ items: RegionHitDto[] }>().items;
      expect(items.map((i) => i.name)).toEqual(['甲一网格', '甲二网格', '甲社区']);
      expect(items[0]).toEqual({
        id: w.regions.A1,
        level: 'grid',
        name: '甲一网格',
        pathNames: ['测试市', '测试旗', '一号镇', '甲社区', '甲一网格'],
        pathIds: [w.regions.city, w.regions.county, w.regions.T, w.regions.A, w.regions.A1],
        label: '测试市 › 测试旗 › 一号镇 › 甲社区 › 甲一网格',
        selectable: true,
        distanceMeters: null,
      });
      expect(items[2]).toMatchObject({ level: 'community', selectable: false });
      const d = (await get(p.token, `/regions/search?q=${encodeURIComponent('丁社')}`)).json<{ items: RegionHitDto[] }>().items;
      expect(d).toEqual([expect.objectContaining({ id: D, selectable: true, label: '测试市 › 测试旗 › 一号镇 › 丁社区' })]);
    });

    it('takes LIKE wildcards literally, honours limit, and refuses an empty or missing q', async () => {
      const p = await newcomer();
      expect((await get(p.token, '/regions/search?q=%25')).json<{ items: unknown[] }>().items).toEqual([]);
      expect((await get(p.token, '/regions/search?q=_')).json<{ items: unknown[] }>().items).toEqual([]);
      expect((await get(p.token, `/regions/search?q=${encodeURIComponent('网格')}&limit=2`)).json<{ items: unknown[] }>().items).toHaveLength(2);
      for (const url of ['/regions/search', '/regions/search?q=', `/regions/search?q=${'长'.repeat(41)}`, '/regions/search?q=a&limit=0']) {
        expect((await get(p.token, url)).statusCode).toBe(400);
      }
    });

    it('needs a login', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/regions/search?q=甲' })).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/regions/nearest?lat=40&lng=107' })).statusCode).toBe(401);
    });
  });

  describe('GET /regions/nearest', () => {
    it('answers the grids nearest to a point, nearest first, with distances in metres (at most 5)', async () => {
      const p = await newcomer();
      const res = await get(p.token, '/regions/nearest?lat=40.751&lng=107.4');
      expect(res.statusCode).toBe(200);
      const items = res.json<{ items: RegionHitDto[] }>().items;
      expect(items.map((i) => i.id)).toEqual([w.regions.A1, w.regions.A2, w.regions.B1, w.regions.X1]);
      expect(items.every((i) => i.level === 'grid' && i.selectable)).toBe(true);
      expect(items[0]!.distanceMeters).toBeGreaterThanOrEqual(100);
      expect(items[0]!.distanceMeters).toBeLessThanOrEqual(120); // 0.001° of latitude ≈ 111 m
      expect(items[1]!.distanceMeters).toBeGreaterThan(900);
      expect(items[1]!.distanceMeters).toBeLessThan(1100);
      expect(items[3]!.distanceMeters).toBeGreaterThan(50_000);
      expect(items[0]!.label).toBe('测试市 › 测试旗 › 一号镇 › 甲社区 › 甲一网格');

      // more than 5 grids: only the nearest 5
      const [a] = await t.database.db.query<Array<{ path: string }>>(`SELECT path FROM region WHERE id = $1`, [w.regions.A]);
      for (let i = 0; i < 3; i++) {
        const id = randomUUID();
        await t.database.db.query(
          `INSERT INTO region (id, parent_id, level, name, path, center_lat, center_lng) VALUES ($1, $2, 'grid', $3, $4, 40.9, 107.4)`,
          [id, w.regions.A, `远网格${i}`, `${a!.path}${id}/`],
        );
      }
      expect((await get(p.token, '/regions/nearest?lat=40.751&lng=107.4')).json<{ items: unknown[] }>().items).toHaveLength(5);
    });

    it('refuses coordinates that are not numbers or out of range (400 naming the field)', async () => {
      const p = await newcomer();
      for (const [query, field] of [
        ['lat=abc&lng=107', 'lat'],
        ['lat=0x1A&lng=107', 'lat'],
        ['lat=40&lng=', 'lng'],
        ['lat=91&lng=107', 'lat'],
        ['lat=40&lng=181', 'lng'],
        ['lng=107', 'lat'],
      ] as const) {
        const res = await get(p.token, `/regions/nearest?${query}`);
        expect({ query, status: res.statusCode }).toEqual({ query, status: 400 });
        expect(res.json<{ details: Array<{ field: string }> }>().details.map((d) => d.field)).toContain(field);
      }
    });
  });
});
