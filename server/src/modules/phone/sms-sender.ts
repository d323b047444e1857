import { ErrorCode } from '@bangbang/shared';
import type { FastifyBaseLogger } from 'fastify';
import Dysmsapi, { SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as tencentcloud from 'tencentcloud-sdk-nodejs-sms';
import type { SmsConfig } from '../../config';
import { AppError, ServiceUnavailableError, fieldError } from '../../errors';

/**
 * Where an SMS code goes (SMS_PROVIDER): Tencent Cloud SMS or Alibaba Cloud SMS through their official SDKs, or the server's log in
 * development. `send` resolves once the provider accepted the message and throws the error contract's errors
 * otherwise (503 when the provider fails, never a 500).
 */
export interface SmsSender {
  send(phone: string, code: string, minutes: number): Promise<void>;
}

/** What a log line may show of a phone (logs never carry phones): its last four digits. */
export function phoneTail(phone: string): string {
  return `尾号 ${phone.slice(-4)}`;
}

const PROVIDER_DOWN = '短信发送失败，请稍后再试。';

/** A provider's message as a log may keep it: any run of digits that could be a phone masked. */
function scrub(message: string | undefined): string | undefined {
  return message?.replace(/\d{7,}/g, '***');
}

/** Tencent Cloud SMS (SendSms, API 2021-01-11). The template's {1} is the code and {2} the minutes it is valid. */
function tencentSender(config: Extract<SmsConfig, { provider: 'tencent' }>, log: FastifyBaseLogger): SmsSender {
  const client = new tencentcloud.sms.v20210111.Client({
    credential: { secretId: config.secretId, secretKey: config.secretKey },
    region: config.region,
    profile: {
      httpProfile: {
        reqTimeout: 10,
        ...(config.endpoint ? { endpoint: config.endpoint.host, protocol: config.endpoint.protocol } : {}),
      },
    },
  });
  return {
    async send(phone, code, minutes) {
      let status: { Code?: string; Message?: string } | undefined;
      try {
        const answer = await client.SendSms({
          PhoneNumberSet: [`+86${phone}`],
          SmsSdkAppId: config.sdkAppId,
          SignName: config.signName,
          TemplateId: config.templateId,
          TemplateParamSet: [code, String(minutes)],
        });
        status = answer.SendStatusSet?.[0];
      } catch (err) {
        // the SDK's exception: the API's error (wrong key, no balance…) or the network; its text has no phone
        const e = err as { code?: string; message?: string; requestId?: string };
        log.warn({ sms: { provider: 'tencent', code: e.code, message: scrub(e.message), requestId: e.requestId } }, 'SMS provider refused or unreachable');
        throw new ServiceUnavailableError(PROVIDER_DOWN);
      }
      if (status?.Code === 'Ok') return;
      const reason = status?.Code ?? 'no status';
      log.warn({ sms: { provider: 'tencent', code: reason, message: scrub(status?.Message) } }, 'SMS not sent');
      if (reason.startsWith('LimitExceeded.')) throw new AppError(ErrorCode.RATE_LIMITED, '这个手机号今天收到的短信太多了，请明天再试。');
      if (reason === 'InvalidParameterValue.IncorrectPhoneNumber') throw fieldError('phone', '手机号码无法接收短信，请检查后再试');
      throw new ServiceUnavailableError(PROVIDER_DOWN);
    },
  };
}

/** Alibaba Cloud SMS (SendSms, API 2017-05-25). The template's `${code}` is the code. */
function aliyunSender(config: Extract<SmsConfig, { provider: 'aliyun' }>, log: FastifyBaseLogger): SmsSender {
  const client = new Dysmsapi(
    new $OpenApiUtil.Config({
      accessKeyId: config.accessKeyId,
      accessKeySecret: config.accessKeySecret,
      endpoint: config.endpoint?.host ?? 'dysmsapi.aliyuncs.com',
      protocol: config.endpoint?.protocol === 'http://' ? 'http' : 'https',
      readTimeout: 10_000,
      connectTimeout: 5_000,
    }),
  );
  return {
    async send(phone, code) {
      let answer: { code?: string; message?: string; requestId?: string } | undefined;
      try {
        const res = await client.sendSms(
          new SendSmsRequest({ phoneNumbers: phone, signName: config.signName, templateCode: config.templateCode, templateParam: JSON.stringify({ code }) }),
        );
        answer = res.body;
      } catch (err) {
        // the SDK's error: the API refused (its code, e.g. isv.BUSINESS_LIMIT_CONTROL) or the network failed
        const e = err as { code?: string; message?: string; data?: { Code?: string } };
        answer = { code: e.data?.Code ?? e.code ?? 'unreachable', message: e.message };
      }
      if (answer?.code === 'OK') return;
      const reason = answer?.code ?? 'no status';
      log.warn({ sms: { provider: 'aliyun', code: reason, message: scrub(answer?.message), requestId: answer?.requestId } }, 'SMS not sent');
      if (reason === 'isv.BUSINESS_LIMIT_CONTROL' || reason === 'isv.DAY_LIMIT_CONTROL') {
        throw new AppError(ErrorCode.RATE_LIMITED, '这个手机号今天收到的短信太多了，请明天再试。');
      }
      if (reason === 'isv.MOBILE_NUMBER_ILLEGAL') throw fieldError('phone', '手机号码无法接收短信，请检查后再试');
      throw new ServiceUnavailableError(PROVIDER_DOWN);
    },
  };
}

/** Development: the code goes to the server's log (refused in production by the configuration). */
function logSender(log: FastifyBaseLogger): SmsSender {
  return {
    async send(phone, code, minutes) {
      log.info(`【帮帮团·开发】短信验证码 ${code}（${phoneTail(phone)}，${minutes} 分钟内有效）`);
    },
  };
}

/** The configured sender; undefined when none is (production without SMS_PROVIDER: the SMS routes answer 503). */
export function createSmsSender(config: SmsConfig, log: FastifyBaseLogger): SmsSender | undefined {
  switch (config.provider) {
    case 'tencent':
      return tencentSender(config, log);
    case 'aliyun':
      return aliyunSender(config, log);
    case 'log':
      return logSender(log);
    case 'none':
      return undefined;
  }
}
