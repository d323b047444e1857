import { ErrorCode, isMainlandMobile } from '@bangbang/shared';
import { AppError, ServiceUnavailableError, fieldError } from '../../errors';
import type { WechatConfig } from '../auth/wechat';
import type { WechatAccessToken } from '../auth/wechat-token';

/**
 * WeChat's phone-number button (手机号快速验证): the mini-program gets a one-time `code` (5 minutes) and the server
 * exchanges it at `POST /wxa/business/getuserphonenumber?access_token=…` for the number WeChat verified. A phone
 * sent by the client itself is never trusted.
 *
 * The access token is the one every WeChat call shares (auth/wechat-token.ts: stable_token, cached per process);
 * a 40001/42001 (WeChat ended it) invalidates it, fetches it again once and retries.
 */

const TIMEOUT_MS = 5_000;
const WECHAT_DOWN = '暂时无法连接微信服务，请稍后再试，或改用短信验证码。';

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

export function createWechatPhone({ apiBase, appId, secret }: WechatConfig, tokens: WechatAccessToken): WechatPhone {
  const exchange = async (token: string, code: string): Promise<PhoneAnswer> => {
    const url = new URL(`${apiBase}/wxa/business/getuserphonenumber`);
    url.searchParams.set('access_token', token);
    return post<PhoneAnswer>(url, { code });
  };

  return {
    async phoneNumber(code) {
      if (!appId || !secret) throw new ServiceUnavailableError('微信手机号验证尚未配置，请改用短信验证码。');
      let token = await tokens.get();
      let answer = await exchange(token, code);
      if (answer.errcode === 40001 || answer.errcode === 42001) {
        // WeChat ended the token before we expected: fetch it again (once) and retry
        tokens.invalidate(token);
        token = await tokens.get();
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
