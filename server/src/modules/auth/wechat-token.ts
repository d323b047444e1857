import { ErrorCode } from '@bangbang/shared';
import { AppError, ServiceUnavailableError } from '../../errors';
import type { WechatConfig } from './wechat';

/**
 * The mini-program's access token for WeChat's server API (the phone-number exchange, the content check), from
 * `POST /cgi-bin/stable_token`: unlike `/cgi-bin/token`, fetching it does not end the token other processes hold —
 * every process gets the same one — so a cache per process is correct with several API processes. Kept until five
 * minutes before it expires; a caller told by WeChat that it was ended (40001/42001) invalidates it, and the next
 * `get` fetches it again. One fetch at a time: concurrent callers wait for the same answer.
 */
export interface WechatAccessToken {
  get(): Promise<string>;
  invalidate(token: string): void;
}

interface TokenAnswer {
  access_token?: string;
  expires_in?: number;
  errcode?: number;
  errmsg?: string;
}

const TIMEOUT_MS = 5_000;
/** Renew this long before WeChat says the token expires. */
const EARLY_MS = 5 * 60_000;

export function createWechatAccessToken({ apiBase, appId, secret }: WechatConfig, now: () => number = Date.now): WechatAccessToken {
  let cached: { token: string; until: number } | undefined;
  let fetching: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    if (!appId || !secret) throw new ServiceUnavailableError('微信服务尚未配置。');
    let answer: TokenAnswer;
    try {
      const res = await fetch(`${apiBase}/cgi-bin/stable_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credential', appid: appId, secret, force_refresh: false }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      answer = (await res.json()) as TokenAnswer;
    } catch {
      throw new ServiceUnavailableError('暂时无法连接微信服务，请稍后再试。');
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '') {
      if (answer.errcode === 45009 || answer.errcode === 45011) throw new AppError(ErrorCode.RATE_LIMITED, '微信服务繁忙，请稍后再试。');
      throw new ServiceUnavailableError('微信服务暂时不可用，请稍后再试。');
    }
    const seconds = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 7200;
    cached = { token: answer.access_token, until: now() + seconds * 1000 - EARLY_MS };
    return answer.access_token;
  };

  return {
    async get() {
      if (cached && cached.until > now()) return cached.token;
      fetching ??= fetchToken().finally(() => {
        fetching = undefined;
      });
      return fetching;
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}
