import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsISO8601, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { API_PREFIX } from './api';
import { CATEGORY_CODE, LEDGER_TAGS, LEDGER_TAG_NAMES, type LedgerTag } from './domain';
import { SERVICE_UTC_OFFSET_MINUTES } from './duty';
import { URGENCIES, URGENCY_NAMES, type Urgency } from './orders';
import { LatLngDto, type RegionLevel } from './people';
import { Optional, choiceWords } from './validation';

/**
 * 走访 (issue 22, item 1): grid workers and paired cadres (包联) visit the households on the ledger (重点人员台账)
 * regularly, because the people most in need are exactly those who never order. Per ledger tag a frequency; the
 * job queue makes one visit per household and period (the most frequent of its tags), assigned to its paired cadre
 * or else a grid worker of its grid; at the door a check-in and a short record, a need found becoming an order on the
 * household's behalf; a visit not done by the end of its period is missed, flagged and escalated.
 */

export const VISIT_FREQUENCIES = ['weekly', 'monthly', 'quarterly'] as const;
export type VisitFrequency = (typeof VISIT_FREQUENCIES)[number];
export const VISIT_FREQUENCY_NAMES: Record<VisitFrequency, string> = { weekly: '每周', monthly: '每月', quarterly: '每季度' };

/**
 * The frequencies before any admin sets one (the issue's: 独居、高龄、重病、残疾 weekly; 低保、困难 monthly; others
 * quarterly). A county's admin may change them for the county, a place's for its subtree.
 */
export const DEFAULT_VISIT_FREQUENCIES: Record<LedgerTag, VisitFrequency> = {
  living_alone: 'weekly',
  elderly: 'weekly',
  seriously_ill: 'weekly',
  disabled: 'weekly',
  low_income: 'monthly',
  empty_nest: 'quarterly',
  left_behind_child: 'quarterly',
  single_mother: 'quarterly',
};

/** How a household is found at the door (走访记录: 身体和生活状况). */
export const VISIT_CONDITIONS = ['good', 'attention', 'urgent'] as const;
export type VisitCondition = (typeof VISIT_CONDITIONS)[number];
export const VISIT_CONDITION_NAMES: Record<VisitCondition, string> = { good: '良好', attention: '需要关注', urgent: '情况紧急' };

/** open: to do this period; checked_in: at the door, no record yet; done: recorded; missed: the period ended first. */
export const VISIT_STATES = ['open', 'checked_in', 'done', 'missed'] as const;
export type VisitState = (typeof VISIT_STATES)[number];
export const VISIT_STATE_NAMES: Record<VisitState, string> = { open: '待走访', checked_in: '已签到', done: '已走访', missed: '逾期未走访' };

export const VISITS_PATH = `${API_PREFIX}/visits`;
export const MY_VISITS_PATH = `${API_PREFIX}/visits/mine`;
export const MISSED_VISITS_PATH = `${API_PREFIX}/visits/missed`;
export const VISIT_COVERAGE_PATH = `${API_PREFIX}/visits/coverage`;
export const VISIT_COVERAGE_XLSX_PATH = `${API_PREFIX}/visits/coverage.xlsx`;
export const VISIT_PLANS_PATH = `${API_PREFIX}/visit-plans`;

// ---------- periods (Beijing time: China keeps UTC+8 all year) ----------

export interface VisitPeriod {
  frequency: VisitFrequency;
  /** `2026-W50` (ISO week), `2026-12`, `2026-Q4`: one visit per household and key. */
  key: string;
  /** First instant of the period. */
  start: Date;
  /** First instant after it: the visit is due before this (its due time). */
  end: Date;
}

const DAY_MS = 24 * 3600_000;
const SHIFT_MS = SERVICE_UTC_OFFSET_MINUTES * 60_000;

/** The UTC instant of Beijing midnight starting the given Beijing calendar day. */
function beijingMidnight(year: number, month0: number, day: number): Date {
  return new Date(Date.UTC(year, month0, day) - SHIFT_MS);
}

/** The period of `frequency` that `at` falls in, by the Beijing calendar. */
export function visitPeriodOf(frequency: VisitFrequency, at: Date): VisitPeriod {
  const local = new Date(at.getTime() + SHIFT_MS);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  if (frequency === 'monthly') {
    return { frequency, key: `${y}-${String(m + 1).padStart(2, '0')}`, start: beijingMidnight(y, m, 1), end: beijingMidnight(y, m + 1, 1) };
  }
  if (frequency === 'quarterly') {
    const q = Math.floor(m / 3);
    return { frequency, key: `${y}-Q${q + 1}`, start: beijingMidnight(y, q * 3, 1), end: beijingMidnight(y, q * 3 + 3, 1) };
  }
  // ISO 8601 week: Monday first; week 1 holds the year's first Thursday
  const weekday = (local.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const monday = Date.UTC(y, m, local.getUTCDate() - weekday);
  const thursday = new Date(monday + 3 * DAY_MS);
  const isoYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / (7 * DAY_MS)) + 1;
  return {
    frequency,
    key: `${isoYear}-W${String(week).padStart(2, '0')}`,
    start: new Date(monday - SHIFT_MS),
    end: new Date(monday + 7 * DAY_MS - SHIFT_MS),
  };
}

/** 「第50周（12月7日–12月13日）」, 「12月」, 「第四季度」: how a period is named on a visit. */
export function visitPeriodLabel(key: string): string {
  const week = /^(\d{4})-W(\d{2})$/.exec(key);
  if (week) return `${week[1]}年第${Number(week[2])}周`;
  const quarter = /^(\d{4})-Q([1-4])$/.exec(key);
  if (quarter) return `${quarter[1]}年第${'一二三四'[Number(quarter[2]) - 1]}季度`;
  const month = /^(\d{4})-(\d{2})$/.exec(key);
  if (month) return `${month[1]}年${Number(month[2])}月`;
  return key;
}

// ---------- plans ----------

export interface VisitPlanEntryDto {
  tag: LedgerTag;
  frequency: VisitFrequency;
  /** own: set at this place; inherited: from a place above (named); default: nobody set one. */
  source: 'own' | 'inherited' | 'default';
  fromRegionName: string | null;
}

export interface VisitPlanDto {
  regionId: string;
  regionName: string;
  plans: VisitPlanEntryDto[];
}

export class VisitPlanQuery {
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId!: string;
}

export class VisitPlanItemDto {
  @IsIn(LEDGER_TAGS, { message: `台账标签须为 ${choiceWords(LEDGER_TAGS.map((t) => LEDGER_TAG_NAMES[t]))}` })
  tag!: LedgerTag;

  /** null: this place takes the frequency from above again (its own setting removed). */
  @ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null)
  @IsIn(VISIT_FREQUENCIES, { message: `走访频次须为 ${choiceWords(VISIT_FREQUENCIES.map((f) => VISIT_FREQUENCY_NAMES[f]))}` })
  frequency?: VisitFrequency | null;
}

export class SetVisitPlanDto {
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId!: string;

  @IsArray({ message: '走访计划须为列表' })
  @ArrayMaxSize(LEDGER_TAGS.length)
  @ValidateNested({ each: true })
  @Type(() => VisitPlanItemDto)
  plans!: VisitPlanItemDto[];
}

// ---------- visits ----------

export interface VisitHouseholdDto {
  id: string;
  name: string;
  address: string | null;
  tags: LedgerTag[];
  /** The household's grid. */
  regionName: string;
  location: { lat: number; lng: number } | null;
}

export interface VisitDto {
  id: string;
  period: string;
  periodLabel: string;
  frequency: VisitFrequency;
  dueAt: string;
  state: VisitState;
  household: VisitHouseholdDto;
  assignee: { id: string; name: string } | null;
  checkedInAt: string | null;
  /** Metres from the household's door at check-in; null without a location on either side. */
  checkInDistance: number | null;
  /** Checked in far from the door, or without a location (like an order's check-in: allowed, marked). */
  farCheckIn: boolean;
  doneAt: string | null;
  /** Done after the period ended. */
  late: boolean;
  condition: VisitCondition | null;
  note: string | null;
  /** The order a need found became (代下单 on the household's behalf). */
  orderId: string | null;
  /** Missed: 0 not yet alarmed, 1 the assignee told, 2 the community, 3 the town, 4 the county. */
  escalationLevel: number;
}

export class VisitListQuery {
  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId?: string;
}

export class VisitCheckInDto {
  /** Where the visitor is (the phone's location); compared with the household's. */
  @Optional()
  @ValidateNested()
  @Type(() => LatLngDto)
  location?: LatLngDto;
}

/** A need found at the door, to become an order on the household's behalf in the same step. */
export class VisitNeedDto {
  @Matches(CATEGORY_CODE, { message: '请选择服务项目' })
  categoryCode!: string;

  @IsString()
  @MinLength(1, { message: '请描述需要什么帮助' })
  @MaxLength(500)
  description!: string;

  @IsIn(URGENCIES, { message: `紧急程度须为 ${choiceWords(URGENCIES.map((x) => URGENCY_NAMES[x]))}` })
  urgency!: Urgency;
}

export class RecordVisitDto {
  @IsIn(VISIT_CONDITIONS, { message: `状况须为 ${choiceWords(VISIT_CONDITIONS.map((c) => VISIT_CONDITION_NAMES[c]))}` })
  condition!: VisitCondition;

  @Optional()
  @IsString()
  @MaxLength(500)
  note?: string;

  @Optional()
  @ValidateNested()
  @Type(() => VisitNeedDto)
  need?: VisitNeedDto;
}

// ---------- coverage ----------

export class VisitCoverageQuery {
  @Optional()
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId?: string;

  /** Visits due from (inclusive); default 90 days ago. */
  @Optional()
  @IsISO8601({ strict: true }, { message: '开始时间须为 ISO 8601 格式' })
  from?: string;

  /** Visits due until (exclusive, capped at now: a period still running is not due yet); default now. */
  @Optional()
  @IsISO8601({ strict: true }, { message: '结束时间须为 ISO 8601 格式' })
  to?: string;
}

/** 走访覆盖率 of one place: visits whose period ended in the window — done on time, late, not done. */
export interface VisitCoverageRowDto {
  regionId: string | null;
  name: string;
  level: RegionLevel | null;
  /** Ledger households living there now. */
  households: number;
  /** Households visited at least once (on time or late) among the visits of the window: 户, not 户次. */
  householdsVisited: number;
  /** Visits due in the window (户次: a weekly household counts once a week). */
  due: number;
  onTime: number;
  late: number;
  missed: number;
  /** onTime / due, 0–1; null when nothing was due. */
  coverage: number | null;
}

export interface VisitCoverageDto {
  from: string;
  to: string;
  total: VisitCoverageRowDto;
  rows: VisitCoverageRowDto[];
}

/** The missed visits of a place, for the board's flag. */
export interface MissedVisitsDto {
  count: number;
  items: VisitDto[];
}
