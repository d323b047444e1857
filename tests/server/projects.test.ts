import type {
  OrderDto,
  OrderEventDto,
  Page,
  PartyRegistrationDto,
  ProjectDto,
  ServiceRecordDto,
  StatsByPlaceDto,
  StatsOverviewDto,
  ThreeListsDto,
} from '@bangbang/shared';
import ExcelJS from 'exceljs';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
interface Person {
  id: string;
  token: string;
}

const DAY = 86_400_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * Issue 22, item 2: the project list (项目清单), claims (认领) and 在职党员「双报到」. A community's organiser publishes
 * projects; people registered with the community claim a place — never more than there are, one each; the organiser
 * confirms attendance, whose hours count like service hours and whose points are stored on the claim; a resident's
 * demand becomes a project in one step, linked both ways.
 */
describe('projects, claims and 双报到', () => {
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
  const person = async (region: keyof World['regions'] | null, roles = ['resident']): Promise<Person> => {
    n += 1;
    const [row] = await t.database.db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id) VALUES ($1, $2, $3, $4) RETURNING id`,
      [`党员${n}`, `136${String(n).padStart(8, '0')}`, roles, region ? w.regions[region] : null],
    );
    return { id: row!.id, token: t.app.jwt.sign({ sub: row!.id }) };
  };
  const fields = (res: { json: <T>() => T }) => res.json<{ details?: Array<{ field: string }> }>().details?.map((d) => d.field);
  /** An employed party member living outside community A (丙社区) who reports to A through 双报到. */
  const partyMember = async (community: 'A' | 'B' = 'A'): Promise<Person> => {
    const p = await person('X1');
    const res = await call(p, 'PUT', '/me/party-registration', { communityId: w.regions[community], workplace: '杭锦后旗税务局' });
    expect(res.statusCode).toBe(200);
    return p;
  };
  const projectBody = (extra: object = {}) => ({
    regionId: w.regions.A,
    title: '楼道路灯维修',
    description: '3 号楼楼道路灯坏了，需要几位会电工的',
    address: '甲社区3号楼',
    startsAt: at(2 * DAY),
    endsAt: at(2 * DAY + 3 * 3_600_000),
    places: 5,
    skills: ['appliance_repair'],
    hours: 3,
    pointsBase: 10,
    pointsPerHour: 5,
    status: 'published',
    ...extra,
  });
  const publish = async (extra: object = {}, by: keyof World['users'] = 'dispatcherT'): Promise<ProjectDto> => {
    const res = await call(by, 'POST', '/projects', projectBody(extra));
    expect({ status: res.statusCode, body: res.statusCode === 201 ? null : res.json<unknown>() }).toEqual({ status: 201, body: null });
    return res.json<ProjectDto>();
  };

  describe('双报到', () => {
    it('records the community and workplace, marks the person an employed party member, audited, editable', async () => {
      const p = await person('X1');
      expect((await call(p, 'GET', '/me/party-registration')).json()).toEqual({ registration: null });
      const res = await call(p, 'PUT', '/me/party-registration', { communityId: w.regions.A, workplace: '旗医院', workplacePartyOrg: '旗医院党总支' });
      expect(res.statusCode).toBe(200);
      expect(res.json<PartyRegistrationDto>()).toMatchObject({
        community: { id: w.regions.A, name: '甲社区' },
        workplace: '旗医院',
        workplacePartyOrg: '旗医院党总支',
        registeredBy: { id: p.id },
      });
      const [flags] = await t.database.db.query<Array<{ party_member: boolean; employed_party_member: boolean }>>(
        `SELECT party_member, employed_party_member FROM app_user WHERE id = $1`,
        [p.id],
      );
      expect(flags).toEqual({ party_member: true, employed_party_member: true });
      // a second PUT changes it: still one active registration
      const again = await call(p, 'PUT', '/me/party-registration', { communityId: w.regions.B, workplace: '旗医院' });
      expect(again.json<PartyRegistrationDto>()).toMatchObject({ community: { id: w.regions.B }, workplacePartyOrg: null });
      const [{ count }] = await t.database.db.query<[{ count: number }]>(
        `SELECT count(*)::int AS count FROM party_registration WHERE user_id = $1 AND ended_at IS NULL`,
        [p.id],
      );
      expect(count).toBe(1);
      const audit = await t.database.db.query<Array<{ action: string }>>(`SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY created_at`, [p.id]);
      expect(audit.map((a) => a.action)).toEqual(['party.register', 'party.register']);
      // ended: gone from the community's list
      expect((await call(p, 'DELETE', '/me/party-registration')).statusCode).toBe(204);
      expect((await call(p, 'DELETE', '/me/party-registration')).statusCode).toBe(404);
    });

    it('refuses a wrong community or an empty workplace, naming the field in Chinese', async () => {
      const p = await person('X1');
      const grid = await call(p, 'PUT', '/me/party-registration', { communityId: w.regions.A1, workplace: '旗医院' });
      expect(grid.statusCode).toBe(400);
      expect(fields(grid)).toEqual(['communityId']);
      expect(grid.json<{ message: string }>().message).toMatch(/社区\/村/);
      const empty = await call(p, 'PUT', '/me/party-registration', { communityId: w.regions.A, workplace: '' });
      expect(empty.statusCode).toBe(400);
      expect(fields(empty)).toEqual(['workplace']);
      expect(empty.json<{ message: string }>().message).toBe('请填写工作单位。');
      const missing = await call(p, 'PUT', '/me/party-registration', { workplace: '旗医院' });
      expect(fields(missing)).toEqual(['communityId']);
      const unknown = await call(p, 'PUT', '/me/party-registration', { communityId: '00000000-0000-4000-8000-000000000000', workplace: '旗医院' });
      expect({ status: unknown.statusCode, fields: fields(unknown) }).toEqual({ status: 400, fields: ['communityId'] });
    });

    it('is listed for the community’s staff (报到党员); staff may register someone in their jurisdiction', async () => {
      const p = await partyMember('A');
      const list = (await call('dispatcherT', 'GET', `/party-registrations?regionId=${w.regions.A}`)).json<Page<PartyRegistrationDto>>();
      expect(list.items.map((i) => i.person.id)).toContain(p.id);
      expect(list.items.find((i) => i.person.id === p.id)!.person.phone).toMatch(/\*{4}/);
      // outside the jurisdiction: not found; not staff: forbidden
      expect((await call('dispatcherT2', 'GET', `/party-registrations?regionId=${w.regions.A}`)).statusCode).toBe(404);
      expect((await call('residentA1', 'GET', `/party-registrations`)).statusCode).toBe(403);
      const q = await person('A1');
      const byStaff = await call('dispatcherT', 'PUT', `/users/${q.id}/party-registration`, { communityId: w.regions.A, workplace: '旗教育局' });
      expect(byStaff.statusCode).toBe(200);
      expect(byStaff.json<PartyRegistrationDto>().registeredBy).toMatchObject({ id: w.users.dispatcherT.id });
      expect((await call('dispatcherT2', 'PUT', `/users/${q.id}/party-registration`, { communityId: w.regions.A, workplace: '旗教育局' })).statusCode).toBe(
        404,
      );
      expect((await call('volunteerA1', 'PUT', `/users/${q.id}/party-registration`, { communityId: w.regions.A, workplace: '旗教育局' })).statusCode).toBe(403);
      // a grid worker registers a person of their grid with the grid's community, not another one
      const r = await person('A1');
      expect((await call('gridWorkerA1', 'PUT', `/users/${r.id}/party-registration`, { communityId: w.regions.A, workplace: '旗医院' })).statusCode).toBe(200);
      const elsewhere = await call('gridWorkerA1', 'PUT', `/users/${r.id}/party-registration`, { communityId: w.regions.B, workplace: '旗医院' });
      expect({ status: elsewhere.statusCode, fields: fields(elsewhere) }).toEqual({ status: 400, fields: ['communityId'] });
    });
  });

  describe('publishing', () => {
    it('lets the community’s dispatchers and admins publish, not grid workers, volunteers or another town', async () => {
      const p = await publish();
      expect(p).toMatchObject({ status: 'published', places: 5, claimed: 0, hours: 3, pointsBase: 10, pointsPerHour: 5, community: { id: w.regions.A } });
      await publish({}, 'countyAdmin');
      for (const by of ['gridWorkerA1', 'volunteerA1', 'residentA1'] as const) {
        expect((await call(by, 'POST', '/projects', projectBody())).statusCode).toBe(403);
      }
      const other = await call('dispatcherT2', 'POST', '/projects', projectBody());
      expect({ status: other.statusCode, fields: fields(other) }).toEqual({ status: 400, fields: ['regionId'] });
      // audited
      const [row] = await t.database.db.query<Array<{ action: string; actor_id: string }>>(`SELECT action, actor_id FROM audit_log WHERE subject_id = $1`, [
        p.id,
      ]);
      expect(row).toEqual({ action: 'project.create', actor_id: w.users.dispatcherT.id });
    });

    it('refuses wrong fields with a Chinese sentence naming them', async () => {
      const cases: Array<[object, string, RegExp]> = [
        [{ title: '' }, 'title', /请填写项目名称/],
        [{ places: 0 }, 'places', /名额至少 1 个/],
        [{ endsAt: at(DAY) }, 'endsAt', /结束时间须晚于开始时间/],
        [{ startsAt: at(-DAY), endsAt: at(DAY) }, 'startsAt', /开始时间须在现在之后/],
        [{ regionId: w.regions.A1 }, 'regionId', /请选择到社区\/村/],
        [{ hours: 25 }, 'hours', /24 小时/],
        [{ skills: ['no_such_service'] }, 'skills', /./],
      ];
      for (const [extra, field, message] of cases) {
        const res = await call('dispatcherT', 'POST', '/projects', projectBody(extra));
        expect({ extra, status: res.statusCode, fields: fields(res) }).toEqual({ extra, status: 400, fields: [field] });
        expect(res.json<{ message: string }>().message).toMatch(message);
        expect(res.json<{ message: string }>().message).not.toMatch(/[a-z]{4,}/i);
      }
    });

    it('keeps drafts to the organisers; publishing and closing follow the allowed moves; places never below the claims', async () => {
      const draft = await publish({ status: 'draft' });
      const pm = await partyMember();
      expect((await call(pm, 'GET', `/projects/${draft.id}`)).statusCode).toBe(404);
      expect((await call(pm, 'GET', '/me/projects')).json<{ items: ProjectDto[] }>().items.map((p) => p.id)).not.toContain(draft.id);
      const published = await call('dispatcherT', 'PATCH', `/projects/${draft.id}`, { status: 'published' });
      expect(published.json<ProjectDto>().status).toBe('published');
      expect((await call(pm, 'POST', `/projects/${draft.id}/claim`)).statusCode).toBe(200);
      const tooFew = await call('dispatcherT', 'PATCH', `/projects/${draft.id}`, { places: 0 });
      expect(fields(tooFew)).toEqual(['places']);
      const belowClaims = await call('dispatcherT', 'PATCH', `/projects/${draft.id}`, { places: 1, status: 'draft' });
      expect(fields(belowClaims)).toEqual(['status']);
      expect((await call(pm, 'PATCH', `/projects/${draft.id}`, { title: '改名' })).statusCode).toBe(403);
      const cancelled = await call('dispatcherT', 'PATCH', `/projects/${draft.id}`, { status: 'cancelled' });
      expect(cancelled.json<ProjectDto>().status).toBe('cancelled');
      expect((await call('dispatcherT', 'PATCH', `/projects/${draft.id}`, { title: '又改' })).statusCode).toBe(409);
    });
  });

  describe('claims', () => {
    it('lets a registered party member and the community’s volunteers claim; others are refused', async () => {
      const p = await publish();
      const pm = await partyMember();
      const mine = (await call(pm, 'GET', '/me/projects')).json<{ items: ProjectDto[] }>().items.find((i) => i.id === p.id)!;
      expect(mine.actions).toEqual(['claim']);
      const claimed = await call(pm, 'POST', `/projects/${p.id}/claim`);
      expect(claimed.json<ProjectDto>()).toMatchObject({ claimed: 1, myClaim: { status: 'claimed' }, actions: ['cancel_claim'], claims: null });
      expect((await call('volunteerA1', 'POST', `/projects/${p.id}/claim`)).statusCode).toBe(200);
      // a resident of the community sees it but may not claim; someone of another community does not see it
      expect((await call('residentA1', 'GET', `/projects/${p.id}`)).statusCode).toBe(200);
      expect((await call('residentA1', 'POST', `/projects/${p.id}/claim`)).statusCode).toBe(403);
      expect((await call('residentX1', 'POST', `/projects/${p.id}/claim`)).statusCode).toBe(404);
      const elsewhere = await partyMember('B');
      expect((await call(elsewhere, 'POST', `/projects/${p.id}/claim`)).statusCode).toBe(404);
    });

    it('one claim per person: a second claim, even at the same moment, is refused', async () => {
      const p = await publish();
      const pm = await partyMember();
      const replies = await Promise.all(Array.from({ length: 5 }, () => call(pm, 'POST', `/projects/${p.id}/claim`)));
      expect(replies.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409, 409]);
      expect(replies.find((r) => r.statusCode === 409)!.json<{ message: string }>().message).toBe('您已经认领了这个项目。');
      const [row] = await t.database.db.query<Array<{ claimed: number; claims: number }>>(
        `SELECT p.claimed, (SELECT count(*)::int FROM project_claim c WHERE c.project_id = p.id) AS claims FROM project p WHERE p.id = $1`,
        [p.id],
      );
      expect(row).toEqual({ claimed: 1, claims: 1 });
    });

    it('never gives more claims than places: 30 people claiming 5 places at once get exactly 5', async () => {
      const p = await publish({ places: 5 });
      const people = await Promise.all(Array.from({ length: 30 }, () => partyMember()));
      const replies = await Promise.all(people.map((pm) => call(pm, 'POST', `/projects/${p.id}/claim`)));
      const codes = replies.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 200)).toHaveLength(5);
      expect(codes.filter((c) => c === 409)).toHaveLength(25);
      expect(replies.find((r) => r.statusCode === 409)!.json<{ message: string }>().message).toBe('名额已满。');
      const [row] = await t.database.db.query<Array<{ claimed: number; live: number }>>(
        `SELECT p.claimed, (SELECT count(*)::int FROM project_claim c WHERE c.project_id = p.id AND c.status = 'claimed') AS live FROM project p WHERE p.id = $1`,
        [p.id],
      );
      expect(row).toEqual({ claimed: 5, live: 5 });
    });

    it('a claim cancelled before the start frees its place; after the start it cannot be cancelled', async () => {
      const p = await publish({ places: 1 });
      const [a, b] = [await partyMember(), await partyMember()];
      expect((await call(a, 'POST', `/projects/${p.id}/claim`)).statusCode).toBe(200);
      expect((await call(b, 'POST', `/projects/${p.id}/claim`)).statusCode).toBe(409);
      const cancelled = await call(a, 'POST', `/projects/${p.id}/claim/cancel`);
      expect(cancelled.json<ProjectDto>()).toMatchObject({ claimed: 0, myClaim: { status: 'cancelled' }, actions: ['claim'] });
      expect((await call(b, 'POST', `/projects/${p.id}/claim`)).json<ProjectDto>().claimed).toBe(1);
      expect((await call(a, 'POST', `/projects/${p.id}/claim/cancel`)).statusCode).toBe(409);
      await t.database.db.query(`UPDATE project SET starts_at = now() - interval '1 hour' WHERE id = $1`, [p.id]);
      const late = await call(b, 'POST', `/projects/${p.id}/claim/cancel`);
      expect(late.statusCode).toBe(409);
      expect(late.json<{ message: string }>().message).toMatch(/项目已经开始/);
      const c = await partyMember();
      expect((await call(c, 'POST', `/projects/${p.id}/claim`)).statusCode).toBe(409);
    });
  });

  describe('what the claimants hear', () => {
    const inbox = (userId: string) =>
      t.database.db.query<Array<{ kind: string; title: string; body: string }>>(
        `SELECT kind, title, body FROM notification WHERE recipient_id = $1 AND kind LIKE 'project.%' ORDER BY id`,
        [userId],
      );

    it('a move to another time or place, then a cancellation, reach everyone holding a place, once each', async () => {
      const p = await publish({ places: 3 });
      const [a, b, c] = [await partyMember(), await partyMember(), await partyMember()];
      for (const x of [a, b, c]) await call(x, 'POST', `/projects/${p.id}/claim`);
      await call(c, 'POST', `/projects/${p.id}/claim/cancel`);
      // a new title is no news for the claimants; another place is
      expect((await call('dispatcherT', 'PATCH', `/projects/${p.id}`, { title: '楼道路灯更换' })).statusCode).toBe(200);
      expect(await inbox(a.id)).toEqual([]);
      expect((await call('dispatcherT', 'PATCH', `/projects/${p.id}`, { address: '甲社区5号楼' })).statusCode).toBe(200);
      const moved = await inbox(a.id);
      expect(moved).toEqual([{ kind: 'project.changed', title: '项目时间或地点有变', body: expect.stringContaining('地点：甲社区5号楼') }]);
      expect(moved[0]!.body).toContain('「楼道路灯更换」');
      expect(await call('dispatcherT', 'PATCH', `/projects/${p.id}`, { status: 'cancelled' })).toMatchObject({ statusCode: 200 });
      for (const x of [a, b]) {
        expect((await inbox(x.id)).map((n) => n.title)).toEqual(['项目时间或地点有变', '项目已取消']);
      }
      // who gave their place back hears nothing
      expect(await inbox(c.id)).toEqual([]);
    });

    it('an attendance confirmed tells its person the hours and points; an absence says nothing', async () => {
      const p = await publish({ places: 2, hours: 2, pointsBase: 10, pointsPerHour: 5 });
      const [a, b] = [await partyMember(), await partyMember()];
      for (const x of [a, b]) await call(x, 'POST', `/projects/${p.id}/claim`);
      const claims = (await call('dispatcherT', 'GET', `/projects/${p.id}`)).json<ProjectDto>().claims!;
      const claimOf = (id: string) => claims.find((x) => x.person.id === id)!.id;
      await call('dispatcherT', 'POST', `/projects/${p.id}/claims/${claimOf(a.id)}/attendance`, { attended: true });
      await call('dispatcherT', 'POST', `/projects/${p.id}/claims/${claimOf(b.id)}/attendance`, { attended: false });
      expect(await inbox(a.id)).toEqual([
        { kind: 'project.attended', title: '项目出勤已确认', body: '「楼道路灯维修」已确认您参加，记服务时长 2 小时，获得 20 积分。谢谢您！' },
      ]);
      expect(await inbox(b.id)).toEqual([]);
    });
  });

  describe('attendance', () => {
    it('the organiser confirms attended (hours, points on the claim) or absent, once; the hours count as service hours', async () => {
      const p = await publish({ places: 3, hours: 2.5, pointsBase: 10, pointsPerHour: 4 });
      const [a, b] = [await partyMember(), await partyMember()];
      await call(a, 'POST', `/projects/${p.id}/claim`);
      await call(b, 'POST', `/projects/${p.id}/claim`);
      await call('volunteerA1', 'POST', `/projects/${p.id}/claim`);
      const detail = (await call('dispatcherT', 'GET', `/projects/${p.id}`)).json<ProjectDto>();
      expect(detail.actions).toEqual(['edit', 'confirm']);
      const claimOf = (id: string) => detail.claims!.find((c) => c.person.id === id)!;
      expect(claimOf(a.id).person.phone).toMatch(/^136\d{8}$/);
      // each full phone the organiser saw is in the access log
      const seen = await t.database.db.query<Array<{ fields: string[]; reason: string }>>(
        `SELECT fields, reason FROM access_log WHERE viewer_id = $1 AND subject_id = $2`,
        [w.users.dispatcherT.id, a.id],
      );
      expect(seen[0]).toEqual({ fields: ['phone'], reason: 'project_claim' });
      // only the organiser
      expect((await call(a, 'POST', `/projects/${p.id}/claims/${claimOf(a.id).id}/attendance`, { attended: true })).statusCode).toBe(403);
      const ok = await call('dispatcherT', 'POST', `/projects/${p.id}/claims/${claimOf(a.id).id}/attendance`, { attended: true });
      expect(ok.statusCode).toBe(200);
      expect(ok.json<ProjectDto>().claims!.find((c) => c.person.id === a.id)).toMatchObject({ status: 'attended', hours: 2.5, points: 20 });
      const v = await call('dispatcherT', 'POST', `/projects/${p.id}/claims/${claimOf(w.users.volunteerA1.id).id}/attendance`, { attended: true, hours: 4 });
      expect(v.json<ProjectDto>().claims!.find((c) => c.person.id === w.users.volunteerA1.id)).toMatchObject({ hours: 4, points: 26 });
      const absent = await call('dispatcherT', 'POST', `/projects/${p.id}/claims/${claimOf(b.id).id}/attendance`, { attended: false });
      expect(absent.json<ProjectDto>().claims!.find((c) => c.person.id === b.id)).toMatchObject({ status: 'absent', hours: null, points: null });
      const twice = await call('dispatcherT', 'POST', `/projects/${p.id}/claims/${claimOf(a.id).id}/attendance`, { attended: false });
      expect(twice.statusCode).toBe(409);
      const absentHours = await call('dispatcherT', 'POST', `/projects/${p.id}/claims/${claimOf(b.id).id}/attendance`, { attended: false, hours: 2 });
      expect(absentHours.statusCode).toBe(409);
      // points stored on the claim row, for the points ledger
      const rows = await t.database.db.query<Array<{ user_id: string; minutes: number | null; points: number | null }>>(
        `SELECT user_id, minutes, points FROM project_claim WHERE project_id = $1 ORDER BY claimed_at`,
        [p.id],
      );
      expect(rows.map((r) => [r.minutes, r.points])).toEqual([
        [150, 20],
        [null, null],
        [240, 26],
      ]);
      // the points ledger credited with the confirmation, once: the balance and one 'project' row each
      expect((await call(a, 'GET', '/me/points')).json<{ balance: number }>().balance).toBe(20);
      expect((await call('volunteerA1', 'GET', '/me/points')).json<{ balance: number }>().balance).toBe(26);
      expect((await call(b, 'GET', '/me/points')).json<{ balance: number }>().balance).toBe(0);
      const ledger = await t.database.db.query<Array<{ user_id: string; amount: number }>>(
        `SELECT user_id, amount FROM points_ledger WHERE kind = 'project' AND source_id = ANY($1::uuid[])`,
        [[claimOf(a.id).id, claimOf(b.id).id, claimOf(w.users.volunteerA1.id).id]],
      );
      expect(ledger.map((r) => r.amount).sort()).toEqual([20, 26]);
      // 我的 / 服务记录: the party member's 2.5 hours
      const record = (await call(a, 'GET', `/users/${a.id}/service-record`)).json<ServiceRecordDto>();
      expect(record.serviceMinutes).toBe(150);
      // 志愿服务时长 ledger: the party member (not a volunteer) is listed with the project's hours
      const res = await call(
        'dispatcherT',
        'GET',
        `/exports/volunteer-hours.xlsx?regionId=${w.regions.T}&from=${encodeURIComponent(at(-DAY))}&to=${encodeURIComponent(at(DAY))}`,
      );
      expect(res.statusCode).toBe(200);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      const sheet = book.worksheets[0]!;
      const header = (sheet.getRow(1).values as unknown[]).slice(1);
      const rowsOut = sheet.getSheetValues().slice(2) as unknown[][];
      // the party member lives in 丙社区 (town T2), so under T only the volunteer's row carries the project hours
      const vol = rowsOut.find((r) => r[1] === '甲一志愿者')!.slice(1);
      expect(vol[header.indexOf('参加项目（次）')]).toBe(1);
      expect(vol[header.indexOf('其中项目（小时）')]).toBe(4);
      const all = await call('countyAdmin', 'GET', `/exports/volunteer-hours.xlsx?from=${encodeURIComponent(at(-DAY))}&to=${encodeURIComponent(at(DAY))}`);
      const book2 = new ExcelJS.Workbook();
      await book2.xlsx.load(all.rawPayload as unknown as ArrayBuffer);
      const names = (book2.worksheets[0]!.getSheetValues().slice(2) as unknown[][]).map((r) => r[1] as string);
      const [{ name }] = await t.database.db.query<[{ name: string }]>(`SELECT name FROM app_user WHERE id = $1`, [a.id]);
      expect(names).toContain(name);
      // statistics: the project's hours in the community's figures
      const stats = (await call('dispatcherT', 'GET', `/stats/overview?regionId=${w.regions.A}`)).json<StatsOverviewDto>();
      expect(stats.volunteerServiceHours).toBeGreaterThanOrEqual(6.5);
      const byPlace = (await call('dispatcherT', 'GET', `/stats/by-place?regionId=${w.regions.T}`)).json<StatsByPlaceDto>();
      expect(byPlace.rows.find((r) => r.regionId === w.regions.A)!.serviceMinutes).toBeGreaterThanOrEqual(390);
    });
  });

  describe('demand → project', () => {
    it('turns a resident’s open demand into a project in one step: the order closes with the reason, linked both ways', async () => {
      const order = (
        await call('residentA1', 'POST', '/orders', { categoryCode: 'house_repair', description: '楼下路灯不亮，晚上看不见', urgency: 'normal' })
      ).json<OrderDto>();
      const res = await call('dispatcherT', 'POST', '/projects', projectBody({ title: '甲社区路灯更换', sourceOrderIds: [order.id] }));
      expect(res.statusCode).toBe(201);
      const p = res.json<ProjectDto>();
      expect(p.sourceOrders).toEqual([
        { id: order.id, description: '楼下路灯不亮，晚上看不见', categoryName: expect.any(String) as string, residentName: '甲一居民' },
      ]);
      // the order: cancelled with the reason on its timeline, and it finds its project
      const o = (await call('dispatcherT', 'GET', `/orders/${order.id}`)).json<OrderDto>();
      expect(o.status).toBe('cancelled');
      const events = (await call('residentA1', 'GET', `/orders/${order.id}/events`)).json<{ items: OrderEventDto[] }>().items;
      expect(events.at(-1)).toMatchObject({ type: 'cancel', reason: '已转为社区项目「甲社区路灯更换」统一解决' });
      const linked = (await call('dispatcherT', 'GET', `/projects?orderId=${order.id}`)).json<Page<ProjectDto>>();
      expect(linked.items.map((i) => i.id)).toEqual([p.id]);
      // once only; a closed demand, or one of another community, cannot be converted
      const again = await call('dispatcherT', 'POST', '/projects', projectBody({ sourceOrderIds: [order.id] }));
      expect({ status: again.statusCode, fields: fields(again) }).toEqual({ status: 400, fields: ['sourceOrderIds'] });
      const elsewhere = (
        await call('residentX1', 'POST', '/orders', { categoryCode: 'house_repair', description: '路灯坏了', urgency: 'normal' })
      ).json<OrderDto>();
      const outside = await call('dispatcherT', 'POST', '/projects', projectBody({ sourceOrderIds: [elsewhere.id] }));
      expect({ status: outside.statusCode, fields: fields(outside) }).toEqual({ status: 400, fields: ['sourceOrderIds'] });
      // nothing was left half-done by the refused one: no project linked, the order still waiting
      const [{ count }] = await t.database.db.query<[{ count: number }]>(`SELECT count(*)::int AS count FROM project_source_order WHERE order_id = $1`, [
        elsewhere.id,
      ]);
      expect(count).toBe(0);
      expect((await call('residentX1', 'GET', `/orders/${elsewhere.id}`)).json<OrderDto>().status).toBe('pending');
    });
  });

  it('shows the three lists of a community to its staff', async () => {
    await partyMember();
    const res = await call('dispatcherT', 'GET', `/projects/lists?regionId=${w.regions.A}`);
    expect(res.statusCode).toBe(200);
    const lists = res.json<ThreeListsDto>();
    expect(lists.community).toEqual({ id: w.regions.A, name: '甲社区' });
    expect(lists.resources.volunteers).toBeGreaterThanOrEqual(2);
    expect(lists.resources.employedPartyMembers).toBeGreaterThan(0);
    expect(lists.projects.length).toBeGreaterThan(0);
    expect((await call('gridWorkerA1', 'GET', `/projects/lists?regionId=${w.regions.A}`)).statusCode).toBe(200);
    expect((await call('dispatcherT2', 'GET', `/projects/lists?regionId=${w.regions.A}`)).statusCode).toBe(404);
    expect((await call('residentA1', 'GET', `/projects/lists?regionId=${w.regions.A}`)).statusCode).toBe(403);
  });
});
