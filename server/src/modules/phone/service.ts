import type { SmsPurpose } from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import { ConflictError } from '../../errors';
import type { Actor } from '../auth/actor';
import type { LoginService } from '../auth/service';
import { recordAudit, type AuditContext } from '../audit/service';
import type { User } from '../users/user.entity';
import { deleteAccount, hasHistory, loadAccount, lockCallerAndHolder, setOpenid, setPhone } from './binding.repo';
import type { PhoneCodeService } from './phone-codes';
import type { WechatPhone } from './wechat-phone';

export interface PhoneServiceDeps {
  db: DataSource;
  codes: PhoneCodeService;
  wechatPhone: WechatPhone;
  logins: LoginService;
}

const TAKEN_BY_WECHAT = '这个手机号已绑定在另一个微信账号上。如确属本人，请联系社区工作人员处理。';
const TAKEN_BY_PERSON = '这个手机号已登记在另一个人名下。如确属本人，请联系社区工作人员处理。';
const CLAIM_WITH_HISTORY = '您当前的账号已有订单或其他记录，不能直接认领社区登记的档案，请联系社区工作人员帮您合并。';

function pgCode(err: unknown): string | undefined {
  return (err as { driverError?: { code?: string } }).driverError?.code;
}

/**
 * A person's phone (issue 18 item 1): logging in by SMS code, and binding or changing the phone of the account one
 * is logged in to (by SMS code, or WeChat's phone-number button). Binding the phone of a person staff registered
 * (who has no WeChat yet) **claims** that person: the caller's WeChat identity moves onto them and the caller's
 * empty account goes, so one person never has two records and two people never share a phone (unique index, rows
 * locked in one transaction). Every bind, change and claim is audited in the same transaction.
 */
export function createPhoneService({ db, codes, wechatPhone, logins }: PhoneServiceDeps) {
  /** Binds `phone` (already verified) to the caller's account; the person the caller is afterwards. */
  const bind = (actor: Actor, phone: string, via: 'sms' | 'wechat', ctx: AuditContext): Promise<User> =>
    db.transaction(async (m) => {
      const { caller, holder } = await lockCallerAndHolder(m, actor.id, phone);
      if (!caller) throw new ConflictError('您的账号已不存在，请重新登录。');
      if (caller.phone === phone) return loadAccount(m, caller.id);
      if (holder) {
        if (holder.wechatOpenid !== null) throw new ConflictError(TAKEN_BY_WECHAT);
        // a person registered by staff, never logged in through WeChat: the caller is them, if the caller's own
        // account is an empty WeChat one (with a phone or a history of its own it is a person too: staff merge)
        if (caller.wechatOpenid === null || caller.phone !== null) throw new ConflictError(TAKEN_BY_PERSON);
        if (await hasHistory(m, caller.id)) throw new ConflictError(CLAIM_WITH_HISTORY);
        try {
          await deleteAccount(m, caller.id);
        } catch (err) {
          // a table that keeps the account (RESTRICT): all or nothing, never half a merge
          if (pgCode(err) === '23503') throw new ConflictError(CLAIM_WITH_HISTORY);
          throw err;
        }
        await setOpenid(m, holder.id, caller.wechatOpenid);
        await recordAudit(m, holder.id, ctx, {
          action: 'user.claim',
          subjectType: 'user',
          subjectId: holder.id,
          before: { accountId: caller.id },
          after: { accountId: holder.id, phone, via },
        });
        return loadAccount(m, holder.id);
      }
      try {
        await setPhone(m, caller.id, phone);
      } catch (err) {
        if (pgCode(err) === '23505') throw new ConflictError(TAKEN_BY_PERSON);
        throw err;
      }
      await recordAudit(m, caller.id, ctx, {
        action: caller.phone === null ? 'user.phone.bind' : 'user.phone.change',
        subjectType: 'user',
        subjectId: caller.id,
        before: { phone: caller.phone },
        after: { phone, via },
      });
      return loadAccount(m, caller.id);
    });

  return {
    /** 获取验证码. */
    async sendCode(phone: string, purpose: SmsPurpose): Promise<void> {
      await codes.issue(phone, purpose);
    },

    /** Logs in by phone and SMS code: an unknown phone becomes a resident; a phone staff registered is that person. */
    async smsLogin(phone: string, code: string): Promise<User> {
      await codes.consume(phone, 'login', code);
      return logins.phoneLogin(phone);
    },

    /** Binds or changes the caller's phone, verified by an SMS code sent for binding. */
    async bindBySms(actor: Actor, phone: string, code: string, ctx: AuditContext): Promise<User> {
      await codes.consume(phone, 'bind', code);
      return bind(actor, phone, 'sms', ctx);
    },

    /** Binds or changes the caller's phone to the one WeChat verified (the phone-number button's code). */
    async bindByWechat(actor: Actor, code: string, ctx: AuditContext): Promise<User> {
      const phone = await wechatPhone.phoneNumber(code);
      return bind(actor, phone, 'wechat', ctx);
    },
  };
}

export type PhoneService = ReturnType<typeof createPhoneService>;
