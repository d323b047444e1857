import type { DataSource } from 'typeorm';
import type { User } from '../users/user.entity';
import { findOrCreatePhoneUser, findOrCreateWechatUser } from './auth.repo';
import { code2Session, type WechatConfig } from './wechat';

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
      return db.transaction(async (m) => findOrCreateWechatUser(m, identity.openid));
    },

    /** Development and the H5 demo: an unknown phone becomes a plain resident. */
    async phoneLogin(phone: string): Promise<User> {
      return db.transaction(async (m) => findOrCreatePhoneUser(m, phone, `居民${phone.slice(-4)}`));
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
