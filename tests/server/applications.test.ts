import type { ApplicationDto, MeDto, OrderDto, Page } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT';
interface Person {
  id: string;
  token: string;
}

/**
 * Issue 18, item 2: 我要当志愿者 and 迁移申请. A person asks; the grid worker or dispatcher of their place (for a
 * move, also of the target) approves or declines with a reason, once; only then does the role or place change.
 */
describe('applications (volunteer, move)', () => {
  let t: TestApp;
  let w: World;
  let n = 0;

  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
  });

  const who = (p: keyof World['users'] | Person): Person => (typeof p === 'string' ? w.users[p] : p);
  const call = (p: keyof World['users'] | Person, method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, payload, headers: bearer(who(p).token) });
  /** A person made directly in the database (a resident unless told), with a token. */
  const person = async (region: keyof World['regions'] | null, roles = ['resident']): Promise<Person> => {
    n += 1;
    const [row] = await t.database.db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id, address) VALUES ($1, $2, $3, $4, '某小区1号') RETURNING id`,
      [`申请人${n}`, `135${String(n).padStart(8, '0')}`, roles, region ? w.regions[region] : null],
    );
    return { id: row!.id, token: t.app.jwt.sign({ sub: row!.id }) };
  };
  const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
  const volunteerBody = (extra: object = {}) => ({
    kind: 'volunteer',
    skills: ['medicine_delivery'],
    availability: ALL_WEEK,
    note: '退休教师，白天有空',
    ...extra,
  });
  const apply = async (p: keyof World['users'] | Person, body: object = volunteerBody()): Promise<ApplicationDto> => {
    const res = await call(p, 'POST', '/me/applications', body);
    expect({ status: res.statusCode, body: res.statusCode === 201 ? null : res.json<unknown>() }).toEqual({ status: 201, body: null });
    return res.json<ApplicationDto>();
  };
  const fields = (res: { json: <T>() => T }) => res.json<{ details?: Array<{ field: string }> }>().details?.map((d) => d.field);
  const auditRows = (subjectId: string) =>
    t.database.db.query<Array<{ actor_id: string; action: string; subject_type: string; before: Record<string, unknown>; after: Record<string, unknown> }>>(
      `SELECT actor_id, action, subject_type, before, after FROM audit_log WHERE subject_id = $1 ORDER BY created_at, id`,
      [subjectId],
    );
  const roles = async (id: string) => (await t.database.db.query<Array<{ roles: string[] }>>(`SELECT roles FROM app_user WHERE id = $1`, [id]))[0]!.roles;

  describe('applying', () => {
    it('makes a pending volunteer application, audited, listed as mine', async () => {
      const p = await person('A1');
      const app = await apply(p, volunteerBody({ serviceRegionId: w.regions.A2 }));
      expect(app).toMatchObject({
        kind: 'volunteer',
        status: 'pending',
        applicant: { id: p.id, name: expect.stringMatching(/^申请人/) as string },
        skills: ['medicine_delivery'],
        availability: ALL_WEEK,
        note: '退休教师，白天有空',
        place: { id: w.regions.A1, label: '测试市 › 测试旗 › 一号镇 › 甲社区 › 甲一网格' },
        serviceRegion: { id: w.regions.A2, label: '测试市 › 测试旗 › 一号镇 › 甲社区 › 甲二网格' },
        targetRegion: null,
        decidedBy: null,
        decidedAt: null,
        declineReason: null,
      });
      expect(app.applicant.phone).toMatch(/^135\*{4}\d{4}$/);
      const mine = await call(p, 'GET', '/me/applications');
      expect(mine.statusCode).toBe(200);
      expect(mine.json<Page<ApplicationDto>>().items.map((a) => a.id)).toEqual([app.id]);
      expect(await auditRows(app.id)).toEqual([
        expect.objectContaining({ actor_id: p.id, action: 'application.create', subject_type: 'application', before: null }),
      ]);
      expect(await roles(p.id)).toEqual(['resident']);
    });

    it('defaults the service area to the person’s own place', async () => {
      const p = await person('A2');
      const app = await apply(p, { kind: 'volunteer', skills: ['errands'] });
      expect(app.serviceRegion?.id).toBe(w.regions.A2);
      expect(app.availability).toEqual([]);
    });

    it('refuses what it must: 400 naming the field, 409 for a second pending one, no place, or a volunteer already', async () => {
      const p = await person('A1');
      const cases: Array<[object, string]> = [
        [{ kind: 'volunteer' }, 'skills'],
        [{ kind: 'volunteer', skills: [] }, 'skills'],
        [{ kind: 'volunteer', skills: ['no_such_service'] }, 'skills'],
        [volunteerBody({ serviceRegionId: w.regions.B1 }), 'serviceRegionId'],
        [volunteerBody({ serviceRegionId: w.regions.T }), 'serviceRegionId'],
        [volunteerBody({ availability: [{ weekday: 1, start: '12:00', end: '08:00' }] }), 'availability[0].end'],
        [volunteerBody({ availability: [{ weekday: 8, start: '08:00', end: '12:00' }] }), 'availability[0].weekday'],
        [volunteerBody({ targetRegionId: w.regions.A2 }), 'targetRegionId'],
        [{ kind: 'move', address: '新地址' }, 'targetRegionId'],
        [{ kind: 'move', targetRegionId: w.regions.A2 }, 'address'],
        [{ kind: 'move', targetRegionId: w.regions.A, address: '新地址' }, 'targetRegionId'],
        [{ kind: 'move', targetRegionId: w.regions.A1, address: '新地址' }, 'targetRegionId'],
        [{ kind: 'move', targetRegionId: w.regions.A2, address: '新地址', skills: ['errands'] }, 'skills'],
        [{ kind: 'hire_me' }, 'kind'],
      ];
      for (const [body, field] of cases) {
        const res = await call(p, 'POST', '/me/applications', body);
        expect({ body, status: res.statusCode, fields: fields(res) }).toEqual({ body, status: 400, fields: [field] });
      }
      await apply(p);
      const twice = await call(p, 'POST', '/me/applications', volunteerBody());
      expect(twice.statusCode).toBe(409);
      // one pending of each kind: a move request still may be made
      await apply(p, { kind: 'move', targetRegionId: w.regions.A2, address: '甲社区9号楼', reason: '搬家了' });

      const nowhere = await person(null);
      expect((await call(nowhere, 'POST', '/me/applications', volunteerBody())).statusCode).toBe(409);
      expect((await call('volunteerA1', 'POST', '/me/applications', volunteerBody())).statusCode).toBe(409);
    });

    it('lets only one of two simultaneous applications through (the partial unique index)', async () => {
      const p = await person('A1');
      const results = await Promise.all([1, 2, 3].map(() => call(p, 'POST', '/me/applications', volunteerBody())));
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
      const [row] = await t.database.db.query<Array<{ count: number }>>(`SELECT count(*)::int AS count FROM application WHERE applicant_id = $1`, [p.id]);
      expect(row!.count).toBe(1);
    });
  });

  describe('deciding', () => {
    it('approving a volunteer application grants the role, skills and roster; the person can then go on duty and accept a task', async () => {
      const p = await person('A1');
      expect((await call(p, 'PUT', '/me/duty', { onDuty: true })).statusCode).toBe(403);
      const app = await apply(p);

      const seen = await call('gridWorkerA1', 'GET', '/applications?status=pending&kind=volunteer');
      expect(seen.statusCode).toBe(200);
      expect(seen.json<Page<ApplicationDto>>().items.map((a) => a.id)).toContain(app.id);

      const res = await call('gridWorkerA1', 'POST', `/applications/${app.id}/approve`);
      expect(res.statusCode).toBe(200);
      expect(res.json<ApplicationDto>()).toMatchObject({ status: 'approved', decidedBy: { id: w.users.gridWorkerA1.id, name: '甲一网格员' } });
      expect(res.json<ApplicationDto>().decidedAt).not.toBeNull();

      const me = (await call(p, 'GET', '/me')).json<MeDto>();
      expect(me.roles).toEqual(['resident', 'volunteer']);
      expect(me.skills).toEqual(['medicine_delivery']);
      const [u] = await t.database.db.query<Array<{ roster: unknown }>>(`SELECT roster FROM app_user WHERE id = $1`, [p.id]);
      expect(u!.roster).toEqual(ALL_WEEK);

      const rows = await auditRows(p.id);
      expect(rows.at(-1)).toMatchObject({
        actor_id: w.users.gridWorkerA1.id,
        action: 'application.approve',
        subject_type: 'user',
        before: { application: app.id, kind: 'volunteer', roles: ['resident'], skills: [], roster: null },
        after: { application: app.id, kind: 'volunteer', roles: ['resident', 'volunteer'], skills: ['medicine_delivery'], roster: ALL_WEEK },
      });

      // the new volunteer goes on duty and takes an order of their grid from the task hall
      expect((await call(p, 'PUT', '/me/duty', { onDuty: true })).statusCode).toBe(200);
      const order = await call('residentA1', 'POST', '/orders', { categoryCode: 'medicine_delivery', description: '帮忙取降压药', urgency: 'normal' });
      expect(order.statusCode).toBe(201);
      const accepted = await call(p, 'POST', `/orders/${order.json<OrderDto>().id}/accept`, {});
      expect(accepted.statusCode).toBe(200);
      expect(accepted.json<OrderDto>().status).toBe('accepted');

      // decided once
      expect((await call('gridWorkerA1', 'POST', `/applications/${app.id}/approve`)).statusCode).toBe(409);
      expect((await call('dispatcherT', 'POST', `/applications/${app.id}/decline`, { reason: '再想想' })).statusCode).toBe(409);
      expect((await call(p, 'POST', `/me/applications/${app.id}/withdraw`)).statusCode).toBe(409);
    });

    it('declining needs a reason, which the person reads; nothing about them changes', async () => {
      const p = await person('A1');
      const app = await apply(p);
      expect(fields(await call('dispatcherT', 'POST', `/applications/${app.id}/decline`, {}))).toEqual(['reason']);
      expect(fields(await call('dispatcherT', 'POST', `/applications/${app.id}/decline`, { reason: '   ' }))).toEqual(['reason']);
      const res = await call('dispatcherT', 'POST', `/applications/${app.id}/decline`, { reason: '本网格志愿者已满，请下月再申请' });
      expect(res.statusCode).toBe(200);
      const mine = (await call(p, 'GET', '/me/applications')).json<Page<ApplicationDto>>().items;
      expect(mine[0]).toMatchObject({
        id: app.id,
        status: 'declined',
        declineReason: '本网格志愿者已满，请下月再申请',
        decidedBy: { id: w.users.dispatcherT.id },
      });
      expect(await roles(p.id)).toEqual(['resident']);
      expect((await auditRows(app.id)).map((r) => r.action)).toEqual(['application.create', 'application.decline']);
      expect((await auditRows(app.id))[1]).toMatchObject({
        actor_id: w.users.dispatcherT.id,
        after: { status: 'declined', reason: '本网格志愿者已满，请下月再申请' },
      });
      // declined: a new application may be made
      await apply(p);
    });

    it('is for staff whose jurisdiction covers the person: others get 404, non-staff 403, nobody decides their own', async () => {
      const p = await person('A1');
      const app = await apply(p);
      for (const outsider of ['gridWorkerX1', 'dispatcherT2'] as const) {
        expect((await call(outsider, 'POST', `/applications/${app.id}/approve`)).statusCode).toBe(404);
        expect((await call(outsider, 'POST', `/applications/${app.id}/decline`, { reason: '不行' })).statusCode).toBe(404);
        expect((await call(outsider, 'GET', '/applications')).json<Page<ApplicationDto>>().items.map((a) => a.id)).not.toContain(app.id);
      }
      for (const resident of ['residentA1', 'volunteerA1'] as const) {
        expect((await call(resident, 'POST', `/applications/${app.id}/approve`)).statusCode).toBe(403);
        expect((await call(resident, 'GET', '/applications')).statusCode).toBe(403);
      }
      expect((await call(p, 'POST', `/applications/${app.id}/approve`)).statusCode).toBe(403);
      expect((await call('gridWorkerA1', 'POST', '/applications/00000000-0000-4000-8000-000000000000/approve')).statusCode).toBe(404);
      expect((await call('gridWorkerA1', 'POST', '/applications/nonsense/approve')).statusCode).toBe(404);
      // staff asking for a move: not their own decision
      const move = await apply('gridWorkerA1', { kind: 'move', targetRegionId: w.regions.A2, address: '甲社区2号楼' });
      const own = await call('gridWorkerA1', 'POST', `/applications/${move.id}/approve`);
      expect(own.statusCode).toBe(403);
      expect((await call('dispatcherT', 'POST', `/applications/${move.id}/decline`, { reason: '网格员岗位暂不调整' })).statusCode).toBe(200);
      expect(await roles(p.id)).toEqual(['resident']);
    });

    it('keeps the rank rules: a grid worker cannot make a fellow grid worker a volunteer; the dispatcher can', async () => {
      const colleague = await person('A1', ['grid_worker']);
      const app = await apply(colleague);
      const res = await call('gridWorkerA1', 'POST', `/applications/${app.id}/approve`);
      expect(res.statusCode).toBe(403);
      expect(await roles(colleague.id)).toEqual(['grid_worker']);
      expect((await call('dispatcherT', 'POST', `/applications/${app.id}/approve`)).statusCode).toBe(200);
      expect(await roles(colleague.id)).toEqual(['grid_worker', 'volunteer']);
    });

    it('approving a move sets the place and address; the target’s staff see and may decide it', async () => {
      const p = await person('A2');
      const app = await apply(p, {
        kind: 'move',
        targetRegionId: w.regions.X1,
        address: '丙社区6排1号',
        location: { lat: 40.8, lng: 107.5 },
        reason: '投靠女儿',
      });
      expect(app).toMatchObject({ targetRegion: { id: w.regions.X1 }, address: '丙社区6排1号', location: { lat: 40.8, lng: 107.5 }, reason: '投靠女儿' });
      // the grid worker of the current place (甲一 is not it) and of the target
      expect((await call('gridWorkerA1', 'GET', '/applications')).json<Page<ApplicationDto>>().items.map((a) => a.id)).not.toContain(app.id);
      expect((await call('gridWorkerX1', 'GET', '/applications?kind=move')).json<Page<ApplicationDto>>().items.map((a) => a.id)).toContain(app.id);
      expect((await call('dispatcherT', 'GET', '/applications?kind=move')).json<Page<ApplicationDto>>().items.map((a) => a.id)).toContain(app.id);
      expect((await call('dispatcherT', 'GET', '/applications?kind=volunteer')).json<Page<ApplicationDto>>().items.map((a) => a.id)).not.toContain(app.id);

      const res = await call('gridWorkerX1', 'POST', `/applications/${app.id}/approve`);
      expect(res.statusCode).toBe(200);
      const me = (await call(p, 'GET', '/me')).json<MeDto>();
      expect(me).toMatchObject({ regionId: w.regions.X1, address: '丙社区6排1号', location: { lat: 40.8, lng: 107.5 } });
      expect((await auditRows(p.id)).at(-1)).toMatchObject({
        action: 'application.approve',
        before: { regionId: w.regions.A2, address: '某小区1号' },
        after: { regionId: w.regions.X1, address: '丙社区6排1号' },
      });
    });

    it('withdrawing: only one’s own, only while pending', async () => {
      const p = await person('A1');
      const app = await apply(p);
      expect((await call('residentA1', 'POST', `/me/applications/${app.id}/withdraw`)).statusCode).toBe(404);
      expect((await call(p, 'POST', '/me/applications/nonsense/withdraw')).statusCode).toBe(404);
      const res = await call(p, 'POST', `/me/applications/${app.id}/withdraw`);
      expect(res.statusCode).toBe(200);
      expect(res.json<ApplicationDto>().status).toBe('withdrawn');
      expect((await call(p, 'POST', `/me/applications/${app.id}/withdraw`)).statusCode).toBe(409);
      expect((await call('gridWorkerA1', 'POST', `/applications/${app.id}/approve`)).statusCode).toBe(409);
      expect((await auditRows(app.id)).map((r) => r.action)).toEqual(['application.create', 'application.withdraw']);
      expect(await roles(p.id)).toEqual(['resident']);
    });
  });

  describe('the staff list', () => {
    it('pages through every application of the jurisdiction exactly once, newest first', async () => {
      for (let i = 0; i < 13; i++) await apply(await person(i % 2 === 0 ? 'A1' : 'B1'));
      const [{ count }] = (await t.database.db.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM application a JOIN app_user u ON u.id = a.applicant_id
          LEFT JOIN region tr ON tr.id = a.target_region_id
          WHERE u.region_id IN ($1, $2, $3) OR tr.id IN ($1, $2, $3)`,
        [w.regions.A1, w.regions.A2, w.regions.B1],
      )) as [{ count: number }];
      const seen: ApplicationDto[] = [];
      let cursor: string | null = null;
      do {
        const res = await call('dispatcherT', 'GET', `/applications?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        const page = res.json<Page<ApplicationDto>>();
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.length).toBe(count);
      expect(new Set(seen.map((a) => a.id)).size).toBe(count);
      const times = seen.map((a) => a.createdAt);
      expect([...times].sort().reverse()).toEqual(times);

      const pending = (await call('dispatcherT', 'GET', '/applications?status=pending&limit=100')).json<Page<ApplicationDto>>().items;
      expect(pending.length).toBeGreaterThan(0);
      expect(pending.every((a) => a.status === 'pending')).toBe(true);
      expect((await call('dispatcherT', 'GET', '/applications?cursor=nonsense')).statusCode).toBe(400);
      expect((await call('dispatcherT', 'GET', '/applications?status=maybe')).statusCode).toBe(400);
    });
  });
});
