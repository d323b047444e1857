import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { LedgerTag, Role } from './domain';
import { IsMainlandMobile } from './phone';

export const AUTH_WECHAT_PATH = '/api/v1/auth/wechat';
export const AUTH_DEV_LOGIN_PATH = '/api/v1/auth/dev-login';
export const ME_PATH = '/api/v1/me';
/** `POST`: ends the session of the token that calls it (204). */
export const AUTH_LOGOUT_PATH = '/api/v1/auth/logout';
/** `POST`: ends every session of the person, on every device (204). */
export const AUTH_LOGOUT_ALL_PATH = '/api/v1/auth/logout-all';

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
