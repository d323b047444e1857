import type { SquadDto, UserDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

type Who = keyof World['users'] | 'anonymous';

describe('squads (小分队)', () => {
  let t: TestApp;
  let w: World;
  let squadA: SquadDto;
  let n = 0;

  const call = (who: Who, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, payload, headers: who === 'anonymous' ? {} : bearer(w.users[who].token) });

  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
    const res = await call('dispatcherT', 'POST', '/api/v1/squads', {
      name: '甲社区红色帮帮团',
      color: 'red',
      regionId: w.regions.A,
      leaderId: w.users.gridWorkerA1.id,
      categories: ['medicine_delivery', 'errands'],
    });
    expect(res.statusCode).toBe(201);
    squadA = res.json<SquadDto>();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a squad with its leader as the first member', () => {
    expect(squadA).toMatchObject({ name: '甲社区红色帮帮团', color: 'red', regionId: w.regions.A, leaderId: w.users.gridWorkerA1.id, memberCount: 1 });
  });

  const everyone: Who[] = [
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
  ];
  const matrix: Array<{ route: string; run: (who: Who) => Promise<{ statusCode: number }>; expect: Record<Who, number> }> = [
    {
      route: 'POST /squads (in community A)',
      run: (who) =>
        call(who, 'POST', '/api/v1/squads', {
          name: `小分队${++n}`,
          color: 'green',
          regionId: w.regions.A,
          leaderId: w.users.volunteerA1.id,
          categories: ['medicine_delivery'],
        }),
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
      route: 'GET /squads',
      run: (who) => call(who, 'GET', '/api/v1/squads'),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 200,
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
      route: 'GET /squads/:id',
      run: (who) => call(who, 'GET', `/api/v1/squads/${squadA.id}`),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 200,
        gridWorkerX1: 404,
        volunteerA1: 404,
        residentA1: 404,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'PATCH /squads/:id (categories)',
      run: (who) => call(who, 'PATCH', `/api/v1/squads/${squadA.id}`, { categories: ['medicine_delivery'] }),
      expect: {
        admin: 200,
        countyAdmin: 200,
        dispatcherT: 200,
        dispatcherT2: 404,
        gridWorkerA1: 403,
        gridWorkerX1: 404,
        volunteerA1: 404,
        residentA1: 404,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'POST /squads/:id/members (volunteer of A1), then DELETE',
      run: async (who) => {
        const res = await call(who, 'POST', `/api/v1/squads/${squadA.id}/members`, { userId: w.users.volunteerA1.id });
        if (res.statusCode === 201) await call('admin', 'DELETE', `/api/v1/squads/${squadA.id}/members/${w.users.volunteerA1.id}`);
        return res;
      },
      // the leader (grid worker of A1) manages members; another grid worker does not see the squad at all
      expect: {
        admin: 201,
        countyAdmin: 201,
        dispatcherT: 201,
        dispatcherT2: 404,
        gridWorkerA1: 201,
        gridWorkerX1: 404,
        volunteerA1: 404,
        residentA1: 404,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
    {
      route: 'DELETE /squads/:id/members/:userId (volunteer of A1, added first by an admin)',
      run: async (who) => {
        await call('admin', 'POST', `/api/v1/squads/${squadA.id}/members`, { userId: w.users.volunteerA1.id });
        const res = await call(who, 'DELETE', `/api/v1/squads/${squadA.id}/members/${w.users.volunteerA1.id}`);
        if (res.statusCode !== 204) await call('admin', 'DELETE', `/api/v1/squads/${squadA.id}/members/${w.users.volunteerA1.id}`);
        return res;
      },
      // a member sees the squad but may not change it (403); a resident does not see it (404)
      expect: {
        admin: 204,
        countyAdmin: 204,
        dispatcherT: 204,
        dispatcherT2: 404,
        gridWorkerA1: 204,
        gridWorkerX1: 404,
        volunteerA1: 403,
        residentA1: 404,
        residentA2: 404,
        residentX1: 404,
        anonymous: 401,
      },
    },
  ];

  it.each(matrix.map((m) => [m.route, m] as const))('authorisation: %s', async (_route, m) => {
    const got: Record<string, number> = {};
    for (const who of everyone) got[who] = (await m.run(who)).statusCode;
    expect(got).toEqual(m.expect);
  });

  it('shows a member the squads they belong to, and fellow members masked', async () => {
    expect((await call('dispatcherT', 'POST', `/api/v1/squads/${squadA.id}/members`, { userId: w.users.volunteerA1.id })).statusCode).toBe(201);
    const mine = await call('volunteerA1', 'GET', '/api/v1/squads');
    expect((mine.json().items as SquadDto[]).map((s) => s.id)).toContain(squadA.id);

    const seen = await call('volunteerA1', 'GET', `/api/v1/squads/${squadA.id}`);
    expect(seen.statusCode).toBe(200);
    const members = seen.json().members as UserDto[];
    const leader = members.find((u) => u.id === w.users.gridWorkerA1.id)!;
    expect(leader.phoneMasked).toBe(true);
    expect(leader.phone).toBe(`${w.users.gridWorkerA1.phone.slice(0, 3)}****${w.users.gridWorkerA1.phone.slice(7)}`);
    expect(leader.location).toBeNull();
    const self = members.find((u) => u.id === w.users.volunteerA1.id)!;
    expect(self.phone).toBe(w.users.volunteerA1.phone);

    // a masked view is not an access to record
    const [row] = await t.database.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM access_log WHERE viewer_id = $1`, [w.users.volunteerA1.id]);
    expect(row!.n).toBe(0);
  });

  it('refuses a leader or member from outside the area, a resident as member, duplicates, and removing the leader', async () => {
    const outside = await call('countyAdmin', 'POST', '/api/v1/squads', {
      name: '外地',
      color: 'blue',
      regionId: w.regions.A,
      leaderId: w.users.gridWorkerX1.id,
      categories: [],
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().details).toEqual([{ field: 'leaderId', message: '该人员不在小分队所在地区' }]);
    const resident = await call('dispatcherT', 'POST', `/api/v1/squads/${squadA.id}/members`, { userId: w.users.residentA1.id });
    expect(resident.statusCode).toBe(400);
    expect(resident.json().details).toEqual([{ field: 'userId', message: '只有志愿者或网格员可以加入小分队' }]);
    const twice = await call('dispatcherT', 'POST', `/api/v1/squads/${squadA.id}/members`, { userId: w.users.volunteerA1.id });
    expect(twice.statusCode).toBe(409);
    const leader = await call('dispatcherT', 'DELETE', `/api/v1/squads/${squadA.id}/members/${w.users.gridWorkerA1.id}`);
    expect(leader.statusCode).toBe(409);
    const dupName = await call('dispatcherT', 'POST', '/api/v1/squads', {
      name: '甲社区红色帮帮团',
      color: 'red',
      regionId: w.regions.A,
      leaderId: w.users.gridWorkerA1.id,
      categories: [],
    });
    expect(dupName.statusCode).toBe(409);
    const badColor = await call('dispatcherT', 'POST', '/api/v1/squads', {
      name: '彩虹',
      color: 'rainbow',
      regionId: w.regions.A,
      leaderId: w.users.gridWorkerA1.id,
      categories: ['x'],
    });
    expect(badColor.statusCode).toBe(400);
    expect((badColor.json().details as Array<{ field: string }>).map((d) => d.field)).toEqual(['color', 'categories']);
    const removed = await call('gridWorkerA1', 'DELETE', `/api/v1/squads/${squadA.id}/members/${w.users.volunteerA1.id}`);
    expect(removed.statusCode).toBe(204);
    const again = await call('gridWorkerA1', 'DELETE', `/api/v1/squads/${squadA.id}/members/${w.users.volunteerA1.id}`);
    expect(again.statusCode).toBe(404);
  });

  it('changes the leader to a member, after which the old leader can leave', async () => {
    const notMember = await call('dispatcherT', 'PATCH', `/api/v1/squads/${squadA.id}`, { leaderId: w.users.volunteerA1.id });
    expect(notMember.statusCode).toBe(400);
    expect(notMember.json().details).toEqual([{ field: 'leaderId', message: '新负责人须先加入小分队' }]);
    expect((await call('dispatcherT', 'POST', `/api/v1/squads/${squadA.id}/members`, { userId: w.users.volunteerA1.id })).statusCode).toBe(201);
    const changed = await call('dispatcherT', 'PATCH', `/api/v1/squads/${squadA.id}`, {
      leaderId: w.users.volunteerA1.id,
      name: '甲社区党员先锋队',
      color: 'red',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ leaderId: w.users.volunteerA1.id, name: '甲社区党员先锋队', memberCount: 2 });
    expect((await call('dispatcherT', 'DELETE', `/api/v1/squads/${squadA.id}/members/${w.users.gridWorkerA1.id}`)).statusCode).toBe(204);
    const nulled = await call('dispatcherT', 'PATCH', `/api/v1/squads/${squadA.id}`, { name: null });
    expect(nulled.statusCode).toBe(400);
  });
});
