import { IsBoolean, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { TeamColorField } from './fields';
import { Field, Optional, choiceWords } from './validation';
import { CATEGORY_CODE, type TeamColor } from './domain';

/**
 * Who may take a service (issue 20): `general` — any volunteer of the area (errands, meals, company, phone
 * lessons…); `qualified` — only those with the skill (medicine, vaccination, legal, repairs…).
 */
export const SERVICE_KINDS = ['general', 'qualified'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];
export const SERVICE_KIND_NAMES: Record<ServiceKind, string> = { general: '人人可接', qualified: '需要专长' };

/**
 * The one rule of who may take a service, skill-wise: everyone for a general service, those with the skill for a
 * qualified one. The task hall, the candidates and the `eligible` relation all apply it (in SQL:
 * catalogue.repo.ts's `skillFitsSql`, the same rule).
 */
export function skillFits(kind: ServiceKind, code: string, skills: readonly string[]): boolean {
  return kind === 'general' || skills.includes(code);
}

const KindField = () => IsIn(SERVICE_KINDS, { message: `服务类型须为 ${choiceWords(SERVICE_KINDS.map((x) => SERVICE_KIND_NAMES[x]))}` });

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
  /** general: any volunteer of the area may take it; qualified: only those with the skill. */
  kind: ServiceKind;
  /** May need several people (助农抢收: a harvest needs many hands). */
  multiPerson: boolean;
  sortOrder: number;
  active: boolean;
}

// Each field's rules once, for the create and the update DTO.
const LabelField = () => Field(IsString(), MinLength(1), MaxLength(40));
/** Minutes an order may wait for acceptance: at most a week. */
const MinutesField = () => Field(IsInt(), Min(1), Max(10080));
const SortOrderField = () => Field(IsInt(), Min(0), Max(10000));

export class CreateServiceCategoryDto {
  @Matches(CATEGORY_CODE, { message: '编码须为 2–40 位小写字母、数字或下划线，以字母开头' })
  code!: string;

  @LabelField()
  name!: string;

  @TeamColorField()
  color!: TeamColor;

  @LabelField()
  icon!: string;

  @MinutesField()
  acceptMinutesNormal!: number;

  @MinutesField()
  acceptMinutesUrgent!: number;

  /** Default: qualified (a new service needs the skill until an admin says anyone may take it). */
  @Optional()
  @KindField()
  kind?: ServiceKind;

  @Optional()
  @IsBoolean()
  multiPerson?: boolean;

  @Optional()
  @SortOrderField()
  sortOrder?: number;
}

/** Every field optional; the code never changes (orders refer to it). */
export class UpdateServiceCategoryDto {
  @Optional()
  @LabelField()
  name?: string;

  @Optional()
  @TeamColorField()
  color?: TeamColor;

  @Optional()
  @LabelField()
  icon?: string;

  @Optional()
  @MinutesField()
  acceptMinutesNormal?: number;

  @Optional()
  @MinutesField()
  acceptMinutesUrgent?: number;

  @Optional()
  @KindField()
  kind?: ServiceKind;

  @Optional()
  @IsBoolean()
  multiPerson?: boolean;

  @Optional()
  @SortOrderField()
  sortOrder?: number;

  @Optional()
  @IsBoolean()
  active?: boolean;
}

export const SERVICE_CATEGORIES_PATH = '/api/v1/service-categories';
