import type { Role } from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { User } from '../users/user.entity';
import { findOrCreatePhoneUser, findOrCreateWechatUser, setUserRoles } from './auth.repo';
import { code2Session, type WechatConfig } from './wechat';

export interface LoginServiceDeps {
  db: DataSource;
  /** ADMIN_PHONES: a phone listed here is an admin from its next login on. */
  adminPhones: readonly string[];
  wechat: WechatConfig;
}

/** A phone in ADMIN_PHONES is an admin from its next login on. */
function withAdminRole(roles: Role[], phone: string | null, adminPhones: readonly string[]): Role[] {
  return phone !== null && adminPhones.includes(phone) && !roles.includes('admin') ? [...roles, 'admin'] : roles;
}

/**
 * Logins: who a login is (a first login makes a plain resident, as a first WeChat login would), and the admin role
 * for the phones of ADMIN_PHONES. The routes sign the token.
 */
export function createLoginService({ db, adminPhones, wechat }: LoginServiceDeps) {
  async function grantAdminIfListed(m: EntityManager, user: User): Promise<User> {
    const roles = withAdminRole(user.roles, user.phone, adminPhones);
    if (roles !== user.roles) {
      await setUserRoles(m, user.id, roles);
      user.roles = roles;
    }
    return user;
  }

  return {
    /** Trades the mini-program's one-time code for the person's account (WeChat's code2Session). */
    async wechatLogin(code: string): Promise<User> {
      const identity = await code2Session(wechat, code);
      return db.transaction(async (m) => grantAdminIfListed(m, await findOrCreateWechatUser(m, identity.openid)));
    },

    /** Development and the H5 demo: an unknown phone becomes a plain resident. */
    async phoneLogin(phone: string): Promise<User> {
      return db.transaction(async (m) => grantAdminIfListed(m, await findOrCreatePhoneUser(m, phone, `居民${phone.slice(-4)}`)));
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
