import type { FamilyContactDto, FollowedResidentDto, LoginResponse, OrderDto, OrderEventDto, Page, UserDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * People without a mobile (issue 18, item 3): staff register an elder with a landline, or with no phone and family
 * contacts (子女、监护人); a family member logs in with their own phone and follows that resident's orders — sees and
 * confirms them, never anyone else's. A proxy order (代下单) is confirmed by the resident or family, not by the staff
 * member who placed it; an elder with neither is confirmed by other staff after a call-back (电话回访).
 */
describe('family contacts and proxy confirmation', () => {
  let t: TestApp;
  let w: World;
  const DOOR = { lat: 40.751, lng: 107.401 };
  const DAUGHTER = '13655550001';
  const SON = '13655550002';

  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
  });

  type Method = 'GET' | 'POST' | 'DELETE';
  const send = (token: string, method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload ? { payload } : {}) });
  const ok = async <T>(token: string, method: Method, url: string, payload?: object): Promise<T> => {
    const res = await send(token, method, url, payload);
    expect({ url, status: res.statusCode, body: res.statusCode < 300 ? '' : res.body }).toEqual({
      url,
      status: res.statusCode < 300 ? res.statusCode : 200,
      body: '',
    });
    return res.json<T>();
  };
  const grid = () => w.users.gridWorkerA1.token;
  const register = (body: object, token = grid()) => send(token, 'POST', '/users', { roles: ['resident'], regionId: w.regions.A1, ...body });
  const expectField = (res: { statusCode: number; json: <T>() => T }, field: string, message?: string) => {
    expect(res.statusCode).toBe(400);
    const details = res.json<{ details: Array<{ field: string; message: string }> }>().details;
    expect(details).toEqual(expect.arrayContaining([expect.objectContaining({ field, ...(message ? { message } : {}) })]));
  };
  const login = async (phone: string): Promise<LoginResponse> => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { phone } });
    expect(res.statusCode).toBe(200);
    return res.json<LoginResponse>();
  };

  /** A proxy order (代下单) by the grid worker for the resident, served by volunteerA1 to `completed`. */
  const servedProxyOrder = async (residentId: string): Promise<OrderDto> => {
    const o = await ok<OrderDto>(grid(), 'POST', '/orders', { residentId, categoryCode: 'medicine_delivery', urgency: 'normal', description: '帮老人取药' });
    await ok(grid(), 'POST', `/orders/${o.id}/dispatch`, { assigneeId: w.users.volunteerA1.id });
    const v = w.users.volunteerA1.token;
    await ok(v, 'POST', `/orders/${o.id}/accept`, {});
    await ok(v, 'POST', `/orders/${o.id}/check-in`, { location: DOOR });
    return ok<OrderDto>(v, 'POST', `/orders/${o.id}/complete`, { note: '药已送到' });
  };

  let landlineElder: UserDto;
  let mother: UserDto;

  it('registers an elder with a landline only, and one with no phone but a daughter', async () => {
    const res = await register({ name: '固话老人', landline: '0471-1234567', address: '甲社区1号楼101', tags: ['living_alone', 'elderly'] });
    expect(res.statusCode).toBe(201);
    landlineElder = res.json<UserDto>();
    expect(landlineElder).toMatchObject({ phone: null, landline: '0471-1234567', phoneMasked: false, familyContacts: [] });

    const res2 = await register({
      name: '王奶奶',
      address: '甲社区2号楼202',
      tags: ['empty_nest'],
      familyContacts: [
        { name: '王小红', relation: 'child', phone: DAUGHTER },
        { name: '王小军', relation: 'child', phone: SON },
      ],
    });
    expect(res2.statusCode).toBe(201);
    mother = res2.json<UserDto>();
    expect(mother).toMatchObject({ phone: null, landline: null });
    expect(mother.familyContacts.map((c) => [c.name, c.relation, c.phone, c.phoneMasked])).toEqual([
      ['王小红', 'child', DAUGHTER, false],
      ['王小军', 'child', SON, false],
    ]);
    // the staff's list finds a person without a phone, by name and by landline digits
    const byName = await ok<Page<UserDto>>(grid(), 'GET', `/users?q=${encodeURIComponent('王奶奶')}`);
    expect(byName.items.map((u) => u.id)).toEqual([mother.id]);
    const byLandline = await ok<Page<UserDto>>(grid(), 'GET', '/users?q=04711234');
    expect(byLandline.items.map((u) => u.id)).toEqual([landlineElder.id]);
  });

  it('refuses a person nobody can reach, a staff member without a mobile, a bad landline, too many or repeated contacts (400 naming the field)', async () => {
    expectField(await register({ name: '无联系方式' }), 'phone', '请至少登记一种联系方式：手机号、固定电话，或一位家属的手机号');
    expectField(
      await send(w.users.dispatcherT.token, 'POST', '/users', { name: '志愿者', roles: ['volunteer'], regionId: w.regions.A1, landline: '0471-7654321' }),
      'phone',
      '志愿者和工作人员须登记本人手机号（用于登录）',
    );
    expectField(await register({ name: '错号', landline: '4711234567' }), 'landline', '请输入固定电话：区号加 7 到 8 位号码，如 0471-1234567');
    expectField(await register({ name: '错号', landline: '0471-12' }), 'landline');
    const six = Array.from({ length: 6 }, (_, i) => ({ name: `家属${i}`, relation: 'relative', phone: `1365555010${i}` }));
    expectField(await register({ name: '多家属', familyContacts: six }), 'familyContacts', '家属联系人最多 5 位');
    expectField(
      await register({
        name: '重复',
        familyContacts: [
          { name: '甲', relation: 'child', phone: DAUGHTER },
          { name: '乙', relation: 'child', phone: DAUGHTER },
        ],
      }),
      'familyContacts[1].phone',
      '同一位家属的手机号重复了',
    );
    expectField(await register({ name: '关系', familyContacts: [{ name: '甲', relation: 'friend', phone: DAUGHTER }] }), 'familyContacts[0].relation');
    expectField(await register({ name: '手机', familyContacts: [{ name: '甲', relation: 'child', phone: '0471-1234567' }] }), 'familyContacts[0].phone');
    // the database refuses a malformed landline too, whatever the API lets through
    await expect(t.database.db.query(`UPDATE app_user SET landline = '12345' WHERE id = $1`, [landlineElder.id])).rejects.toThrow(/app_user_landline_check/);
  });

  it('manages family contacts later, audited in the same transaction; others get 404, a full list 409', async () => {
    const added = await ok<FamilyContactDto>(grid(), 'POST', `/users/${landlineElder.id}/family-contacts`, {
      name: '李监护',
      relation: 'guardian',
      phone: '13655550009',
    });
    expect(added).toMatchObject({ residentId: landlineElder.id, relation: 'guardian', phone: '13655550009', phoneMasked: false });
    expect(
      (await send(grid(), 'POST', `/users/${landlineElder.id}/family-contacts`, { name: '李监护', relation: 'guardian', phone: '13655550009' })).statusCode,
    ).toBe(409);
    const listed = await ok<{ items: FamilyContactDto[] }>(grid(), 'GET', `/users/${landlineElder.id}/family-contacts`);
    expect(listed.items.map((c) => c.id)).toEqual([added.id]);
    // outside the jurisdiction (the grid worker of another town): the person does not exist
    expect((await send(w.users.gridWorkerX1.token, 'GET', `/users/${landlineElder.id}/family-contacts`)).statusCode).toBe(404);
    expect(
      (await send(w.users.gridWorkerX1.token, 'POST', `/users/${landlineElder.id}/family-contacts`, { name: '某', relation: 'other', phone: '13655550008' }))
        .statusCode,
    ).toBe(404);
    // a resident may not add family to anyone
    expect(
      (await send(w.users.residentA1.token, 'POST', `/users/${landlineElder.id}/family-contacts`, { name: '某', relation: 'other', phone: '13655550008' }))
        .statusCode,
    ).toBe(403);
    expect((await send(grid(), 'DELETE', `/users/${landlineElder.id}/family-contacts/${added.id}`)).statusCode).toBe(204);
    expect((await send(grid(), 'DELETE', `/users/${landlineElder.id}/family-contacts/${added.id}`)).statusCode).toBe(404);

    const rows = await t.database.db.query<Array<{ action: string; actor_id: string; before: unknown; after: unknown }>>(
      `SELECT action, actor_id, before, after FROM audit_log WHERE subject_id = $1 ORDER BY created_at, id`,
      [landlineElder.id],
    );
    expect(rows.map((r) => [r.action, r.actor_id])).toEqual([
      ['user.register', w.users.gridWorkerA1.id],
      ['user.family_contact_add', w.users.gridWorkerA1.id],
      ['user.family_contact_remove', w.users.gridWorkerA1.id],
    ]);
    expect(rows[1]!.after).toMatchObject({ name: '李监护', relation: 'guardian', phone: '13655550009' });
    expect(rows[2]!.before).toMatchObject({ id: added.id });
    const [registered] = await t.database.db.query<Array<{ after: { familyContacts: unknown[] } }>>(
      `SELECT after FROM audit_log WHERE subject_id = $1 AND action = 'user.register'`,
      [mother.id],
    );
    expect(registered!.after.familyContacts).toHaveLength(2);
  });

  it('the daughter logs in with her own phone, follows her mother, sees only her orders and confirms one; the staff placer cannot', async () => {
    const served = await servedProxyOrder(mother.id);
    expect(served.status).toBe('completed');
    // the staff member who ordered for her confirms nothing (403, in words)
    const placer = await send(grid(), 'POST', `/orders/${served.id}/confirm`, { resolved: true, rating: 5 });
    expect(placer.statusCode).toBe(403);
    expect(placer.json<{ message: string }>().message).toBe('代下单的工作人员不能替居民确认，请由居民本人或其家属确认。');
    expect((await ok<OrderDto>(grid(), 'GET', `/orders/${served.id}`)).actions).not.toContain('confirm');
    // nor does any other staff member, for a resident who has family
    expect((await send(w.users.dispatcherT.token, 'POST', `/orders/${served.id}/confirm`, { resolved: true, comment: '电话回访' })).statusCode).toBe(403);

    const daughter = await login(DAUGHTER);
    const token = daughter.token;
    const family = await ok<{ items: FollowedResidentDto[] }>(token, 'GET', '/me/family');
    expect(family.items).toEqual([
      {
        id: mother.id,
        name: '王奶奶',
        relation: 'child',
        regionId: w.regions.A1,
        regionName: '甲一网格',
        address: '甲社区2号楼202',
        openOrders: 1,
        toConfirm: 1,
      },
    ]);

    // her orders list: her mother's orders only (someone else's order exists in the same grid)
    const other = await ok<OrderDto>(w.users.residentA1.token, 'POST', '/orders', {
      categoryCode: 'medicine_delivery',
      urgency: 'normal',
      description: '别人的需求',
    });
    const mine = await ok<Page<OrderDto>>(token, 'GET', `/orders?residentId=${mother.id}`);
    expect(mine.items.map((o) => o.id)).toEqual([served.id]);
    expect(mine.items[0]!.actions).toEqual(['confirm', 'reopen']);
    expect(mine.items[0]!.resident).toMatchObject({ name: '王奶奶', phoneMasked: false });
    expect((await ok<Page<OrderDto>>(token, 'GET', '/orders')).items.map((o) => o.id)).toEqual([served.id]);
    expect((await ok<Page<OrderDto>>(token, 'GET', `/orders?residentId=${w.users.residentA1.id}`)).items).toEqual([]);
    // someone else's order does not exist for her
    expect((await send(token, 'GET', `/orders/${other.id}`)).statusCode).toBe(404);
    expect((await send(token, 'POST', `/orders/${other.id}/cancel`, { reason: '试试' })).statusCode).toBe(404);

    const closed = await ok<OrderDto>(token, 'POST', `/orders/${served.id}/confirm`, { resolved: true, rating: 5, comment: '妈妈说送得很及时' });
    expect(closed).toMatchObject({ status: 'closed', rating: 5 });
    const events = await ok<{ items: OrderEventDto[] }>(token, 'GET', `/orders/${served.id}/events`);
    expect(events.items.at(-1)).toMatchObject({ type: 'confirm', actorId: daughter.user.id, data: { by: 'family', rating: 5 } });
    expect((await ok<{ items: FollowedResidentDto[] }>(token, 'GET', '/me/family')).items[0]).toMatchObject({ openOrders: 0, toConfirm: 0 });
    // her full view of her mother is recorded like any other
    const [log] = await t.database.db.query<Array<{ reason: string }>>(`SELECT reason FROM access_log WHERE viewer_id = $1 AND subject_id = $2 LIMIT 1`, [
      daughter.user.id,
      mother.id,
    ]);
    expect(log).toEqual({ reason: 'family' });
  });

  it('family may order for the resident they follow; a stranger may not', async () => {
    const son = await login(SON);
    const o = await ok<OrderDto>(son.token, 'POST', '/orders', {
      residentId: mother.id,
      categoryCode: 'medicine_delivery',
      urgency: 'normal',
      description: '给妈妈买降压药',
    });
    expect(o).toMatchObject({ requesterId: son.user.id, resident: { id: mother.id }, channel: 'miniapp', regionId: w.regions.A1 });
    expect(
      (
        await send(w.users.residentA2.token, 'POST', '/orders', {
          residentId: mother.id,
          categoryCode: 'medicine_delivery',
          urgency: 'normal',
          description: '冒充',
        })
      ).statusCode,
    ).toBe(403);
    // the grid worker sees and dispatches it as any order of the grid
    expect((await ok<OrderDto>(grid(), 'GET', `/orders/${o.id}`)).actions).toContain('dispatch');
    // his sister, family too, may cancel it before anyone comes (the event says who: family)
    const daughter = await login(DAUGHTER);
    expect((await ok<OrderDto>(daughter.token, 'POST', `/orders/${o.id}/cancel`, { reason: '我已经买了' })).status).toBe('cancelled');
    const events = await ok<{ items: OrderEventDto[] }>(daughter.token, 'GET', `/orders/${o.id}/events`);
    expect(events.items.at(-1)).toMatchObject({ type: 'cancel', actorId: daughter.user.id, data: { by: 'family' } });
  });

  it('an elder with neither a mobile nor family: another staff member confirms after a call-back, saying what was said', async () => {
    const served = await servedProxyOrder(landlineElder.id);
    const placer = await send(grid(), 'POST', `/orders/${served.id}/confirm`, { resolved: true, comment: '已回访' });
    expect(placer.statusCode).toBe(403);
    expect(placer.json<{ message: string }>().message).toContain('请由本网格或社区的其他工作人员电话回访后确认');
    const dispatcher = w.users.dispatcherT.token;
    expect((await ok<OrderDto>(dispatcher, 'GET', `/orders/${served.id}`)).actions).toEqual(expect.arrayContaining(['confirm', 'reopen']));
    expectField(
      await send(dispatcher, 'POST', `/orders/${served.id}/confirm`, { resolved: true, rating: 5 }),
      'comment',
      '请写明电话回访的情况（何时打给谁、居民怎么说）',
    );
    const closed = await ok<OrderDto>(dispatcher, 'POST', `/orders/${served.id}/confirm`, {
      resolved: true,
      rating: 4,
      comment: '10:20 电话回访老人，药已收到',
    });
    expect(closed.status).toBe('closed');
    const events = await ok<{ items: OrderEventDto[] }>(dispatcher, 'GET', `/orders/${served.id}/events`);
    expect(events.items.at(-1)).toMatchObject({
      type: 'confirm',
      actorId: w.users.dispatcherT.id,
      reason: '10:20 电话回访老人，药已收到',
      data: { by: 'callback', rating: 4 },
    });
  });

  it('masks the landline like a phone for a viewer who may not see the resident', async () => {
    // a volunteer browsing the task hall sees the landline elder's open order masked
    await t.database.db.query(`UPDATE app_user SET on_duty = true WHERE id = $1`, [w.users.volunteerA1.id]);
    const o = await ok<OrderDto>(grid(), 'POST', '/orders', {
      residentId: landlineElder.id,
      categoryCode: 'medicine_delivery',
      urgency: 'normal',
      description: '取药',
    });
    const browsing = await ok<OrderDto>(w.users.volunteerA1.token, 'GET', `/orders/${o.id}`);
    expect(browsing.resident).toEqual({ id: landlineElder.id, name: '固**', phone: null, landline: '0471-*****67', phoneMasked: true });
    await ok(w.users.volunteerA1.token, 'POST', `/orders/${o.id}/accept`, {});
    // the person who took it must call ahead: in full
    expect((await ok<OrderDto>(w.users.volunteerA1.token, 'GET', `/orders/${o.id}`)).resident).toMatchObject({ landline: '0471-1234567', phoneMasked: false });
    // the daughter follows her mother, not this elder
    const daughter = await login(DAUGHTER);
    expect((await send(daughter.token, 'GET', `/orders/${o.id}`)).statusCode).toBe(404);
    expect((await send(daughter.token, 'GET', `/users/${landlineElder.id}`)).statusCode).toBe(404);
  });
});
