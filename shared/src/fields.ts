import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, IsISO8601, IsNumber, IsString, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { CATEGORY_CODE, TEAM_COLORS, TEAM_COLOR_NAMES } from './domain';
import { Field, choiceWords } from './validation';

/** Field rules used by DTOs of several domains (a squad's and a service's team colour, lists of service codes). */

export const TeamColorField = () => IsIn(TEAM_COLORS, { message: `颜色须为 ${choiceWords(TEAM_COLORS.map((x) => TEAM_COLOR_NAMES[x]))}` });

/** A list of service category codes (the server checks that they exist). */
export const CategoryCodesField = (message = '服务类别编码格式不正确') =>
  Field(IsArray(), ArrayUnique(), ArrayMaxSize(20), Matches(CATEGORY_CODE, { each: true, message }));

/** Cursor paging in query strings: the opaque cursor of the previous page, and a page size of 1–100. */
export const CursorField = () => Field(IsString(), MaxLength(200));
export const LimitField = () =>
  Field(
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(100),
  );

/** A coordinate in a request body: a finite JSON number between `min` and `max`, never a string or boolean converted. */
export const CoordinateField = (min: number, max: number) =>
  Field(IsNumber({ allowNaN: false, allowInfinity: false }, { message: '必须是数字' }), Min(min), Max(max));

/**
 * The years a time in a request may fall in. Nothing the service does is dated before 2000 or after 2099; a year
 * like 0001 or 9999 is a typo or a probe, and beyond JavaScript's dates (±275,760 years) it cannot even be computed.
 */
export const TIME_WINDOW = { fromYear: 2000, toYear: 2099 } as const;

/** Whether an ISO 8601 time falls inside `TIME_WINDOW` (its instant, whatever its offset). */
export function isWithinTimeWindow(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return false;
  const year = new Date(at).getUTCFullYear();
  return year >= TIME_WINDOW.fromYear && year <= TIME_WINDOW.toYear;
}

/** What a time that is not one is told (a strict ISO 8601 time with its offset, in words a person reads). */
export const TIME_MESSAGE = '必须是带时区的时间（年-月-日 时:分:秒 +08:00）';

/** A time in a request: strict ISO 8601 with its offset, within `TIME_WINDOW`. */
export const TimeField = () =>
  Field(
    IsISO8601({ strict: true }, { message: TIME_MESSAGE }),
    ValidateBy({
      name: 'timeWindow',
      validator: { validate: isWithinTimeWindow, defaultMessage: () => `须在 ${TIME_WINDOW.fromYear} 年到 ${TIME_WINDOW.toYear} 年之间` },
    }),
  );
