import * as shared from '@bangbang/shared';
import { ErrorCode, MAINLAND_MOBILE, TEAM_COLORS } from '@bangbang/shared';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import app, { createFastify } from '../../server/src/app';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/** The parts of an OpenAPI 3.0 document this test reads. */
interface SchemaObject {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean;
  items?: SchemaObject;
  pattern?: string;
  format?: string;
  [keyword: string]: unknown;
}
interface Operation {
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string; required: boolean }>;
  requestBody?: { required: boolean; content: Record<string, { schema: SchemaObject }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: SchemaObject }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, SchemaObject>; securitySchemes: Record<string, unknown> };
}

/**
 * Routes of the other modules (regions, people, squads) that are not documented with `docs()` yet; their bodies
 * and queries are already in the document (derived from validateBody/validateQuery). Whoever documents one removes
 * it from this list — the test fails while a listed route is documented or gone, so the list only shrinks.
 * A route not listed here and not documented fails the test.
 */
const AWAITING_DOCS: string[] = [];

interface Built {
  app: FastifyInstance;
  /** Every route the app really has, as Fastify added it. */
  routes: RouteOptions[];
}

/** The real application, seeing every route Fastify adds (HEAD included, as Fastify adds them for GETs). */
async function build(database: TestDatabase, env: Record<string, string> = {}, extra?: (app: FastifyInstance) => void): Promise<Built> {
  const config = testConfig(env);
  const instance = createFastify(config);
  const routes: RouteOptions[] = [];
  instance.addHook('onRoute', (route) => {
    routes.push(route);
  });
  await instance.register(fp(app, { name: 'bangbang-app' }), { config, db: database.db });
  extra?.(instance);
  await instance.ready();
  return { app: instance, routes };
}

/** `GET /api/v1/service-categories/{code}`-style keys of the app's own API routes. */
function apiOperations(routes: RouteOptions[]): string[] {
  const keys = new Set<string>();
  for (const route of routes) {
    if (!route.url.startsWith('/api/v1/')) continue;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue; // Fastify's automatic HEAD for each GET
      keys.add(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return [...keys].sort();
}

function documentedOperations(doc: OpenApiDocument): Map<string, Operation> {
  const out = new Map<string, Operation>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) out.set(`${method.toUpperCase()} ${path}`, operation);
  }
  return out;
}

/** Operations that are in the document only because they exist, without a `docs()` of their own. */
function undocumented(doc: OpenApiDocument): string[] {
  return [...documentedOperations(doc)]
    .filter(([, op]) => !op.summary || !Array.isArray(op.tags) || op.tags.length === 0)
    .map(([key]) => key)
    .sort();
}

function component(doc: OpenApiDocument, ref: string | undefined): SchemaObject {
  if (ref === undefined) throw new Error('no $ref');
  expect(ref).toMatch(/^#\/components\/schemas\//);
  const schema = doc.components.schemas[ref.slice('#/components/schemas/'.length)];
  if (!schema) throw new Error(`dangling $ref ${ref}`);
  return schema;
}

/** What is wrong with `value` as an instance of `schema` (the subset of OpenAPI 3.0 the document uses). */
function problems(doc: OpenApiDocument, value: unknown, schema: SchemaObject, at = '$'): string[] {
  if (schema.$ref) return problems(doc, value, component(doc, schema.$ref), at);
  if (value === null) return schema.nullable === true ? [] : [`${at} is null`];
  const out: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) out.push(`${at} = ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at} is not an object`];
      const v = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in v)) out.push(`${at}.${key} is missing`);
      for (const [key, item] of Object.entries(v)) {
        const property = schema.properties?.[key];
        if (property) out.push(...problems(doc, item, property, `${at}.${key}`));
        else if (schema.additionalProperties === false) out.push(`${at}.${key} is not documented`);
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${at} is not an array`];
      value.forEach((item, i) => out.push(...problems(doc, item, schema.items!, `${at}[${i}]`)));
      break;
    case 'string':
      if (typeof value !== 'string') return [`${at} is not a string`];
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) out.push(`${at} does not match ${schema.pattern}`);
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) out.push(`${at} is not a date-time`);
      if (schema.format === 'uuid' && !/^[0-9a-f-]{36}$/.test(value)) out.push(`${at} is not a uuid`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) out.push(`${at} is not an integer`);
      break;
    case 'number':
      if (typeof value !== 'number') out.push(`${at} is not a number`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') out.push(`${at} is not a boolean`);
      break;
    default:
      break;
  }
  return out;
}

describe('the OpenAPI document (/api/docs)', () => {
  let database: TestDatabase;
  let built: Built;
  let doc: OpenApiDocument;
  let w: World;
  beforeAll(async () => {
    database = await createTestDatabase();
    built = await build(database);
    w = await buildWorld(built.app, database.db);
    const res = await built.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<OpenApiDocument>();
  });
  afterAll(async () => {
    await built.app.close();
    await database.drop();
  });

  it('is an OpenAPI 3 document with the API’s title, version, tags and Bearer security scheme', () => {
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.stringContaining('帮帮团'), version: '0.1.0' });
    expect(typeof doc.paths).toBe('object');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const tagNames = (doc.tags as Array<{ name: string }>).map((t) => t.name);
    for (const op of documentedOperations(doc).values()) for (const tag of op.tags ?? []) expect(tagNames).toContain(tag);
    // every $ref points at a component that is there
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) component(doc, (JSON.parse(`{${ref}}`) as { $ref: string }).$ref);
  });

  it('lists exactly the routes the app has under /api/v1, and nothing else (not the H5 page, not the docs)', () => {
    const real = apiOperations(built.routes);
    expect(real.length).toBeGreaterThanOrEqual(8);
    expect([...documentedOperations(doc).keys()].sort()).toEqual(real);
    for (const path of Object.keys(doc.paths)) expect(path.startsWith('/api/v1/')).toBe(true);
  });

  it('documents every route with docs() — a route added without it fails here', () => {
    const missing = undocumented(doc);
    expect(missing.filter((key) => !AWAITING_DOCS.includes(key))).toEqual([]);
    // the waiting list only shrinks: a listed route that is now documented (or gone) must leave the list
    expect(AWAITING_DOCS.filter((key) => !missing.includes(key))).toEqual([]);
    const documented = [...documentedOperations(doc).keys()].filter((key) => !missing.includes(key)).sort();
    expect(documented).toEqual([
      'DELETE /api/v1/me/party-registration',
      'DELETE /api/v1/points/rules/{code}',
      'DELETE /api/v1/squads/{id}/members/{userId}',
      'DELETE /api/v1/users/{id}/family-contacts/{contactId}',
      'GET /api/v1/access-log',
      'GET /api/v1/admin/jobs/failed',
      'GET /api/v1/applications',
      'GET /api/v1/audit',
      'GET /api/v1/duty',
      'GET /api/v1/exports/households.csv',
      'GET /api/v1/exports/households.xlsx',
      'GET /api/v1/exports/service-ledger.csv',
      'GET /api/v1/exports/service-ledger.xlsx',
      'GET /api/v1/exports/stats.csv',
      'GET /api/v1/exports/stats.xlsx',
      'GET /api/v1/exports/volunteer-hours.csv',
      'GET /api/v1/exports/volunteer-hours.xlsx',
      'GET /api/v1/health',
      'GET /api/v1/imports/{kind}/template',
      'GET /api/v1/live',
      'GET /api/v1/me',
      'GET /api/v1/me/applications',
      'GET /api/v1/me/family',
      'GET /api/v1/me/notification-preferences',
      'GET /api/v1/me/notifications',
      'GET /api/v1/me/party-registration',
      'GET /api/v1/me/points',
      'GET /api/v1/me/points/history',
      'GET /api/v1/me/points/redemptions',
      'GET /api/v1/me/projects',
      'GET /api/v1/me/subscriptions',
      'GET /api/v1/orders',
      'GET /api/v1/orders/overdue',
      'GET /api/v1/orders/{id}',
      'GET /api/v1/orders/{id}/candidates',
      'GET /api/v1/orders/{id}/events',
      'GET /api/v1/orders/{id}/notifications',
      'GET /api/v1/party-registrations',
      'GET /api/v1/points/ranking',
      'GET /api/v1/points/redemptions',
      'GET /api/v1/points/rules',
      'GET /api/v1/points/shop',
      'GET /api/v1/projects',
      'GET /api/v1/projects/lists',
      'GET /api/v1/projects/{id}',
      'GET /api/v1/regions',
      'GET /api/v1/regions/nearest',
      'GET /api/v1/regions/search',
      'GET /api/v1/regions/{id}',
      'GET /api/v1/regions/{id}/dispatch-mode',
      'GET /api/v1/service-categories',
      'GET /api/v1/squads',
      'GET /api/v1/squads/{id}',
      'GET /api/v1/stats/by-place',
      'GET /api/v1/stats/overview',
      'GET /api/v1/tasks/mine',
      'GET /api/v1/tasks/pool',
      'GET /api/v1/uploads/{name}',
      'GET /api/v1/users',
      'GET /api/v1/users/{id}',
      'GET /api/v1/users/{id}/family-contacts',
      'GET /api/v1/users/{id}/grantable-roles',
      'GET /api/v1/users/{id}/roster',
      'GET /api/v1/users/{id}/service-record',
      'GET /api/v1/visit-plans',
      'GET /api/v1/visits/coverage',
      'GET /api/v1/visits/coverage.xlsx',
      'GET /api/v1/visits/mine',
      'GET /api/v1/visits/missed',
      'GET /api/v1/visits/{id}',
      'PATCH /api/v1/me',
      'PATCH /api/v1/points/shop-items/{id}',
      'PATCH /api/v1/projects/{id}',
      'PATCH /api/v1/regions/{id}',
      'PATCH /api/v1/service-categories/{code}',
      'PATCH /api/v1/squads/{id}',
      'PATCH /api/v1/users/{id}',
      'POST /api/v1/admin/jobs/retry',
      'POST /api/v1/applications/{id}/approve',
      'POST /api/v1/applications/{id}/decline',
      'POST /api/v1/auth/dev-login',
      'POST /api/v1/auth/logout',
      'POST /api/v1/auth/logout-all',
      'POST /api/v1/auth/sms-code',
      'POST /api/v1/auth/sms-login',
      'POST /api/v1/auth/wechat',
      'POST /api/v1/dispatch/batch',
      'POST /api/v1/imports/{kind}',
      'POST /api/v1/me/applications',
      'POST /api/v1/me/applications/{id}/withdraw',
      'POST /api/v1/me/notifications/read',
      'POST /api/v1/me/phone',
      'POST /api/v1/me/phone/wechat',
      'POST /api/v1/me/points/redemptions',
      'POST /api/v1/me/points/redemptions/{id}/cancel',
      'POST /api/v1/me/subscriptions',
      'POST /api/v1/orders',
      'POST /api/v1/orders/{id}/accept',
      'POST /api/v1/orders/{id}/cancel',
      'POST /api/v1/orders/{id}/check-in',
      'POST /api/v1/orders/{id}/complete',
      'POST /api/v1/orders/{id}/confirm',
      'POST /api/v1/orders/{id}/content-reviewed',
      'POST /api/v1/orders/{id}/dispatch',
      'POST /api/v1/orders/{id}/recall',
      'POST /api/v1/orders/{id}/reject',
      'POST /api/v1/orders/{id}/release',
      'POST /api/v1/orders/{id}/urge',
      'POST /api/v1/points/redemptions/{id}/cancel',
      'POST /api/v1/points/redemptions/{id}/hand-over',
      'POST /api/v1/points/shop-items',
      'POST /api/v1/projects',
      'POST /api/v1/projects/{id}/claim',
      'POST /api/v1/projects/{id}/claim/cancel',
      'POST /api/v1/projects/{id}/claims/{claimId}/attendance',
      'POST /api/v1/regions',
      'POST /api/v1/regions/{id}/move',
      'POST /api/v1/service-categories',
      'POST /api/v1/squads',
      'POST /api/v1/squads/{id}/members',
      'POST /api/v1/uploads',
      'POST /api/v1/users',
      'POST /api/v1/users/{id}/family-contacts',
      'POST /api/v1/visits/{id}/check-in',
      'POST /api/v1/visits/{id}/record',
      'PUT /api/v1/me/duty',
      'PUT /api/v1/me/notification-preferences',
      'PUT /api/v1/me/party-registration',
      'PUT /api/v1/points/rules/default',
      'PUT /api/v1/points/rules/{code}',
      'PUT /api/v1/regions/{id}/dispatch-mode',
      'PUT /api/v1/users/{id}/party-registration',
      'PUT /api/v1/users/{id}/roster',
      'PUT /api/v1/visit-plans',
    ]);
    for (const key of documented) {
      const op = documentedOperations(doc).get(key)!;
      // the live channel answers an upgrade (101 Switching Protocols), every other route a 2xx
      expect(Object.keys(op.responses).some((s) => (key === 'GET /api/v1/live' ? s === '101' : /^2\d\d$/.test(s)))).toBe(true);
      expect(op.responses).toHaveProperty('500');
      expect(op.responses).toHaveProperty('503');
    }
  });

  it('documents each request body as the class-validator DTO that validates it: properties, required, no others', () => {
    const bodies = [...documentedOperations(doc)].filter(([, op]) => op.requestBody);
    // every POST/PATCH/PUT of the app has one (the DELETE has none, nor do the logouts: the token says it all)
    // (nor approving or withdrawing an application: the path names it, the token who acts)
    const bodiless = [
      'POST /api/v1/applications/{id}/approve',
      'POST /api/v1/auth/logout',
      'POST /api/v1/auth/logout-all',
      'POST /api/v1/me/applications/{id}/withdraw',
      'POST /api/v1/me/points/redemptions/{id}/cancel',
      'POST /api/v1/orders/{id}/content-reviewed',
      'POST /api/v1/points/redemptions/{id}/hand-over',
      'POST /api/v1/projects/{id}/claim',
      'POST /api/v1/projects/{id}/claim/cancel',
    ];
    const writes = apiOperations(built.routes).filter((key) => /^(POST|PATCH|PUT) /.test(key) && !bodiless.includes(key));
    expect(bodies.map(([key]) => key).sort()).toEqual(writes);
    for (const [key, op] of bodies) {
      expect(op.requestBody!.required).toBe(true);
      // the photo upload and the Excel import are forms with one file part, read as a stream by the route (no DTO)
      if (key === 'POST /api/v1/uploads' || key === 'POST /api/v1/imports/{kind}') {
        expect(op.requestBody!.content).toEqual({
          'multipart/form-data': {
            schema: expect.objectContaining({
              type: 'object',
              required: ['file'],
              properties: { file: expect.objectContaining({ type: 'string', format: 'binary' }) },
            }),
          },
        });
        for (const status of ['400', '401', '413', '415'])
          expect({ key, status, response: op.responses[status] }).toEqual({ key, status, response: expect.anything() });
        continue;
      }
      const ref = op.requestBody!.content['application/json']!.schema.$ref!;
      const name = ref.split('/').pop()!;
      const dto = (shared as Record<string, unknown>)[name] as new () => object;
      expect(typeof dto).toBe('function');
      const schema = component(doc, ref);
      const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
      const properties = [...new Set(metadata.map((m) => m.propertyName))].sort();
      const optional = new Set(metadata.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION).map((m) => m.propertyName));
      expect({ key, type: schema.type, additionalProperties: schema.additionalProperties }).toEqual({ key, type: 'object', additionalProperties: false });
      expect(Object.keys(schema.properties!).sort()).toEqual(properties);
      expect([...(schema.required ?? [])].sort()).toEqual(properties.filter((p) => !optional.has(p)));
      // a documented route with a body answers 400 (with details), 413 and 415
      if (op.summary)
        for (const status of ['400', '413', '415'])
          expect({ key, status, response: op.responses[status] }).toEqual({ key, status, response: expect.anything() });
    }

    const create = component(doc, '#/components/schemas/CreateServiceCategoryDto');
    const createProperties = create.properties!;
    expect(create.required).toEqual(['code', 'name', 'color', 'icon', 'acceptMinutesNormal', 'acceptMinutesUrgent']);
    expect(createProperties.color).toEqual({ type: 'string', enum: [...TEAM_COLORS] });
    expect(createProperties.acceptMinutesNormal).toEqual({ type: 'integer', minimum: 1, maximum: 10080 });
    expect(createProperties.multiPerson).toEqual({ type: 'boolean' });
    expect(component(doc, '#/components/schemas/UpdateServiceCategoryDto').required).toBeUndefined();
    // the custom IsMainlandMobile (a Matches) becomes the same pattern
    expect(component(doc, '#/components/schemas/DevLoginDto')).toMatchObject({
      properties: { phone: { type: 'string', pattern: MAINLAND_MOBILE.source } },
      required: ['phone'],
    });
    expect(component(doc, '#/components/schemas/WechatLoginDto').properties!.code).toMatchObject({ type: 'string', minLength: 1, maxLength: 128 });
    // nested DTOs (ValidateNested + @Type) are components of their own, closed as well
    expect(component(doc, '#/components/schemas/CreateRegionDto').properties!.center).toEqual({ $ref: '#/components/schemas/LatLngDto' });
    expect(component(doc, '#/components/schemas/LatLngDto')).toMatchObject({ required: ['lat', 'lng'], additionalProperties: false });
    expect(component(doc, '#/components/schemas/RosterDto').properties!.slots!.items).toEqual({ $ref: '#/components/schemas/RosterSlotDto' });
  });

  it('documents path and query parameters', () => {
    const patch = doc.paths['/api/v1/service-categories/{code}']!.patch!;
    expect(patch.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'code', required: true })]);
    const list = doc.paths['/api/v1/service-categories']!.get!;
    expect(list.parameters).toEqual([expect.objectContaining({ in: 'query', name: 'all', required: false })]);
    // a validateQuery(Dto) documents its query by itself
    expect(doc.paths['/api/v1/users']!.get!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['regionId', 'role', 'limit']));
  });

  it('points every error response at the one ErrorBody component; says which routes need the Bearer token', () => {
    const errorBody = component(doc, '#/components/schemas/ErrorBody');
    expect(errorBody).toMatchObject({ type: 'object', required: ['code', 'message'], additionalProperties: false });
    expect(errorBody.properties!.code!.enum).toEqual(Object.values(ErrorCode));
    expect(component(doc, errorBody.properties!.details!.items!.$ref)).toMatchObject({ required: ['field', 'message'] });
    let errors = 0;
    for (const [key, op] of documentedOperations(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const expected = key === 'GET /api/v1/health' && status === '503' ? 'HealthResponse' : 'ErrorBody';
        expect({ key, status, ref: response.content!['application/json']!.schema.$ref }).toEqual({ key, status, ref: `#/components/schemas/${expected}` });
        expect(response.description).toMatch(/[\u4e00-\u9fff]/);
        errors += 1;
      }
    }
    expect(errors).toBeGreaterThan(30);

    const documented = documentedOperations(doc);
    const ops = { get: (key: string): Operation => documented.get(key)! };
    expect(ops.get('GET /api/v1/me').security).toEqual([{ bearerAuth: [] }]);
    expect(ops.get('POST /api/v1/service-categories').security).toEqual([{ bearerAuth: [] }]);
    expect(ops.get('GET /api/v1/service-categories').security).toEqual([{}, { bearerAuth: [] }]);
    expect(ops.get('GET /api/v1/health').security).toBeUndefined();
    expect(Object.keys(ops.get('POST /api/v1/service-categories').responses)).toEqual(['201', '400', '401', '403', '409', '413', '415', '500', '503']);
    expect(ops.get('POST /api/v1/auth/dev-login').responses).toHaveProperty('429'); // rate-limited
  });

  it('describes what the routes really answer (replies checked against the documented schemas)', async () => {
    const admin = bearer(w.users.admin.token);
    const check = async (
      method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
      url: string,
      path: string,
      options: { headers?: Record<string, string>; payload?: object },
      status: number,
    ) => {
      const res = await built.app.inject({ method, url, ...options });
      expect({ url, status: res.statusCode }).toEqual({ url, status });
      if (status === 204) {
        // no content: documented with none
        expect(doc.paths[path]![method.toLowerCase()]!.responses['204']!.content).toBeUndefined();
        return res;
      }
      const schema = doc.paths[path]![method.toLowerCase()]!.responses[String(status)]!.content!['application/json']!.schema;
      expect({ url, status, problems: problems(doc, res.json(), schema) }).toEqual({ url, status, problems: [] });
      return res;
    };
    await check('GET', '/api/v1/health', '/api/v1/health', {}, 200);
    await check('POST', '/api/v1/auth/dev-login', '/api/v1/auth/dev-login', { payload: { phone: '13900000077' } }, 200);
    await check('GET', '/api/v1/me', '/api/v1/me', { headers: admin }, 200);
    await check('GET', '/api/v1/service-categories?all=true', '/api/v1/service-categories', { headers: admin }, 200);
    const created = {
      code: 'doc_check',
      name: '文档核对',
      color: 'blue',
      icon: 'doc',
      acceptMinutesNormal: 60,
      acceptMinutesUrgent: 30,
    };
    await check('POST', '/api/v1/service-categories', '/api/v1/service-categories', { headers: admin, payload: created }, 201);
    await check('PATCH', '/api/v1/service-categories/doc_check', '/api/v1/service-categories/{code}', { headers: admin, payload: { active: false } }, 200);
    // and the errors
    await check('POST', '/api/v1/service-categories', '/api/v1/service-categories', { headers: admin, payload: { ...created, extra: 1 } }, 400);
    await check('GET', '/api/v1/me', '/api/v1/me', {}, 401);
    await check(
      'POST',
      '/api/v1/service-categories',
      '/api/v1/service-categories',
      { headers: bearer(w.users.residentA1.token), payload: { ...created, code: 'x_y' } },
      403,
    );
    await check('PATCH', '/api/v1/service-categories/no_such', '/api/v1/service-categories/{code}', { headers: admin, payload: {} }, 404);
    await check('POST', '/api/v1/service-categories', '/api/v1/service-categories', { headers: admin, payload: created }, 409);

    // places, people, squads
    await check('GET', `/api/v1/regions?parentId=${w.regions.A}`, '/api/v1/regions', { headers: admin }, 200);
    await check('GET', `/api/v1/regions/${w.regions.A}`, '/api/v1/regions/{id}', { headers: admin }, 200);
    await check(
      'PUT',
      `/api/v1/regions/${w.regions.X}/dispatch-mode`,
      '/api/v1/regions/{id}/dispatch-mode',
      { headers: admin, payload: { mode: 'pool' } },
      200,
    );
    await check('GET', `/api/v1/regions/${w.regions.X1}/dispatch-mode`, '/api/v1/regions/{id}/dispatch-mode', { headers: admin }, 200);
    // finding one's place, and applications (我要当志愿者, 迁移申请)
    await check('GET', `/api/v1/regions/search?q=${encodeURIComponent('甲')}`, '/api/v1/regions/search', { headers: admin }, 200);
    await check('GET', '/api/v1/regions/search', '/api/v1/regions/search', { headers: admin }, 400);
    await check('GET', '/api/v1/regions/nearest?lat=40.75&lng=107.4', '/api/v1/regions/nearest', { headers: admin }, 200);
    const residentX = bearer(w.users.residentX1.token);
    const applied = await check(
      'POST',
      '/api/v1/me/applications',
      '/api/v1/me/applications',
      { headers: residentX, payload: { kind: 'volunteer', skills: ['errands'] } },
      201,
    );
    await check('POST', '/api/v1/me/applications', '/api/v1/me/applications', { headers: residentX, payload: { kind: 'volunteer', skills: ['errands'] } }, 409);
    await check('GET', '/api/v1/me/applications', '/api/v1/me/applications', { headers: residentX }, 200);
    await check('GET', '/api/v1/applications?status=pending', '/api/v1/applications', { headers: admin }, 200);
    await check('GET', '/api/v1/applications', '/api/v1/applications', { headers: residentX }, 403);
    const appUrl = (suffix: string) => `/api/v1/applications/${applied.json<{ id: string }>().id}${suffix}`;
    await check(
      'POST',
      appUrl('/decline'),
      '/api/v1/applications/{id}/decline',
      { headers: bearer(w.users.gridWorkerA1.token), payload: { reason: '不在辖区' } },
      404,
    );
    await check('POST', appUrl('/decline'), '/api/v1/applications/{id}/decline', { headers: admin, payload: { reason: '名额已满' } }, 200);
    await check('POST', appUrl('/approve'), '/api/v1/applications/{id}/approve', { headers: admin }, 409);
    await check(
      'POST',
      `/api/v1/me/applications/${applied.json<{ id: string }>().id}/withdraw`,
      '/api/v1/me/applications/{id}/withdraw',
      { headers: residentX },
      409,
    );
    await check(
      'POST',
      '/api/v1/regions',
      '/api/v1/regions',
      { headers: admin, payload: { name: '文档网格', level: 'grid', parentId: w.regions.A, center: { lat: 40.7, lng: 107.3 } } },
      201,
    );
    await check('GET', '/api/v1/users?limit=5', '/api/v1/users', { headers: admin }, 200);
    await check('GET', `/api/v1/users/${w.users.residentA1.id}`, '/api/v1/users/{id}', { headers: admin }, 200);
    await check(
      'POST',
      '/api/v1/users',
      '/api/v1/users',
      { headers: admin, payload: { name: '文档居民', phone: '13900000078', roles: ['resident'], regionId: w.regions.A1, location: { lat: 40.7, lng: 107.3 } } },
      201,
    );
    // a resident without a mobile: a landline and a daughter (issue 18, item 3)
    const elder = await check(
      'POST',
      '/api/v1/users',
      '/api/v1/users',
      {
        headers: admin,
        payload: {
          name: '文档老人',
          landline: '0471-1234567',
          roles: ['resident'],
          regionId: w.regions.A1,
          familyContacts: [{ name: '文档女儿', relation: 'child', phone: '13900000079' }],
        },
      },
      201,
    );
    const elderId = elder.json<{ id: string }>().id;
    await check(
      'POST',
      '/api/v1/users',
      '/api/v1/users',
      { headers: admin, payload: { name: '无联系方式', roles: ['resident'], regionId: w.regions.A1 } },
      400,
    );
    const contact = await check(
      'POST',
      `/api/v1/users/${elderId}/family-contacts`,
      '/api/v1/users/{id}/family-contacts',
      { headers: admin, payload: { name: '文档儿子', relation: 'child', phone: '13900000080' } },
      201,
    );
    await check('GET', `/api/v1/users/${elderId}/family-contacts`, '/api/v1/users/{id}/family-contacts', { headers: admin }, 200);
    await check('GET', `/api/v1/users/${elderId}/family-contacts`, '/api/v1/users/{id}/family-contacts', { headers: bearer(w.users.residentX1.token) }, 404);
    await check(
      'DELETE',
      `/api/v1/users/${elderId}/family-contacts/${contact.json<{ id: string }>().id}`,
      '/api/v1/users/{id}/family-contacts/{contactId}',
      { headers: admin },
      204,
    );
    await check('GET', '/api/v1/me/family', '/api/v1/me/family', { headers: bearer(w.users.residentA1.token) }, 200);
    await check('PATCH', `/api/v1/users/${w.users.residentA1.id}`, '/api/v1/users/{id}', { headers: admin, payload: { tags: ['elderly'] } }, 200);
    await check('PATCH', '/api/v1/me', '/api/v1/me', { headers: bearer(w.users.volunteerA1.token), payload: { skills: ['errands'] } }, 200);
    const volunteer = bearer(w.users.volunteerA1.token);
    const squad = await check(
      'POST',
      '/api/v1/squads',
      '/api/v1/squads',
      { headers: admin, payload: { name: '文档小分队', color: 'green', regionId: w.regions.A, leaderId: w.users.gridWorkerA1.id, categories: [] } },
      201,
    );
    const squadId = squad.json<{ id: string }>().id;
    await check(
      'POST',
      `/api/v1/squads/${squadId}/members`,
      '/api/v1/squads/{id}/members',
      { headers: admin, payload: { userId: w.users.volunteerA1.id } },
      201,
    );
    await check('GET', '/api/v1/squads', '/api/v1/squads', { headers: volunteer }, 200);
    await check('PUT', '/api/v1/me/duty', '/api/v1/me/duty', { headers: volunteer, payload: { onDuty: true } }, 200);
    await check(
      'PUT',
      `/api/v1/users/${w.users.volunteerA1.id}/roster`,
      '/api/v1/users/{id}/roster',
      { headers: volunteer, payload: { slots: [{ weekday: 2, start: '08:00', end: '12:00' }] } },
      200,
    );
    // a fellow member's view: masked people
    await check('GET', `/api/v1/squads/${squadId}`, '/api/v1/squads/{id}', { headers: volunteer }, 200);
    await check('GET', `/api/v1/users/${w.users.residentX1.id}`, '/api/v1/users/{id}', { headers: volunteer }, 404);

    // orders: the whole lifecycle, each answer against its schema (the volunteer available whatever the day)
    await database.db.query(`UPDATE app_user SET roster = NULL WHERE id = $1`, [w.users.volunteerA1.id]);
    const resident = bearer(w.users.residentA1.token);
    const orderBody = { categoryCode: 'errands', description: '帮忙买菜', urgency: 'urgent', headcount: 1 };
    const order = await check(
      'POST',
      '/api/v1/orders',
      '/api/v1/orders',
      { headers: { ...resident, 'idempotency-key': 'doc-check-1' }, payload: orderBody },
      201,
    );
    await check('POST', '/api/v1/orders', '/api/v1/orders', { headers: { ...resident, 'idempotency-key': 'doc-check-1' }, payload: orderBody }, 200);
    await check(
      'POST',
      '/api/v1/orders',
      '/api/v1/orders',
      { headers: { ...resident, 'idempotency-key': 'doc-check-1' }, payload: { ...orderBody, description: '别的' } },
      409,
    );
    const orderId = order.json<{ id: string }>().id;
    const o = (suffix: string) => `/api/v1/orders/${orderId}${suffix}`;
    // the same service again: the open order named (ORDER_REPEATED, details[0].order), then 催一下 on it — once
    await check('POST', '/api/v1/orders', '/api/v1/orders', { headers: { ...resident, 'idempotency-key': 'doc-check-2' }, payload: orderBody }, 409);
    await check('POST', o('/urge'), '/api/v1/orders/{id}/urge', { headers: resident, payload: { note: '药快吃完了' } }, 200);
    await check('POST', o('/urge'), '/api/v1/orders/{id}/urge', { headers: resident, payload: {} }, 429);
    await check('GET', '/api/v1/tasks/pool', '/api/v1/tasks/pool', { headers: volunteer }, 200);
    // the matching engine's suggestions, while the order still waits for someone
    const candidates = await check('GET', o('/candidates'), '/api/v1/orders/{id}/candidates', { headers: admin }, 200);
    expect(candidates.json<{ items: Array<{ id: string }> }>().items.map((c) => c.id)).toContain(w.users.volunteerA1.id);
    await check('POST', o('/dispatch'), '/api/v1/orders/{id}/dispatch', { headers: admin, payload: { assigneeId: w.users.volunteerA1.id } }, 200);
    await check('POST', o('/reject'), '/api/v1/orders/{id}/reject', { headers: volunteer, payload: { reason: '今天不在家' } }, 200);
    await check('POST', o('/accept'), '/api/v1/orders/{id}/accept', { headers: volunteer }, 200);
    await check('POST', o('/accept'), '/api/v1/orders/{id}/accept', { headers: volunteer }, 409);
    // 撤回改派: taken back, and the same person may take it again (a recall keeps nobody from the order)
    await check('POST', o('/recall'), '/api/v1/orders/{id}/recall', { headers: admin, payload: { reason: '改约时间' } }, 200);
    await check('POST', o('/recall'), '/api/v1/orders/{id}/recall', { headers: admin, payload: { reason: '改约时间' } }, 409);
    await check('POST', o('/recall'), '/api/v1/orders/{id}/recall', { headers: admin, payload: {} }, 400);
    await check('POST', o('/accept'), '/api/v1/orders/{id}/accept', { headers: volunteer }, 200);
    await check('POST', o('/release'), '/api/v1/orders/{id}/release', { headers: volunteer, payload: { reason: '临时有事' } }, 200);
    await check('POST', o('/accept'), '/api/v1/orders/{id}/accept', { headers: volunteer }, 200);
    await check('POST', o('/check-in'), '/api/v1/orders/{id}/check-in', { headers: volunteer, payload: { location: { lat: 40.751, lng: 107.401 } } }, 200);
    await check(
      'POST',
      o('/complete'),
      '/api/v1/orders/{id}/complete',
      { headers: volunteer, payload: { note: '已买好送到', photoUrls: ['https://example.com/a.jpg'] } },
      200,
    );
    await check('POST', o('/confirm'), '/api/v1/orders/{id}/confirm', { headers: resident, payload: { resolved: true, rating: 5 } }, 200);
    await check('GET', o(''), '/api/v1/orders/{id}', { headers: volunteer }, 200);
    await check('GET', o('/events'), '/api/v1/orders/{id}/events', { headers: resident }, 200);
    await check('GET', '/api/v1/orders?limit=2', '/api/v1/orders', { headers: admin }, 200);
    await check('GET', '/api/v1/orders/overdue', '/api/v1/orders/overdue', { headers: admin }, 200);
    await check('GET', '/api/v1/tasks/mine', '/api/v1/tasks/mine', { headers: volunteer }, 200);
    await check('GET', `/api/v1/users/${w.users.volunteerA1.id}/service-record`, '/api/v1/users/{id}/service-record', { headers: volunteer }, 200);
    await check('GET', '/api/v1/stats/overview', '/api/v1/stats/overview', { headers: admin }, 200);
    await check('GET', '/api/v1/stats/overview', '/api/v1/stats/overview', { headers: volunteer }, 403);
    await check('POST', '/api/v1/dispatch/batch', '/api/v1/dispatch/batch', { headers: admin, payload: { regionId: w.regions.A } }, 200);
    const second = await check('POST', '/api/v1/orders', '/api/v1/orders', { headers: resident, payload: orderBody }, 201);
    await check(
      'POST',
      `/api/v1/orders/${second.json<{ id: string }>().id}/cancel`,
      '/api/v1/orders/{id}/cancel',
      { headers: resident, payload: { reason: '不需要了' } },
      200,
    );
    await check('GET', `/api/v1/orders/${second.json<{ id: string }>().id}`, '/api/v1/orders/{id}', { headers: bearer(w.users.residentX1.token) }, 404);

    // the project list and 双报到 (issue 22)
    const dispatcherT = bearer(w.users.dispatcherT.token);
    const pm = bearer(w.users.residentX1.token);
    await check('GET', '/api/v1/me/party-registration', '/api/v1/me/party-registration', { headers: pm }, 200);
    await check(
      'PUT',
      '/api/v1/me/party-registration',
      '/api/v1/me/party-registration',
      { headers: pm, payload: { communityId: w.regions.A, workplace: '旗医院' } },
      200,
    );
    await check('GET', '/api/v1/me/party-registration', '/api/v1/me/party-registration', { headers: pm }, 200);
    await check('GET', '/api/v1/party-registrations', '/api/v1/party-registrations', { headers: dispatcherT }, 200);
    const startsAt = new Date(Date.now() + 86_400_000).toISOString();
    const endsAt = new Date(Date.now() + 90_000_000).toISOString();
    const project = await check(
      'POST',
      '/api/v1/projects',
      '/api/v1/projects',
      {
        headers: dispatcherT,
        payload: { regionId: w.regions.A, title: '文档核对项目', address: '甲社区', startsAt, endsAt, places: 2, hours: 2, status: 'published' },
      },
      201,
    );
    const pid = project.json<{ id: string }>().id;
    const claimed = await check('POST', `/api/v1/projects/${pid}/claim`, '/api/v1/projects/{id}/claim', { headers: pm }, 200);
    await check('GET', '/api/v1/me/projects', '/api/v1/me/projects', { headers: pm }, 200);
    await check('GET', '/api/v1/projects', '/api/v1/projects', { headers: dispatcherT }, 200);
    await check('GET', `/api/v1/projects/lists?regionId=${w.regions.A}`, '/api/v1/projects/lists', { headers: dispatcherT }, 200);
    await check('PATCH', `/api/v1/projects/${pid}`, '/api/v1/projects/{id}', { headers: dispatcherT, payload: { places: 3 } }, 200);
    const claimId = claimed.json<{ myClaim: { id: string } }>().myClaim.id;
    await check(
      'POST',
      `/api/v1/projects/${pid}/claims/${claimId}/attendance`,
      '/api/v1/projects/{id}/claims/{claimId}/attendance',
      { headers: dispatcherT, payload: { attended: true } },
      200,
    );
    await check('GET', `/api/v1/projects/${pid}`, '/api/v1/projects/{id}', { headers: pm }, 200);
    await check('POST', `/api/v1/projects/${pid}/claim/cancel`, '/api/v1/projects/{id}/claim/cancel', { headers: pm }, 409);
    await check('DELETE', '/api/v1/me/party-registration', '/api/v1/me/party-registration', { headers: pm }, 204);

    // the photo upload: a form, not JSON
    const form = (data: Buffer) => {
      const boundary = 'docCheckBoundary';
      const payload = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
        data,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return { headers: { ...volunteer, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload };
    };
    const uploadOp = doc.paths['/api/v1/uploads']!.post!;
    for (const [data, status] of [
      [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1]), 201],
      [Buffer.from('<html></html>'), 415],
    ] as const) {
      const res = await built.app.inject({ method: 'POST', url: '/api/v1/uploads', ...form(data) });
      expect(res.statusCode).toBe(status);
      expect(problems(doc, res.json(), uploadOp.responses[String(status)]!.content!['application/json']!.schema)).toEqual([]);
    }
    const missing = await built.app.inject({ method: 'GET', url: '/api/v1/uploads/0b7e3a52-3c1e-4d0e-9a53-2f1c7f0a9d11.png' });
    expect(missing.statusCode).toBe(404);
    expect(problems(doc, missing.json(), doc.paths['/api/v1/uploads/{name}']!.get!.responses['404']!.content!['application/json']!.schema)).toEqual([]);
  });

  it('leaves request bodies to class-validator alone: Fastify gets no body or response schema to validate or serialise with', async () => {
    for (const route of built.routes) {
      if (!route.url.startsWith('/api/v1/')) continue;
      expect({ url: route.url, body: route.schema?.body, response: route.schema?.response }).toEqual({ url: route.url, body: undefined, response: undefined });
    }
    const admin = bearer(w.users.admin.token);
    const unknown = await built.app.inject({
      method: 'POST',
      url: '/api/v1/service-categories',
      headers: admin,
      payload: { code: 'odd_one', name: '多余字段', color: 'red', icon: 'x', acceptMinutesNormal: 60, acceptMinutesUrgent: 30, colour: 'red' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toEqual({
      code: 'VALIDATION_FAILED',
      message: '提交的内容里有本页面不认识的一项，请刷新后重试。',
      details: [{ field: 'colour', message: '不允许的字段' }],
    });
    const patch = await built.app.inject({
      method: 'PATCH',
      url: '/api/v1/service-categories/meal_delivery',
      headers: admin,
      payload: { sortOrder: '3', extra: true },
    });
    expect(patch.statusCode).toBe(400);
    // class-validator's messages (a string where an integer belongs is not coerced, as Ajv would)
    expect(patch.json().details).toEqual([
      { field: 'extra', message: '不允许的字段' },
      { field: 'sortOrder', message: '必须是整数' },
    ]);
    const login = await built.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { phone: '123' } });
    expect(login.json().details).toEqual([{ field: 'phone', message: '请输入 11 位手机号码' }]);
  });

  it('serves Swagger UI at /api/docs', async () => {
    const page = await built.app.inject({ method: 'GET', url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    const bundle = await built.app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    const init = await built.app.inject({ method: 'GET', url: '/api/docs/static/swagger-initializer.js' });
    expect(init.body).toContain("resolveUrl('./json')");
  });
});

describe('the OpenAPI document of another build', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('follows the routes that really exist: no dev-login in production; an undocumented new route is caught', async () => {
    // production serves the document only when asked for (API_DOCS)
    const built = await build(database, { NODE_ENV: 'production', API_DOCS: 'true', LOG_LEVEL: 'silent' }, (instance) => {
      instance.get('/api/v1/zz-new', async () => ({ ok: true }));
    });
    try {
      const doc = (await built.app.inject({ method: 'GET', url: '/api/docs/json' })).json<OpenApiDocument>();
      expect(doc.paths['/api/v1/auth/dev-login']).toBeUndefined();
      expect([...documentedOperations(doc).keys()].sort()).toEqual(apiOperations(built.routes));
      expect(undocumented(doc)).toContain('GET /api/v1/zz-new');
    } finally {
      await built.app.close();
    }
  });
});
