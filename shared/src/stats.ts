import { IsUUID, ValidateBy, type ValidationArguments } from 'class-validator';
import { API_PREFIX } from './api';
import { TimeField } from './fields';
import type { RegionLevel } from './people';
import { Field, Optional } from './validation';

/**
 * Statistics by place (按地区统计: county → towns → communities → grids) and the ledgers staff take out as Excel
 * (导出台账). Shared so that the mini-program checks a period with the very rule the server applies, and labels the
 * figures with the words the exported sheets use.
 */

export const EXPORTS_PATH = `${API_PREFIX}/exports`;
export const STATS_BY_PLACE_PATH = `${API_PREFIX}/stats/by-place`;

/** The ledgers one can take out: 服务台账, 志愿服务时长, 台账户 (重点人员), and the statistics table by place. */
export const EXPORT_KINDS = ['service-ledger', 'volunteer-hours', 'households', 'stats'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export const EXPORT_KIND_NAMES: Record<ExportKind, string> = {
  'service-ledger': '服务台账',
  'volunteer-hours': '志愿服务时长',
  households: '重点人员台账',
  stats: '分地区统计',
};

/** Which ledgers are of a period (the households are a list of people: they have none). */
export const EXPORT_KIND_HAS_PERIOD: Record<ExportKind, boolean> = {
  'service-ledger': true,
  'volunteer-hours': true,
  households: false,
  stats: true,
};

export const EXPORT_FORMATS = ['xlsx', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The longest period one export or one statistics query covers: a year (leap years included). */
export const MAX_PERIOD_DAYS = 366;
const DAY_MS = 24 * 3600_000;

/**
 * What is wrong with a period (`from` inclusive, `to` exclusive), as the sentence shown beside 结束日期; undefined
 * when it is fine or when a bound is missing or unreadable (the fields' own rules say so).
 */
export function periodProblem(from: unknown, to: unknown): string | undefined {
  if (typeof from !== 'string' || typeof to !== 'string') return undefined;
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
  if (b <= a) return '结束时间须晚于开始时间';
  if (b - a > MAX_PERIOD_DAYS * DAY_MS) return `时间段最长 ${MAX_PERIOD_DAYS} 天，请分段导出`;
  return undefined;
}

/** On `to`: the period it closes is a forward one of at most `MAX_PERIOD_DAYS` (checked against `from`). */
const PeriodEnd = () =>
  ValidateBy({
    name: 'period',
    validator: {
      validate: (to: unknown, args?: ValidationArguments) => periodProblem((args?.object as { from?: unknown } | undefined)?.from, to) === undefined,
      defaultMessage: (args?: ValidationArguments) => periodProblem((args?.object as { from?: unknown } | undefined)?.from, args?.value) ?? '时间段不正确',
    },
  });

const RegionField = () => Field(Optional(), IsUUID('all', { message: '地区编号格式不正确' }));

/** `GET /stats/by-place`: a place (default: the top of the viewer's jurisdiction) and an optional period. */
export class StatsByPlaceQuery {
  @RegionField()
  regionId?: string;

  @Optional()
  @TimeField()
  from?: string;

  @Optional()
  @TimeField()
  @PeriodEnd()
  to?: string;
}

/** The ledgers of a period (服务台账, 志愿服务时长, 统计): the place and a period of at most a year, both bounds required. */
export class ExportPeriodQuery {
  @RegionField()
  regionId?: string;

  @TimeField()
  from!: string;

  @TimeField()
  @PeriodEnd()
  to!: string;
}

/** The ledger of people (台账户): only the place. */
export class ExportPlaceQuery {
  @RegionField()
  regionId?: string;
}

/** The address of one export, e.g. `/api/v1/exports/service-ledger.xlsx`. */
export function exportPath(kind: ExportKind, format: ExportFormat): string {
  return `${EXPORTS_PATH}/${kind}.${format}`;
}

// ---------- statistics by place ----------

/**
 * The figures of one place over a period. Counts (orders, hours, escalations, never served, and the numerators and
 * denominators of the shares) add up: the children's sum is the parent's. People served is a number of distinct
 * residents: it adds up too unless a resident has orders in two child places (moved house during the period).
 */
export interface PlaceFiguresDto {
  /** 需求数: orders placed in the period. */
  orders: number;
  /** 服务居民: distinct residents with an order completed (or confirmed). */
  peopleServed: number;
  /** 服务时长: hours of service (check-in to completion) of completed work, one decimal. */
  serviceHours: number;
  /** The same in whole minutes (exact: what adds up). */
  serviceMinutes: number;
  /** 接单等待: median minutes from ordering to the first acceptance; null before any acceptance. */
  medianMinutesToAccept: number | null;
  /** 按时接单率: onTime ÷ onTimeBase (0..1), null when the base is 0. */
  onTimeShare: number | null;
  /** Accepted within the service's deadline. */
  onTime: number;
  /** Accepted, or past the deadline without being cancelled before it. */
  onTimeBase: number;
  /** 平均评分 (1–5), null when none was rated. */
  averageRating: number | null;
  /** How many orders were rated. */
  ratings: number;
  /** 升级次数: escalations (三级联动) of these orders. */
  escalations: number;
  /** 超时无人接单: never accepted, and the deadline passed without the order being cancelled before it. */
  neverServed: number;
}

/** A child place's row; `regionId` null is 「本级」: orders placed at the parent itself, not under any child. */
export interface PlaceRowDto extends PlaceFiguresDto {
  regionId: string | null;
  name: string;
  level: RegionLevel | null;
  /** Whether a tap on the row goes down a level (it has children of its own). */
  hasChildren: boolean;
}

export interface StatsPlaceDto {
  /** null: the whole tree (an administrator of everything, above the cities). */
  id: string | null;
  name: string;
  level: RegionLevel | null;
}

export interface StatsByPlaceDto {
  region: StatsPlaceDto;
  /** From the top of the viewer's jurisdiction down to `region` (inclusive): the breadcrumb to go back up. */
  trail: StatsPlaceDto[];
  from: string | null;
  to: string | null;
  totals: PlaceFiguresDto;
  rows: PlaceRowDto[];
}

/** The levels of the place tree as people say them (the 层级 column of the statistics). */
export const PLACE_LEVEL_NAMES: Record<RegionLevel, string> = {
  city: '盟市',
  county: '旗县区',
  town: '苏木乡镇/街道',
  community: '嘎查村/社区',
  grid: '网格',
};

/** The name of the 「本级」 row and of the whole tree. */
export const OWN_LEVEL_NAME = '本级';
export const WHOLE_TREE_NAME = '全部地区';

/** The figures a person reads, in the order of the table's columns and the exported sheet's, with their words. */
export const PLACE_FIGURES: ReadonlyArray<{ key: keyof PlaceFiguresDto; label: string; unit: string }> = [
  { key: 'orders', label: '需求数', unit: '件' },
  { key: 'peopleServed', label: '服务居民', unit: '人' },
  { key: 'serviceHours', label: '服务时长', unit: '小时' },
  { key: 'medianMinutesToAccept', label: '接单等待中位数', unit: '分钟' },
  { key: 'onTimeShare', label: '按时接单率', unit: '%' },
  { key: 'averageRating', label: '平均评分', unit: '分' },
  { key: 'escalations', label: '升级次数', unit: '次' },
  { key: 'neverServed', label: '超时无人接单', unit: '件' },
];

/** A figure as shown in a table cell or a sheet: a share as a percentage, missing as 「—」. */
export function formatFigure(key: keyof PlaceFiguresDto, value: number | null): string {
  if (value === null) return '—';
  if (key === 'onTimeShare') return `${Math.round(value * 1000) / 10}%`;
  if (key === 'serviceHours' || key === 'medianMinutesToAccept') return value.toFixed(1);
  if (key === 'averageRating') return value.toFixed(2);
  return String(value);
}
