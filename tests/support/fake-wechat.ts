import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for WeChat's server API on loopback, answering like WeChat does:
 * - `GET /sns/jscode2session`: `codes` maps a login code to an openid; any other code gets "invalid code" (40029).
 * - `POST /cgi-bin/stable_token`: the current `accessToken` (the same one on every call, as stable_token does while
 *   it is valid), for the fake's appid and secret.
 * - `POST /wxa/business/getuserphonenumber?access_token=…`: `phoneCodes` maps a phone-button code to a phone; a
 *   token that is not the current one gets 40001, an unknown code 40029.
 */
export interface FakeWechat {
  url: string;
  requests: URL[];
  codes: Map<string, string>;
  phoneCodes: Map<string, string>;
  /** The access token stable_token hands out now. */
  accessToken: string;
  /** WeChat ends the current token (as when someone force-refreshed it): the next one differs, the old gets 40001. */
  rotateToken(): void;
  /** How many requests reached a path (e.g. '/cgi-bin/stable_token'). */
  count(pathname: string): number;
  /** Answer every call with this body instead (e.g. `{ errcode: -1, errmsg: 'system error' }`). */
  override: Record<string, unknown> | undefined;
  close(): Promise<void>;
}

export const FAKE_APPID = 'wx-test-appid';
export const FAKE_SECRET = 'wx-test-secret';

export async function startFakeWechat(): Promise<FakeWechat> {
  const fake: Omit<FakeWechat, 'url' | 'close'> = {
    requests: [],
    codes: new Map(),
    phoneCodes: new Map(),
    accessToken: `token-${randomUUID()}`,
    rotateToken() {
      fake.accessToken = `token-${randomUUID()}`;
    },
    count(pathname) {
      return fake.requests.filter((u) => u.pathname === pathname).length;
    },
    override: undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      fake.requests.push(url);
      res.setHeader('content-type', 'text/plain'); // WeChat really answers JSON as text/plain
      const answer = (body: Record<string, unknown>) => res.end(JSON.stringify(body));
      if (fake.override) return answer(fake.override);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        return answer({ errcode: 47001, errmsg: 'data format error' });
      }
      if (req.method === 'GET' && url.pathname === '/sns/jscode2session') {
        const p = url.searchParams;
        if (p.get('appid') !== FAKE_APPID || p.get('secret') !== FAKE_SECRET || p.get('grant_type') !== 'authorization_code') {
          return answer({ errcode: 40013, errmsg: 'invalid appid' });
        }
        const openid = fake.codes.get(p.get('js_code') ?? '');
        if (!openid) return answer({ errcode: 40029, errmsg: 'invalid code' });
        fake.codes.delete(p.get('js_code') ?? ''); // a code works once
        return answer({ openid, session_key: 'SESSION-KEY-MUST-NOT-LEAK' });
      }
      if (req.method === 'POST' && url.pathname === '/cgi-bin/stable_token') {
        if (body.appid !== FAKE_APPID || body.secret !== FAKE_SECRET || body.grant_type !== 'client_credential') {
          return answer({ errcode: 40013, errmsg: 'invalid appid' });
        }
        if (body.force_refresh === true) fake.rotateToken();
        return answer({ access_token: fake.accessToken, expires_in: 7200 });
      }
      if (req.method === 'POST' && url.pathname === '/wxa/business/getuserphonenumber') {
        if (url.searchParams.get('access_token') !== fake.accessToken) return answer({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid' });
        const code = typeof body.code === 'string' ? body.code : '';
        const phone = fake.phoneCodes.get(code);
        if (!phone) return answer({ errcode: 40029, errmsg: 'invalid code' });
        fake.phoneCodes.delete(code); // a code works once
        return answer({
          errcode: 0,
          errmsg: 'ok',
          phone_info: {
            phoneNumber: phone,
            purePhoneNumber: phone,
            countryCode: '86',
            watermark: { timestamp: Math.floor(Date.now() / 1000), appid: FAKE_APPID },
          },
        });
      }
      res.statusCode = 404;
      return answer({ errcode: -1, errmsg: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
