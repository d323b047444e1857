import type { DutyPersonDto, GrantableRolesDto, Page, SquadDto, UserDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Issue 21, item 1 (people, squads, rosters and duty on screens): what the management screens need beyond the
 * routes that existed — people found by ledger tag, the roles a viewer may grant (the same rule the server applies
 * on PATCH, which still refuses the rest), a person's roster read back, the duty overview of a place, squads listed
 * with their leader's and place's names.
 */
describe('managing people: the routes behind the screens', () => {
  let t: TestApp;
  let w: World;
  type Who = keyof World['users'];
  const call = (who: Who, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(w.users[who].token), ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
    await t.database.db.query(`UPDATE app_user SET tags = '{living_alone,elderly}' WHERE id = ANY($1)`, [[w.users.residentA1.id, w.users.residentX1.id]]);
    await t.database.db.query(`UPDATE app_user SET tags = '{low_income}' WHERE id = $1`, [w.users.residentA2.id]);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('people by ledger tag (台账标签)', () => {
    it('finds the people carrying a tag, inside the jurisdiction only', async () => {
      const res = await call('dispatcherT', 'GET', '/users?tag=living_alone&limit=100');
      expect(res.statusCode).toBe(200);
      expect(res.json<Page<UserDto>>().items.map((u) => u.id)).toEqual([w.users.residentA1.id]);
      const county = await call('countyAdmin', 'GET', '/users?tag=living_alone&limit=100');
      expect(new Set(county.json<Page<UserDto>>().items.map((u) => u.id))).toEqual(new Set([w.users.residentA1.id, w.users.residentX1.id]));
      const lowIncome = await call('gridWorkerA1', 'GET', '/users?tag=low_income&limit=100');
      // the grid worker's jurisdiction is their grid: 甲二's resident is outside it
      expect(lowIncome.json<Page<UserDto>>().items).toEqual([]);
    });

    it('combines the tag with a name search and a place', async () => {
      const res = await call('countyAdmin', 'GET', `/users?tag=elderly&q=${encodeURIComponent('丙一')}&regionId=${w.regions.X}`);
      expect(res.json<Page<UserDto>>().items.map((u) => u.id)).toEqual([w.users.residentX1.id]);
    });

    it('refuses an unknown tag with a Chinese message naming the field', async () => {
      const res = await call('dispatcherT', 'GET', '/users?tag=lonely');
      expect(res.statusCode).toBe(400);
      expect(res.json().details).toEqual([{ field: 'tag', message: expect.stringContaining('台账标签须为') }]);
    });
  });

  describe('what may I grant', () => {
    const grantable = async (who: Who, subject: Who) => {
      const res = await call(who, 'GET', `/users/${w.users[subject].id}/grantable-roles`);
      return { status: res.statusCode, body: res.json<GrantableRolesDto>() };
    };

    it('an admin may grant everything below admin; a dispatcher everything below dispatcher', async () => {
      expect((await grantable('countyAdmin', 'residentA1')).body).toEqual({
        editable: true,
        roles: ['resident', 'volunteer', 'grid_worker', 'dispatcher'],
        reason: null,
      });
      expect((await grantable('dispatcherT', 'volunteerA1')).body).toEqual({ editable: true, roles: ['resident', 'volunteer', 'grid_worker'], reason: null });
    });

    it('a grid worker changes residents only, and grants nothing but the resident role', async () => {
      expect((await grantable('gridWorkerA1', 'residentA1')).body).toEqual({ editable: true, roles: ['resident'], reason: null });
      expect((await grantable('gridWorkerA1', 'volunteerA1')).body).toEqual({ editable: false, roles: [], reason: '网格员只能修改居民的资料。' });
    });

    it('nobody may change themself or someone of their own rank', async () => {
      const self = await grantable('dispatcherT', 'dispatcherT');
      expect(self.body).toMatchObject({ editable: false, roles: [] });
      expect(self.body.reason).toMatch(/不能修改自己/);
      const peer = await grantable('countyAdmin', 'admin');
      expect(peer.status).toBe(404); // the region-less admin is outside a county admin's jurisdiction
    });

    it('is 404 outside the jurisdiction and 403 for a resident', async () => {
      expect((await grantable('dispatcherT2', 'residentA1')).status).toBe(404);
      expect((await grantable('residentA1', 'residentA2')).status).toBe(403);
    });

    it('the server still refuses a role the screen would not offer', async () => {
      const res = await call('dispatcherT', 'PATCH', `/users/${w.users.volunteerA1.id}`, { roles: ['volunteer', 'dispatcher'] });
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toBe('只有管理员可以授予或收回管理员、调度员角色。');
      const ok = await call('dispatcherT', 'PATCH', `/users/${w.users.residentA2.id}`, { roles: ['resident', 'volunteer'] });
      expect(ok.statusCode).toBe(200);
      expect(ok.json<UserDto>().roles).toEqual(['resident', 'volunteer']);
    });
  });

  describe('rosters and duty (排班值班)', () => {
    /** Now in Beijing time, as the server reads rosters. */
    const beijingWeekday = () => {
      const local = new Date(Date.now() + 8 * 3600_000);
      return local.getUTCDay() === 0 ? 7 : local.getUTCDay();
    };

    it("reads back a person's roster, to staff with jurisdiction and to themself", async () => {
      const slots = [{ weekday: 2, start: '08:00', end: '12:00' }];
      expect((await call('dispatcherT', 'PUT', `/users/${w.users.volunteerA1.id}/roster`, { slots })).statusCode).toBe(200);
      const read = await call('dispatcherT', 'GET', `/users/${w.users.volunteerA1.id}/roster`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ roster: slots, onDuty: false, availableNow: false });
      expect((await call('volunteerA1', 'GET', `/users/${w.users.volunteerA1.id}/roster`)).json()).toMatchObject({ roster: slots });
      expect((await call('dispatcherT2', 'GET', `/users/${w.users.volunteerA1.id}/roster`)).statusCode).toBe(404);
      expect((await call('residentA1', 'GET', `/users/${w.users.volunteerA1.id}/roster`)).statusCode).toBe(404);
    });

    it('says which slot is wrong in words, not by the name of the request field', async () => {
      const res = await call('dispatcherT', 'PUT', `/users/${w.users.volunteerA1.id}/roster`, {
        slots: [
          { weekday: 1, start: '08:00', end: '12:00' },
          { weekday: 1, start: '18:00', end: '08:00' },
        ],
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe('第 2 个值班时段的开始时间须早于结束时间（跨过午夜请分成两段）。');
      expect(res.json().details).toEqual([{ field: 'slots[1].end', message: '开始时间须早于结束时间' }]);
    });

    it('lists the volunteers and grid workers of a place with their duty state; on_duty and available filter it', async () => {
      const today = beijingWeekday();
      const otherDay = (today % 7) + 1;
      // 甲一志愿者: on duty, on the roster all of today → available
      await call('dispatcherT', 'PUT', `/users/${w.users.volunteerA1.id}/roster`, { slots: [{ weekday: today, start: '00:00', end: '24:00' }] });
      await call('volunteerA1', 'PUT', '/me/duty', { onDuty: true });
      // 甲一网格员: on duty, but rostered on another day → on duty, not available
      await call('gridWorkerA1', 'PUT', `/users/${w.users.gridWorkerA1.id}/roster`, { slots: [{ weekday: otherDay, start: '08:00', end: '18:00' }] });
      await call('gridWorkerA1', 'PUT', '/me/duty', { onDuty: true });

      const all = await call('dispatcherT', 'GET', '/duty?limit=100');
      expect(all.statusCode).toBe(200);
      const items = all.json<Page<DutyPersonDto>>().items;
      const byId = new Map(items.map((p) => [p.id, p]));
      // residents are not on duty rosters; 丙一网格员 is outside 一号镇; 甲二居民 became a volunteer above
      expect(new Set(byId.keys())).toEqual(new Set([w.users.volunteerA1.id, w.users.gridWorkerA1.id, w.users.residentA2.id]));
      expect(byId.get(w.users.volunteerA1.id)).toEqual({
        id: w.users.volunteerA1.id,
        name: '甲一志愿者',
        roles: ['volunteer'],
        regionId: w.regions.A1,
        regionName: '甲一网格',
        skills: ['medicine_delivery'],
        onDuty: true,
        availableNow: true,
        roster: [{ weekday: today, start: '00:00', end: '24:00' }],
      });
      expect(byId.get(w.users.gridWorkerA1.id)).toMatchObject({ onDuty: true, availableNow: false });
      expect(byId.get(w.users.residentA2.id)).toMatchObject({ onDuty: false, availableNow: false, roster: null });
      // no phone, no address: the overview shows nothing that must be logged
      expect(Object.keys(byId.get(w.users.volunteerA1.id)!)).not.toContain('phone');

      const onDuty = await call('dispatcherT', 'GET', '/duty?state=on_duty&limit=100');
      expect(new Set(onDuty.json<Page<DutyPersonDto>>().items.map((p) => p.id))).toEqual(new Set([w.users.volunteerA1.id, w.users.gridWorkerA1.id]));
      const available = await call('dispatcherT', 'GET', '/duty?state=available&limit=100');
      expect(available.json<Page<DutyPersonDto>>().items.map((p) => p.id)).toEqual([w.users.volunteerA1.id]);
      const grid2 = await call('dispatcherT', 'GET', `/duty?regionId=${w.regions.A2}`);
      expect(grid2.json<Page<DutyPersonDto>>().items.map((p) => p.id)).toEqual([w.users.residentA2.id]);
    });

    it('pages through every person once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await call('countyAdmin', 'GET', `/duty?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        const page = res.json<Page<DutyPersonDto>>();
        seen.push(...page.items.map((p) => p.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual([w.users.volunteerA1.id, w.users.gridWorkerA1.id, w.users.gridWorkerX1.id, w.users.residentA2.id].sort());
    });

    it('keeps to the jurisdiction and tells mistakes in Chinese', async () => {
      expect((await call('dispatcherT', 'GET', `/duty?regionId=${w.regions.X1}`)).statusCode).toBe(404);
      const resident = await call('residentA1', 'GET', '/duty');
      expect(resident.statusCode).toBe(403);
      expect(resident.json().message).toBe('只有管理员、调度员和网格员可以查看在岗情况。');
      const bad = await call('dispatcherT', 'GET', '/duty?state=busy');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().details).toEqual([{ field: 'state', message: '状态须为 全部、已上岗 或 此刻可接单' }]);
      // a grid worker sees their own grid
      const grid = await call('gridWorkerA1', 'GET', '/duty');
      expect(new Set(grid.json<Page<DutyPersonDto>>().items.map((p) => p.id))).toEqual(new Set([w.users.volunteerA1.id, w.users.gridWorkerA1.id]));
    });
  });

  describe('squads (小分队)', () => {
    it("lists squads with their leader's and place's names", async () => {
      const created = await call('dispatcherT', 'POST', '/squads', {
        name: '甲社区红色帮帮团',
        color: 'red',
        regionId: w.regions.A,
        leaderId: w.users.volunteerA1.id,
        categories: ['medicine_delivery'],
      });
      expect(created.statusCode).toBe(201);
      expect(created.json<SquadDto>()).toMatchObject({ leaderName: '甲一志愿者', regionName: '甲社区', memberCount: 1 });
      const list = await call('dispatcherT', 'GET', '/squads');
      expect(list.json<Page<SquadDto>>().items).toEqual([
        expect.objectContaining({ name: '甲社区红色帮帮团', leaderName: '甲一志愿者', regionName: '甲社区' }),
      ]);
      const add = await call('dispatcherT', 'POST', `/squads/${created.json<SquadDto>().id}/members`, { userId: w.users.gridWorkerA1.id });
      expect(add.statusCode).toBe(201);
      const lead = await call('dispatcherT', 'PATCH', `/squads/${created.json<SquadDto>().id}`, { leaderId: w.users.gridWorkerA1.id });
      expect(lead.json<SquadDto>()).toMatchObject({ leaderName: '甲一网格员', memberCount: 2 });
    });
  });
});
