import { ErrorCode, isMainlandMobile } from '@bangbang/shared';
import { AppError, ServiceUnavailableError, fieldError } from '../../errors';
import type { WechatConfig } from '../auth/wechat';

/**
 * WeChat's phone-number button (手机号快速验证): the mini-program gets a one-time `code` (5 minutes) and the server
 * exchanges it at `POST /wxa/business/getuserphonenumber?access_token=…` for the number WeChat verified. A phone
 * sent by the client itself is never trusted.
 *
 * The access token comes from `/cgi-bin/stable_token` (not `/cgi-bin/token`, which would end the token of every
 * other process each time one refreshes): it answers every process the same token, so a cache per process is
 * correct. It is kept until five minutes before it expires; a 40001/42001 (WeChat ended it) fetches it again once
 * and retries.
 */

const TIMEOUT_MS = 5_000;
/** Renew this long before WeChat says the token expires. */
const EARLY_MS = 5 * 60_000;
const WECHAT_DOWN = '暂时无法连接微信服务，请稍后再试，或改用短信验证码。';

interface TokenAnswer {
  access_token?: string;
  expires_in?: number;
  errcode?: number;
  errmsg?: string;
}

interface PhoneAnswer {
  errcode?: number;
  errmsg?: string;
  phone_info?: { phoneNumber?: string; purePhoneNumber?: string; countryCode?: string };
}

async function post<T>(url: URL, body: unknown): Promise<T> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return (await res.json()) as T;
  } catch {
    throw new ServiceUnavailableError(WECHAT_DOWN);
  }
}

export interface WechatPhone {
  /** The mainland mobile WeChat verified for this code; 400 naming `code` for a bad or used one. */
  phoneNumber(code: string): Promise<string>;
}

export function createWechatPhone({ apiBase, appId, secret }: WechatConfig, now: () => number = Date.now): WechatPhone {
  let cached: { token: string; until: number } | undefined;
  // one fetch at a time: concurrent requests wait for the same answer
  let fetching: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    const answer = await post<TokenAnswer>(new URL(`${apiBase}/cgi-bin/stable_token`), {
      grant_type: 'client_credential',
      appid: appId,
      secret,
      force_refresh: false,
    });
    if (typeof answer.access_token !== 'string' || answer.access_token === '') {
      if (answer.errcode === 45009 || answer.errcode === 45011) throw new AppError(ErrorCode.RATE_LIMITED, '微信服务繁忙，请稍后再试。');
      throw new ServiceUnavailableError('微信手机号验证暂时不可用，请稍后再试，或改用短信验证码。');
    }
    const seconds = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 7200;
    cached = { token: answer.access_token, until: now() + seconds * 1000 - EARLY_MS };
    return answer.access_token;
  };

  const accessToken = async (): Promise<string> => {
    if (cached && cached.until > now()) return cached.token;
    fetching ??= fetchToken().finally(() => {
      fetching = undefined;
    });
    return fetching;
  };

  const exchange = async (token: string, code: string): Promise<PhoneAnswer> => {
    const url = new URL(`${apiBase}/wxa/business/getuserphonenumber`);
    url.searchParams.set('access_token', token);
    return post<PhoneAnswer>(url, { code });
  };

  return {
    async phoneNumber(code) {
      if (!appId || !secret) throw new ServiceUnavailableError('微信手机号验证尚未配置，请改用短信验证码。');
      let token = await accessToken();
      let answer = await exchange(token, code);
      if (answer.errcode === 40001 || answer.errcode === 42001) {
        // WeChat ended the token before we expected: fetch it again (once) and retry
        if (cached?.token === token) cached = undefined;
        token = await accessToken();
        answer = await exchange(token, code);
      }
      if (answer.errcode !== undefined && answer.errcode !== 0) {
        switch (answer.errcode) {
          case 40029: // invalid code
          case 40163: // code used
            throw fieldError('code', '手机号授权已失效，请重新点击获取手机号');
          case 45011:
          case 45009:
            throw new AppError(ErrorCode.RATE_LIMITED, '微信服务繁忙，请稍后再试。');
          default:
            throw new ServiceUnavailableError('微信手机号验证暂时不可用，请稍后再试，或改用短信验证码。');
        }
      }
      const info = answer.phone_info;
      const phone = info?.purePhoneNumber ?? '';
      if (info?.countryCode !== undefined && info.countryCode !== '86') throw fieldError('code', '目前只支持中国大陆手机号');
      if (!isMainlandMobile(phone)) throw fieldError('code', '目前只支持中国大陆手机号');
      return phone;
    },
  };
}
