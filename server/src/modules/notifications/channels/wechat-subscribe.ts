import type { WechatAccessToken } from '../../auth/wechat-token';
import { ChannelUnavailableError } from '../../phone/sms-sender';

export { ChannelUnavailableError };

/**
 * WeChat subscription messages (订阅消息, `POST /cgi-bin/message/subscribe/send`): one message to one person, who
 * must have accepted the template in the mini-program (`requestSubscribeMessage`) — one acceptance of a one-time
 * template allows one message. The delivery job counts acceptances (subscribe_quota); this only sends and says how it
 * went:
 * - `sent`: WeChat took it (errcode 0);
 * - `no_quota`: the person has no acceptance left for this template, or refused it (43101): the job tries the next
 *   channel;
 * - `rejected`: WeChat will never take this message (a bad openid, template id, data or page; the template banned):
 *   trying again is useless, the job records the failure and tries the next channel;
 * - throws `ChannelUnavailableError`: WeChat could not be reached or was busy (network, timeout, HTTP 5xx, -1,
 *   45009, 43108): the job retries with backoff. A timeout may hide a message that did go out: WeChat has no
 *   idempotency key for this API, so a retry after a timeout may, rarely, send it twice.
 * The access token is the shared stable_token (auth/wechat-token.ts); when WeChat says it ended (40001, 42001,
 * 40014) it is invalidated and the message tried exactly once more with a fresh one.
 */
export interface SubscribeMessage {
  /** The person's openid for this mini-program. */
  openid: string;
  /** The template's id in the WeChat console (config.notify.wechatTemplates). */
  templateId: string;
  /** The mini-program page the message opens, with its query (pages/order/detail?id=…). */
  page: string;
  /** The keywords' values: from `templateData` (wechat-data.ts), which fits them to WeChat's rules. */
  data: Record<string, { value: string }>;
}

export type ChannelResult = { outcome: 'sent' } | { outcome: 'no_quota'; detail: string } | { outcome: 'rejected'; detail: string };

export interface WechatSubscribeSender {
  send(m: SubscribeMessage): Promise<ChannelResult>;
}

export interface WechatSubscribeOptions {
  apiBase: string;
  token: WechatAccessToken;
  /** config.notify.miniprogramState: which version of the mini-program the message opens. */
  miniprogramState: 'formal' | 'trial' | 'developer';
}

interface SendAnswer {
  errcode?: number;
  errmsg?: string;
}

const TIMEOUT_MS = 5_000;

/** WeChat ended the token (another process force-refreshed it, it expired, or it is not a token at all). */
const TOKEN_ENDED = new Set([40001, 42001, 40014]);

/**
 * Worth another try later: -1 system busy; 45009 the API's daily/minute rate; 43108 messages to the same person sent
 * concurrently (WeChat's error code list: "check for concurrent requests").
 */
const TRANSIENT = new Set([-1, 45009, 43108]);

/** Never worth another try, with what the timeline and the admins are told. */
const REJECTED: Record<number, string> = {
  40003: '收信人的 openid 无效（不是本小程序的用户）',
  40037: '订阅消息模板 ID 无效，请管理员检查 WECHAT_TEMPLATE_* 配置',
  47003: '模板数据不符合微信的要求（关键词的类型或长度与模板不符）',
  41030: '消息打开的页面不存在（或小程序尚未发布该版本）',
  43107: '订阅消息能力或该模板已被微信停用',
  45168: '消息内容含有微信不允许的词语',
};

const UNREACHABLE = '暂时无法连接微信服务，稍后将重试。';

export function createWechatSubscribeSender({ apiBase, token, miniprogramState }: WechatSubscribeOptions): WechatSubscribeSender {
  /** One call with one token: WeChat's answer, or a transient error. */
  const post = async (accessToken: string, m: SubscribeMessage): Promise<SendAnswer> => {
    let res: Response;
    try {
      res = await fetch(`${apiBase}/cgi-bin/message/subscribe/send?access_token=${encodeURIComponent(accessToken)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          touser: m.openid,
          template_id: m.templateId,
          page: m.page,
          data: m.data,
          miniprogram_state: miniprogramState,
          lang: 'zh_CN',
        }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new ChannelUnavailableError(UNREACHABLE, 'wechat');
    }
    if (!res.ok) throw new ChannelUnavailableError('微信服务暂时不可用，稍后将重试。', 'wechat', `HTTP ${res.status}`);
    try {
      // WeChat answers JSON as text/plain
      const answer = JSON.parse(await res.text()) as unknown;
      if (typeof answer === 'object' && answer !== null) return answer;
    } catch {
      // below
    }
    throw new ChannelUnavailableError('微信服务的应答无法识别，稍后将重试。', 'wechat');
  };

  /** The shared token; its own failures (WeChat down, its rate) are WeChat's: try again later. */
  const currentToken = async (): Promise<string> => {
    try {
      return await token.get();
    } catch {
      throw new ChannelUnavailableError(UNREACHABLE, 'wechat', 'stable_token');
    }
  };

  return {
    async send(m) {
      if (m.templateId === '') return { outcome: 'rejected', detail: '未配置订阅消息模板' };
      let accessToken = await currentToken();
      let answer = await post(accessToken, m);
      if (answer.errcode !== undefined && TOKEN_ENDED.has(answer.errcode)) {
        token.invalidate(accessToken);
        accessToken = await currentToken();
        answer = await post(accessToken, m);
      }
      const code = answer.errcode;
      if (code === 0) return { outcome: 'sent' };
      if (code === 43101) return { outcome: 'no_quota', detail: '用户未订阅该消息或订阅次数已用完' };
      // no errcode at all, or the token ended twice running: WeChat is not itself; try later
      if (code === undefined || TOKEN_ENDED.has(code) || TRANSIENT.has(code)) {
        throw new ChannelUnavailableError(code === 45009 ? '微信消息接口调用太频繁，稍后将重试。' : '微信服务繁忙，稍后将重试。', 'wechat', String(code));
      }
      const known = REJECTED[code];
      return { outcome: 'rejected', detail: `${known ?? `微信拒绝下发：${answer.errmsg ?? '未知原因'}`}（错误码 ${code}）` };
    },
  };
}
