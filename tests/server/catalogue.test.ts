import type { ServiceCategoryDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

describe('the service catalogue (服务清单)', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
  });
  const admin = () => bearer(w.users.admin.token);

  it('is seeded with the services of the articles, each with its team colour and deadlines', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/service-categories' });
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: ServiceCategoryDto[] }>().items;
    const names = items.map((c) => c.name);
    for (const name of [
      '送医送药',
      '代购代办',
      '上门接种',
      '协助就医转诊',
      '陪伴照顾',
      '情绪疏导',
      '家电维修',
      '房屋修缮',
      '助餐送餐',
      '法律咨询',
      '义诊',
      '理发',
      '助农抢收',
      '帮办代办',
      '反诈宣传',
      '智能手机教学',
    ]) {
      expect(names).toContain(name);
    }
    const harvest = items.find((c) => c.code === 'harvest_help')!;
    expect(harvest).toMatchObject({ color: 'red', multiPerson: true });
    for (const c of items) expect(c.acceptMinutesUrgent).toBeLessThanOrEqual(c.acceptMinutesNormal);
    // sorted for the home screen
    expect([...items].sort((a, b) => a.sortOrder - b.sortOrder).map((c) => c.code)).toEqual(items.map((c) => c.code));
  });

  it('lets an admin add a service and edit it; the code cannot change', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/service-categories',
      headers: admin(),
      payload: {
        code: 'snow_clearing',
        name: '扫雪除冰',
        color: 'orange',
        icon: 'snow',
        acceptMinutesNormal: 720,
        acceptMinutesUrgent: 120,
        multiPerson: true,
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      code: 'snow_clearing',
      name: '扫雪除冰',
      color: 'orange',
      icon: 'snow',
      kind: 'qualified',
      acceptMinutesNormal: 720,
      acceptMinutesUrgent: 120,
      multiPerson: true,
      sortOrder: 0,
      active: true,
    });
    const edited = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/service-categories/snow_clearing',
      headers: admin(),
      payload: { name: '扫雪', active: false },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ code: 'snow_clearing', name: '扫雪', active: false });
    const code = await t.app.inject({ method: 'PATCH', url: '/api/v1/service-categories/snow_clearing', headers: admin(), payload: { code: 'x' } });
    expect(code.statusCode).toBe(400);
    expect(code.json().details).toEqual([{ field: 'code', message: '不允许的字段' }]);

    // an inactive service leaves the public list but stays visible to admins
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/service-categories' });
    expect(list.json<{ items: ServiceCategoryDto[] }>().items.map((c) => c.code)).not.toContain('snow_clearing');
    const all = await t.app.inject({ method: 'GET', url: '/api/v1/service-categories?all=true', headers: admin() });
    expect(all.json<{ items: ServiceCategoryDto[] }>().items.map((c) => c.code)).toContain('snow_clearing');
  });

  it('answers each bad input with the field named', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/service-categories',
      headers: admin(),
      payload: { code: 'Bad Code', name: '', color: 'gold', icon: 'x', acceptMinutesNormal: 0, acceptMinutesUrgent: 99999 },
    });
    expect(bad.statusCode).toBe(400);
    expect((bad.json().details as Array<{ field: string }>).map((d) => d.field)).toEqual([
      'code',
      'name',
      'color',
      'acceptMinutesNormal',
      'acceptMinutesUrgent',
    ]);

    const slower = await t.app.inject({
      method: 'POST',
      url: '/api/v1/service-categories',
      headers: admin(),
      payload: { code: 'slow_urgent', name: '慢', color: 'blue', icon: 'x', acceptMinutesNormal: 30, acceptMinutesUrgent: 60 },
    });
    expect(slower.statusCode).toBe(400);
    expect(slower.json().details).toEqual([{ field: 'acceptMinutesUrgent', message: '紧急单的接单时限不能长于普通单' }]);

    const patchSlower = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/service-categories/meal_delivery',
      headers: admin(),
      payload: { acceptMinutesUrgent: 600 },
    });
    expect(patchSlower.statusCode).toBe(400);

    const dup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/service-categories',
      headers: admin(),
      payload: { code: 'haircut', name: '理发2', color: 'other', icon: 'x', acceptMinutesNormal: 60, acceptMinutesUrgent: 30 },
    });
    expect(dup.statusCode).toBe(409);
    const dupName = await t.app.inject({ method: 'PATCH', url: '/api/v1/service-categories/errands', headers: admin(), payload: { name: '理发' } });
    expect(dupName.statusCode).toBe(409);

    // null is not "absent": a NOT NULL field sent as null is a 400 naming it, never a 500
    const nulled = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/service-categories/meal_delivery',
      headers: admin(),
      payload: { name: null, active: null },
    });
    expect(nulled.statusCode).toBe(400);
    expect((nulled.json().details as Array<{ field: string }>).map((d) => d.field)).toEqual(['name', 'active']);

    const missing = await t.app.inject({ method: 'PATCH', url: '/api/v1/service-categories/no_such', headers: admin(), payload: { name: '无' } });
    expect(missing.statusCode).toBe(404);
  });
});
