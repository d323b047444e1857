import {
  AUTH_DEV_LOGIN_PATH,
  AUTH_LOGOUT_ALL_PATH,
  AUTH_LOGOUT_PATH,
  AUTH_WECHAT_PATH,
  DevLoginDto,
  WechatLoginDto,
  type LoginResponse,
} from '@bangbang/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../../errors';
import { docs } from '../../http/openapi';
import { loginResponseSchema } from '../../http/response-schemas';
import { validateBody } from '../../http/validate';
import { type User, toMeDto } from '../users/user.entity';
import { notLoggedIn, requireActor } from './actor';
import { TOKEN_TTL_SECONDS, signToken } from './plugin';
import type { LoginService } from './service';
import type { SessionService } from './sessions';

/** Logins per client address per minute on each auth route. */
const AUTH_RATE_LIMIT = { max: 20, timeWindow: 60_000 };

/**
 * Logins per phone per 10 minutes, whatever address they come from: guessing at one account from many addresses
 * (or from behind one shared proxy address) is limited too. Counted in PostgreSQL like the per-address limit.
 */
const PHONE_RATE_LIMIT = { max: 30, timeWindow: 10 * 60_000 };

export default async function authRoutes(app: FastifyInstance, { logins, sessions }: { logins: LoginService; sessions: SessionService }): Promise<void> {
  // a limiter called by the route once the body is validated (the phone is known only then)
  const perPhone = app.createRateLimit({
    ...PHONE_RATE_LIMIT,
    keyGenerator: (request: FastifyRequest) => `login-phone:${(request.body as { phone: string }).phone}`,
  });
  const limitPhone = async (request: FastifyRequest): Promise<void> => {
    const limit = await perPhone(request);
    if (!limit.isAllowed && limit.isExceeded) {
      const seconds = Math.max(1, limit.ttlInSeconds);
      throw new RateLimitedError(`这个手机号登录太频繁，请 ${seconds} 秒后再试。`, seconds);
    }
  };

  const respond = (user: User): LoginResponse => ({ token: signToken(app, user), expiresIn: TOKEN_TTL_SECONDS, user: toMeDto(user) });

  app.post(
    AUTH_LOGOUT_PATH,
    {
      schema: docs({
        tags: ['auth'],
        summary: '退出登录',
        description: '本令牌立即失效（所有服务进程同时生效）；同一人在其他设备上的登录不受影响。',
        auth: 'required',
        response: { 204: null },
      }),
    },
    async (request, reply) => {
      const actor = requireActor(request);
      if (request.tokenSession === null) throw notLoggedIn();
      await sessions.logout(actor, request.tokenSession);
      return reply.code(204).send();
    },
  );

  app.post(
    AUTH_LOGOUT_ALL_PATH,
    {
      schema: docs({
        tags: ['auth'],
        summary: '退出所有设备',
        description: '此人此前签发的全部令牌立即失效（包括本令牌）。更换手机号或被取消某个角色时也会这样。',
        auth: 'required',
        response: { 204: null },
      }),
    },
    async (request, reply) => {
      await sessions.logoutEverywhere(requireActor(request));
      return reply.code(204).send();
    },
  );

  const wechatDocs = docs({
    tags: ['auth'],
    summary: '微信登录',
    description:
      '用 `wx.login()` / `Taro.login()` 得到的一次性 `code` 换取令牌；首次登录即成为居民；登录从不授予角色（管理员由命令 `pnpm admin:grant` 设立）。',
    response: { 200: loginResponseSchema },
    errors: [
      [401, '微信不认这个 code（过期或已用过）'],
      [429, '操作太频繁（本接口每个地址每分钟 20 次，或微信限流）'],
      [503, '微信登录未配置、微信服务暂时不可用，或数据库无法连接'],
    ],
  });
  app.post(AUTH_WECHAT_PATH, { schema: wechatDocs, preValidation: validateBody(WechatLoginDto), config: { rateLimit: AUTH_RATE_LIMIT } }, async (request) => {
    const { code } = request.body as WechatLoginDto;
    return respond(await logins.wechatLogin(code));
  });

  // A phone login for development and the H5 demo; absent in production, where the route does not exist (404).
  if (app.config.nodeEnv !== 'production') {
    const devLoginDocs = docs({
      tags: ['auth'],
      summary: '手机号登录（开发与演示用，生产环境没有这个接口）',
      description: '陌生的手机号成为新居民，如同首次微信登录。演示账号见 README。每个地址每分钟 20 次，每个手机号每 10 分钟 30 次（超出 429）。',
      response: { 200: loginResponseSchema },
    });
    app.post(
      AUTH_DEV_LOGIN_PATH,
      { schema: devLoginDocs, preValidation: validateBody(DevLoginDto), preHandler: limitPhone, config: { rateLimit: AUTH_RATE_LIMIT } },
      async (request) => {
        const { phone } = request.body as DevLoginDto;
        return respond(await logins.phoneLogin(phone));
      },
    );
  }
}
