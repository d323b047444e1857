import type { ErrorBody } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Every message a person can meet is a Chinese sentence: no `body`, `querystring` or `params`, no `/path`, no
 * property names as programs spell them (`categoryCode`) — those belong in `details`, where the app finds the field
 * to show the message beside. (Issue 21 found 「请求内容有误：body 居民还没有所属网格…」.)
 */
let t: TestApp;
let world: World;
let homeless: { token: string };

beforeAll(async () => {
  t = await buildTestApp();
  world = await buildWorld(t.app, t.database.db);
  // a resident who has not chosen a grid yet: ordering names what is missing
  const [row] = await t.database.db.query<Array<{ id: string }>>(
    `INSERT INTO app_user (name, phone, roles, region_id) VALUES ('还没网格', '13955550001', '{resident}', NULL) RETURNING id`,
  );
  homeless = { token: t.app.jwt.sign({ sub: row!.id }) };
});

afterAll(async () => {
  await t.close();
});

interface Bad {
  what: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  token?: () => string;
  payload?: unknown;
  /** The field `details` must name. */
  field: string;
  /** What the sentence must say. */
  says?: RegExp;
}

const BAD: Bad[] = [
  {
    what: 'a resident with no grid orders',
    method: 'POST',
    url: '/api/v1/orders',
    token: () => homeless.token,
    payload: { categoryCode: 'medicine_delivery', description: '买药', urgency: 'normal' },
    field: 'body',
    says: /^居民还没有所属网格/,
  },
  {
    what: 'an order without its service',
    method: 'POST',
    url: '/api/v1/orders',
    token: () => world.users.residentA1.token,
    payload: {},
    field: 'categoryCode',
    says: /服务项目/,
  },
  {
    what: 'an order with a field the API does not know',
    method: 'POST',
    url: '/api/v1/orders',
    token: () => world.users.residentA1.token,
    payload: { categoryCode: 'medicine_delivery', description: '买药', colour: 'red' },
    field: 'colour',
  },
  {
    what: 'a page size that is not a number',
    method: 'GET',
    url: '/api/v1/orders?limit=abc',
    token: () => world.users.residentA1.token,
    field: 'limit',
    says: /每页条数/,
  },
  { what: 'a login with a short phone', method: 'POST', url: '/api/v1/auth/dev-login', payload: { phone: '123' }, field: 'phone' },
  {
    what: 'a name that is not text',
    method: 'PATCH',
    url: '/api/v1/me',
    token: () => world.users.residentA1.token,
    payload: { name: 5 },
    field: 'name',
    says: /姓名/,
  },
  { what: 'a body that is a list', method: 'POST', url: '/api/v1/orders', token: () => world.users.residentA1.token, payload: [1, 2], field: 'body' },
  {
    what: 'a person registered with nothing filled in',
    method: 'POST',
    url: '/api/v1/users',
    token: () => world.users.gridWorkerA1.token,
    payload: { roles: ['resident'] },
    field: 'name',
    says: /姓名/,
  },
  // a choice outside the list: the choices as the screens name them, not as the program spells them
  {
    what: 'an order of an urgency there is none of',
    method: 'POST',
    url: '/api/v1/orders',
    token: () => world.users.residentA1.token,
    payload: { categoryCode: 'medicine_delivery', description: '买药', urgency: 'asap' },
    field: 'urgency',
    says: /普通 或 紧急/,
  },
  {
    what: 'orders of a status there is none of',
    method: 'GET',
    url: '/api/v1/orders?status=lost',
    token: () => world.users.dispatcherT.token,
    field: 'status',
    says: /待接单/,
  },
  // the routes of issue 21: statistics by place, exports, moving a grid, the people list, imports, duty
  {
    what: 'statistics of a place whose id is not one',
    method: 'GET',
    url: '/api/v1/stats/by-place?regionId=abc',
    token: () => world.users.dispatcherT.token,
    field: 'regionId',
  },
  {
    what: 'statistics from a day that is not a time',
    method: 'GET',
    url: '/api/v1/stats/by-place?from=yesterday',
    token: () => world.users.dispatcherT.token,
    field: 'from',
  },
  {
    what: 'an export of a place whose id is not one',
    method: 'GET',
    url: '/api/v1/exports/households.xlsx?regionId=abc',
    token: () => world.users.dispatcherT.token,
    field: 'regionId',
  },
  {
    what: 'an export whose period ends before it starts',
    method: 'GET',
    url: `/api/v1/exports/service-ledger.csv?from=${encodeURIComponent('2026-12-01T00:00:00+08:00')}&to=${encodeURIComponent('2026-11-01T00:00:00+08:00')}`,
    token: () => world.users.dispatcherT.token,
    field: 'to',
  },
  {
    what: 'an export up to a time that is not one',
    method: 'GET',
    url: `/api/v1/exports/service-ledger.xlsx?from=${encodeURIComponent('2026-11-01T00:00:00+08:00')}&to=tomorrow`,
    token: () => world.users.dispatcherT.token,
    field: 'to',
  },
  {
    what: 'a grid moved under a place whose id is not one',
    method: 'POST',
    url: '/api/v1/regions/{A1}/move',
    token: () => world.users.admin.token,
    payload: { parentId: 'abc' },
    field: 'parentId',
  },
  {
    what: 'a grid moved nowhere',
    method: 'POST',
    url: '/api/v1/regions/{A1}/move',
    token: () => world.users.admin.token,
    payload: {},
    field: 'parentId',
  },
  { what: 'people with a ledger tag that is none', method: 'GET', url: '/api/v1/users?tag=rich', token: () => world.users.dispatcherT.token, field: 'tag' },
  { what: 'people with a role that is none', method: 'GET', url: '/api/v1/users?role=boss', token: () => world.users.dispatcherT.token, field: 'role' },
  {
    what: 'people on duty in a state that is none',
    method: 'GET',
    url: '/api/v1/duty?state=asleep',
    token: () => world.users.dispatcherT.token,
    field: 'state',
  },
  {
    what: 'a roster with a day that is none',
    method: 'PUT',
    url: '/api/v1/users/{volunteerA1}/roster',
    token: () => world.users.dispatcherT.token,
    payload: { slots: [{ weekday: 9, start: '08:00', end: '12:00' }] },
    field: 'slots[0].weekday',
  },
  {
    what: 'an import asked to check with a word that is neither yes nor no',
    method: 'POST',
    url: '/api/v1/imports/residents?dryRun=maybe',
    token: () => world.users.dispatcherT.token,
    field: 'dryRun',
  },
];

describe('no message shows a name meant for programs', () => {
  it.each(BAD)('$what', async ({ method, url, token, payload, field, says }) => {
    // `{A1}`, `{volunteerA1}`: a place's or a person's id, known once the world is built
    const at = url.replace(
      /\{(\w+)\}/g,
      (_, key: string) => (world.regions as Record<string, string>)[key] ?? (world.users as Record<string, { id: string }>)[key]!.id,
    );
    const res = await t.app.inject({
      method,
      url: at,
      headers: token ? bearer(token()) : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorBody>();
    // the sentence: Chinese, with no Latin letters at all (no body/querystring/params, no camelCase names, no /paths;
    // a slash between Chinese words, 低保户/困难群众, is how the ledgers write it)
    expect({ url, message: body.message }).toEqual({ url, message: expect.not.stringMatching(/[A-Za-z]|\/[\w:]/) });
    expect(body.message).toMatch(/。$/);
    if (says) expect(body.message).toMatch(says);
    // the field, for the app: named in details as programs spell it
    expect(body.details?.map((d) => d.field)).toContain(field);
    for (const d of body.details ?? [])
      expect({ field: d.field, message: d.message }).toEqual({ field: d.field, message: expect.not.stringMatching(/[A-Za-z]/) });
  });
});
