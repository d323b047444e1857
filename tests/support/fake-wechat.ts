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
 * - `POST /wxa/msg_sec_check?access_token=…` (version 2): `contentVerdicts` maps a word to WeChat's suggestion for text
 *   containing it (`pass` otherwise); every checked body is kept in `contentChecks`.
 * - `POST /cgi-bin/message/subscribe/send?access_token=…`: a token that is not the current one gets 40001; a body
 *   WeChat would refuse gets its errcode (47001 not JSON or a field missing, 40037 no template id, 47003 a keyword
 *   value breaking its type's rule: thing ≤ 20 characters, phrase ≤ 5 Chinese characters, time a 24-hour time…);
 *   `subscribeErrors` maps an openid to the errcode to answer for it (43101: no subscription left, 40003: bad
 *   openid); anything else is accepted and kept in `subscribeSends`.
 * - `outage`: every path answers HTTP 502 (`'http'`) or `{ errcode: -1, errmsg: 'system error' }` (`'busy'`), or never
 *   answers (`'stall'`, until the fake closes).
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
  /** msg_sec_check: text containing a key gets its suggestion (`risky`, `review`); anything else `pass`. */
  contentVerdicts: Map<string, 'pass' | 'review' | 'risky'>;
  /** msg_sec_check: the bodies it was asked about, in order. */
  contentChecks: Array<Record<string, unknown>>;
  /** Answer every call with this body instead (e.g. `{ errcode: -1, errmsg: 'system error' }`). */
  override: Record<string, unknown> | undefined;
  /** subscribe/send: every message WeChat accepted, in order. */
  subscribeSends: SubscribeSend[];
  /** subscribe/send: the errcode to answer for an openid (e.g. 43101 for a person with no subscription left). */
  subscribeErrors: Map<string, number>;
  /** WeChat is down: every call answers HTTP 502 (`'http'`), errcode -1 (`'busy'`), or nothing at all (`'stall'`). */
  outage: false | 'http' | 'busy' | 'stall';
  close(): Promise<void>;
}

export interface SubscribeSend {
  touser: string;
  template_id: string;
  page: string;
  data: Record<string, { value: string }>;
  miniprogram_state: string;
}

/**
 * WeChat's rule for a subscription message's keyword value, by the type its key starts with (订阅消息参数值内容限制说明),
 * written here independently of the server's builder so that the fake checks it rather than echoes it.
 */
function keywordValueOk(key: string, value: unknown): boolean {
  if (typeof value !== 'string' || value === '' || /\p{Cc}/u.test(value)) return false;
  const chars = [...value];
  const type = key.replace(/\d+$/, '');
  if (type === 'thing') return chars.length <= 20;
  if (type === 'phrase') return chars.length <= 5 && chars.every((c) => /\p{Script=Han}/u.test(c));
  if (type === 'character_string') return chars.length <= 32 && /^[\x21-\x7e]+$/.test(value);
  if (type === 'number') return /^\d{1,32}(\.\d+)?$/.test(value);
  if (type === 'name') return chars.length <= (/\p{Script=Han}/u.test(value) ? 10 : 20);
  if (type === 'time' || type === 'date') return /(^|[ 日])\d{1,2}:\d{2}(:\d{2})?$/.test(value) || /^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?$/.test(value);
  return chars.length <= 20;
}

export const FAKE_APPID = 'wx-test-appid';
export const FAKE_SECRET = 'wx-test-secret';

export async function startFakeWechat(): Promise<FakeWechat> {
  const fake: Omit<FakeWechat, 'url' | 'close'> = {
    requests: [],
    codes: new Map(),
    phoneCodes: new Map(),
    contentVerdicts: new Map(),
    contentChecks: [],
    accessToken: `token-${randomUUID()}`,
    rotateToken() {
      fake.accessToken = `token-${randomUUID()}`;
    },
    count(pathname) {
      return fake.requests.filter((u) => u.pathname === pathname).length;
    },
    override: undefined,
    subscribeSends: [],
    subscribeErrors: new Map(),
    outage: false,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      fake.requests.push(url);
      res.setHeader('content-type', 'text/plain'); // WeChat really answers JSON as text/plain
      const answer = (body: Record<string, unknown>) => res.end(JSON.stringify(body));
      if (fake.outage === 'http') {
        res.statusCode = 502;
        res.setHeader('content-type', 'text/html');
        return res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      }
      if (fake.outage === 'busy') return answer({ errcode: -1, errmsg: 'system error' });
      if (fake.outage === 'stall') return; // the caller's timeout must end it
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
      if (req.method === 'POST' && url.pathname === '/wxa/msg_sec_check') {
        if (url.searchParams.get('access_token') !== fake.accessToken) return answer({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid' });
        fake.contentChecks.push(body);
        const content = typeof body.content === 'string' ? body.content : '';
        if (body.version !== 2 || typeof body.openid !== 'string' || ![1, 2, 3, 4].includes(body.scene as number) || content === '') {
          return answer({ errcode: 47001, errmsg: 'data format error' });
        }
        const suggest = [...fake.contentVerdicts].find(([word]) => content.includes(word))?.[1] ?? 'pass';
        const label = suggest === 'pass' ? 100 : 20001;
        return answer({
          errcode: 0,
          errmsg: 'ok',
          result: { suggest, label },
          detail: [{ strategy: 'content_model', errcode: 0, suggest, label }],
          trace_id: randomUUID(),
        });
      }
      if (req.method === 'POST' && url.pathname === '/cgi-bin/message/subscribe/send') {
        if (url.searchParams.get('access_token') !== fake.accessToken) return answer({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid' });
        const { touser, template_id, page, data, miniprogram_state, lang } = body;
        if (typeof touser !== 'string' || typeof data !== 'object' || data === null || Array.isArray(data)) {
          return answer({ errcode: 47001, errmsg: 'data format error' });
        }
        if (typeof template_id !== 'string' || template_id === '') return answer({ errcode: 40037, errmsg: 'invalid template_id' });
        if (!['formal', 'trial', 'developer'].includes(miniprogram_state as string) || !['zh_CN', 'en_US', 'zh_HK', 'zh_TW'].includes(lang as string)) {
          return answer({ errcode: 47001, errmsg: 'data format error' });
        }
        const entries = Object.entries(data as Record<string, unknown>);
        const bad = entries.find(([key, v]) => typeof v !== 'object' || v === null || !keywordValueOk(key, (v as { value?: unknown }).value));
        if (entries.length === 0 || bad) return answer({ errcode: 47003, errmsg: `argument invalid! data.${bad?.[0] ?? ''}.value invalid` });
        const refused = fake.subscribeErrors.get(touser);
        if (refused !== undefined) return answer({ errcode: refused, errmsg: refused === 43101 ? 'user refuse to accept the msg' : 'refused' });
        fake.subscribeSends.push({
          touser,
          template_id,
          page: typeof page === 'string' ? page : '',
          data: data as SubscribeSend['data'],
          miniprogram_state: miniprogram_state as string,
        });
        return answer({ errcode: 0, errmsg: 'ok', msgid: Date.now() });
      }
      res.statusCode = 404;
      return answer({ errcode: -1, errmsg: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a stalled request would keep it open
      }),
  });
}
