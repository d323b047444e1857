import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CATEGORY_CODE, TEAM_COLORS } from './domain';
import { Field } from './validation';

/** Field rules used by DTOs of several domains (a squad's and a service's team colour, lists of service codes). */

export const TeamColorField = () => IsIn(TEAM_COLORS, { message: '颜色须为 red、orange、pink、purple、yellow、green、blue 或 other' });

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
