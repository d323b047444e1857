import { useCallback, useEffect, useState } from 'react';
import Taro, { useDidShow } from '@tarojs/taro';
import type { LoginResponse, MeDto, Role, SmsPurpose } from '@bangbang/shared';
import { ApiError, clearToken, getToken, setToken, setUnauthorizedHandler } from './api';
import { bindPhoneBySms, bindPhoneByWechat, getMe, logoutEverywhereOnServer, logoutOnServer, sendSmsCode, smsLogin, wechatLogin } from './endpoints';
import { startLive, stopLive } from './live';
import { JOIN_PAGE, LOGIN_PAGE, homePathOf, needsJoining, pickRole } from './roles';

/**
 * The person using the app: the login, who they are (`MeDto`, kept in storage so a page can draw before the
 * network answers), the role they act in now, and the elder-friendly mode (适老化). Everything is remembered on the
 * device, so it survives closing the app.
 */

const USER_KEY = 'bangbang.me';
const ROLE_KEY = 'bangbang.role';
const ELDER_KEY = 'bangbang.elder';
const ELDER_EVENT = 'bangbang:elder';
const USER_EVENT = 'bangbang:me';

export const isWeapp = process.env.TARO_ENV === 'weapp';

export function isLoggedIn(): boolean {
  return getToken() !== undefined;
}

export function currentUser(): MeDto | undefined {
  const raw: unknown = Taro.getStorageSync(USER_KEY);
  return typeof raw === 'object' && raw !== null && 'id' in raw ? (raw as MeDto) : undefined;
}

function saveUser(user: MeDto): void {
  Taro.setStorageSync(USER_KEY, user);
  Taro.eventCenter.trigger(USER_EVENT, user);
}

/** Remembers the person as a change answered them (`PATCH /me`, a phone bound), for every page. */
export function rememberMe(user: MeDto): void {
  saveUser(user);
}

/** The role the person acts in now: the one they picked, if they still hold it. */
export function currentRole(): Role {
  const remembered: unknown = Taro.getStorageSync(ROLE_KEY);
  return pickRole(currentUser()?.roles ?? [], typeof remembered === 'string' ? remembered : undefined);
}

/**
 * Opens the home of the current role, with nothing to go back to (a fresh start) — or joining (加入), for a person
 * who has no phone or no place yet (they could not order without a place).
 */
export function goHome(): void {
  void Taro.reLaunch({ url: needsJoining(currentUser()) ? JOIN_PAGE : homePathOf(currentRole()) });
}

/** Role switching: remembered, then the home of that workspace. */
export function switchRole(role: Role): void {
  Taro.setStorageSync(ROLE_KEY, role);
  goHome();
}

/** Keeps a login's token and person (a login, or a phone binding, which answers a new token: the old one ended). */
function applyLogin(response: LoginResponse): MeDto {
  setToken(response.token);
  saveUser(response.user);
  // a new token (a login, or a phone binding, after which the old token no longer works): the live connection
  // authenticates again with it — as someone else, if the phone belonged to a person staff had registered
  stopLive();
  startLive(response.user.id);
  return response.user;
}

function finishLogin(response: LoginResponse): void {
  applyLogin(response);
  goHome();
}

/** 获取验证码: sends a code to the phone, for logging in or for binding it to the account. */
export async function requestSmsCode(phone: string, purpose: SmsPurpose): Promise<void> {
  await sendSmsCode(phone, purpose);
}

/** H5: log in by phone and SMS code (`POST /auth/sms-login`), then the home of the person's role. */
export async function loginWithSms(phone: string, code: string): Promise<void> {
  finishLogin(await smsLogin(phone, code));
}

/**
 * Binds (or changes) the phone of the account by SMS code; the new token and person are kept (a phone staff had
 * registered may make the person someone else: the one staff registered).
 */
export async function bindPhoneWithSms(phone: string, code: string): Promise<MeDto> {
  return applyLogin(await bindPhoneBySms(phone, code));
}

/** The same with WeChat's phone-number button: its one-time code, exchanged by the server. */
export async function bindPhoneWithWechat(code: string): Promise<MeDto> {
  return applyLogin(await bindPhoneByWechat(code));
}

/** WeChat: `Taro.login` gives a one-time code; the server exchanges it (the session key never reaches us). */
export async function loginWithWechat(): Promise<void> {
  let code: string;
  try {
    ({ code } = await Taro.login());
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', '微信登录没有成功，请重试。');
  }
  finishLogin(await wechatLogin(code));
}

function forgetLogin(): void {
  stopLive();
  clearToken();
  Taro.removeStorageSync(USER_KEY);
  void Taro.reLaunch({ url: LOGIN_PAGE });
}

/**
 * 退出登录: the server ends this token (so a copy of it left on the phone or in a log is worth nothing), then the
 * device forgets it. Without a network the device forgets it all the same: the person asked to leave.
 */
export async function logout(): Promise<void> {
  if (getToken() !== undefined) await logoutOnServer().catch(() => undefined);
  forgetLogin();
}

/** 退出所有设备: every login of the person ends (a lost phone, a shared one); this device goes to the login page. */
export async function logoutEverywhere(): Promise<void> {
  await logoutEverywhereOnServer();
  forgetLogin();
}

/** Reads `GET /me` again (roles, duty, address change on the server) and remembers it. */
export async function refreshMe(): Promise<MeDto> {
  const me = await getMe();
  saveUser(me);
  return me;
}

/** An expired token sends the person back to the login page instead of failing request after request. */
export function installUnauthorizedHandler(): void {
  setUnauthorizedHandler(() => {
    stopLive();
    clearToken();
    Taro.removeStorageSync(USER_KEY);
    void Taro.reLaunch({ url: LOGIN_PAGE });
  });
}

/** At launch: a remembered login opens the live connection (pages, badge and toasts depend on it). */
export function resumeLive(): void {
  if (isLoggedIn()) startLive(currentUser()?.id);
}

/** The remembered person, updated when any page refreshes it. */
export function useCurrentUser(): MeDto | undefined {
  const [user, setUser] = useState(currentUser);
  useEffect(() => {
    const on = (u: MeDto) => setUser(u);
    Taro.eventCenter.on(USER_EVENT, on);
    return () => void Taro.eventCenter.off(USER_EVENT, on);
  }, []);
  return user;
}

// ---------- 适老化: the elder-friendly mode ----------

export function isElderMode(): boolean {
  return Taro.getStorageSync(ELDER_KEY) === true;
}

export function setElderMode(on: boolean): void {
  Taro.setStorageSync(ELDER_KEY, on);
  Taro.eventCenter.trigger(ELDER_EVENT, on);
}

/**
 * The elder-friendly mode as a hook: the remembered setting, re-read whenever the page shows (it may have been
 * switched on the 「我的」 page meanwhile) and when it is switched while this page is open.
 */
export function useElderMode(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(isElderMode);
  useDidShow(() => setOn(isElderMode()));
  useEffect(() => {
    Taro.eventCenter.on(ELDER_EVENT, setOn);
    return () => void Taro.eventCenter.off(ELDER_EVENT, setOn);
  }, []);
  const set = useCallback((value: boolean) => setElderMode(value), []);
  return [on, set];
}
