import { SERVICE_UTC_OFFSET_MINUTES, type NotificationKind } from '@bangbang/shared';

/**
 * What each notification says, in words a resident of 70 understands: who, what, when, and what to do next. The
 * title is short (it is the toast and the SMS lead); the body is one or two sentences. WeChat's subscription
 * message gets the same facts in its template's fields (`status` ≤ 5 characters, see channels/wechat-data.ts).
 */

export interface TextFacts {
  service: string;
  /** The resident's grid (网格) or village: where the help is needed. */
  place: string;
  residentName: string;
  actorName: string | null;
  reason: string | null;
  /** The place the order now waits at (after an escalation). */
  scopeName: string;
  urgent: boolean;
  /** When the volunteer said they would come (the resident's preferred time). */
  preferredStart: Date | null;
  /** Answer by (a dispatch). */
  answerBy: Date | null;
  /** Minutes the resident has waited since ordering (overdue, 兜底). */
  waitedMinutes?: number;
  /** Names of people who did not show. */
  noShowNames?: string[];
  /** How far, for a nearby order. */
  km?: number | null;
  /** A reject (not a system timeout): who declined. */
  declined?: boolean;
  /** How many times the resident has urged (催办) this order. */
  urgeCount?: number;
}

/** What an order's own row says that the texts use (an event's facts, an alarm's). */
export interface OrderTextSource {
  category_name: string;
  region_name: string;
  resident_name: string;
  scope_name: string;
  urgency: string;
  preferred_start: Date | null;
}

/** The text facts of an order, nobody acting and no reason given; `more` adds or overrides the message's own. */
export function orderTextFacts(o: OrderTextSource, more: Partial<TextFacts> = {}): TextFacts {
  return {
    service: o.category_name,
    place: o.region_name,
    residentName: o.resident_name,
    actorName: null,
    reason: null,
    scopeName: o.scope_name,
    urgent: o.urgency === 'urgent',
    preferredStart: o.preferred_start,
    answerBy: null,
    ...more,
  };
}

export interface Text {
  title: string;
  body: string;
  /** WeChat's `phrase` field: ≤ 5 characters. */
  status: string;
}

/** HH:MM in Beijing time; with the date (M月D日) when it is not today. */
export function beijingTime(at: Date, now: Date): string {
  const shift = SERVICE_UTC_OFFSET_MINUTES * 60_000;
  const local = new Date(at.getTime() + shift);
  const today = new Date(now.getTime() + shift);
  const hm = `${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`;
  const sameDay = local.getUTCFullYear() === today.getUTCFullYear() && local.getUTCMonth() === today.getUTCMonth() && local.getUTCDate() === today.getUTCDate();
  return sameDay ? hm : `${local.getUTCMonth() + 1}月${local.getUTCDate()}日 ${hm}`;
}

const why = (reason: string | null): string => (reason && reason.trim() !== '' ? `原因：${reason.trim()}。` : '');

/** The one-word state WeChat's `phrase` field shows (≤ 5 characters), per kind. */
export const STATUS_WORDS: Record<NotificationKind, string> = {
  'order.accepted': '已接单',
  'order.checked_in': '已上门',
  'order.completed': '待确认',
  'order.escalated': '寻找中',
  'order.cancelled': '已取消',
  'task.dispatched': '待接单',
  'task.nearby': '待接单',
  'task.cancelled': '已取消',
  'task.reopened': '重新打开',
  'staff.new_order': '新需求',
  'staff.escalated': '已升级',
  'staff.unmatched': '无人接',
  'staff.overdue': '已超时',
  'staff.no_show': '未到场',
  'task.offered': '待接单',
  'task.recalled': '已撤回',
  'task.check_in_reminder': '请上门',
  'task.no_show': '已转派',
  'staff.waiting': '无人接',
  'staff.urged': '居民催办',
  'staff.visit_missed': '走访逾期',
  'project.changed': '项目变动',
  'project.attended': '已确认',
  'points.redemption_cancelled': '兑换取消',
};

export function textOf(kind: NotificationKind, f: TextFacts, now: Date): Text {
  const svc = `「${f.service}」`;
  const urgent = f.urgent ? '（紧急）' : '';
  const who = f.actorName ?? '志愿者';
  switch (kind) {
    case 'order.accepted':
      return {
        title: '已有人接单',
        body: `${who}已接下您的${svc}需求，${f.preferredStart ? `约定 ${beijingTime(f.preferredStart, now)} 上门` : '会尽快与您联系上门'}。`,
        status: '已接单',
      };
    case 'order.checked_in':
      return { title: '志愿者已上门', body: `${who}已到达，开始为您${svc}服务。`, status: '已上门' };
    case 'order.completed':
      return { title: '服务已完成', body: `${svc}服务已完成，请确认并评价；如果问题没有解决，请选「未解决」。`, status: '待确认' };
    case 'order.escalated':
      return {
        title: '仍在为您寻找',
        body: `${svc}需求暂时还没有人接，已转到${f.scopeName}继续为您寻找帮手，请放心。`,
        status: '寻找中',
      };
    case 'order.cancelled':
      return { title: '需求已取消', body: `工作人员取消了您的${svc}需求。${why(f.reason)}如有疑问请联系您的网格员。`, status: '已取消' };
    case 'task.dispatched':
      return {
        title: '有需求派给您',
        body: `${f.place}的${svc}需求${urgent}派给了您，请${f.answerBy ? `在 ${beijingTime(f.answerBy, now)} 前` : '尽快'}接单或拒绝。`,
        status: '待接单',
      };
    case 'task.nearby':
      return {
        title: '附近有新需求',
        body: `${f.place}有一个${svc}需求${urgent}${typeof f.km === 'number' ? `，离您约 ${f.km < 1 ? '不到 1' : Math.round(f.km)} 公里` : ''}，正在等人帮忙。`,
        status: '待接单',
      };
    case 'task.cancelled':
      return { title: '任务已取消', body: `您接下的${f.place}${svc}需求已取消，不用再上门了。${why(f.reason)}`, status: '已取消' };
    case 'task.reopened':
      return { title: '需求重新打开', body: `您服务过的${f.place}${svc}需求，居民反馈问题还没解决，已重新打开。${why(f.reason)}`, status: '重新打开' };
    case 'staff.new_order':
      return { title: '辖区有新需求', body: `${f.place}的居民${f.residentName}需要${svc}${urgent}，请关注接单情况。`, status: '新需求' };
    case 'staff.escalated':
      return { title: '需求升级到本级', body: `${f.place}的${svc}需求${urgent}超时无人接单，已升级到${f.scopeName}，请尽快派单。`, status: '已升级' };
    case 'staff.unmatched':
      return f.declined
        ? { title: '派单被拒绝', body: `${who}拒绝了${f.place}的${svc}需求${urgent}。${why(f.reason)}请重新派单。`, status: '被拒绝' }
        : { title: '需求无人可派', body: `${f.place}的${svc}需求${urgent}暂时找不到合适的志愿者，请人工派单或联系居民。`, status: '无人接' };
    case 'staff.overdue':
      return {
        title: '需求超时未接',
        body: `${f.place}的${svc}需求${urgent}已等待 ${f.waitedMinutes ?? 0} 分钟，到${f.scopeName}后仍无人接单，请立即安排人员。`,
        status: '已超时',
      };
    case 'staff.no_show':
      return {
        title: '志愿者未到场',
        body: `${(f.noShowNames ?? []).join('、') || '有志愿者'}接下了${f.place}的${svc}需求但没有到场，请核实。`,
        status: '未到场',
      };
    case 'task.offered':
      return {
        title: '有需求请您接单',
        body: `${f.place}的${svc}需求${urgent}正在找人，已同时请了附近几位志愿者，先接先得${f.answerBy ? `，${beijingTime(f.answerBy, now)} 前有效` : ''}。`,
        status: '待接单',
      };
    case 'task.recalled':
      return { title: '需求已撤回', body: `派给您的${f.place}${svc}需求已被工作人员撤回，改由他人服务，不用再上门了。${why(f.reason)}`, status: '已撤回' };
    case 'task.check_in_reminder':
      return {
        title: '请按时上门',
        body: `您接下的${f.place}${svc}需求${urgent}${f.preferredStart ? `约定 ${beijingTime(f.preferredStart, now)} 上门` : '正在等您上门'}，到达后请签到；来不了请尽快退单。`,
        status: '请上门',
      };
    case 'task.no_show':
      return { title: '需求已转给他人', body: `您接下的${f.place}${svc}需求没有按时签到，已重新派给其他志愿者，会计入您的履约记录。`, status: '已转派' };
    case 'staff.waiting':
      return {
        title: '您负责的需求无人接单',
        body: `${f.place}的居民${f.residentName}的${svc}需求${urgent}${f.waitedMinutes ? `已等待 ${f.waitedMinutes} 分钟，` : ''}仍无人接单，您是兜底责任人，请接下或派给合适的人。`,
        status: '无人接',
      };
    case 'staff.urged':
      return {
        title: '居民催办',
        body: `${f.place}的居民${f.residentName}催办${svc}需求${f.urgeCount && f.urgeCount > 1 ? `（第 ${f.urgeCount} 次）` : ''}，已转为紧急，请尽快安排。`,
        status: '居民催办',
      };
    case 'staff.visit_missed':
      // written by the visits module itself (a visit is not an order): a generic sentence, never used for one
      return { title: '走访逾期', body: `${f.place}有台账户的走访逾期未完成，请查看逾期走访。`, status: '走访逾期' };
    case 'project.changed':
    case 'project.attended':
      // written by the projects module itself (a project is not an order): a generic sentence, never used for one
      return { title: '社区项目', body: '您认领的社区项目有新消息，请到「社区项目」查看。', status: STATUS_WORDS[kind] };
    case 'points.redemption_cancelled':
      // written by the points service itself: a generic sentence, never used for one
      return { title: '积分兑换已取消', body: '您的一项积分兑换已被社区取消，积分已退回。', status: STATUS_WORDS[kind] };
  }
}
