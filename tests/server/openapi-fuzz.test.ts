import type { OrderDto } from '@bangbang/shared';
import fc from 'fast-check';
import { buildTestApp, type TestApp } from '../support/app';
import { FAKE_APPID, FAKE_SECRET, startFakeWechat, type FakeWechat } from '../support/fake-wechat';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Fuzzing driven by the OpenAPI document (issue 18, item 9): every operation of `GET /api/docs/json`, called by
 * several roles (and by nobody) with ids that exist, ids that do not and strings that are no ids at all; query
 * strings and bodies generated from the documented schemas, valid and mutated (wrong types, NUL characters, deep
 * nesting, unknown properties, not JSON at all). No answer is a 5xx, and every status is one the document lists
 * for that operation.
 *
 * The seed is fixed and the number of cases bounded, so a failure is reproducible and the test takes seconds.
 */
const SEED = 1818;
const RUNS_PER_OPERATION = 25;

interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  nullable?: boolean;
  [keyword: string]: unknown;
}
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

type Who = keyof World['users'];
const CALLERS: Array<Who | null> = ['residentA1', 'volunteerA1', 'gridWorkerA1', 'dispatcherT', 'admin', 'countyAdmin', null];

/** Values that have broken servers before: NUL, empty, type confusions, huge, deep, unicode edge cases. */
const NASTY: unknown[] = [
  '',
  '\u0000',
  'a\u0000b',
  ' ',
  'null',
  '0x1A',
  '1e309',
  '-1',
  '9999-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  "'; DROP TABLE app_user; --",
  '%00',
  '\ud800',
  '😀'.repeat(300),
  'x'.repeat(5000),
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  null,
  [],
  {},
  [[[[[[[[[[[]]]]]]]]]]],
  { __proto__: { admin: true } },
  { constructor: { prototype: { admin: true } } },
];

const nastyArb = fc.constantFrom(...NASTY);

/** Percent-encoding that also writes a lone surrogate, as the bytes of one (not valid UTF-8: a bad URL to send). */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s].map((c) => (/^[\ud800-\udfff]$/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
  }
}

describe('the API under fuzzing from its OpenAPI document', () => {
  let t: TestApp;
  let w: World;
  let wechat: FakeWechat;
  let doc: OpenApi;
  const ids: string[] = [];

  beforeAll(async () => {
    // WeChat login configured (a fake WeChat on loopback), so /auth/wechat answers as in production, not 503
    wechat = await startFakeWechat();
    t = await buildTestApp({ LOG_LEVEL: 'silent', WECHAT_APPID: FAKE_APPID, WECHAT_SECRET: FAKE_SECRET, WECHAT_API_BASE: wechat.url });
    w = await buildWorld(t.app, t.database.db);
    await t.database.db.query(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery,errands}' WHERE id = $1`, [w.users.volunteerA1.id]);
    for (const who of ['residentA1', 'residentA2'] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: bearer(w.users[who].token),
        payload: { categoryCode: 'medicine_delivery', description: '帮忙取药', urgency: 'normal' },
      });
      expect(res.statusCode).toBe(201);
      ids.push(res.json<OrderDto>().id);
    }
    const squad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/squads',
      headers: bearer(w.users.admin.token),
      payload: { name: '测试小分队', color: 'red', regionId: w.regions.A, leaderId: w.users.volunteerA1.id, categories: ['medicine_delivery'] },
    });
    if (squad.statusCode === 201) ids.push(squad.json<{ id: string }>().id);
    ids.push(...Object.values(w.regions), ...Object.values(w.users).map((u) => u.id));
    doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json<OpenApi>();
  });
  afterAll(async () => {
    await t.close();
    await wechat.close();
  });

  const resolve = (s: Schema): Schema => (s.$ref ? resolve(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')] ?? {}) : s);

  /** A value that fits `schema` as well as the document tells (patterns, enums, formats, bounds). */
  function valid(schemaIn: Schema, depth = 0): fc.Arbitrary<unknown> {
    const schema = resolve(schemaIn);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...ids), fc.uuid());
    if (schema.format === 'date-time')
      return fc.date({ min: new Date('2025-01-01'), max: new Date('2027-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
    switch (schema.type) {
      case 'string':
        if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).map((s) => s.slice(0, schema.maxLength ?? 200));
        return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
      case 'integer':
        return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
      case 'number':
        return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'array':
        return depth > 3 ? fc.constant([]) : fc.array(valid(schema.items ?? {}, depth + 1), { maxLength: Math.min(schema.maxItems ?? 3, 3) });
      case 'object':
      case undefined: {
        if (!schema.properties || depth > 3) return fc.constant({});
        const entries = Object.entries(schema.properties).map(([k, v]) => [k, valid(v, depth + 1)] as const);
        return fc.record(Object.fromEntries(entries), { requiredKeys: (schema.required ?? []).filter((k) => k in schema.properties!) });
      }
      default:
        return fc.anything();
    }
  }

  /** A body: valid, valid with one property mutated or added, or something else altogether. */
  function body(schema: Schema | undefined): fc.Arbitrary<{ raw: string } | { json: unknown }> {
    const base = schema ? valid(schema) : fc.constant({});
    const props = schema ? Object.keys(resolve(schema).properties ?? {}) : [];
    const mutated = fc
      .tuple(base, fc.constantFrom(...props, 'unknownField', 'a\u0000'), fc.oneof(nastyArb, fc.anything({ maxDepth: 3 })))
      .map(([b, key, value]) => ({ ...(b as object), [key]: value }));
    const deep = fc.integer({ min: 20, max: 3000 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown);
    return fc.oneof(
      { weight: 4, arbitrary: base.map((json) => ({ json })) },
      { weight: 4, arbitrary: mutated.map((json) => ({ json })) },
      { weight: 1, arbitrary: fc.oneof(nastyArb, deep, fc.anything({ maxDepth: 4 })).map((json) => ({ json })) },
      { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', 'not json', '', '[1,]', '{"a":1}{', '\u0000').map((raw) => ({ raw })) },
    );
  }

  /** A path parameter: an id that exists, a random uuid, a category code, or not an id at all. */
  const pathValue = (): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ids) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: fc.constantFrom('medicine_delivery', 'errands', 'x.jpg', `${ids[0]}.jpg`) },
      { weight: 2, arbitrary: fc.oneof(nastyArb.map(String), fc.string({ maxLength: 150 }), fc.string({ minLength: 101, maxLength: 400 })) },
    );

  /** A query string from the documented parameters, each present or not, valid or nasty. */
  function query(params: Parameter[]): fc.Arbitrary<string> {
    const q = params.filter((p) => p.in === 'query');
    if (q.length === 0) return fc.constantFrom('', '?x=%00', '?limit=5');
    const parts = q.map((p) =>
      fc
        .option(
          fc.oneof(
            valid(p.schema ?? { type: 'string' }).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
            nastyArb.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
          ),
          { nil: undefined },
        )
        .map((v) => (v === undefined ? '' : `${enc(p.name)}=${enc(v)}`)),
    );
    return fc.tuple(...parts).map((xs) => {
      const s = xs.filter(Boolean).join('&');
      return s ? `?${s}` : '';
    });
  }

  it('answers every operation without a 5xx, and only with statuses it documents', async () => {
    // logging out ends the identities' tokens: those two go last, so that every other operation is fuzzed logged in
    const logsOut = (path: string) => (/\/auth\/logout(-all)?$/.test(path) ? 1 : 0);
    const operations = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })))
      .sort((x, y) => logsOut(x.path) - logsOut(y.path));
    expect(operations.length).toBeGreaterThan(40);
    const seen: string[] = [];
    const started = Date.now();
    let cases = 0;

    for (const { path, method, op } of operations) {
      const params = op.parameters ?? [];
      const json = op.requestBody?.content['application/json']?.schema;
      const multipart = op.requestBody?.content['multipart/form-data'] !== undefined;
      const documented = new Set(Object.keys(op.responses).map(Number));
      const pathNames = params.filter((p) => p.in === 'path').map((p) => p.name);

      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...CALLERS),
          fc.tuple(...pathNames.map(() => pathValue())),
          query(params),
          method === 'GET' || method === 'DELETE' ? fc.constant(undefined) : body(json),
          async (who, values, qs, payload) => {
            let url = path;
            pathNames.forEach((name, i) => {
              url = url.replace(`{${name}}`, enc(values[i]!));
            });
            const headers: Record<string, string> = who ? bearer(w.users[who].token) : {};
            let send: string | undefined;
            if (payload !== undefined) {
              headers['content-type'] = multipart && cases % 2 === 0 ? 'multipart/form-data; boundary=x' : 'application/json';
              send = 'raw' in payload ? payload.raw : JSON.stringify(payload.json);
            }
            cases += 1;
            const res = await t.app.inject({ method: method as 'GET', url: `${url}${qs}`, headers, ...(send !== undefined ? { payload: send } : {}) });
            const where = `${method} ${path} → ${res.statusCode} as ${who ?? 'nobody'}: ${url}${qs} ${send?.slice(0, 200) ?? ''} ⇒ ${res.body.slice(0, 300)}`;
            seen.push(`${method} ${path} ${res.statusCode}`);
            expect({ where, fivexx: res.statusCode >= 500 }).toEqual({ where, fivexx: false });
            expect({ where, documented: documented.has(res.statusCode) }).toEqual({ where, documented: true });
            if (res.statusCode >= 400) {
              const err = res.json<{ code: string; message: string }>();
              expect(typeof err.code).toBe('string');
              expect(err.message).toMatch(/[\u4e00-\u9fff]/);
            }
          },
        ),
        { seed: SEED, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
    }
    // each operation really was exercised, with more than one outcome overall
    expect(new Set(seen.map((s) => s.split(' ').slice(0, 2).join(' '))).size).toBe(operations.length);
    expect(new Set(seen.map((s) => s.split(' ')[2])).size).toBeGreaterThan(4);
    const statuses = Object.entries(seen.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.split(' ')[2]!]: (acc[s.split(' ')[2]!] ?? 0) + 1 }), {}));
    console.log(
      `openapi fuzz: seed ${SEED}, ${cases} cases over ${operations.length} operations in ${Date.now() - started} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  });
});
