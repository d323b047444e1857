import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_ERROR_MESSAGES } from '@bangbang/shared';

/**
 * The mini-program's one API client (`miniapp/src/services/api.ts`, the real module) against a small real HTTP
 * server on loopback; `@tarojs/taro` is Node's fetch (tests/support/taro-fetch.ts). Every branch of the error
 * handling: the contract's body → its Chinese message and field details; an answer that is not our API's → service
 * unavailable; no answer → 「网络不给力，请重试」, retried once for GET but never for a plain POST.
 */

// loaded in beforeAll, once the server's address is known (api.ts reads it when it loads): types only up here
import type * as ApiModule from '../../miniapp/src/services/api';
import type * as EndpointsModule from '../../miniapp/src/services/endpoints';

type Api = typeof ApiModule;
type Endpoints = typeof EndpointsModule;

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let api: Api;
let endpoints: Endpoints;
const seen: Seen[] = [];
/** What POST /api/v1/uploads answers next. */
let uploadAnswer: [number, string] = [201, JSON.stringify({ url: '/api/v1/uploads/x.png' })];
/** How many times each path has been asked for (to see retries). */
const attempts = new Map<string, number>();

function send(res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://x');
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  const n = (attempts.get(url.pathname) ?? 0) + 1;
  attempts.set(url.pathname, n);
  switch (url.pathname) {
    case '/ok':
      return send(res, 200, JSON.stringify({ hello: '你好', query: Object.fromEntries(url.searchParams) }));
    case '/no-content':
      res.writeHead(204);
      return void res.end();
    case '/validation':
      return send(
        res,
        400,
        JSON.stringify({
          code: 'VALIDATION_FAILED',
          message: '请求内容有误：phone 请输入 11 位手机号码。',
          details: [{ field: 'phone', message: '请输入 11 位手机号码' }],
        }),
      );
    case '/conflict':
      return send(res, 409, JSON.stringify({ code: 'CONFLICT', message: '该需求已被接单。' }));
    case '/unauthorized':
      return send(res, 401, JSON.stringify({ code: 'UNAUTHORIZED', message: '登录已过期，请重新登录。' }));
    case '/proxy-page':
      return send(res, 502, '<html><body>502 Bad Gateway</body></html>', 'text/html');
    case '/html-200':
      return send(res, 200, '<html><body>not the API</body></html>', 'text/html');
    case '/odd-error':
      return send(res, 500, JSON.stringify({ error: 'something' }));
    case '/drop':
      // no answer at all: the connection is cut
      return void req.socket.destroy();
    case '/drop-once':
      if (n === 1) return void req.socket.destroy();
      return send(res, 200, JSON.stringify({ second: true }));
    case '/api/v1/uploads': {
      const [status, text] = uploadAnswer;
      return send(res, status, text);
    }
    case '/api/v1/orders':
      if (n === 1) return void req.socket.destroy();
      return send(res, 201, JSON.stringify({ id: 'o1', idempotencyKey: req.headers['idempotency-key'] }));
    default:
      return send(res, 404, JSON.stringify({ code: 'NOT_FOUND', message: '找不到这个接口。' }));
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // read by api.ts when it loads: the origin every path is prefixed with
  process.env.TARO_APP_API_BASE = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api = await import('../../miniapp/src/services/api');
  endpoints = await import('../../miniapp/src/services/endpoints');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  attempts.clear();
  api.clearToken();
  api.setUnauthorizedHandler(undefined);
});

async function failure(p: Promise<unknown>): Promise<InstanceType<Api['ApiError']>> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(api.ApiError);
    return error as InstanceType<Api['ApiError']>;
  }
  throw new Error('expected the request to fail');
}

describe('answers', () => {
  it('resolves with the parsed body; GET data is the query string, without undefined values', async () => {
    const got = await api.request<{ hello: string; query: Record<string, string> }>('GET', '/ok', { status: 'pending', regionId: undefined, limit: 20 });
    expect(got).toEqual({ hello: '你好', query: { status: 'pending', limit: '20' } });
  });

  it('resolves 204 with undefined', async () => {
    await expect(api.request('DELETE', '/no-content')).resolves.toBeUndefined();
  });

  it('sends the token as a Bearer header once logged in, and JSON bodies with their type', async () => {
    api.setToken('tok-123');
    await api.request('POST', '/ok', { a: 1 });
    expect(seen[0]!.headers.authorization).toBe('Bearer tok-123');
    expect(seen[0]!.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(seen[0]!.body)).toEqual({ a: 1 });
  });
});

describe('errors in the contract', () => {
  it('a 400 shows the server’s Chinese message and keeps the field details', async () => {
    const e = await failure(api.request('POST', '/validation', { phone: '1' }));
    expect(e.status).toBe(400);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toBe('请求内容有误：phone 请输入 11 位手机号码。');
    expect(e.details).toEqual([{ field: 'phone', message: '请输入 11 位手机号码' }]);
  });

  it('a 409 (someone else was faster) keeps its message', async () => {
    const e = await failure(api.request('POST', '/conflict', {}));
    expect({ status: e.status, code: e.code, message: e.message }).toEqual({ status: 409, code: 'CONFLICT', message: '该需求已被接单。' });
    expect(e.details).toEqual([]);
  });

  it('a 401 with a token calls the session’s handler (back to login); without a token it does not', async () => {
    const handler = jest.fn();
    api.setUnauthorizedHandler(handler);
    await failure(api.request('GET', '/unauthorized'));
    expect(handler).not.toHaveBeenCalled();
    api.setToken('expired');
    const e = await failure(api.request('GET', '/unauthorized'));
    expect(e.message).toBe('登录已过期，请重新登录。');
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('answers that are not our API’s', () => {
  it.each([
    ['a proxy’s HTML error page', '/proxy-page', 502],
    ['an HTML page with 200', '/html-200', 200],
    ['a JSON error outside the contract', '/odd-error', 500],
  ])('%s → service unavailable, in Chinese', async (_name, path, status) => {
    const e = await failure(api.request('GET', path));
    expect(e.status).toBe(status);
    expect(e.code).toBe('SERVICE_UNAVAILABLE');
    expect(e.message).toBe(DEFAULT_ERROR_MESSAGES.SERVICE_UNAVAILABLE);
  });
});

describe('no answer (network failure)', () => {
  it('GET is retried once, then fails with 「网络不给力，请重试」', async () => {
    const e = await failure(api.request('GET', '/drop'));
    expect({ status: e.status, code: e.code, message: e.message }).toEqual({ status: 0, code: 'NETWORK_ERROR', message: '网络不给力，请重试' });
    expect(attempts.get('/drop')).toBe(2);
  });

  it('a GET whose first try is lost succeeds on the retry', async () => {
    await expect(api.request('GET', '/drop-once')).resolves.toEqual({ second: true });
    expect(attempts.get('/drop-once')).toBe(2);
  });

  it('a plain POST is not repeated behind the person’s back', async () => {
    const e = await failure(api.request('POST', '/drop', { x: 1 }));
    expect(e.code).toBe('NETWORK_ERROR');
    expect(e.message).toBe(api.NETWORK_ERROR_MESSAGE);
    expect(attempts.get('/drop')).toBe(1);
  });

  it('ordering (POST /orders) carries an Idempotency-Key, so it is retried with the same key', async () => {
    const order = await endpoints.createOrder({ categoryCode: 'errands', description: '买菜', urgency: 'normal' }, 'key-0001');
    expect(order).toEqual({ id: 'o1', idempotencyKey: 'key-0001' });
    const tries = seen.filter((s) => s.url === '/api/v1/orders');
    expect(tries.map((s) => s.headers['idempotency-key'])).toEqual(['key-0001', 'key-0001']);
  });
});

describe('photo upload (Taro.uploadFile, whose answer is text)', () => {
  let photo: string;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bangbang-upload-'));
    photo = path.join(dir, 'door.png');
    await writeFile(photo, Buffer.from('89504e470d0a1a0a', 'hex'));
  });

  it('reads the JSON text into { url }, with the token and the field `file`', async () => {
    api.setToken('tok-up');
    await expect(endpoints.uploadPhoto(photo)).resolves.toEqual({ url: '/api/v1/uploads/x.png' });
    const sent = seen.find((s) => s.url === '/api/v1/uploads')!;
    expect(sent.headers.authorization).toBe('Bearer tok-up');
    expect(sent.body).toContain('name="file"');
  });

  it('an error answer shows the server’s message (too large → 413 in Chinese)', async () => {
    uploadAnswer = [
      413,
      JSON.stringify({ code: 'VALIDATION_FAILED', message: '照片太大了，请选择 5 MB 以内的照片。', details: [{ field: 'file', message: '照片太大' }] }),
    ];
    const e = await failure(endpoints.uploadPhoto(photo));
    expect({ status: e.status, message: e.message, field: e.details[0]?.field }).toEqual({
      status: 413,
      message: '照片太大了，请选择 5 MB 以内的照片。',
      field: 'file',
    });
  });

  it('an answer that is not JSON → service unavailable', async () => {
    uploadAnswer = [502, 'Bad Gateway'];
    const e = await failure(endpoints.uploadPhoto(photo));
    expect(e.code).toBe('SERVICE_UNAVAILABLE');
  });
});
