import { Matches } from 'class-validator';

/**
 * A mainland China mobile number: 11 digits starting 13–19. A regex rather than class-validator's IsPhoneNumber,
 * which would pull libphonenumber-js (hundreds of KB) into the mini-program.
 */
export const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

export function isMainlandMobile(value: string): boolean {
  return MAINLAND_MOBILE.test(value);
}

/** Property decorator for DTOs: a mainland mobile number, with the error a person understands. */
export function IsMainlandMobile(): PropertyDecorator {
  return Matches(MAINLAND_MOBILE, { message: '请输入 11 位手机号码' });
}
