import { IsBoolean, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Optional } from './validation';
import { CATEGORY_CODE, TEAM_COLORS, type TeamColor } from './domain';

/** A service of the catalogue (服务清单), as the API returns it. */
export interface ServiceCategoryDto {
  code: string;
  name: string;
  /** The colour team that usually serves it. */
  color: TeamColor;
  /** Key of the icon the mini-program shows on the tile. */
  icon: string;
  /** Minutes an order may wait for someone to accept it before it is escalated (normal / urgent). */
  acceptMinutesNormal: number;
  acceptMinutesUrgent: number;
  /** May need several people (助农抢收: a harvest needs many hands). */
  multiPerson: boolean;
  sortOrder: number;
  active: boolean;
}

export class CreateServiceCategoryDto {
  @Matches(CATEGORY_CODE, { message: '编码须为 2–40 位小写字母、数字或下划线，以字母开头' })
  code!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(40)
  name!: string;

  @IsIn(TEAM_COLORS, { message: '颜色须为 red、orange、pink、purple、yellow、green、blue 或 other' })
  color!: TeamColor;

  @IsString()
  @MinLength(1)
  @MaxLength(40)
  icon!: string;

  @IsInt()
  @Min(1)
  @Max(10080)
  acceptMinutesNormal!: number;

  @IsInt()
  @Min(1)
  @Max(10080)
  acceptMinutesUrgent!: number;

  @Optional()
  @IsBoolean()
  multiPerson?: boolean;

  @Optional()
  @IsInt()
  @Min(0)
  @Max(10000)
  sortOrder?: number;
}

/** Every field optional; the code never changes (orders refer to it). */
export class UpdateServiceCategoryDto {
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(40)
  name?: string;

  @Optional()
  @IsIn(TEAM_COLORS, { message: '颜色须为 red、orange、pink、purple、yellow、green、blue 或 other' })
  color?: TeamColor;

  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(40)
  icon?: string;

  @Optional()
  @IsInt()
  @Min(1)
  @Max(10080)
  acceptMinutesNormal?: number;

  @Optional()
  @IsInt()
  @Min(1)
  @Max(10080)
  acceptMinutesUrgent?: number;

  @Optional()
  @IsBoolean()
  multiPerson?: boolean;

  @Optional()
  @IsInt()
  @Min(0)
  @Max(10000)
  sortOrder?: number;

  @Optional()
  @IsBoolean()
  active?: boolean;
}

export const SERVICE_CATEGORIES_PATH = '/api/v1/service-categories';
