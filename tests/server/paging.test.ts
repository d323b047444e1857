import type { OrderDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

type Who = keyof World['users'];

interface Schema {
  $ref?: string;
  properties?: Record<string, Schema>;
}
interface Operation {
  parameters?: Array<{ in: string; name: string }>;
  responses: Record<string, { content?: Record<string, { schema: Schema }> } & Schema>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/**
 * Paging loses no one (issue 18, item 10): PostgreSQL keeps created_at to the microsecond, and a cursor made of a
 * JavaScript Date (milliseconds) skipped every row created later in the same millisecond. Every list that answers
 * `nextCursor` (found in the OpenAPI document, so a new one is walked too), walked page by page as every role,
 * returns the same rows in the same order as one big page: each exactly once.
 */
describe('cursor paging', () => {
  let t: TestApp;
  let w: World;
  let doc: OpenApi;

  const call = (who: Who, method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}), headers: bearer(w.users[who].token) });

  beforeAll(async () => {
    t = await buildTestApp({ LOG_LEVEL: 'silent' });
    w = await buildWorld(t.app, t.database.db);
    const db = t.database.db;
    await db.query(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery,errands}' WHERE id = $1`, [w.users.volunteerA1.id]);

    // people: 60 more residents of A1 and A2
    await db.query(
      `INSERT INTO app_user (name, phone, roles, region_id, address)
       SELECT '居民' || n, '137' || lpad(n::text, 8, '0'), '{resident}', CASE WHEN n % 2 = 0 THEN $1::uuid ELSE $2::uuid END, '甲社区'
       FROM generate_series(1, 60) n`,
      [w.regions.A1, w.regions.A2],
    );
    // orders: 8 by each of three residents; the volunteer takes some (我的任务)
    const ids: string[] = [];
    for (const who of ['residentA1', 'residentA2', 'residentX1'] as const) {
      for (let i = 0; i < 8; i += 1) {
        const body = { categoryCode: 'medicine_delivery', description: `取药 ${i}`, urgency: 'normal' };
        // a resident has one open order per service (issue 20): the 2nd and later are the admin's, knowingly beside it
        const res =
          i === 0
            ? await call(who, 'POST', '/orders', body)
            : await call('admin', 'POST', '/orders', { ...body, residentId: w.users[who].id, channel: 'miniapp', allowRepeat: true });
        expect(res.statusCode).toBe(201);
        ids.push(res.json<OrderDto>().id);
      }
    }
    for (const id of ids.slice(0, 6)) expect((await call('volunteerA1', 'POST', `/orders/${id}/accept`)).statusCode).toBe(200);

    // everything created within one millisecond: microseconds apart, some at the very same microsecond (the id
    // decides), in an order unrelated to the ids
    for (const table of ['app_user', 'service_order']) {
      await db.query(
        `UPDATE ${table} t SET created_at = timestamptz '2026-12-01 10:00:00.123+08' + (s.k % 400) * interval '1 microsecond'
         FROM (SELECT id, row_number() OVER (ORDER BY md5(id::text)) AS k FROM ${table}) s WHERE s.id = t.id`,
      );
    }
    doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json<OpenApi>();
  });
  afterAll(async () => {
    await t.close();
  });

  const resolve = (s: Schema | undefined): Schema | undefined => (s?.$ref ? resolve(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')]) : s);

  /** Every GET without path parameters whose answer has `nextCursor`, with whether it takes `limit`. */
  const pagedLists = (): Array<{ path: string; limit: boolean }> =>
    Object.entries(doc.paths).flatMap(([path, ops]) => {
      const op = ops.get;
      // the access log grows while the lists are read (every full view of a person is a row): not a list to walk
      if (!op || path.includes('{') || path.endsWith('/access-log')) return [];
      const ok = op.responses['200'];
      const schema = resolve(ok?.content?.['application/json']?.schema ?? ok);
      if (!schema?.properties?.nextCursor) return [];
      return [{ path: path.replace(/^\/api\/v1/, ''), limit: (op.parameters ?? []).some((p) => p.in === 'query' && p.name === 'limit') }];
    });

  it('finds the paged lists in the document', () => {
    expect(pagedLists().map((l) => l.path)).toEqual(expect.arrayContaining(['/users', '/orders', '/tasks/mine', '/regions', '/squads']));
  });

  const ROLES: Who[] = ['admin', 'countyAdmin', 'dispatcherT', 'gridWorkerA1', 'volunteerA1', 'residentA1'];

  it('walks every page of every list, as every role, meeting each row exactly once', async () => {
    let walked = 0;
    for (const list of pagedLists()) {
      for (const who of ROLES) {
        const sep = list.path.includes('?') ? '&' : '?';
        const whole = await call(who, 'GET', list.limit ? `${list.path}${sep}limit=100` : list.path);
        if (whole.statusCode !== 200) continue; // a role that may not see this list
        const all = whole.json<{ items: Array<{ id: string }>; nextCursor: string | null }>();
        expect(all.nextCursor).toBeNull(); // fewer than 100: one page holds them all
        const pages: string[] = [];
        let cursor: string | null = null;
        let rounds = 0;
        do {
          const query = [list.limit ? 'limit=3' : '', cursor ? `cursor=${encodeURIComponent(cursor)}` : ''].filter(Boolean).join('&');
          const res = await call(who, 'GET', query ? `${list.path}${sep}${query}` : list.path);
          expect(res.statusCode).toBe(200);
          const page = res.json<{ items: Array<{ id: string }>; nextCursor: string | null }>();
          pages.push(...page.items.map((i) => i.id));
          cursor = page.nextCursor;
          rounds += 1;
        } while (cursor !== null && rounds < 200);
        expect({ list: list.path, who, ids: pages }).toEqual({ list: list.path, who, ids: all.items.map((i) => i.id) });
        expect(new Set(pages).size).toBe(pages.length);
        walked += all.items.length;
      }
    }
    // the lists above really had rows to lose: 70 people and 24 orders, seen by several roles
    expect(walked).toBeGreaterThan(300);
  });

  it('reaches every person in the table, as the administrator', async () => {
    const [row] = await t.database.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM app_user`);
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const res = await call('admin', 'GET', `/users?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      const page = res.json<{ items: Array<{ id: string }>; nextCursor: string | null }>();
      for (const i of page.items) seen.add(i.id);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen.size).toBe(Number(row?.n));
  });
});
