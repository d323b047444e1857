import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { SMS_CODE_LENGTH, SMS_RESEND_SECONDS, type SmsPurpose } from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import { RateLimitedError, ServiceUnavailableError, fieldError } from '../../errors';
import { addWrongTry, deletePhoneCode, insertPhoneCode, liveCode, lockPhone, markCodeUsed, phoneCodeUsage } from './phone-code.repo';
import type { SmsSender } from './sms-sender';

/** How long a code is valid, how many wrong tries kill it, how many codes a phone gets in 24 hours. */
export const CODE_TTL_MINUTES = 5;
export const CODE_MAX_ATTEMPTS = 5;
export const CODES_PER_PHONE_PER_DAY = 10;

export interface PhoneCodeDeps {
  db: DataSource;
  /** The key of the codes' HMAC (the server's JWT secret): the table holds no code. */
  secret: string;
  /** Undefined: no SMS provider configured (503). */
  sender: SmsSender | undefined;
}

function inWords(seconds: number): string {
  if (seconds >= 3600) return `${Math.ceil(seconds / 3600)} 小时`;
  if (seconds >= 120) return `${Math.ceil(seconds / 60)} 分钟`;
  return `${Math.max(1, seconds)} 秒`;
}

/**
 * SMS one-time codes (短信验证码): issued with crypto randomness, kept only as an HMAC, 5 minutes, 5 wrong tries, one
 * use. Per phone: one code a minute and 10 a day, counted from the table under a per-phone advisory lock (several
 * API processes share the database). The per-address limit is the routes' (@fastify/rate-limit, also PostgreSQL).
 */
export function createPhoneCodeService({ db, secret, sender }: PhoneCodeDeps) {
  const hash = (phone: string, purpose: SmsPurpose, code: string) => createHmac('sha256', secret).update(`sms-code:${phone}:${purpose}:${code}`).digest('hex');

  return {
    /** Sends a new code to the phone (its earlier codes for the purpose die). */
    async issue(phone: string, purpose: SmsPurpose): Promise<void> {
      if (!sender) throw new ServiceUnavailableError('本服务器尚未开通短信验证码，请在微信中打开「帮帮团」小程序，或联系社区工作人员。');
      const code = String(randomInt(0, 10 ** SMS_CODE_LENGTH)).padStart(SMS_CODE_LENGTH, '0');
      const id = await db.transaction(async (m) => {
        await lockPhone(m, phone);
        const usage = await phoneCodeUsage(m, phone, SMS_RESEND_SECONDS);
        if (usage.lastDay >= CODES_PER_PHONE_PER_DAY) {
          throw new RateLimitedError(`这个手机号今天获取验证码的次数已达上限，请 ${inWords(usage.dayResetIn)}后再试。`, usage.dayResetIn);
        }
        if (usage.resendIn > 0) throw new RateLimitedError(`验证码刚刚发过，请 ${usage.resendIn} 秒后再重新获取。`, usage.resendIn);
        return insertPhoneCode(m, { phone, purpose, codeHash: hash(phone, purpose, code), ttlSeconds: CODE_TTL_MINUTES * 60 });
      });
      try {
        await sender.send(phone, code, CODE_TTL_MINUTES);
      } catch (err) {
        // never sent: the row goes, so it is not usable and does not hold the phone back
        await deletePhoneCode(db, id);
        throw err;
      }
    },

    /**
     * Checks the code sent to the phone for the purpose, and uses it up; 400 naming `code` otherwise (a wrong try
     * is counted whatever happens next: it is committed before the answer).
     */
    async consume(phone: string, purpose: SmsPurpose, code: string): Promise<void> {
      const outcome = await db.transaction(async (m): Promise<'ok' | 'none' | number> => {
        const row = await liveCode(m, phone, purpose, CODE_MAX_ATTEMPTS);
        if (!row) return 'none';
        const expected = Buffer.from(row.codeHash, 'hex');
        const given = Buffer.from(hash(phone, purpose, code), 'hex');
        if (expected.length === given.length && timingSafeEqual(expected, given)) {
          await markCodeUsed(m, row.id);
          return 'ok';
        }
        return addWrongTry(m, row.id, CODE_MAX_ATTEMPTS);
      });
      if (outcome === 'ok') return;
      if (outcome === 'none') throw fieldError('code', '验证码已失效或未获取，请重新获取验证码');
      if (outcome === 0) throw fieldError('code', '验证码错误次数过多，已失效，请重新获取验证码');
      throw fieldError('code', `验证码不正确，还可以再试 ${outcome} 次`);
    },
  };
}

export type PhoneCodeService = ReturnType<typeof createPhoneCodeService>;
