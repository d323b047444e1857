import {
  ESCALATION_LEVEL_NAMES,
  FAMILY_RELATION_NAMES,
  LEDGER_TAG_NAMES,
  ORDER_CHANNEL_NAMES,
  ORDER_STATUS_NAMES,
  URGENCY_NAMES,
  type EscalationLevel,
  type FamilyRelation,
  type LedgerTag,
  type OrderChannel,
  type OrderStatus,
  type Urgency,
} from '@bangbang/shared';
import { maskLandline, maskPhone } from '../access/privacy';
import {
  householdsQuery,
  householdsSubjects,
  serviceLedgerQuery,
  serviceLedgerSubjects,
  volunteerHoursQuery,
  volunteerHoursSubjects,
  type HouseholdRow,
  type LedgerScope,
  type ServiceLedgerRow,
  type Statement,
  type VolunteerHoursRow,
} from './exports.repo';
import type { Cell, SheetColumn } from './sheet-writer';

/**
 * The ledgers read from the database (服务台账, 志愿服务时长, 重点人员台账): their columns, with Chinese headers, and
 * how a row of the database becomes a row of the sheet. Phones are shown as the viewer may see them (`full`: whether
 * the viewer's jurisdiction covers that place) — in full for staff of the place, masked for anyone else's.
 */

export interface LedgerColumn<R> extends SheetColumn {
  cell: (row: R, full: (path: string | null) => boolean) => Cell;
}

export interface Ledger<R> {
  sheetName: string;
  columns: ReadonlyArray<LedgerColumn<R>>;
  query: (s: LedgerScope) => Statement;
  /** The people whose data went out in full, for the access log (values from $`offset`+1 on). */
  subjects: (s: LedgerScope, offset: number, full: (column: string, params: unknown[]) => string) => Statement;
}

function phone(p: string | null, full: boolean): string | null {
  return p === null ? null : full ? p : maskPhone(p);
}

function landline(p: string | null, full: boolean): string | null {
  return p === null ? null : full ? p : maskLandline(p);
}

const hours = (minutes: number | null): number | null => (minutes === null ? null : Math.round((minutes / 60) * 10) / 10);

export const serviceLedger: Ledger<ServiceLedgerRow> = {
  sheetName: '服务台账',
  query: serviceLedgerQuery,
  subjects: serviceLedgerSubjects,
  columns: [
    { header: '编号', width: 38, cell: (r) => r.id },
    { header: '下单时间', width: 18, kind: 'time', cell: (r) => r.created_at },
    { header: '居民', width: 10, cell: (r) => r.resident_name },
    { header: '手机', width: 14, cell: (r, full) => phone(r.resident_phone, full(r.region_path)) },
    { header: '固定电话', width: 14, cell: (r, full) => landline(r.resident_landline, full(r.region_path)) },
    { header: '地址', width: 30, cell: (r, full) => (r.address === null ? null : full(r.region_path) ? r.address : r.community_name) },
    { header: '所属嘎查村/社区', width: 14, cell: (r) => r.community_name },
    { header: '所属网格', width: 14, cell: (r) => r.grid_name },
    { header: '服务', width: 12, cell: (r) => r.category_name },
    { header: '紧急程度', width: 8, cell: (r) => URGENCY_NAMES[r.urgency as Urgency] ?? r.urgency },
    { header: '下单方式', width: 8, cell: (r) => ORDER_CHANNEL_NAMES[r.channel as OrderChannel] ?? r.channel },
    { header: '需求内容', width: 40, cell: (r) => r.description },
    { header: '状态', width: 8, cell: (r) => ORDER_STATUS_NAMES[r.status as OrderStatus] ?? r.status },
    { header: '办理层级', width: 14, cell: (r) => ESCALATION_LEVEL_NAMES[r.escalation_level as EscalationLevel] ?? r.escalation_level },
    { header: '派单给', width: 14, cell: (r) => r.dispatched_to },
    { header: '派单时间', width: 18, kind: 'time', cell: (r) => r.dispatched_at },
    { header: '接单人', width: 16, cell: (r) => r.assignees },
    { header: '小分队', width: 16, cell: (r) => r.squads },
    { header: '接单时间', width: 18, kind: 'time', cell: (r) => r.first_accepted_at },
    { header: '签到时间', width: 18, kind: 'time', cell: (r) => r.checked_in_at },
    { header: '完成时间', width: 18, kind: 'time', cell: (r) => r.completed_at },
    { header: '确认时间', width: 18, kind: 'time', cell: (r) => r.closed_at },
    { header: '服务时长（小时）', width: 10, kind: 'number', cell: (r) => hours(r.service_minutes) },
    { header: '评分', width: 6, kind: 'number', cell: (r) => r.rating },
    { header: '评价', width: 30, cell: (r) => r.rating_comment },
    { header: '取消时间', width: 18, kind: 'time', cell: (r) => r.cancelled_at },
    { header: '取消原因', width: 20, cell: (r) => r.cancel_reason },
    { header: '升级次数', width: 8, kind: 'number', cell: (r) => r.escalations },
  ],
};

const ROLE_WORDS: ReadonlyArray<[string, string]> = [
  ['volunteer', '志愿者'],
  ['grid_worker', '网格员'],
];

export const volunteerHours: Ledger<VolunteerHoursRow> = {
  sheetName: '志愿服务时长',
  query: volunteerHoursQuery,
  subjects: volunteerHoursSubjects,
  columns: [
    { header: '姓名', width: 10, cell: (r) => r.name },
    { header: '手机', width: 14, cell: (r, full) => phone(r.phone, full(r.region_path)) },
    { header: '身份', width: 14, cell: (r) => ROLE_WORDS.flatMap(([role, word]) => (r.roles.includes(role) ? [word] : [])).join('、') },
    { header: '党员', width: 6, cell: (r) => (r.party_member ? '是' : '否') },
    { header: '所属嘎查村/社区', width: 14, cell: (r) => r.community_name },
    { header: '所属网格', width: 14, cell: (r) => r.grid_name },
    { header: '小分队', width: 20, cell: (r) => r.squads },
    { header: '完成服务（次）', width: 10, kind: 'number', cell: (r) => r.orders },
    { header: '参加项目（次）', width: 10, kind: 'number', cell: (r) => r.projects },
    { header: '服务时长（小时）', width: 10, kind: 'number', cell: (r) => hours(r.service_minutes) },
    { header: '其中项目（小时）', width: 10, kind: 'number', cell: (r) => hours(r.project_minutes) },
    { header: '获评次数', width: 8, kind: 'number', cell: (r) => r.ratings },
    { header: '平均评分', width: 8, kind: 'number', cell: (r) => (r.average_rating === null ? null : Math.round(r.average_rating * 100) / 100) },
    { header: '首次服务', width: 18, kind: 'time', cell: (r) => r.first_at },
    { header: '最近服务', width: 18, kind: 'time', cell: (r) => r.last_at },
  ],
};

export const households: Ledger<HouseholdRow> = {
  sheetName: '重点人员台账',
  query: householdsQuery,
  subjects: householdsSubjects,
  columns: [
    { header: '姓名', width: 10, cell: (r) => r.name },
    { header: '手机', width: 14, cell: (r, full) => phone(r.phone, full(r.region_path)) },
    { header: '固定电话', width: 14, cell: (r, full) => landline(r.landline, full(r.region_path)) },
    { header: '地址', width: 30, cell: (r, full) => (r.address === null ? null : full(r.region_path) ? r.address : r.community_name) },
    { header: '所属嘎查村/社区', width: 14, cell: (r) => r.community_name },
    { header: '所属网格', width: 14, cell: (r) => r.grid_name },
    { header: '台账标签', width: 24, cell: (r) => r.tags.map((t) => LEDGER_TAG_NAMES[t as LedgerTag] ?? t).join('、') },
    { header: '包联干部', width: 10, cell: (r) => r.cadre_name },
    { header: '包联干部电话', width: 14, cell: (r, full) => phone(r.cadre_phone, full(r.cadre_path)) },
    {
      header: '家属联系人',
      width: 36,
      cell: (r, full) =>
        (r.family ?? [])
          .map((f) => `${f.name}（${FAMILY_RELATION_NAMES[f.relation as FamilyRelation] ?? f.relation}）${phone(f.phone, full(r.region_path)) ?? ''}`)
          .join('；') || null,
    },
    { header: '累计需求（件）', width: 10, kind: 'number', cell: (r) => r.orders },
    { header: '最近一次下单', width: 18, kind: 'time', cell: (r) => r.last_order_at },
    { header: '登记时间', width: 18, kind: 'time', cell: (r) => r.created_at },
  ],
};
