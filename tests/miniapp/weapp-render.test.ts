/**
 * @jest-environment ./tests/miniapp/support/weapp-environment.js
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { exitOf, startServerProcess, type StartedServer } from '../support/server-process';
import { tempDir } from '../support/tmp';
import { pagesOf, startWeappRuntime, type OpenPage, type WeappRuntime } from './support/weapp-runtime';

/**
 * The WeChat build as WeChat runs it: every page of `dist/weapp` (app.json, subpackages included — a page added
 * later is covered without touching this file), opened for each role that uses it, rendered by WeChat's component
 * framework from WXML compiled by WeChat's own compiler (see support/weapp-runtime.ts), its `wx.request` answered by
 * the real server (a child process, as `pnpm start` runs it) on the demo data. A page fails when it throws, logs an
 * error, makes WeChat's WXML runtime warn (a template it does not have: that part is not drawn in WeChat), gets a
 * 5xx, a 401/403 or no answer, or settles on no text, on an error in place of the page, or without its data.
 *
 * `pnpm test` builds the weapp before jest (`pnpm build`); alone: `pnpm --filter @bangbang/miniapp build:weapp`.
 */
const WEAPP = path.resolve(__dirname, '..', '..', 'miniapp', 'dist', 'weapp');

type Role = 'resident' | 'volunteer' | 'grid_worker' | 'dispatcher' | 'admin';
type Who = Role | 'visitor';
const ROLES: Role[] = ['resident', 'volunteer', 'grid_worker', 'dispatcher', 'admin'];
const STAFF: Role[] = ['grid_worker', 'dispatcher', 'admin'];

/** The demo accounts (server/src/demo/accounts.ts), one per role. */
const PHONES: Record<Role, string> = {
  admin: '13800000001',
  dispatcher: '13800000002',
  grid_worker: '13800000003',
  volunteer: '13800000004',
  resident: '13800000005',
};

/**
 * Who opens a page, by the folder it is in (its WeChat subpackage): a role's workspace is opened in that role; the
 * main package and the person's own pages by everyone; the login page also by a visitor; a workspace this table does
 * not know yet (a subpackage added later) by the staff roles.
 */
function usersOf(page: string): Who[] {
  if (page === 'pages/index/index') return ['visitor', ...ROLES];
  const root = page.split('/')[1];
  if (root === 'resident') return ['resident'];
  if (root === 'volunteer') return ['volunteer'];
  // 积分: those who earn points by serving
  if (root === 'points') return ['volunteer', 'grid_worker'];
  // 审计记录: the log of changes and of who saw whose phone — the admins' only
  if (page === 'pages/dispatch/audit/index') return ['admin'];
  if (root === 'dispatch') return STAFF;
  if (root === 'me' || root === 'join' || root === 'profile' || root === 'projects') return ROLES;
  return STAFF;
}

interface Account {
  token: string;
  me: { id: string; roles: string[] };
}

let database: TestDatabase;
let server: StartedServer;
let runtime: WeappRuntime;
const accounts = {} as Record<Role, Account>;

async function api<T>(token: string | undefined, method: string, url: string, body?: object): Promise<T> {
  // the test's own calls go through the same wx.request the app uses (jsdom has no fetch)
  return new Promise<T>((resolve, reject) => {
    (globalThis as unknown as { wx: { request(o: object): void } }).wx.request({
      url: `${server.url}${url}`,
      method,
      ...(body ? { data: body } : {}),
      header: token ? { authorization: `Bearer ${token}` } : {},
      success: (res: { statusCode: number; data: T }) =>
        res.statusCode < 300 ? resolve(res.data) : reject(new Error(`${method} ${url}: ${res.statusCode} ${JSON.stringify(res.data)}`)),
      fail: (err: { errMsg: string }) => reject(new Error(err.errMsg)),
    });
  });
}

/** The query a page needs to show something real for `who` (an order's id…), from the API as that person. */
async function queryFor(page: string, who: Who): Promise<Record<string, string>> {
  if (who === 'visitor') return {};
  const { token } = accounts[who];
  const firstOrder = async (url: string) => (await api<{ items: Array<{ id: string }> }>(token, 'GET', url)).items[0]?.id;
  if (page === 'pages/resident/order/index' || page === 'pages/dispatch/order/index') {
    const id = await firstOrder('/api/v1/orders?limit=1');
    if (!id) throw new Error(`${who} sees no order for ${page}: the demo data has changed`);
    return { id };
  }
  if (page === 'pages/volunteer/task/index') {
    const id =
      (await firstOrder('/api/v1/tasks/mine?limit=1')) ?? (await api<{ items: Array<{ id: string }> }>(token, 'GET', '/api/v1/tasks/pool')).items[0]?.id;
    if (!id) throw new Error('the volunteer has no task and the hall is empty: the demo data has changed');
    return { id };
  }
  if (page === 'pages/visits/visit/index') {
    // a visit of my own (the grid worker's), else the missed one of the demo grid (staff above it)
    const mine = await api<Array<{ id: string }>>(token, 'GET', '/api/v1/visits/mine');
    const id = mine[0]?.id ?? (await api<{ items: Array<{ id: string }> }>(token, 'GET', '/api/v1/visits/missed')).items[0]?.id;
    if (!id) throw new Error(`${who} has no visit to open: the demo data has changed`);
    return { id };
  }
  if (page === 'pages/projects/project/index' || page === 'pages/manage/project/index') {
    // a project of the person's community (社区项目), or for staff above a community one of their jurisdiction
    const own = await api<{ items: Array<{ id: string }> }>(token, 'GET', '/api/v1/me/projects');
    const id = own.items[0]?.id ?? (STAFF.includes(who) ? await firstOrder('/api/v1/projects?limit=1') : undefined);
    if (!id) throw new Error(`${who} sees no project for ${page}: the demo data has changed`);
    return { id };
  }
  if (page === 'pages/resident/order-new/index') {
    const { items } = await api<{ items: Array<{ code: string }> }>(token, 'GET', '/api/v1/service-categories');
    return { code: items[0]!.code };
  }
  return {};
}

type Item = { id: string; categoryName: string; description: string; resident: { name: string } };

/**
 * What a page must show to count as rendered, read from the API as the same person: the resident's home its
 * services, a list its first item, an order's page that order. Pages not named here must show some text.
 */
async function meaningOf(page: string, who: Who, query: Record<string, string>): Promise<string[]> {
  if (who === 'visitor') return page === 'pages/index/index' ? ['微信一键登录'] : [];
  const { token } = accounts[who];
  const get = <T>(url: string) => api<T>(token, 'GET', url);
  switch (page) {
    case 'pages/resident/home/index': {
      const { items } = await get<{ items: Array<{ name: string }> }>('/api/v1/service-categories');
      return items.slice(0, 3).map((c) => c.name);
    }
    case 'pages/resident/orders/index':
      return (await get<{ items: Item[] }>('/api/v1/orders?limit=1')).items.slice(0, 1).map((o) => o.description);
    case 'pages/dispatch/board/index':
      // its first tab, 「待我派单」
      return (await get<{ items: Item[] }>('/api/v1/orders?status=pending&actionable=true&limit=1')).items.slice(0, 1).map((o) => o.resident.name);
    case 'pages/volunteer/hall/index':
      return (await get<{ items: Item[] }>('/api/v1/tasks/pool')).items.slice(0, 1).map((o) => o.description);
    case 'pages/volunteer/tasks/index':
      return (await get<{ items: Item[] }>('/api/v1/tasks/mine?limit=1')).items.slice(0, 1).map((o) => o.categoryName);
    case 'pages/resident/order/index':
    case 'pages/dispatch/order/index':
    case 'pages/volunteer/task/index':
      return [(await get<Item>(`/api/v1/orders/${query.id}`)).description];
    case 'pages/projects/project/index':
    case 'pages/manage/project/index':
      return [(await get<{ title: string }>(`/api/v1/projects/${query.id}`)).title];
    case 'pages/me/index':
      return [(await get<{ name: string }>('/api/v1/me')).name];
    case 'pages/visits/visit/index':
      return [(await get<{ household: { name: string } }>(`/api/v1/visits/${query.id}`)).household.name];
    default:
      return [];
  }
}

/** Logs `who` in as the app remembers a login: the token, the person (`GET /me`) and the role they act in. */
function actAs(who: Who): void {
  runtime.closeAll();
  runtime.storage.clear();
  if (who === 'visitor') return;
  runtime.storage.set('bangbang.token', accounts[who].token);
  runtime.storage.set('bangbang.me', accounts[who].me);
  runtime.storage.set('bangbang.role', who);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the page on top (the one opened, or where it sent the person) has settled: no request in flight, its
 * text unchanged for 300 ms and no spinner. Returns the top page and its text.
 */
async function settled(timeoutMs = 15_000, mustShow: (top: OpenPage) => Promise<string[]> = async () => []): Promise<{ top: OpenPage; text: string }> {
  const deadline = Date.now() + timeoutMs;
  // what the page is for, once it is known which page is on top (a launch page may redirect first)
  let wanted: { route: string; texts: string[] } | undefined;
  let last = '';
  let same = 0;
  for (;;) {
    await sleep(100);
    const top = runtime.stack().at(-1);
    const text = top?.text() ?? '';
    same = text === last ? same + 1 : 0;
    last = text;
    if (top && runtime.inflight() === 0 && same >= 3 && text !== '' && !text.includes('加载中')) {
      // quiet is not done on a loaded machine: a page may still be between two steps of its loading (no request in
      // flight for 300 ms), so it is done only when it also shows what it is for
      if (wanted?.route !== top.route) wanted = { route: top.route, texts: await mustShow(top) };
      if (wanted.texts.every((t) => text.includes(t))) return { top, text };
    }
    if (Date.now() > deadline) {
      if (!top) throw new Error('no page is open');
      return { top, text };
    }
  }
}

beforeAll(async () => {
  if (!existsSync(path.join(WEAPP, 'app.json'))) {
    throw new Error(`${WEAPP} is missing: run \`pnpm --filter @bangbang/miniapp build:weapp\` (pnpm test does)`);
  }
  database = await createTestDatabase();
  server = await startServerProcess({
    DATABASE_URL: database.url,
    DATA_DIR: tempDir('weapp-data'),
    PORT: '0',
    NODE_ENV: 'test', // dev-login exists
    // not support/app's TEST_JWT_SECRET: importing it would load the whole server into jsdom
    JWT_SECRET: 'weapp-render-secret-that-is-long-enough-0123456789',
    DEMO_DATA: 'true',
    LOG_LEVEL: 'warn',
  });
  runtime = startWeappRuntime(WEAPP, { server: server.url });
  for (const role of ROLES) {
    const { token } = await api<{ token: string }>(undefined, 'POST', '/api/v1/auth/dev-login', { phone: PHONES[role] });
    const me = await api<Account['me']>(token, 'GET', '/api/v1/me');
    expect({ role, holds: me.roles.includes(role) }).toEqual({ role, holds: true });
    accounts[role] = { token, me };
  }
}, 120_000);

afterAll(async () => {
  runtime?.closeAll();
  if (server) {
    server.child.kill('SIGTERM');
    await exitOf(server.child);
  }
  await database?.drop();
});

/** Every (page, person) pair, in app.json's order. */
function visits(): Array<{ page: string; who: Who }> {
  const pages = startPages();
  return pages.flatMap((page) => usersOf(page).map((who) => ({ page, who })));
}

function startPages(): string[] {
  // read when jest collects the tests, before beforeAll runs: without a build, one test that says so
  return existsSync(path.join(WEAPP, 'app.json')) ? pagesOf(WEAPP) : ['(no weapp build)'];
}

describe('every page of the weapp build, rendered as WeChat runs it', () => {
  it.each(visits())('$page as $who', async ({ page, who }) => {
    actAs(who);
    const query = await queryFor(page, who);
    const problemsBefore = runtime.problems.length;
    const requestsBefore = runtime.requests.length;
    await runtime.launch(page, query);
    const { top, text } = await settled(15_000, (shown) => meaningOf(shown.route, who, query));
    const problems = runtime.problems.slice(problemsBefore);
    // no answer, a server error, or a page calling what its own user may not (401/403: a page shown to the wrong role)
    const failed = runtime.requests.slice(requestsBefore).filter((r) => r.status === 0 || r.status >= 500 || r.status === 401 || r.status === 403);
    expect({ page, who, problems, failed }).toEqual({ page, who, problems: [], failed: [] });
    // something to read, and not only an error in place of the page
    expect({ page, who, shows: top.route, text: text.length > 0 ? 'some text' : 'no text' }).toEqual({ page, who, shows: top.route, text: 'some text' });
    expect({ page, who, text }).not.toEqual({ page, who, text: expect.stringMatching(/网络不给力|服务器出错|没有权限|请求内容有误/) });
    // and what the page is for: the data the server holds for this person
    for (const expected of await meaningOf(top.route, who, query))
      expect({ page, who, shows: text.includes(expected) ? expected : text }).toEqual({ page, who, shows: expected });
  });
});

describe('navigation as the WeChat runtime does it', () => {
  it('a tap on a service opens the order form on top of the home; back closes it', async () => {
    actAs('resident');
    const home = await runtime.launch('pages/resident/home/index');
    await settled();
    const { items } = await api<{ items: Array<{ code: string; name: string }> }>(accounts.resident.token, 'GET', '/api/v1/service-categories');
    const service = items[0]!;
    const before = runtime.navigations.length;
    home.tap(service.name);
    const { top, text } = await settled();
    // WeChat's page stack: the home below, the form on top, opened by wx.navigateTo with the service's code
    expect(runtime.navigations.slice(before)).toEqual([expect.objectContaining({ api: 'navigateTo' })]);
    expect(runtime.stack().map((p) => p.route)).toEqual(['pages/resident/home/index', 'pages/resident/order-new/index']);
    expect(top.query.code).toBe(service.code);
    expect(text).toContain(service.name);
    expect(text).toContain('提交求助');
    const g = globalThis as unknown as { getCurrentPages(): Array<{ route: string }>; wx: { navigateBack(o?: object): Promise<unknown> } };
    expect(g.getCurrentPages().map((p) => p.route)).toEqual(['pages/resident/home/index', 'pages/resident/order-new/index']);
    await g.wx.navigateBack();
    expect(g.getCurrentPages().map((p) => p.route)).toEqual(['pages/resident/home/index']);
  });
});
