import { ErrorCode, isMainlandMobile } from '@bangbang/shared';
import type { FastifyBaseLogger } from 'fastify';
import Dysmsapi, { SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as tencentcloud from 'tencentcloud-sdk-nodejs-sms';
import type { SmsConfig } from '../../config';
import { AppError, ServiceUnavailableError, fieldError } from '../../errors';

/**
 * Where an SMS goes (SMS_PROVIDER): Tencent Cloud SMS or Alibaba Cloud SMS through their official SDKs, or the server's log in
 * development. `send` (a one-time code, in a request) resolves once the provider accepted the message and throws the
 * error contract's errors otherwise (503 when the provider fails, never a 500).
 *
 * `notice` (a notification, 通知短信, sent by the delivery job, never in a request) sends `content` through the
 * notice template (SMS_NOTIFY_TEMPLATE, one variable). It resolves once the provider accepted it; it throws
 * `ChannelUnavailableError` when trying again later may work (network, provider outage, a per-minute limit: the job
 * retries with backoff) and `SmsNoticeRejectedError` when it will not (a bad number, a refused text, no or an
 * unapproved template, the day's limit: the job records the failure and tries the person's next channel).
 */
export interface SmsSender {
  send(phone: string, code: string, minutes: number): Promise<void>;
  notice(phone: string, content: string): Promise<void>;
}

/**
 * A notification channel (WeChat subscription messages, notice SMS) cannot deliver now but may later: the job queue
 * retries with backoff, then dead-letters. Here, in the lowest layer that sends, so that the SMS sender and the
 * WeChat sender (notifications/channels) throw the same class.
 */
export class ChannelUnavailableError extends ServiceUnavailableError {
  constructor(
    message: string,
    readonly channel: 'wechat' | 'sms',
    /** The provider's own code (errcode, Tencent's or Aliyun's Code) when it gave one, for the log. */
    readonly providerCode?: string,
  ) {
    super(message);
  }
}

/**
 * The provider refused a notice for good: sending the same text to the same phone again will not work. `reason`
 * says whose it is to fix: `phone` (not a mobile that can receive it, or on the do-not-disturb list), `limit` (the
 * phone's or the account's limit for the day), `content` (the text: a sensitive word, too long, a link), `config`
 * (no notice template, template or signature not approved, credentials, balance: an admin must act).
 */
export class SmsNoticeRejectedError extends Error {
  constructor(
    message: string,
    readonly reason: 'phone' | 'limit' | 'content' | 'config',
    readonly providerCode?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The longest notice text (its one variable), in characters (a Chinese character, a letter, a digit, a punctuation
 * mark and a space each count one, as both providers count). Aliyun allows 1–35 characters per variable of a notice
 * template; Tencent sets no per-variable limit for a verified company (12 for a person) but 500 for the whole text.
 * 35 for both: it passes Aliyun, and with the signature (【帮帮团】, 5) and the fixed text of the template
 * (「{1}，详情请打开帮帮团小程序查看。」, 15) the whole stays within one 70-character SMS, billed once.
 */
export const NOTICE_MAX_CHARS = 35;

/**
 * The notice text as a provider will take it: control characters and line breaks out (refused by both), runs of
 * spaces made one, 【】 (read as a second signature) turned into 「」, and cut to NOTICE_MAX_CHARS with '…' at the end.
 */
export function noticeText(content: string): string {
  const clean = content
    .replace(/\p{Cf}/gu, '')
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .replace(/【/g, '「')
    .replace(/】/g, '」')
    .trim();
  const chars = Array.from(clean);
  return chars.length <= NOTICE_MAX_CHARS ? clean : `${chars.slice(0, NOTICE_MAX_CHARS - 1).join('')}…`;
}

const NOTICE_DOWN = '短信服务暂时不可用，稍后将重试。';

/** Checked before any provider is asked: the same for every provider. */
function noticeInput(phone: string, content: string, template: string | undefined): { text: string; template: string } {
  if (!template) throw new SmsNoticeRejectedError('未配置通知短信模板（SMS_NOTIFY_TEMPLATE），无法发送通知短信。', 'config');
  if (!isMainlandMobile(phone)) throw new SmsNoticeRejectedError('手机号码不是有效的大陆手机号，无法接收短信。', 'phone');
  const text = noticeText(content);
  if (text === '') throw new SmsNoticeRejectedError('通知短信内容为空。', 'content');
  return { text, template };
}

/**
 * Tencent's codes (SendSms 2021-01-11, its error code list) that will not go away by waiting; anything else (no code:
 * the network or an HTTP error; InternalError.*, RequestLimitExceeded.*, the 30-second and hourly limits, an unknown
 * code) is worth another try later.
 */
function tencentRejection(code: string): SmsNoticeRejectedError | undefined {
  if (code === 'InvalidParameterValue.IncorrectPhoneNumber' || code === 'FailedOperation.PhoneNumberParseFail') {
    return new SmsNoticeRejectedError('手机号码无法接收短信。', 'phone', code);
  }
  if (code === 'FailedOperation.PhoneNumberInBlacklist') return new SmsNoticeRejectedError('该手机号已退订或在免打扰名单中。', 'phone', code);
  if (/^LimitExceeded\..*DailyLimit$/.test(code)) return new SmsNoticeRejectedError('已达今日短信发送上限。', 'limit', code);
  if (
    code === 'FailedOperation.ContainSensitiveWord' ||
    code === 'InvalidParameterValue.ContentLengthLimit' ||
    code === 'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter' ||
    code.startsWith('InvalidParameterValue.TemplateParameter')
  ) {
    return new SmsNoticeRejectedError('短信服务商拒绝了这条通知的内容。', 'content', code);
  }
  if (
    code.startsWith('AuthFailure') ||
    code.startsWith('UnauthorizedOperation') ||
    code === 'FailedOperation.TemplateIncorrectOrUnapproved' ||
    code === 'FailedOperation.SignatureIncorrectOrUnapproved' ||
    code === 'FailedOperation.InsufficientBalanceInSmsPackage' ||
    code === 'InvalidParameterValue.SdkAppIdNotExist' ||
    code.startsWith('MissingParameter')
  ) {
    return new SmsNoticeRejectedError('通知短信的配置有误（模板、签名、密钥或余额），请管理员检查。', 'config', code);
  }
  return undefined;
}

/** Aliyun's codes (SendSms 2017-05-25, its API error codes) that will not go away by waiting; the rest may. */
function aliyunRejection(code: string): SmsNoticeRejectedError | undefined {
  if (code === 'isv.MOBILE_NUMBER_ILLEGAL' || code === 'isv.DOMESTIC_NUMBER_NOT_SUPPORTED') {
    return new SmsNoticeRejectedError('手机号码无法接收短信。', 'phone', code);
  }
  if (code === 'isv.DAY_LIMIT_CONTROL' || code === 'isv.MONTH_LIMIT_CONTROL') return new SmsNoticeRejectedError('已达短信发送限额。', 'limit', code);
  if (
    code === 'isv.PARAM_LENGTH_LIMIT' ||
    code === 'isv.SMS_CONTENT_ILLEGAL' ||
    code === 'isv.BLACK_KEY_CONTROL_LIMIT' ||
    code === 'isv.PARAM_NOT_SUPPORT_URL' ||
    code === 'isv.TEMPLATE_PARAMS_ILLEGAL' ||
    code === 'isv.TEMPLATE_MISSING_PARAMETERS' ||
    code === 'isv.INVALID_JSON_PARAM'
  ) {
    return new SmsNoticeRejectedError('短信服务商拒绝了这条通知的内容。', 'content', code);
  }
  if (
    /^isv\.SMS_(TEMPLATE|SIGNATURE|SIGN)_/.test(code) ||
    code === 'isv.SIGN_STATE_ILLEGAL' ||
    code === 'isv.AMOUNT_NOT_ENOUGH' ||
    code === 'isv.OUT_OF_SERVICE' ||
    code.startsWith('isv.ACCOUNT_') ||
    code.startsWith('isv.PRODUCT_UN') ||
    code === 'isv.DENY_IP_RANGE' ||
    code === 'isp.RAM_PERMISSION_DENY' ||
    code.startsWith('InvalidAccessKeyId') ||
    code === 'SignatureDoesNotMatch' ||
    code === 'MissingTemplateCode'
  ) {
    return new SmsNoticeRejectedError('通知短信的配置有误（模板、签名、密钥或余额），请管理员检查。', 'config', code);
  }
  return undefined;
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
function tencentSender(config: Extract<SmsConfig, { provider: 'tencent' }>, log: FastifyBaseLogger, noticeTemplate: string | undefined): SmsSender {
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
    async notice(phone, content) {
      const { text, template } = noticeInput(phone, content, noticeTemplate);
      let status: { Code?: string; Message?: string } | undefined;
      try {
        const answer = await client.SendSms({
          PhoneNumberSet: [`+86${phone}`],
          SmsSdkAppId: config.sdkAppId,
          SignName: config.signName,
          TemplateId: template,
          TemplateParamSet: [text],
        });
        status = answer.SendStatusSet?.[0];
      } catch (err) {
        // an API error has a code; the network or an HTTP error (a gateway's 502) has none
        const e = err as { code?: string; message?: string; requestId?: string; httpCode?: number };
        log.warn(
          { sms: { provider: 'tencent', code: e.code, httpCode: e.httpCode, message: scrub(e.message), requestId: e.requestId } },
          'notice SMS refused or provider unreachable',
        );
        throw (
          (e.code ? tencentRejection(e.code) : undefined) ??
          new ChannelUnavailableError(NOTICE_DOWN, 'sms', e.code ?? (e.httpCode ? `HTTP ${e.httpCode}` : undefined))
        );
      }
      if (status?.Code === 'Ok') return;
      const reason = status?.Code ?? 'no status';
      log.warn({ sms: { provider: 'tencent', code: reason, message: scrub(status?.Message) } }, 'notice SMS not sent');
      throw tencentRejection(reason) ?? new ChannelUnavailableError(NOTICE_DOWN, 'sms', reason);
    },
  };
}

/** Alibaba Cloud SMS (SendSms, API 2017-05-25). The template's `${code}` is the code. */
function aliyunSender(config: Extract<SmsConfig, { provider: 'aliyun' }>, log: FastifyBaseLogger, noticeTemplate: string | undefined): SmsSender {
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
    async notice(phone, content) {
      const { text, template } = noticeInput(phone, content, noticeTemplate);
      let answer: { code?: string; message?: string; requestId?: string } | undefined;
      try {
        const res = await client.sendSms(
          new SendSmsRequest({ phoneNumbers: phone, signName: config.signName, templateCode: template, templateParam: JSON.stringify({ content: text }) }),
        );
        answer = res.body;
      } catch (err) {
        // the API's refusal carries its code (data.Code); the network or a gateway's non-JSON answer does not
        const e = err as { code?: string; message?: string; data?: { Code?: string } };
        answer = { code: e.data?.Code ?? e.code ?? 'unreachable', message: e.message };
      }
      if (answer?.code === 'OK') return;
      const reason = answer?.code ?? 'no status';
      log.warn({ sms: { provider: 'aliyun', code: reason, message: scrub(answer?.message), requestId: answer?.requestId } }, 'notice SMS not sent');
      throw aliyunRejection(reason) ?? new ChannelUnavailableError(NOTICE_DOWN, 'sms', reason);
    },
  };
}

/** Development: the code and the notices go to the server's log (refused in production by the configuration). */
function logSender(log: FastifyBaseLogger, noticeTemplate: string | undefined): SmsSender {
  return {
    async send(phone, code, minutes) {
      log.info(`【帮帮团·开发】短信验证码 ${code}（${phoneTail(phone)}，${minutes} 分钟内有效）`);
    },
    async notice(phone, content) {
      // the same checks as a provider's, so that development fails where production would
      const { text } = noticeInput(phone, content, noticeTemplate);
      log.info(`【帮帮团·开发】通知短信（${phoneTail(phone)}）：${text}`);
    },
  };
}

/**
 * The configured sender; undefined when none is (production without SMS_PROVIDER: the SMS routes answer 503).
 * `noticeTemplate` (config.notify.smsTemplate, SMS_NOTIFY_TEMPLATE): the provider's notice template — Tencent's
 * numeric template id with one `{1}`, or Aliyun's template code (SMS_…) with one `${content}`; without it `notice`
 * refuses (SmsNoticeRejectedError, reason `config`).
 */
export function createSmsSender(config: SmsConfig, log: FastifyBaseLogger, noticeTemplate?: string): SmsSender | undefined {
  switch (config.provider) {
    case 'tencent':
      return tencentSender(config, log, noticeTemplate);
    case 'aliyun':
      return aliyunSender(config, log, noticeTemplate);
    case 'log':
      return logSender(log, noticeTemplate);
    case 'none':
      return undefined;
  }
}
