import {
  AUTH_DEV_LOGIN_PATH,
  AUTH_WECHAT_PATH,
  DevLoginDto,
  WechatLoginDto,
  type LoginResponse,
  type Role,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import type { EntityManager } from 'typeorm';
import { validateBody } from '../../http/validate';
import { User, toMeDto } from '../users/user.entity';
import { TOKEN_TTL_SECONDS, signToken } from './plugin';
import { code2Session } from './wechat';

/** Logins per client address per minute on each auth route. */
const AUTH_RATE_LIMIT = { max: 20, timeWindow: 60_000 };

/** A phone in ADMIN_PHONES is an admin from its next login on. */
function withAdminRole(roles: Role[], phone: string | null, adminPhones: string[]): Role[] {
  return phone !== null && adminPhones.includes(phone) && !roles.includes('admin') ? [...roles, 'admin'] : roles;
}

async function grantAdminIfListed(m: EntityManager, user: User, adminPhones: string[]): Promise<User> {
  const roles = withAdminRole(user.roles, user.phone, adminPhones);
  if (roles !== user.roles) {
    await m.getRepository(User).update({ id: user.id }, { roles });
    user.roles = roles;
  }
  return user;
}

export default async function authRoutes(app: FastifyInstance): Promise<void> {
  const respond = (user: User): LoginResponse => ({ token: signToken(app, user.id), expiresIn: TOKEN_TTL_SECONDS, user: toMeDto(user) });

  app.post(AUTH_WECHAT_PATH, { preValidation: validateBody(WechatLoginDto), config: { rateLimit: AUTH_RATE_LIMIT } }, async (request) => {
    const { code } = request.body as WechatLoginDto;
    const identity = await code2Session(app.config.wechat, code);
    const user = await app.db.transaction(async (m) => {
      const repo = m.getRepository(User);
      // Two first logins at once: the unique openid lets one insert win; the other finds it.
      await m.query(
        `INSERT INTO app_user (name, wechat_openid, roles) VALUES ('微信用户', $1, '{resident}') ON CONFLICT (wechat_openid) DO NOTHING`,
        [identity.openid],
      );
      const found = await repo.findOneByOrFail({ wechatOpenid: identity.openid });
      return grantAdminIfListed(m, found, app.config.adminPhones);
    });
    return respond(user);
  });

  // A phone login for development and the H5 demo; absent in production, where the route does not exist (404).
  if (app.config.nodeEnv !== 'production') {
    app.post(AUTH_DEV_LOGIN_PATH, { preValidation: validateBody(DevLoginDto), config: { rateLimit: AUTH_RATE_LIMIT } }, async (request) => {
      const { phone } = request.body as DevLoginDto;
      const user = await app.db.transaction(async (m) => {
        // an unknown phone becomes a plain resident, as a first WeChat login would
        await m.query(
          `INSERT INTO app_user (name, phone, roles) VALUES ($1, $2, '{resident}') ON CONFLICT (phone) DO NOTHING`,
          [`居民${phone.slice(-4)}`, phone],
        );
        const found = await m.getRepository(User).findOneByOrFail({ phone });
        return grantAdminIfListed(m, found, app.config.adminPhones);
      });
      return respond(user);
    });
  }
}
