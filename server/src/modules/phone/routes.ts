import {
  AUTH_SMS_CODE_PATH,
  AUTH_SMS_LOGIN_PATH,
  BindPhoneDto,
  ME_PHONE_PATH,
  ME_PHONE_WECHAT_PATH,
  SmsCodeDto,
  SmsLoginDto,
  WechatPhoneDto,
  type LoginResponse,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs } from '../../http/openapi';
import { loginResponseSchema } from '../../http/response-schemas';
import { validateBody } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { TOKEN_TTL_SECONDS, signToken } from '../auth/plugin';
import { auditContextOf } from '../audit/service';
import { type User, toMeDto } from '../users/user.entity';
import type { PhoneService } from './service';

/** Codes asked for per client address (the per-phone limits are the service's): 20 in 10 minutes. */
const SMS_CODE_ADDRESS_LIMIT = { max: 20, timeWindow: 10 * 60_000 };
/** Code checks per client address per minute, as the other logins. */
const CHECK_ADDRESS_LIMIT = { max: 20, timeWindow: 60_000 };

/** 短信验证码登录 and 绑定手机号 (the phone module: see service.ts). */
export default async function phoneRoutes(app: FastifyInstance, { phones }: { phones: PhoneService }): Promise<void> {
  const respond = (user: User): LoginResponse => ({ token: signToken(app, user), expiresIn: TOKEN_TTL_SECONDS, user: toMeDto(user) });

  app.post(
    AUTH_SMS_CODE_PATH,
    {
      schema: docs({
        tags: ['auth'],
        summary: '获取短信验证码',
        description:
          '向手机号发送 6 位验证码，5 分钟内有效，错 5 次作废，只能用一次；`purpose`：`login` 登录，`bind` 绑定本人手机号。' +
          '同一手机号 60 秒内只能获取一次、每天最多 10 次；每个地址 10 分钟内最多 20 次（超出 429，消息里说明何时再试）。',
        response: { 204: null },
        errors: [
          [429, '获取太频繁（同一手机号 60 秒一次、每天 10 次，或同一地址 10 分钟 20 次）'],
          [503, '本服务器未开通短信（生产环境未设置 SMS_PROVIDER），或短信服务商暂时不可用'],
        ],
      }),
      preValidation: validateBody(SmsCodeDto),
      config: { rateLimit: SMS_CODE_ADDRESS_LIMIT },
    },
    async (request, reply) => {
      const { phone, purpose } = request.body as SmsCodeDto;
      await phones.sendCode(phone, purpose);
      return reply.code(204).send();
    },
  );

  app.post(
    AUTH_SMS_LOGIN_PATH,
    {
      schema: docs({
        tags: ['auth'],
        summary: '短信验证码登录',
        description: '用 `purpose: login` 获取的验证码登录。陌生的手机号成为新居民；社区工作人员登记过的手机号即登录为该人（认领其档案）。登录从不授予角色。',
        response: { 200: loginResponseSchema },
        errors: [
          [400, '验证码不正确、已过期、已用过或错误次数过多（`details` 指出 `code`）'],
          [429, '操作太频繁（每个地址每分钟 20 次）'],
        ],
      }),
      preValidation: validateBody(SmsLoginDto),
      config: { rateLimit: CHECK_ADDRESS_LIMIT },
    },
    async (request) => {
      const { phone, code } = request.body as SmsLoginDto;
      return respond(await phones.smsLogin(phone, code));
    },
  );

  const bindNote =
    '绑定或更换本人手机号，答复新的令牌（手机号变更后旧令牌全部失效）。若该手机号属于社区工作人员登记、尚未绑定微信的人，' +
    '且当前账号是没有手机号、没有任何记录的微信账号，则认领该档案（其所属地区、标签、包联责任人、角色保留），当前空账号删除。';
  const bindErrors: Array<[409 | 429, string]> = [
    [409, '该手机号已属于另一个微信账号或另一个人，或当前账号已有订单等记录不能直接认领（请联系社区工作人员）'],
    [429, '操作太频繁（每个地址每分钟 20 次）'],
  ];

  app.post(
    ME_PHONE_PATH,
    {
      schema: docs({
        tags: ['me'],
        summary: '绑定手机号（短信验证码）',
        description: `${bindNote}验证码须以 \`purpose: bind\` 获取。`,
        auth: 'required',
        response: { 200: loginResponseSchema },
        errors: [[400, '验证码不正确、已过期、已用过或错误次数过多（`details` 指出 `code`）'], ...bindErrors],
      }),
      preValidation: validateBody(BindPhoneDto),
      config: { rateLimit: CHECK_ADDRESS_LIMIT },
    },
    async (request) => {
      const { phone, code } = request.body as BindPhoneDto;
      return respond(await phones.bindBySms(requireActor(request), phone, code, auditContextOf(request)));
    },
  );

  app.post(
    ME_PHONE_WECHAT_PATH,
    {
      schema: docs({
        tags: ['me'],
        summary: '绑定手机号（微信手机号快速验证）',
        description: `${bindNote}\`code\` 为小程序手机号按钮（open-type="getPhoneNumber"）回调中的 \`detail.code\`，由服务器向微信换取手机号。`,
        auth: 'required',
        response: { 200: loginResponseSchema },
        errors: [[400, '微信的手机号授权凭证无效或已用过，或不是中国大陆手机号（`details` 指出 `code`）'], ...bindErrors, [503, '微信未配置或暂时不可用']],
      }),
      preValidation: validateBody(WechatPhoneDto),
      config: { rateLimit: CHECK_ADDRESS_LIMIT },
    },
    async (request) => {
      const { code } = request.body as WechatPhoneDto;
      return respond(await phones.bindByWechat(requireActor(request), code, auditContextOf(request)));
    },
  );
}
