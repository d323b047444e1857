import type { AccessLogEntryDto, AuditEntryDto, Page, SquadDto } from '@bangbang/shared';
import { grantAdmin } from '../../server/src/modules/users/admin-grant';
import { buildTestApp, type TestApp } from '../support/app';
import { startFakeSms, type FakeSms } from '../support/fake-sms';
import { FAKE_APPID, FAKE_SECRET, startFakeWechat, type FakeWechat } from '../support/fake-wechat';
import { bearer, buildWorld, type World } from '../support/world';

type Who = keyof World['users'];
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

/**
 * Issue 18, item 6: every change to people, roles, places, squads, the catalogue and dispatch settings, and every
 * admin grant, writes exactly one audit_log row in its own transaction (who, what, subject, before → after, address);
 * admins read it and the access log through the API.
 */
describe('the audit trail', () => {
  let t: TestApp;
  let w: World;
  let squad: SquadDto;
  let sms: FakeSms;
  let wechat: FakeWechat;
  const IP = '10.1.2.3';

  beforeAll(async () => {
    sms = await startFakeSms();
    wechat = await startFakeWechat();
    t = await buildTestApp({ ...sms.env, WECHAT_APPID: FAKE_APPID, WECHAT_SECRET: FAKE_SECRET, WECHAT_API_BASE: wechat.url });
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
    await wechat.close();
    await sms.close();
  });

  const call = (who: Who, method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, payload, headers: bearer(w.users[who].token), remoteAddress: IP });
  const auditRows = () =>
    t.database.db.query<
      Array<{ actor_id: string | null; action: string; subject_type: string; subject_id: string; before: unknown; after: unknown; ip: string | null }>
    >(`SELECT actor_id, action, subject_type, subject_id, before, after, ip FROM audit_log ORDER BY created_at, id`);

  /** Every mutating route of the audited areas, as METHOD + path template of the OpenAPI document, with one call each. */
  const walk: Array<{ route: string; who: Who; run: () => Promise<{ statusCode: number; body: string }>; action: string; subject: () => string }> = [];
  let newUserId = '';
  let newRegionId = '';
  let newContactId = '';
  walk.push(
    {
      route: 'POST /api/v1/users',
      who: 'dispatcherT',
      run: async () => {
        const res = await call('dispatcherT', 'POST', '/users', { name: '新居民', phone: '13700001111', roles: ['resident'], regionId: w.regions.A1 });
        newUserId = res.json<{ id: string }>().id;
        return res;
      },
      action: 'user.register',
      subject: () => newUserId,
    },
    {
      route: 'PATCH /api/v1/users/{id}',
      who: 'dispatcherT',
      run: () => call('dispatcherT', 'PATCH', `/users/${w.users.residentA1.id}`, { address: '甲社区3号楼2单元402', roles: ['resident', 'volunteer'] }),
      action: 'user.update',
      subject: () => w.users.residentA1.id,
    },
    {
      route: 'PATCH /api/v1/me',
      who: 'residentA2',
      run: () => call('residentA2', 'PATCH', '/me', { name: '甲二居民（改）' }),
      action: 'user.update',
      subject: () => w.users.residentA2.id,
    },
    {
      route: 'POST /api/v1/users/{id}/family-contacts',
      who: 'dispatcherT',
      run: async () => {
        const res = await call('dispatcherT', 'POST', `/users/${newUserId}/family-contacts`, { name: '新居民之女', relation: 'child', phone: '13700002222' });
        newContactId = res.json<{ id: string }>().id;
        return res;
      },
      action: 'user.family_contact_add',
      subject: () => newUserId,
    },
    {
      route: 'DELETE /api/v1/users/{id}/family-contacts/{contactId}',
      who: 'dispatcherT',
      run: () => call('dispatcherT', 'DELETE', `/users/${newUserId}/family-contacts/${newContactId}`),
      action: 'user.family_contact_remove',
      subject: () => newUserId,
    },
    {
      route: 'PUT /api/v1/users/{id}/roster',
      who: 'dispatcherT',
      run: () => call('dispatcherT', 'PUT', `/users/${w.users.volunteerA1.id}/roster`, { slots: [{ weekday: 1, start: '08:00', end: '12:00' }] }),
      action: 'user.roster',
      subject: () => w.users.volunteerA1.id,
    },
    {
      route: 'POST /api/v1/regions',
      who: 'admin',
      run: async () => {
        const res = await call('admin', 'POST', '/regions', { name: '甲三网格', level: 'grid', parentId: w.regions.A });
        newRegionId = res.json<{ id: string }>().id;
        return res;
      },
      action: 'region.create',
      subject: () => newRegionId,
    },
    {
      route: 'PATCH /api/v1/regions/{id}',
      who: 'admin',
      run: () => call('admin', 'PATCH', `/regions/${newRegionId}`, { center: { lat: 40.76, lng: 107.41 } }),
      action: 'region.update',
      subject: () => newRegionId,
    },
    {
      route: 'POST /api/v1/regions/{id}/move',
      who: 'admin',
      run: () => call('admin', 'POST', `/regions/${newRegionId}/move`, { parentId: w.regions.B }),
      action: 'region.move',
      subject: () => newRegionId,
    },
    {
      route: 'PUT /api/v1/regions/{id}/dispatch-mode',
      who: 'dispatcherT',
      run: () => call('dispatcherT', 'PUT', `/regions/${w.regions.A}/dispatch-mode`, { mode: 'auto' }),
      action: 'dispatch.set_mode',
      subject: () => w.regions.A,
    },
    {
      route: 'POST /api/v1/squads',
      who: 'dispatcherT',
      run: async () => {
        const res = await call('dispatcherT', 'POST', '/squads', {
          name: '甲社区红色帮帮团',
          color: 'red',
          regionId: w.regions.A,
          leaderId: w.users.gridWorkerA1.id,
          categories: ['errands'],
        });
        squad = res.json<SquadDto>();
        return res;
      },
      action: 'squad.create',
      subject: () => squad.id,
    },
    {
      route: 'PATCH /api/v1/squads/{id}',
      who: 'dispatcherT',
      run: () => call('dispatcherT', 'PATCH', `/squads/${squad.id}`, { name: '甲社区红色帮帮团（一队）' }),
      action: 'squad.update',
      subject: () => squad.id,
    },
    {
      route: 'POST /api/v1/squads/{id}/members',
      who: 'dispatcherT',
      run: () => call('dispatcherT', 'POST', `/squads/${squad.id}/members`, { userId: w.users.volunteerA1.id }),
      action: 'squad.add_member',
      subject: () => squad.id,
    },
    {
      route: 'DELETE /api/v1/squads/{id}/members/{userId}',
      who: 'dispatcherT',
      run: () => call('dispatcherT', 'DELETE', `/squads/${squad.id}/members/${w.users.volunteerA1.id}`),
      action: 'squad.remove_member',
      subject: () => squad.id,
    },
    {
      route: 'POST /api/v1/service-categories',
      who: 'admin',
      run: () =>
        call('admin', 'POST', '/service-categories', {
          code: 'snow_clearing',
          name: '扫雪除冰',
          color: 'orange',
          icon: 'snow',
          acceptMinutesNormal: 720,
          acceptMinutesUrgent: 120,
        }),
      action: 'category.create',
      subject: () => 'snow_clearing',
    },
    {
      route: 'PATCH /api/v1/service-categories/{code}',
      who: 'admin',
      run: () => call('admin', 'PATCH', '/service-categories/snow_clearing', { acceptMinutesNormal: 600 }),
      action: 'category.update',
      subject: () => 'snow_clearing',
    },
    {
      // a person changes their own phone, re-verified by an SMS code; the answer's token replaces the ended one
      route: 'POST /api/v1/me/phone',
      who: 'residentX1',
      run: async () => {
        await t.app.inject({ method: 'POST', url: '/api/v1/auth/sms-code', payload: { phone: '13700003333', purpose: 'bind' } });
        const res = await call('residentX1', 'POST', '/me/phone', { phone: '13700003333', code: sms.lastCode('13700003333') });
        w.users.residentX1.token = res.json<{ token: string }>().token;
        return res;
      },
      action: 'user.phone.change',
      subject: () => w.users.residentX1.id,
    },
    {
      route: 'POST /api/v1/me/phone/wechat',
      who: 'residentX1',
      run: async () => {
        wechat.phoneCodes.set('audit-phone-code', '13700003334');
        const res = await call('residentX1', 'POST', '/me/phone/wechat', { code: 'audit-phone-code' });
        w.users.residentX1.token = res.json<{ token: string }>().token;
        return res;
      },
      action: 'user.phone.change',
      subject: () => w.users.residentX1.id,
    },
  );
  // 我要当志愿者 and 迁移申请: the person's own steps and the staff's decisions. A pending application to decide is put
  // in the table directly, so that the step's one row is the decision's.
  let applicationId = '';
  const pendingApplication = async (applicant: Who): Promise<string> => {
    const [row] = await t.database.db.query<Array<{ id: string }>>(
      `INSERT INTO application (applicant_id, kind, region_id, skills) SELECT id, 'volunteer', region_id, '{errands}' FROM app_user WHERE id = $1 RETURNING id`,
      [w.users[applicant].id],
    );
    return row!.id;
  };
  walk.push(
    {
      route: 'POST /api/v1/me/applications',
      who: 'residentA2',
      run: async () => {
        const res = await call('residentA2', 'POST', '/me/applications', { kind: 'volunteer', skills: ['errands'] });
        applicationId = res.json<{ id: string }>().id;
        return res;
      },
      action: 'application.create',
      subject: () => applicationId,
    },
    {
      route: 'POST /api/v1/me/applications/{id}/withdraw',
      who: 'residentA2',
      run: () => call('residentA2', 'POST', `/me/applications/${applicationId}/withdraw`),
      action: 'application.withdraw',
      subject: () => applicationId,
    },
    {
      route: 'POST /api/v1/applications/{id}/approve',
      who: 'gridWorkerX1',
      run: async () => call('gridWorkerX1', 'POST', `/applications/${await pendingApplication('residentX1')}/approve`),
      action: 'application.approve',
      subject: () => w.users.residentX1.id,
    },
    {
      route: 'POST /api/v1/applications/{id}/decline',
      who: 'dispatcherT',
      run: async () => {
        applicationId = await pendingApplication('residentA2');
        return call('dispatcherT', 'POST', `/applications/${applicationId}/decline`, { reason: '本月名额已满' });
      },
      action: 'application.decline',
      subject: () => applicationId,
    },
  );
  // 在职党员双报到 (issue 22): the person's own, and staff registering someone
  walk.push(
    {
      route: 'PUT /api/v1/me/party-registration',
      who: 'residentX1',
      run: () => call('residentX1', 'PUT', '/me/party-registration', { communityId: w.regions.A, workplace: '旗医院' }),
      action: 'party.register',
      subject: () => w.users.residentX1.id,
    },
    {
      route: 'DELETE /api/v1/me/party-registration',
      who: 'residentX1',
      run: () => call('residentX1', 'DELETE', '/me/party-registration'),
      action: 'party.end',
      subject: () => w.users.residentX1.id,
    },
    {
      route: 'PUT /api/v1/users/{id}/party-registration',
      who: 'dispatcherT',
      run: () => call('dispatcherT', 'PUT', `/users/${w.users.residentA2.id}/party-registration`, { communityId: w.regions.A, workplace: '旗教育局' }),
      action: 'party.register',
      subject: () => w.users.residentA2.id,
    },
  );

  /** Mutating routes of these areas that are not changes to be audited, and why. */
  const NOT_AUDITED: Record<string, string> = {
    'PUT /api/v1/me/duty': '上岗/下岗 is the working state of the day, not a change of the record',
    'POST /api/v1/dispatch/batch': 'batch dispatch moves orders; each order keeps its own timeline',
    'POST /api/v1/me/notifications/read': 'reading one’s own messages changes nobody’s record',
    'PUT /api/v1/me/notification-preferences': 'how a person wants to hear is their own setting, not a change to the records staff keep',
    'POST /api/v1/me/subscriptions': 'WeChat subscriptions the person allowed: a count of sends, kept per person',
    'POST /api/v1/me/points/redemptions': 'a redemption is its own row and a row of the append-only points ledger',
    'POST /api/v1/me/points/redemptions/{id}/cancel': 'the cancellation is a new row of the append-only points ledger',
  };
  const AREAS = /^\/api\/v1\/(users|me|regions|squads|service-categories|dispatch|applications)\b/;

  it('walks every mutating route of people, places, squads, the catalogue and dispatch settings: one row each, with actor, subject, change and address', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json<OpenApiDocument>();
    const mutating = Object.entries(doc.paths)
      .filter(([path]) => AREAS.test(path))
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .filter((op) => NOT_AUDITED[op] === undefined)
      .sort();
    expect(walk.map((s) => s.route).sort()).toEqual(mutating);

    for (const step of walk) {
      const before = (await auditRows()).length;
      const res = await step.run();
      expect({ route: step.route, status: res.statusCode, body: res.statusCode < 300 ? '' : res.body }).toEqual({
        route: step.route,
        status: expect.any(Number) as number,
        body: '',
      });
      const rows = await auditRows();
      expect({ route: step.route, added: rows.length - before }).toEqual({ route: step.route, added: 1 });
      const row = rows.at(-1)!;
      expect({ route: step.route, ...row }).toMatchObject({
        route: step.route,
        actor_id: w.users[step.who].id,
        action: step.action,
        subject_id: step.subject(),
        ip: IP,
      });
    }
    const rows = await auditRows();
    const update = rows.find((r) => r.action === 'user.update' && r.subject_id === w.users.residentA1.id)!;
    expect(update.before).toEqual({ address: '甲社区3号楼2单元401', roles: ['resident'] });
    expect(update.after).toEqual({ address: '甲社区3号楼2单元402', roles: ['resident', 'volunteer'] });
    const mode = rows.find((r) => r.action === 'dispatch.set_mode')!;
    expect(mode.before).toMatchObject({ mode: null });
    expect(mode.after).toMatchObject({ mode: 'auto', effectiveMode: 'auto' });
  });

  it('writes nothing for a refused change (the row is in the same transaction as the change)', async () => {
    const before = (await auditRows()).length;
    expect((await call('dispatcherT', 'PATCH', `/users/${w.users.dispatcherT.id}`, { name: '我自己' })).statusCode).toBe(403);
    expect((await call('admin', 'PATCH', '/service-categories/snow_clearing', { acceptMinutesUrgent: 100000 })).statusCode).toBe(400);
    expect(
      (
        await call('dispatcherT', 'POST', '/squads', {
          name: '甲社区红色帮帮团（一队）',
          color: 'red',
          regionId: w.regions.A,
          leaderId: w.users.gridWorkerA1.id,
          categories: [],
        })
      ).statusCode,
    ).toBe(409);
    expect((await auditRows()).length).toBe(before);
  });

  it('records every admin grant (pnpm admin:grant), by the command line, and only real grants', async () => {
    const before = (await auditRows()).length;
    const first = await grantAdmin(t.database.db, { phone: '13700002222', name: '首位管理员' });
    expect(first).toMatchObject({ granted: true, created: true });
    const again = await grantAdmin(t.database.db, { phone: '13700002222' });
    expect(again.granted).toBe(false);
    const rows = await auditRows();
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({
      actor_id: null,
      action: 'admin.grant',
      subject_id: first.userId,
      before: { roles: ['resident'] },
      after: { roles: ['resident', 'admin'] },
      ip: null,
    });
    const [person] = await t.database.db.query<Array<{ roles: string[]; name: string }>>(`SELECT roles, name FROM app_user WHERE id = $1`, [first.userId]);
    expect(person).toEqual({ roles: ['resident', 'admin'], name: '首位管理员' });
  });

  describe('reading it (GET /audit, GET /access-log)', () => {
    const get = (who: Who, url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: bearer(w.users[who].token) });

    it('is for admins only', async () => {
      for (const who of ['dispatcherT', 'gridWorkerA1', 'residentA1'] as const) {
        expect((await get(who, '/audit')).statusCode).toBe(403);
        expect((await get(who, '/access-log')).statusCode).toBe(403);
      }
    });

    it('filters by actor, subject and time, and pages through every row exactly once', async () => {
      const all = (await auditRows()).length;
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get('admin', `/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        const page = res.json<Page<AuditEntryDto>>();
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.length).toBe(all);
      expect(new Set(seen).size).toBe(all);

      const byActor = (await get('admin', `/audit?actorId=${w.users.admin.id}`)).json<Page<AuditEntryDto>>();
      expect(byActor.items.map((i) => i.action).sort()).toEqual(['category.create', 'category.update', 'region.create', 'region.move', 'region.update']);
      expect(byActor.items[0]).toMatchObject({ actorName: '总管理员', subjectType: 'category', subjectName: '扫雪除冰', ip: IP });
      const bySubject = (await get('admin', `/audit?subjectId=${squad.id}`)).json<Page<AuditEntryDto>>();
      expect(bySubject.items.map((i) => i.action)).toEqual(['squad.remove_member', 'squad.add_member', 'squad.update', 'squad.create']);
      const future = (await get('admin', `/audit?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`)).json<Page<AuditEntryDto>>();
      expect(future.items).toEqual([]);
      // a county admin sees what people of the county did, not the city-wide admin's changes
      const county = (await get('countyAdmin', '/audit')).json<Page<AuditEntryDto>>();
      expect(county.items.length).toBeGreaterThan(0);
      expect(county.items.every((i) => i.actorId !== w.users.admin.id && i.actorId !== null)).toBe(true);
    });

    it('shows who saw whose full phone and address', async () => {
      expect((await get('dispatcherT', `/users/${w.users.residentX1.id}`)).statusCode).toBe(404);
      expect((await get('dispatcherT2', `/users/${w.users.residentX1.id}`)).statusCode).toBe(200);
      const res = await get('admin', `/access-log?actorId=${w.users.dispatcherT2.id}&subjectId=${w.users.residentX1.id}`);
      expect(res.statusCode).toBe(200);
      const page = res.json<Page<AccessLogEntryDto>>();
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({ viewerName: '二号镇调度', subjectName: '丙一居民', fields: ['phone', 'address'] });
      const bad = await get('admin', '/access-log?cursor=nonsense');
      expect(bad.statusCode).toBe(400);
    });
  });
});
