import { IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { LedgerTag, Role } from './domain';
import { IsMainlandMobile } from './phone';

export const AUTH_WECHAT_PATH = '/api/v1/auth/wechat';
export const AUTH_DEV_LOGIN_PATH = '/api/v1/auth/dev-login';
export const ME_PATH = '/api/v1/me';
/** `POST`: ends the session of the token that calls it (204). */
export const AUTH_LOGOUT_PATH = '/api/v1/auth/logout';
/** `POST`: ends every session of the person, on every device (204). */
export const AUTH_LOGOUT_ALL_PATH = '/api/v1/auth/logout-all';
/** `POST`: sends a one-time SMS code (短信验证码) to a phone (204). */
export const AUTH_SMS_CODE_PATH = '/api/v1/auth/sms-code';
/** `POST`: logs in with a phone and the SMS code sent to it. */
export const AUTH_SMS_LOGIN_PATH = '/api/v1/auth/sms-login';
/** `POST`: binds (or changes) the logged-in person's phone, verified by an SMS code. */
export const ME_PHONE_PATH = '/api/v1/me/phone';
/** `POST`: binds (or changes) the logged-in person's phone through WeChat's phone-number button. */
export const ME_PHONE_WECHAT_PATH = '/api/v1/me/phone/wechat';

/** What an SMS code is for: logging in, or binding a phone to the account one is logged in to. */
export const SMS_PURPOSES = ['login', 'bind'] as const;
export type SmsPurpose = (typeof SMS_PURPOSES)[number];

/** How many digits an SMS code has. */
export const SMS_CODE_LENGTH = 6;
/** Seconds before the same phone may be sent another code. */
export const SMS_RESEND_SECONDS = 60;

const SMS_CODE = /^\d{6}$/;

/** `POST /auth/wechat`: the code from `Taro.login()` / `wx.login()`, valid for one exchange within 5 minutes. */
export class WechatLoginDto {
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  @Matches(/^[\w-]+$/, { message: '登录凭证格式不正确' })
  code!: string;
}

/** `POST /auth/dev-login` (not in production): log in by phone, as a first WeChat login would. */
export class DevLoginDto {
  @IsMainlandMobile()
  phone!: string;
}

/** `POST /auth/sms-code`: send a code to this phone, for this purpose. */
export class SmsCodeDto {
  @IsMainlandMobile()
  phone!: string;

  @IsIn(SMS_PURPOSES, { message: '验证码用途须为 登录 或 绑定手机号' })
  purpose!: SmsPurpose;
}

/** `POST /auth/sms-login` and `POST /me/phone`: the phone and the 6-digit code sent to it. */
export class SmsLoginDto {
  @IsMainlandMobile()
  phone!: string;

  @IsString()
  @Matches(SMS_CODE, { message: '请输入 6 位数字验证码' })
  code!: string;
}

/** `POST /me/phone`: the new phone and the code sent to it for binding. */
export class BindPhoneDto {
  @IsMainlandMobile()
  phone!: string;

  @IsString()
  @Matches(SMS_CODE, { message: '请输入 6 位数字验证码' })
  code!: string;
}

/** `POST /me/phone/wechat`: the one-time code of WeChat's phone-number button (`getPhoneNumber`'s `detail.code`). */
export class WechatPhoneDto {
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  @Matches(/^[\w-]+$/, { message: '手机号授权凭证格式不正确' })
  code!: string;
}

/** A person as they see themselves (`GET /me`, the `user` of a login): nothing masked. */
export interface MeDto {
  id: string;
  name: string;
  /** Null until a person who arrived through WeChat binds a phone. */
  phone: string | null;
  roles: Role[];
  regionId: string | null;
  location: { lat: number; lng: number } | null;
  skills: string[];
  partyMember: boolean;
  employedPartyMember: boolean;
  address: string | null;
  tags: LedgerTag[];
  pairedCadreId: string | null;
  onDuty: boolean;
  createdAt: string;
}

export interface LoginResponse {
  /** JWT for `Authorization: Bearer`. */
  token: string;
  /** Seconds until the token expires. */
  expiresIn: number;
  user: MeDto;
}
