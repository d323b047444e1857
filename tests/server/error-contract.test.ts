import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { IsMainlandMobile, type ErrorBody } from '@bangbang/shared';
import app, { createFastify } from '../../server/src/app';
import { ConflictError, ForbiddenError, NotFoundError } from '../../server/src/errors';
import { validateBody } from '../../server/src/http/validate';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testConfig } from '../support/app';

class CreateThingDto {
  @IsString()
  name!: string;

  @IsMainlandMobile()
  phone!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  headcount?: number;
}

/** The real application plus a few routes that exercise the contract the way later modules will. */
async function build(database: TestDatabase): Promise<FastifyInstance> {
  const instance = createFastify(testConfig());
  await instance.register(fp(app), { config: testConfig(), db: database.db });
  instance.post('/api/v1/things', { preValidation: validateBody(CreateThingDto) }, async (request) => {
    const body = request.body as CreateThingDto;
    return { ok: true, isInstance: body instanceof CreateThingDto, name: body.name };
  });
  instance.get('/api/v1/boom', async () => {
    throw new Error('secret internal detail: password=hunter2');
  });
  instance.get('/api/v1/forbidden', async () => {
    throw new ForbiddenError('只有管理员可以这样做。');
  });
  instance.get('/api/v1/missing', async () => {
    throw new NotFoundError();
  });
  instance.get('/api/v1/conflict', async () => {
    throw new ConflictError('该需求已被接单');
  });
  instance.get('/api/v1/duplicate', async () => {
    // a unique violation from PostgreSQL itself: two roots with the same name
    await database.db.query(`INSERT INTO region (level, name, path) VALUES ('city', '重复市', '/dup1/')`);
    await database.db.query(`INSERT INTO region (level, name, path) VALUES ('city', '重复市', '/dup2/')`);
    return { ok: true };
  });
  instance.get('/api/v1/bad-uuid', async () => database.db.query(`SELECT * FROM region WHERE id = $1`, ['not-a-uuid']));
  await instance.ready();
  return instance;
}

function expectContract(body: ErrorBody, code: string): void {
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message).toMatch(/[\u4e00-\u9fff]/);
  for (const key of Object.keys(body)) expect(['code', 'message', 'details']).toContain(key);
}

describe('the error contract over HTTP', () => {
  let database: TestDatabase;
  let server: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await build(database);
  });
  afterAll(async () => {
    await server.close();
    await database.drop();
  });

  it('passes a valid body to the handler as an instance of the DTO', async () => {
    const res = await server.inject({ method: 'POST', url: '/api/v1/things', payload: { name: '张三', phone: '13800138000' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, isInstance: true, name: '张三' });
  });

  it('answers a malformed JSON body with 400 VALIDATION_FAILED', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/api/v1/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "张三",',
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorBody>();
    expectContract(body, 'VALIDATION_FAILED');
    expect(body.details).toEqual([{ field: 'body', message: '不是有效的 JSON' }]);
  });

  it('names each bad field', async () => {
    const res = await server.inject({ method: 'POST', url: '/api/v1/things', payload: { name: 3, phone: '123', headcount: 0 } });
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorBody>();
    expectContract(body, 'VALIDATION_FAILED');
    expect(body.details).toEqual([
      { field: 'name', message: '必须是文本' },
      { field: 'phone', message: '请输入 11 位手机号码' },
      { field: 'headcount', message: '不能小于 1' },
    ]);
    expect(body.message).toBe('姓名必须是文本（另有 2 处需要修改）。');
  });

  it('rejects unknown properties', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/api/v1/things',
      payload: { name: '张三', phone: '13800138000', roles: ['admin'] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<ErrorBody>().details).toEqual([{ field: 'roles', message: '不允许的字段' }]);
  });

  it('rejects a body that is not an object, an empty body and a wrong content type', async () => {
    const list = await server.inject({ method: 'POST', url: '/api/v1/things', payload: [1, 2] });
    expect(list.statusCode).toBe(400);
    expect(list.json<ErrorBody>().details).toEqual([{ field: 'body', message: '提交的内容格式不正确，应为一组填写项' }]);

    const empty = await server.inject({ method: 'POST', url: '/api/v1/things', headers: { 'content-type': 'application/json' } });
    expect(empty.statusCode).toBe(400);
    expectContract(empty.json(), 'VALIDATION_FAILED');

    const text = await server.inject({ method: 'POST', url: '/api/v1/things', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    expect(text.statusCode).toBe(415);
    expectContract(text.json(), 'VALIDATION_FAILED');
  });

  it('rejects a body over the limit with 413', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/api/v1/things',
      payload: { name: 'x'.repeat(2 * 1024 * 1024), phone: '13800138000' },
    });
    expect(res.statusCode).toBe(413);
    expectContract(res.json(), 'VALIDATION_FAILED');
  });

  it('answers an unknown route with 404 in the contract shape', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/nothing-here'],
      ['DELETE', '/api/v1/orders/1'],
      ['GET', '/no-such-file.js'],
    ] as const) {
      const res = await server.inject({ method, url });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      const body = res.json<ErrorBody>();
      expectContract(body, 'NOT_FOUND');
      expect(body.message).toContain(url);
    }
  });

  it('maps domain errors to their status and keeps their message', async () => {
    const forbidden = await server.inject({ method: 'GET', url: '/api/v1/forbidden' });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ code: 'FORBIDDEN', message: '只有管理员可以这样做。' });

    const missing = await server.inject({ method: 'GET', url: '/api/v1/missing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ code: 'NOT_FOUND', message: '您要找的内容不存在。' });

    const conflict = await server.inject({ method: 'GET', url: '/api/v1/conflict' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual({ code: 'CONFLICT', message: '该需求已被接单' });
  });

  it('never leaks an internal error: 500 INTERNAL with a generic message', async () => {
    const res = await server.inject({ method: 'GET', url: '/api/v1/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'INTERNAL', message: '服务器出了点问题，请稍后再试。' });
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('stack');
  });

  it('maps a PostgreSQL unique violation to 409 and a bad literal to 400, without SQL in the answer', async () => {
    const dup = await server.inject({ method: 'GET', url: '/api/v1/duplicate' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toEqual({ code: 'CONFLICT', message: '该记录已存在。' });

    const bad = await server.inject({ method: 'GET', url: '/api/v1/bad-uuid' });
    expect(bad.statusCode).toBe(400);
    expectContract(bad.json(), 'VALIDATION_FAILED');
    expect(bad.body).not.toMatch(/SELECT|uuid/i);
  });

  it('sends a request id with every answer', async () => {
    const res = await server.inject({ method: 'GET', url: '/api/v1/missing', headers: { 'x-request-id': 'abc-12345678' } });
    expect(res.headers['x-request-id']).toBe('abc-12345678');
  });
});
