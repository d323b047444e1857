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
import { docs } from '../../http/openapi';
import { loginResponseSchema } from '../../http/response-schemas';
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

  const wechatDocs = docs({
    tags: ['auth'],
    summary: '微信登录',
    description: '用 `wx.login()` / `Taro.login()` 得到的一次性 `code` 换取令牌；首次登录即成为居民。`ADMIN_PHONES` 中的手机号登录后成为管理员。',
    response: { 200: loginResponseSchema },
    errors: [[401, '微信不认这个 code（过期或已用过）'], [429, '操作太频繁（本接口每个地址每分钟 20 次，或微信限流）'], [503, '微信登录未配置、微信服务暂时不可用，或数据库无法连接']],
  });
  app.post(AUTH_WECHAT_PATH, { schema: wechatDocs, preValidation: validateBody(WechatLoginDto), config: { rateLimit: AUTH_RATE_LIMIT } }, async (request) => {
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
    const devLoginDocs = docs({
      tags: ['auth'],
      summary: '手机号登录（开发与演示用，生产环境没有这个接口）',
      description: '陌生的手机号成为新居民，如同首次微信登录。演示账号见 README。',
      response: { 200: loginResponseSchema },
    });
    app.post(AUTH_DEV_LOGIN_PATH, { schema: devLoginDocs, preValidation: validateBody(DevLoginDto), config: { rateLimit: AUTH_RATE_LIMIT } }, async (request) => {
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
