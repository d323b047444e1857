import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for Tencent Cloud SMS and Alibaba Cloud SMS on loopback: answers the `SendSms` action (Tencent's
 * API 2021-01-11, Aliyun's 2017-05-25) as each does, to the official SDKs the server uses (pointed here by
 * SMS_ENDPOINT), and records each message: a code (any template but the notice template) in `sent`, a notice (the
 * notice template, NOTICE_TEMPLATE / ALIYUN_NOTICE_TEMPLATE, which `env` / `aliyunEnv` set as SMS_NOTIFY_TEMPLATE)
 * in `notices`. Aliyun refuses a variable longer than 35 characters (isv.PARAM_LENGTH_LIMIT) as it does.
 */
export interface SentSms {
  phone: string;
  /** The template's first parameter: the code. */
  code: string;
  params: string[];
  body: Record<string, unknown>;
  action: string | undefined;
  authorization: string | undefined;
}

/** A notice (通知短信) the fake accepted. */
export interface SentNotice {
  provider: 'tencent' | 'aliyun';
  phone: string;
  /** The template's one variable: Tencent's {1}, Aliyun's ${content}. */
  content: string;
  templateId: string;
  body: Record<string, unknown>;
}

/** The notice templates the fake's environments configure (SMS_NOTIFY_TEMPLATE). */
export const NOTICE_TEMPLATE = '654321';
export const ALIYUN_NOTICE_TEMPLATE = 'SMS_987654321';

export interface FakeSms {
  url: string;
  sent: SentSms[];
  notices: SentNotice[];
  /** The provider is down: every call answers HTTP 502 with a gateway's HTML page. */
  outage: boolean;
  /** An API error for every call (`{ Code: 'AuthFailure.SecretIdNotFound', Message: '…' }`), or a per-number status. */
  error: { Code: string; Message: string } | undefined;
  status: { Code: string; Message: string } | undefined;
  /** The last code sent to the phone. */
  lastCode(phone: string): string | undefined;
  /** The environment that points the server at this fake (Tencent). */
  env: Record<string, string>;
  /** The same for Aliyun. */
  aliyunEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeSms(): Promise<FakeSms> {
  const fake = {
    sent: [] as SentSms[],
    notices: [] as SentNotice[],
    outage: false,
    error: undefined as FakeSms['error'],
    status: undefined as FakeSms['status'],
    lastCode(phone: string) {
      return fake.sent.filter((s) => s.phone === phone).at(-1)?.code;
    },
  };
  /** Aliyun's RPC style: the parameters in the query string, signed with ACS3-HMAC-SHA256. */
  const aliyun = (req: http.IncomingMessage, res: http.ServerResponse, requestId: string) => {
    const action = req.headers['x-acs-action'] as string;
    const authorization = req.headers.authorization;
    if (action !== 'SendSms' || !String(authorization ?? '').startsWith('ACS3-HMAC-SHA256')) {
      res.statusCode = 400;
      res.end(JSON.stringify({ Code: 'InvalidAction.NotFound', Message: 'unknown action or unsigned', RequestId: requestId }));
      return;
    }
    if (fake.error) {
      res.statusCode = 404;
      res.end(JSON.stringify({ ...fake.error, RequestId: requestId }));
      return;
    }
    const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    let params: Record<string, unknown> = {};
    try {
      params = JSON.parse(query.get('TemplateParam') ?? '{}') as Record<string, unknown>;
    } catch {
      /* recorded empty */
    }
    const tooLong = Object.values(params).some((v) => [...String(v)].length > 35);
    const status = tooLong ? { Code: 'isv.PARAM_LENGTH_LIMIT', Message: '参数超出长度限制' } : (fake.status ?? { Code: 'OK', Message: 'OK' });
    if (status.Code === 'OK') {
      const code = typeof params.code === 'string' ? params.code : '';
      const templateId = query.get('TemplateCode') ?? '';
      for (const phone of (query.get('PhoneNumbers') ?? '').split(',')) {
        if (templateId === ALIYUN_NOTICE_TEMPLATE) {
          const content = typeof params.content === 'string' ? params.content : '';
          fake.notices.push({ provider: 'aliyun', phone, content, templateId, body: Object.fromEntries(query) });
        } else {
          fake.sent.push({ phone, code, params: [code], body: Object.fromEntries(query), action, authorization });
        }
      }
    }
    res.end(JSON.stringify({ ...status, BizId: randomUUID(), RequestId: requestId }));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestId = randomUUID();
      if (fake.outage) {
        res.statusCode = 502;
        res.setHeader('content-type', 'text/html');
        res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        return;
      }
      res.setHeader('content-type', 'application/json');
      if (req.headers['x-acs-action'] !== undefined) {
        aliyun(req, res, requestId);
        return;
      }
      const action = req.headers['x-tc-action'] as string | undefined;
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        /* answered below */
      }
      if (action !== 'SendSms' || !String(req.headers.authorization ?? '').startsWith('TC3-HMAC-SHA256')) {
        res.end(JSON.stringify({ Response: { Error: { Code: 'InvalidAction', Message: 'unknown action or unsigned' }, RequestId: requestId } }));
        return;
      }
      if (fake.error) {
        res.end(JSON.stringify({ Response: { Error: fake.error, RequestId: requestId } }));
        return;
      }
      const numbers = (body.PhoneNumberSet as string[] | undefined) ?? [];
      const params = ((body.TemplateParamSet as string[] | undefined) ?? []).map(String);
      const status = fake.status ?? { Code: 'Ok', Message: 'send success' };
      if (status.Code === 'Ok') {
        for (const n of numbers) {
          if (body.TemplateId === NOTICE_TEMPLATE) {
            fake.notices.push({ provider: 'tencent', phone: n.replace(/^\+86/, ''), content: params[0] ?? '', templateId: NOTICE_TEMPLATE, body });
            continue;
          }
          fake.sent.push({
            phone: n.replace(/^\+86/, ''),
            code: params[0] ?? '',
            params,
            body,
            action,
            authorization: req.headers.authorization,
          });
        }
      }
      res.end(
        JSON.stringify({
          Response: {
            SendStatusSet: numbers.map((n) => ({ SerialNo: randomUUID(), PhoneNumber: n, Fee: 1, SessionContext: '', ...status, IsoCode: 'CN' })),
            RequestId: requestId,
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return Object.assign(fake, {
    url,
    env: {
      SMS_PROVIDER: 'tencent',
      SMS_SECRET_ID: 'AKIDfake',
      SMS_SECRET_KEY: 'fake-secret-key',
      SMS_SDK_APP_ID: '1400000000',
      SMS_SIGN_NAME: '帮帮团',
      SMS_TEMPLATE_ID: '123456',
      SMS_NOTIFY_TEMPLATE: NOTICE_TEMPLATE,
      SMS_ENDPOINT: url,
    },
    aliyunEnv: {
      SMS_PROVIDER: 'aliyun',
      SMS_SECRET_ID: 'LTAIfake',
      SMS_SECRET_KEY: 'fake-access-key-secret',
      SMS_SIGN_NAME: '帮帮团',
      SMS_TEMPLATE_ID: 'SMS_123456789',
      SMS_NOTIFY_TEMPLATE: ALIYUN_NOTICE_TEMPLATE,
      SMS_ENDPOINT: url,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
