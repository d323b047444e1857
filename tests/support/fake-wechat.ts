import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for WeChat's server API on loopback: `GET /sns/jscode2session` answers like WeChat does.
 * `codes` maps a login code to an openid; any other code gets WeChat's "invalid code" (errcode 40029).
 */
export interface FakeWechat {
  url: string;
  requests: URL[];
  codes: Map<string, string>;
  /** Answer every call with this body instead (e.g. `{ errcode: -1, errmsg: 'system error' }`). */
  override: Record<string, unknown> | undefined;
  close(): Promise<void>;
}

export const FAKE_APPID = 'wx-test-appid';
export const FAKE_SECRET = 'wx-test-secret';

export async function startFakeWechat(): Promise<FakeWechat> {
  const fake: Omit<FakeWechat, 'url' | 'close'> = { requests: [], codes: new Map(), override: undefined };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.requests.push(url);
    res.setHeader('content-type', 'text/plain'); // WeChat really answers JSON as text/plain
    if (url.pathname !== '/sns/jscode2session') {
      res.statusCode = 404;
      res.end('{"errcode":-1,"errmsg":"not found"}');
      return;
    }
    if (fake.override) {
      res.end(JSON.stringify(fake.override));
      return;
    }
    const p = url.searchParams;
    if (p.get('appid') !== FAKE_APPID || p.get('secret') !== FAKE_SECRET || p.get('grant_type') !== 'authorization_code') {
      res.end(JSON.stringify({ errcode: 40013, errmsg: 'invalid appid' }));
      return;
    }
    const openid = fake.codes.get(p.get('js_code') ?? '');
    if (!openid) {
      res.end(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }));
      return;
    }
    fake.codes.delete(p.get('js_code') ?? ''); // a code works once
    res.end(JSON.stringify({ openid, session_key: 'SESSION-KEY-MUST-NOT-LEAK' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
