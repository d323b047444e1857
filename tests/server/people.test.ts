import type { UserDto } from '@bangbang/shared';
import { isAvailableNow } from '@bangbang/shared';
import { maskPhone } from '../../server/src/modules/access/privacy';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

type Who = keyof World['users'] | 'anonymous';

describe('people, places and access', () => {
  let t: TestApp;
  let w: World;
  let phoneSeq = 0;
  const newPhone = () => `137${String(20000000 + ++phoneSeq).slice(-8)}`;

  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (who: Who, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, payload, headers: who === 'anonymous' ? {} : bearer(w.users[who].token) });

  describe('the authorisation matrix (exact status per route, role, inside and outside jurisdiction)', () => {
    const matrix: Array<{ route: string; run: (who: Who) => Promise<{ statusCode: number }>; expect: Record<Who, number> }> = [
      {
        route: 'POST /regions (grid under A)',
        run: (who) => call(who, 'POST', '/api/v1/regions', { name: `新网格${who}`, level: 'grid', parentId: w.regions.A }),
        expect: {
          admin: 201,
          countyAdmin: 201,
          dispatcherT: 403,
          dispatcherT2: 403,
          gridWorkerA1: 403,
          gridWorkerX1: 403,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'POST /regions (a new city)',
        run: (who) => call(who, 'POST', '/api/v1/regions', { name: `新市${who}`, level: 'city' }),
        expect: {
          admin: 201,
          countyAdmin: 404,
          dispatcherT: 403,
          dispatcherT2: 403,
          gridWorkerA1: 403,
          gridWorkerX1: 403,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'GET /regions/:id',
        run: (who) => call(who, 'GET', `/api/v1/regions/${w.regions.A}`),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 200,
          gridWorkerA1: 200,
          gridWorkerX1: 200,
          volunteerA1: 200,
          residentA1: 200,
          residentA2: 200,
          residentX1: 200,
          anonymous: 401,
        },
      },
      {
        route: 'GET /regions?parentId=',
        run: (who) => call(who, 'GET', `/api/v1/regions?parentId=${w.regions.A}`),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 200,
          gridWorkerA1: 200,
          gridWorkerX1: 200,
          volunteerA1: 200,
          residentA1: 200,
          residentA2: 200,
          residentX1: 200,
          anonymous: 401,
        },
      },
      {
        route: 'POST /users (a resident of grid A1)',
        run: (who) =>
          call(who, 'POST', '/api/v1/users', { name: '新居民', phone: newPhone(), roles: ['resident'], regionId: w.regions.A1, tags: ['living_alone'] }),
        expect: {
          admin: 201,
          countyAdmin: 201,
          dispatcherT: 201,
          dispatcherT2: 404,
          gridWorkerA1: 201,
          gridWorkerX1: 404,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'POST /users (a volunteer of grid A1)',
        run: (who) =>
          call(who, 'POST', '/api/v1/users', { name: '新志愿者', phone: newPhone(), roles: ['volunteer'], regionId: w.regions.A1, skills: ['errands'] }),
        expect: {
          admin: 201,
          countyAdmin: 201,
          dispatcherT: 201,
          dispatcherT2: 404,
          gridWorkerA1: 403,
          gridWorkerX1: 403,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'POST /users (a dispatcher of town T)',
        run: (who) => call(who, 'POST', '/api/v1/users', { name: '新调度', phone: newPhone(), roles: ['dispatcher'], regionId: w.regions.T }),
        expect: {
          admin: 201,
          countyAdmin: 201,
          dispatcherT: 403,
          dispatcherT2: 403,
          gridWorkerA1: 403,
          gridWorkerX1: 403,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'GET /users',
        run: (who) => call(who, 'GET', '/api/v1/users'),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 200,
          gridWorkerA1: 200,
          gridWorkerX1: 200,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'GET /users?regionId=A',
        run: (who) => call(who, 'GET', `/api/v1/users?regionId=${w.regions.A}`),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 404,
          gridWorkerA1: 404,
          gridWorkerX1: 404,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'GET /users/:id (resident of A1)',
        run: (who) => call(who, 'GET', `/api/v1/users/${w.users.residentA1.id}`),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 404,
          gridWorkerA1: 200,
          gridWorkerX1: 404,
          volunteerA1: 404,
          residentA1: 200,
          residentA2: 404,
          residentX1: 404,
          anonymous: 401,
        },
      },
      {
        route: 'PATCH /users/:id (resident of A1: address)',
        run: (who) => call(who, 'PATCH', `/api/v1/users/${w.users.residentA1.id}`, { address: '甲社区3号楼2单元402' }),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 404,
          gridWorkerA1: 200,
          gridWorkerX1: 404,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'PATCH /users/:id (volunteer of A1: skills)',
        run: (who) => call(who, 'PATCH', `/api/v1/users/${w.users.volunteerA1.id}`, { skills: ['medicine_delivery', 'errands'] }),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 404,
          gridWorkerA1: 403,
          gridWorkerX1: 404,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'PUT /users/:id/roster (volunteer of A1)',
        run: (who) => call(who, 'PUT', `/api/v1/users/${w.users.volunteerA1.id}/roster`, { slots: [{ weekday: 1, start: '08:00', end: '12:00' }] }),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 404,
          gridWorkerA1: 200,
          gridWorkerX1: 404,
          volunteerA1: 200,
          residentA1: 404,
          residentA2: 404,
          residentX1: 404,
          anonymous: 401,
        },
      },
      {
        route: 'PUT /me/duty',
        run: (who) => call(who, 'PUT', '/api/v1/me/duty', { onDuty: true }),
        expect: {
          admin: 403,
          countyAdmin: 403,
          dispatcherT: 403,
          dispatcherT2: 403,
          gridWorkerA1: 200,
          gridWorkerX1: 200,
          volunteerA1: 200,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'GET /me',
        run: (who) => call(who, 'GET', '/api/v1/me'),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 200,
          gridWorkerA1: 200,
          gridWorkerX1: 200,
          volunteerA1: 200,
          residentA1: 200,
          residentA2: 200,
          residentX1: 200,
          anonymous: 401,
        },
      },
      {
        route: 'PATCH /me (location)',
        run: (who) => call(who, 'PATCH', '/api/v1/me', { location: { lat: 40.76, lng: 107.41 } }),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 200,
          gridWorkerA1: 200,
          gridWorkerX1: 200,
          volunteerA1: 200,
          residentA1: 200,
          residentA2: 200,
          residentX1: 200,
          anonymous: 401,
        },
      },
      {
        route: 'POST /service-categories',
        run: (who) =>
          call(who, 'POST', '/api/v1/service-categories', {
            code: `svc_${who.toLowerCase()}`,
            name: `服务${who}`,
            color: 'blue',
            icon: 'x',
            acceptMinutesNormal: 60,
            acceptMinutesUrgent: 30,
          }),
        expect: {
          admin: 201,
          countyAdmin: 201,
          dispatcherT: 403,
          dispatcherT2: 403,
          gridWorkerA1: 403,
          gridWorkerX1: 403,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'PATCH /service-categories/:code',
        run: (who) => call(who, 'PATCH', '/api/v1/service-categories/haircut', { sortOrder: 5 }),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 403,
          dispatcherT2: 403,
          gridWorkerA1: 403,
          gridWorkerX1: 403,
          volunteerA1: 403,
          residentA1: 403,
          residentA2: 403,
          residentX1: 403,
          anonymous: 401,
        },
      },
      {
        route: 'GET /service-categories',
        run: (who) => call(who, 'GET', '/api/v1/service-categories'),
        expect: {
          admin: 200,
          countyAdmin: 200,
          dispatcherT: 200,
          dispatcherT2: 200,
          gridWorkerA1: 200,
          gridWorkerX1: 200,
          volunteerA1: 200,
          residentA1: 200,
          residentA2: 200,
          residentX1: 200,
          anonymous: 200,
        },
      },
    ];

    it.each(matrix.map((m) => [m.route, m] as const))('%s', async (_route, m) => {
      const got: Record<string, number> = {};
      for (const who of Object.keys(m.expect) as Who[]) got[who] = (await m.run(who)).statusCode;
      expect(got).toEqual(m.expect);
    });
  });

  describe('mass assignment and role escalation', () => {
    it('rejects a resident sending roles to PATCH /me (400, field named), and nothing changes', async () => {
      const res = await call('residentA2', 'PATCH', '/api/v1/me', { roles: ['admin'] });
      expect(res.statusCode).toBe(400);
      expect(res.json().details).toEqual([{ field: 'roles', message: '不允许的字段' }]);
      const me = await call('residentA2', 'GET', '/api/v1/me');
      expect(me.json().roles).toEqual(['resident']);
    });

    it('answers null for a field that cannot be empty with 400, not 500', async () => {
      const res = await call('residentA2', 'PATCH', '/api/v1/me', { name: null });
      expect(res.statusCode).toBe(400);
      expect(res.json().details[0].field).toBe('name');
      const staff = await call('dispatcherT', 'PATCH', `/api/v1/users/${w.users.residentA2.id}`, { roles: null, tags: null });
      expect(staff.statusCode).toBe(400);
    });

    it('lets only an admin grant the dispatcher role', async () => {
      const byDispatcher = await call('dispatcherT', 'PATCH', `/api/v1/users/${w.users.residentA2.id}`, { roles: ['resident', 'dispatcher'] });
      expect(byDispatcher.statusCode).toBe(403);
      expect(byDispatcher.json().message).toBe('只有管理员可以授予或收回管理员、调度员角色。');
      const byGridWorker = await call('gridWorkerA1', 'PATCH', `/api/v1/users/${w.users.residentA1.id}`, { roles: ['resident', 'volunteer'] });
      expect(byGridWorker.statusCode).toBe(403);
      const byDispatcherOk = await call('dispatcherT', 'PATCH', `/api/v1/users/${w.users.residentA2.id}`, { roles: ['resident', 'volunteer'] });
      expect(byDispatcherOk.statusCode).toBe(200);
      expect(byDispatcherOk.json().roles).toEqual(['resident', 'volunteer']);
    });

    it('rejects unknown properties and bad values with the field named', async () => {
      const res = await call('dispatcherT', 'POST', '/api/v1/users', {
        name: '',
        phone: '123',
        roles: ['boss'],
        regionId: 'x',
        tags: ['rich'],
        isAdmin: true,
      });
      expect(res.statusCode).toBe(400);
      const fields = (res.json().details as Array<{ field: string }>).map((d) => d.field).sort();
      expect(fields).toEqual(['isAdmin', 'name', 'phone', 'regionId', 'roles', 'tags'].sort());
    });

    it('rejects unknown skills, a duplicate phone, and a home region that is not a grid or community', async () => {
      const skills = await call('dispatcherT', 'POST', '/api/v1/users', {
        name: '甲',
        phone: newPhone(),
        roles: ['volunteer'],
        regionId: w.regions.A1,
        skills: ['flying'],
      });
      expect(skills.statusCode).toBe(400);
      expect(skills.json().details).toEqual([{ field: 'skills', message: '含有不存在的服务类别' }]);
      const dup = await call('dispatcherT', 'POST', '/api/v1/users', {
        name: '甲',
        phone: w.users.residentA1.phone,
        roles: ['resident'],
        regionId: w.regions.A1,
      });
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toEqual({ code: 'CONFLICT', message: '该手机号已登记。' });
      const town = await call('dispatcherT', 'POST', '/api/v1/users', { name: '甲', phone: newPhone(), roles: ['resident'], regionId: w.regions.T });
      expect(town.statusCode).toBe(400);
      expect(town.json().details[0].field).toBe('regionId');
    });

    it('checks the place tree: a level under the wrong parent is refused', async () => {
      const res = await call('admin', 'POST', '/api/v1/regions', { name: '错级', level: 'community', parentId: w.regions.A });
      expect(res.statusCode).toBe(400);
      expect(res.json().details[0].field).toBe('level');
    });
  });

  describe('privacy', () => {
    it('shows staff with jurisdiction the full number and address, and records the access', async () => {
      await t.database.db.query(`DELETE FROM access_log WHERE subject_id = $1`, [w.users.residentX1.id]);
      const res = await call('countyAdmin', 'GET', `/api/v1/users/${w.users.residentX1.id}`);
      const dto = res.json<UserDto>();
      expect(dto.phone).toBe(w.users.residentX1.phone);
      expect(dto.phoneMasked).toBe(false);
      expect(dto.address).toBe('丙社区5排7号');
      const log = await t.database.db.query<Array<{ viewer_id: string; fields: string[]; reason: string }>>(
        `SELECT viewer_id, fields, reason FROM access_log WHERE subject_id = $1`,
        [w.users.residentX1.id],
      );
      expect(log).toEqual([{ viewer_id: w.users.countyAdmin.id, fields: ['phone', 'address'], reason: 'jurisdiction' }]);
    });

    it('records nothing when a person reads their own record', async () => {
      await call('residentX1', 'GET', `/api/v1/users/${w.users.residentX1.id}`);
      const [row] = await t.database.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM access_log WHERE subject_id = $1 AND viewer_id = $1`, [
        w.users.residentX1.id,
      ]);
      expect(row!.n).toBe(0);
    });

    it('records one access per person listed in full', async () => {
      const before = await t.database.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM access_log WHERE viewer_id = $1`, [
        w.users.gridWorkerX1.id,
      ]);
      const res = await call('gridWorkerX1', 'GET', '/api/v1/users');
      const items = res.json().items as UserDto[];
      expect(items.map((u) => u.id).sort()).toEqual([w.users.gridWorkerX1.id, w.users.residentX1.id].sort());
      const after = await t.database.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM access_log WHERE viewer_id = $1`, [
        w.users.gridWorkerX1.id,
      ]);
      // the resident is someone else; the grid worker's own record is not logged
      expect(after[0]!.n - before[0]!.n).toBe(1);
    });

    it('masks as 138****0001', () => {
      expect(maskPhone('13800000001')).toBe('138****0001');
    });
  });

  describe('lists', () => {
    it('pages through people newest first with a cursor, filtered by role and search', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/users?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await call('dispatcherT', 'GET', url);
        expect(res.statusCode).toBe(200);
        const page = res.json<{ items: UserDto[]; nextCursor: string | null }>();
        seen.push(...page.items.map((u) => u.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toContain(w.users.residentA1.id);
      expect(seen).not.toContain(w.users.residentX1.id);

      const volunteers = await call('dispatcherT', 'GET', '/api/v1/users?role=volunteer&limit=100');
      expect((volunteers.json().items as UserDto[]).every((u) => u.roles.includes('volunteer'))).toBe(true);
      const search = await call('dispatcherT', 'GET', `/api/v1/users?q=${encodeURIComponent('甲一居民')}`);
      expect((search.json().items as UserDto[]).map((u) => u.id)).toEqual([w.users.residentA1.id]);
      const byPhone = await call('dispatcherT', 'GET', `/api/v1/users?q=${w.users.residentA1.phone.slice(0, 9)}`);
      expect((byPhone.json().items as UserDto[]).map((u) => u.id)).toContain(w.users.residentA1.id);
      const badCursor = await call('dispatcherT', 'GET', '/api/v1/users?cursor=nonsense');
      expect(badCursor.statusCode).toBe(400);
      const badLimit = await call('dispatcherT', 'GET', '/api/v1/users?limit=1000');
      expect(badLimit.statusCode).toBe(400);
    });
  });

  describe('duty and roster', () => {
    it('is available now only on duty and inside a slot (or with no roster)', () => {
      // Monday 2026-11-23 10:00 Beijing time = 02:00 UTC
      const monday10 = new Date('2026-11-23T02:00:00Z');
      expect(isAvailableNow(false, null, monday10)).toBe(false);
      expect(isAvailableNow(true, null, monday10)).toBe(true);
      expect(isAvailableNow(true, [{ weekday: 1, start: '08:00', end: '12:00' }], monday10)).toBe(true);
      expect(isAvailableNow(true, [{ weekday: 1, start: '13:00', end: '18:00' }], monday10)).toBe(false);
      expect(isAvailableNow(true, [{ weekday: 2, start: '08:00', end: '12:00' }], monday10)).toBe(false);
    });

    it('sets duty and the roster, rejecting a slot that ends before it starts', async () => {
      const on = await call('volunteerA1', 'PUT', '/api/v1/me/duty', { onDuty: true });
      expect(on.json()).toMatchObject({ onDuty: true });
      const bad = await call('volunteerA1', 'PUT', `/api/v1/users/${w.users.volunteerA1.id}/roster`, { slots: [{ weekday: 8, start: '25:00', end: '07:00' }] });
      expect(bad.statusCode).toBe(400);
      expect((bad.json().details as Array<{ field: string }>).map((d) => d.field)).toEqual(['slots[0].weekday', 'slots[0].start']);
      const backwards = await call('volunteerA1', 'PUT', `/api/v1/users/${w.users.volunteerA1.id}/roster`, {
        slots: [{ weekday: 3, start: '18:00', end: '08:00' }],
      });
      expect(backwards.statusCode).toBe(400);
      const ok = await call('volunteerA1', 'PUT', `/api/v1/users/${w.users.volunteerA1.id}/roster`, { slots: [{ weekday: 3, start: '08:00', end: '18:00' }] });
      expect(ok.json()).toMatchObject({ onDuty: true, roster: [{ weekday: 3, start: '08:00', end: '18:00' }] });
      const cleared = await call('volunteerA1', 'PUT', `/api/v1/users/${w.users.volunteerA1.id}/roster`, { slots: [] });
      expect(cleared.json()).toMatchObject({ availableNow: true, roster: null });
    });
  });
});
