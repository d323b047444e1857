import type { DataSource } from 'typeorm';
import { hitRateCounter } from '../../db/rate-counter';
import { RateLimitedError } from '../../errors';
import type { User } from '../users/user.entity';
import { findOrCreatePhoneUser, findOrCreateWechatUser } from './auth.repo';
import { code2Session, type WechatConfig } from './wechat';

/**
 * WeChat logins per account (openid) per 10 minutes, whatever address they come from, like dev-login's per-phone
 * limit; counted in PostgreSQL. The openid is known only once WeChat has answered, so the service counts it.
 */
export const OPENID_LOGIN_LIMIT = { max: 30, windowMs: 10 * 60_000 };

export interface LoginServiceDeps {
  db: DataSource;
  wechat: WechatConfig;
}

/**
 * Logins: who a login is (a first login makes a plain resident, as a first WeChat login would). A login never
 * grants a role: the first admin is made by `pnpm admin:grant --phone …` (audited), later ones by the same command
 * (issue 18: a phone list matched at login let anyone who could change a phone make an admin). The routes sign
 * the token.
 */
export function createLoginService({ db, wechat }: LoginServiceDeps) {
  return {
    /** Trades the mini-program's one-time code for the person's account (WeChat's code2Session). */
    async wechatLogin(code: string): Promise<User> {
      const identity = await code2Session(wechat, code);
      const { count, ttlMs } = await hitRateCounter(db, `login-openid:${identity.openid}`, OPENID_LOGIN_LIMIT.windowMs);
      if (count > OPENID_LOGIN_LIMIT.max) {
        const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
        throw new RateLimitedError(`这个微信账号登录太频繁，请 ${seconds} 秒后再试。`, seconds);
      }
      return db.transaction(async (m) => findOrCreateWechatUser(m, identity.openid));
    },

    /** Development and the H5 demo: an unknown phone becomes a plain resident. */
    async phoneLogin(phone: string): Promise<User> {
      return db.transaction(async (m) => findOrCreatePhoneUser(m, phone, `居民${phone.slice(-4)}`));
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
