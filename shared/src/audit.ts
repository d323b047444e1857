import { IsISO8601, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { API_PREFIX } from './api';
import { CursorField, LimitField, TIME_MESSAGE } from './fields';
import type { ExportFormat, ExportKind } from './stats';
import { Optional } from './validation';

/** The audit trail (审计记录): every change to people, roles, places, squads, the catalogue and dispatch settings. */
export const AUDIT_PATH = `${API_PREFIX}/audit`;
/** The access log (查看记录): who saw whose full phone or address, and why. */
export const ACCESS_LOG_PATH = `${API_PREFIX}/access-log`;

/** What kind of change an audit row records. */
export const AUDIT_ACTIONS = [
  'user.register',
  'user.update',
  'user.roster',
  'user.family_contact_add',
  'user.family_contact_remove',
  'region.create',
  'region.update',
  'region.move',
  'squad.create',
  'squad.update',
  'squad.add_member',
  'squad.remove_member',
  'category.create',
  'category.update',
  'dispatch.set_mode',
  'admin.grant',
  'user.phone.bind',
  'user.phone.change',
  'user.claim',
  'order.content_reviewed',
  'application.create',
  'application.withdraw',
  'application.approve',
  'application.decline',
  'people.import',
  'visit_plan.set',
  'party.register',
  'party.end',
  'project.create',
  'project.update',
  'project.attendance',
  'points.rule_set',
  'points.rule_remove',
  'points.item_create',
  'points.item_update',
  'points.redemption_hand_over',
  'points.redemption_cancel',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** How the mini-program names each kind of change. */
export const AUDIT_ACTION_NAMES: Record<AuditAction, string> = {
  'user.register': '登记人员',
  'user.update': '修改人员资料',
  'user.roster': '设置值班表',
  'user.family_contact_add': '登记家属联系人',
  'user.family_contact_remove': '删除家属联系人',
  'region.create': '新增地区',
  'region.update': '修改地区（名称、中心点）',
  'region.move': '网格移至另一社区/村',
  'squad.create': '组建小分队',
  'squad.update': '修改小分队',
  'squad.add_member': '小分队加入成员',
  'squad.remove_member': '小分队移出成员',
  'category.create': '新增服务类别',
  'category.update': '修改服务类别',
  'dispatch.set_mode': '设置派单方式',
  'admin.grant': '授予管理员（命令行）',
  'user.phone.bind': '本人绑定手机号',
  'user.phone.change': '本人更换手机号',
  'user.claim': '本人认领工作人员登记的档案',
  'order.content_reviewed': '审核需求内容',
  'application.create': '提交申请（志愿者/迁移）',
  'application.withdraw': '撤回申请',
  'application.approve': '批准申请',
  'application.decline': '驳回申请',
  'people.import': '导入台账（Excel）',
  'visit_plan.set': '设置走访计划',
  'party.register': '在职党员双报到',
  'party.end': '结束双报到',
  'project.create': '发布项目（项目清单）',
  'project.update': '修改项目',
  'project.attendance': '确认项目出勤',
  'points.rule_set': '设置积分规则',
  'points.rule_remove': '删除服务的积分规则（改用默认规则）',
  'points.item_create': '积分超市上架商品',
  'points.item_update': '修改积分超市商品（价格、库存、上下架）',
  'points.redemption_hand_over': '积分兑换核销（已领取）',
  'points.redemption_cancel': '取消积分兑换',
};

export const AUDIT_SUBJECT_TYPES = [
  'user',
  'region',
  'squad',
  'category',
  'application',
  'order',
  'project',
  'points_rule',
  'shop_item',
  'redemption',
] as const;
export type AuditSubjectType = (typeof AUDIT_SUBJECT_TYPES)[number];

export interface AuditEntryDto {
  id: string;
  at: string;
  /** Who made the change; null for the command line (`pnpm admin:grant`). */
  actorId: string | null;
  actorName: string | null;
  action: AuditAction;
  subjectType: AuditSubjectType;
  /** A person's or place's or squad's id, or a service category's code. */
  subjectId: string;
  /** The subject's name as it is now; null when it no longer exists. */
  subjectName: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** The client's address; null for the command line. */
  ip: string | null;
}

/** What one export took out (导出台账), as its own row of the access log says. */
export interface AccessExportDto {
  kind: ExportKind;
  format: ExportFormat;
  /** The place exported; null: the viewer's whole jurisdiction. */
  regionId: string | null;
  /** Its name now; null for the whole jurisdiction (or a place since deleted). */
  regionName: string | null;
  from: string | null;
  to: string | null;
  rows: number;
  /** False when the download stopped before the last row. */
  complete: boolean;
}

export interface AccessLogEntryDto {
  id: string;
  at: string;
  viewerId: string;
  viewerName: string;
  /** The person seen in full; null on an export's own row, which names no single person. */
  subjectId: string | null;
  subjectName: string | null;
  fields: string[];
  /** Why the viewer may see it: self, jurisdiction, accepted_order, family, visit (走访: the household's visitor), or export (a ledger taken out). */
  reason: string;
  /** On an export's own row, what went out; null on every other row. */
  export: AccessExportDto | null;
}

const IsoTime = () => IsISO8601({ strict: true }, { message: TIME_MESSAGE });

/** The filters of both logs: by who acted, by whom or what it was about, and by time (from inclusive, to exclusive); newest first. */
export class ListLogQuery {
  @Optional()
  @IsUUID('all', { message: '人员编号格式不正确' })
  actorId?: string;

  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  subjectId?: string;

  @Optional()
  @IsoTime()
  from?: string;

  @Optional()
  @IsoTime()
  to?: string;

  @Optional()
  @CursorField()
  cursor?: string;

  @Optional()
  @LimitField()
  limit?: number;
}
