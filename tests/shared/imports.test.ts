import { idCardProblem, isIdCardNumber, maskIdCard } from '@bangbang/shared';
import { parseRoster } from '../../server/src/modules/imports/rows';

/** The pure rules of 导入台账: the 身份证号 check and mask, and reading 可服务时间 into a roster. */
describe('身份证号', () => {
  it('accepts a number with its GB 11643 check character and a real birth date', () => {
    expect(isIdCardNumber('11010519491231002X')).toBe(true);
    expect(isIdCardNumber('11010519491231002x')).toBe(false); // upper-case X only: the import upper-cases it first
    expect(isIdCardNumber('110105194912310021')).toBe(false); // wrong check character
    expect(isIdCardNumber('110105194902300028')).toBe(false); // 30 February
    expect(isIdCardNumber('11010519491231002')).toBe(false);
  });

  it('says what is wrong in words, and masks to the first and last four', () => {
    expect(idCardProblem('1234')).toBe('身份证号须为 18 位（前 17 位是数字，末位是数字或 X）');
    expect(idCardProblem('110105194912310021')).toBe('身份证号不正确（出生日期或校验码不符），请核对');
    expect(idCardProblem('11010519491231002X')).toBeUndefined();
    expect(maskIdCard('11010519491231002X')).toBe('1101**********002X');
  });
});

describe('可服务时间 → roster', () => {
  it('reads ranges, lists, every day, weekdays and the weekend', () => {
    expect(parseRoster('周一至周三 08:00-12:00；周六 14:00-18:00')).toEqual({
      slots: [
        { weekday: 1, start: '08:00', end: '12:00' },
        { weekday: 2, start: '08:00', end: '12:00' },
        { weekday: 3, start: '08:00', end: '12:00' },
        { weekday: 6, start: '14:00', end: '18:00' },
      ],
    });
    expect(parseRoster('每天 9:00-17:00')).toEqual({ slots: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })) });
    expect(parseRoster('星期二、星期四 19：00～21：00')).toEqual({
      slots: [
        { weekday: 2, start: '19:00', end: '21:00' },
        { weekday: 4, start: '19:00', end: '21:00' },
      ],
    });
    expect(parseRoster('周末 08:00-10:00')).toEqual({
      slots: [
        { weekday: 6, start: '08:00', end: '10:00' },
        { weekday: 7, start: '08:00', end: '10:00' },
      ],
    });
  });

  it('names what it cannot read, an end before its start, and a time out of range', () => {
    expect(parseRoster('早上有空')).toEqual({ problem: '看不懂「早上有空」：请写成「周一至周五 08:00-12:00」，多个时段用「；」分隔' });
    expect(parseRoster('周一 18:00-08:00')).toEqual({ problem: '「周一 18:00-08:00」的结束时间须晚于开始时间（跨夜请分成两段）' });
    expect(parseRoster('周五至周一 08:00-09:00')).toHaveProperty('problem');
    expect(parseRoster('周一 08:00-25:00')).toEqual({ problem: '时间须为 HH:MM 格式，如 08:00' });
  });
});
