import type { LoginResponse, UserDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Issue 18, item 5: nobody grants themself power. Each case below was reproduced on the old code (where it passed
 * the request and ended with an admin token or a promoted dispatcher); the rules are in users/service.ts
 * (`checkMayChange`): only people strictly below you, inside your jurisdiction; never yourself beyond /me; the
 * phone of someone who can log in only by themself.
 */
describe('no self-promotion', () => {
  const LISTED = '13900000077'; // was in ADMIN_PHONES: an admin at the next login, whoever got it
  let t: TestApp;
  let w: World;
  let countyDispatcher: { id: string; token: string };
  let townAdmin: { id: string; phone: string };

  beforeAll(async () => {
    t = await buildTestApp({ ADMIN_PHONES: LISTED });
    w = await buildWorld(t.app, t.database.db);
    const db = t.database.db;
    const [cd] = await db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id) VALUES ('旗调度', '13900000091', '{dispatcher}', $1) RETURNING id`,
      [w.regions.county],
    );
    countyDispatcher = { id: cd!.id, token: t.app.jwt.sign({ sub: cd!.id }) };
    const [ta] = await db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id) VALUES ('镇管理员', '13900000092', '{admin}', $1) RETURNING id`,
      [w.regions.T],
    );
    townAdmin = { id: ta!.id, phone: '13900000092' };
  });
  afterAll(async () => {
    await t.close();
  });

  const patch = (token: string, id: string, payload: object) => t.app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, payload, headers: bearer(token) });
  const login = async (phone: string) => (await t.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { phone } })).json<LoginResponse>();
  const rolesOf = async (id: string) =>
    (
      await t.database.db.query<Array<{ roles: string[]; phone: string; region_id: string }>>(`SELECT roles, phone, region_id FROM app_user WHERE id = $1`, [
        id,
      ])
    )[0]!;

  it('a dispatcher cannot change their own phone to a listed one (and a listed phone is never an admin at login)', async () => {
    const res = await patch(w.users.dispatcherT.token, w.users.dispatcherT.id, { phone: LISTED });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toMatch(/不能修改自己/);
    expect((await rolesOf(w.users.dispatcherT.id)).phone).toBe(w.users.dispatcherT.phone);
    expect((await login(LISTED)).user.roles).not.toContain('admin');
  });

  it('a dispatcher cannot move themself to another place either', async () => {
    const res = await patch(w.users.dispatcherT.token, w.users.dispatcherT.id, { regionId: w.regions.county });
    expect(res.statusCode).toBe(403);
    expect((await rolesOf(w.users.dispatcherT.id)).region_id).toBe(w.regions.T);
  });

  it("a grid worker cannot change a resident's phone (only the person, after verifying): 409 in Chinese", async () => {
    const res = await patch(w.users.gridWorkerA1.token, w.users.residentA1.id, { phone: '13900000078' });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toBe('手机号是本人的登录身份，工作人员不能代改；请本人在“我的”页面通过短信验证码或微信验证更换手机号。');
    expect((await rolesOf(w.users.residentA1.id)).phone).toBe(w.users.residentA1.phone);
    // what the grid worker may still do: the ledger fields of a resident
    const ok = await patch(w.users.gridWorkerA1.token, w.users.residentA1.id, { address: '甲社区3号楼2单元402' });
    expect(ok.statusCode).toBe(200);
  });

  it("a county dispatcher cannot change a town admin's phone or place, and so never logs in as an admin", async () => {
    const phone = await patch(countyDispatcher.token, townAdmin.id, { phone: '13900000093' });
    expect(phone.statusCode).toBe(403);
    const place = await patch(countyDispatcher.token, townAdmin.id, { regionId: w.regions.T2 });
    expect(place.statusCode).toBe(403);
    const row = await rolesOf(townAdmin.id);
    expect(row).toMatchObject({ phone: townAdmin.phone, region_id: w.regions.T });
    expect((await login('13900000093')).user.roles).toEqual(['resident']);
  });

  it('a county dispatcher cannot move a town dispatcher up to the county (same rank: only someone above)', async () => {
    const res = await patch(countyDispatcher.token, w.users.dispatcherT.id, { regionId: w.regions.county });
    expect(res.statusCode).toBe(403);
    expect((await rolesOf(w.users.dispatcherT.id)).region_id).toBe(w.regions.T);
    // the county's admin, who is above, may
    const byAdmin = await patch(w.users.countyAdmin.token, w.users.dispatcherT2.id, { name: '二号镇调度（新）' });
    expect(byAdmin.statusCode).toBe(200);
  });

  it('roles handed out rank strictly below the giver: no admin grants admin over HTTP, no dispatcher grants dispatcher', async () => {
    const admin = await patch(w.users.admin.token, w.users.dispatcherT.id, { roles: ['dispatcher', 'admin'] });
    expect(admin.statusCode).toBe(403);
    expect(admin.json().message).toMatch(/pnpm admin:grant/);
    const dispatcher = await patch(w.users.dispatcherT.token, w.users.volunteerA1.id, { roles: ['volunteer', 'dispatcher'] });
    expect(dispatcher.statusCode).toBe(403);
    const register = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(w.users.admin.token),
      payload: { name: '新管理员', phone: '13900000094', roles: ['admin'], regionId: w.regions.T },
    });
    expect(register.statusCode).toBe(403);
    // an admin still makes dispatchers; a dispatcher still makes grid workers
    const ok = await patch(w.users.dispatcherT.token, w.users.volunteerA1.id, { roles: ['volunteer', 'grid_worker'] });
    expect(ok.statusCode).toBe(200);
    expect(ok.json<UserDto>().roles).toEqual(['volunteer', 'grid_worker']);
  });

  it("nobody sets the roster of someone of their own rank (a grid worker's is set by themself or by those above)", async () => {
    const [gw] = await t.database.db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id) VALUES ('甲一网格员二', '13900000095', '{grid_worker}', $1) RETURNING id`,
      [w.regions.A1],
    );
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${gw!.id}/roster`,
      headers: bearer(w.users.gridWorkerA1.token),
      payload: { slots: [{ weekday: 1, start: '08:00', end: '12:00' }] },
    });
    expect(res.statusCode).toBe(403);
  });
});
