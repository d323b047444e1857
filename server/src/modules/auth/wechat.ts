import { AppError, ServiceUnavailableError, UnauthorizedError } from '../../errors';
import { ErrorCode } from '@bangbang/shared';

/**
 * WeChat's code2Session (`GET {WECHAT_API_BASE}/sns/jscode2session`): trades the mini-program's one-time login
 * code for the user's openid. The session_key it also returns never leaves this function: the client only
 * ever holds our JWT.
 */
export interface WechatIdentity {
  openid: string;
  unionid: string | undefined;
}

interface Code2SessionAnswer {
  openid?: string;
  session_key?: string;
  unionid?: string;
  errcode?: number;
  errmsg?: string;
}

const TIMEOUT_MS = 5_000;

/** Where WeChat's API is, and the mini-program's credentials (unset: WeChat login is not configured). */
export interface WechatConfig {
  apiBase: string;
  appId: string | undefined;
  secret: string | undefined;
}

export async function code2Session({ apiBase, appId, secret }: WechatConfig, code: string): Promise<WechatIdentity> {
  if (!appId || !secret) throw new ServiceUnavailableError('微信登录尚未配置，请使用其他方式登录。');
  const url = new URL(`${apiBase}/sns/jscode2session`);
  url.search = new URLSearchParams({ appid: appId, secret, js_code: code, grant_type: 'authorization_code' }).toString();

  let answer: Code2SessionAnswer;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    answer = (await res.json()) as Code2SessionAnswer;
  } catch {
    throw new ServiceUnavailableError('暂时无法连接微信服务，请稍后再试。');
  }

  if (answer.errcode !== undefined && answer.errcode !== 0) {
    switch (answer.errcode) {
      case 40029: // invalid code
      case 40163: // code been used
      case 40226: // high-risk user blocked
        throw new UnauthorizedError('微信登录凭证无效或已过期，请重新打开小程序再试。');
      case 45011: // too frequent
        throw new AppError(ErrorCode.RATE_LIMITED, '微信登录太频繁，请稍后再试。');
      default: // -1 system busy, wrong appid/secret (40013, 40125) and the rest: our side or theirs, not the person's
        throw new ServiceUnavailableError('微信登录暂时不可用，请稍后再试。');
    }
  }
  if (typeof answer.openid !== 'string' || answer.openid === '') {
    throw new ServiceUnavailableError('微信登录暂时不可用，请稍后再试。');
  }
  return { openid: answer.openid, unionid: answer.unionid };
}
