import {
  CHANNEL_NAMES,
  ESCALATION_LEVEL_NAMES,
  ORDER_STATUS_NAMES,
  URGENCY_NAMES,
  type OrderDto,
  type OrderEventDto,
  type OrderEventType,
  type OrderNotificationDto,
  type OrderStatus,
  type RosterSlot,
  type TeamColor,
} from '@bangbang/shared';

/** Words and colours the screens share: pure (no Taro), so tests import them as they are. */

/** What each event of the timeline reads as (时间线). */
export const EVENT_TYPE_NAMES: Record<OrderEventType, string> = {
  created: '提交需求',
  dispatch: '派单',
  reject: '拒绝派单',
  accept: '接单',
  release: '退单',
  check_in: '上门签到',
  complete: '完成服务',
  confirm: '确认完成',
  reopen: '反馈问题未解决',
  cancel: '取消需求',
  escalate: '升级处理',
  offer: '同时请几位志愿者接单',
  recall: '撤回改派',
  urge: '居民催办',
  no_show: '未按时上门，重新派单',
  remind: '提醒按时上门',
};

/** NutUI Tag types per status: waiting orange, moving blue, done green, cancelled grey. */
export const STATUS_TAG_TYPE: Record<OrderStatus, 'default' | 'primary' | 'info' | 'success' | 'warning' | 'danger'> = {
  pending: 'warning',
  dispatched: 'info',
  accepted: 'primary',
  in_service: 'primary',
  completed: 'danger',
  closed: 'success',
  cancelled: 'default',
};

export function statusName(status: OrderStatus): string {
  return ORDER_STATUS_NAMES[status];
}

/**
 * The status as the person's own part of the order reads: on an order for several people, one who accepted sees
 * 已接单 (at the door 服务中, done 待确认) while the order still waits for the others (待接单). Their latest place
 * still running or done decides; without one (not taken, given back), the order's own status. The server's
 * 我的任务 tabs filter by the same rule (MY_STATUS in server/src/modules/tasks/task.repo.ts).
 */
export function myStatus(order: Pick<OrderDto, 'status' | 'assignees'>, userId: string | undefined): OrderStatus {
  const mine = order.assignees
    .filter((a) => a.userId === userId && (a.state === 'accepted' || a.state === 'in_service' || a.state === 'completed'))
    .sort((a, b) => Date.parse(b.acceptedAt) - Date.parse(a.acceptedAt))[0];
  switch (mine?.state) {
    case 'accepted':
    case 'in_service':
      return mine.state;
    case 'completed':
      return order.status === 'closed' ? 'closed' : 'completed';
    default:
      return order.status;
  }
}

/** The seven colour teams (七彩帮帮团) as colours dark enough for white text (WCAG AA on white text). */
export const TEAM_COLOR_HEX: Record<TeamColor, string> = {
  red: '#c8102e',
  orange: '#c2410c',
  pink: '#be185d',
  purple: '#6d28d9',
  yellow: '#a16207',
  green: '#15803d',
  blue: '#1d4ed8',
  other: '#475569',
};

const pad = (n: number) => String(n).padStart(2, '0');

/** Beijing time (UTC+8, the whole region's clock), whatever the phone's zone: "11月23日 09:05". */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = new Date(t + 8 * 3600_000);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** "同时请了 5 位，先接先得 · 10:35 前答复": what an offer (同时请几位) says on its card in the task hall. */
export function offerLine(offer: { askedCount: number; answerBy: string } | null): string | undefined {
  if (!offer) return undefined;
  const by = formatTime(offer.answerBy).slice(-5);
  return `同时请了 ${offer.askedCount} 位，先接先得${by ? ` · ${by} 前答复` : ''}`;
}

/** "350 米" / "2.4 公里"; empty when unknown. */
export function formatDistance(meters: number | null | undefined): string {
  if (meters === null || meters === undefined) return '';
  return meters < 1000 ? `${Math.round(meters)} 米` : `${(meters / 1000).toFixed(1)} 公里`;
}

/** "45 分钟" / "2 小时 5 分钟" / "13 天 17 小时" (past a day the minutes say nothing: 「已等待 19755 分钟」 reads as noise). */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} 分钟`;
  if (minutes >= 24 * 60) {
    const d = Math.floor(minutes / (24 * 60));
    const h = Math.floor((minutes % (24 * 60)) / 60);
    return h === 0 ? `${d} 天` : `${d} 天 ${h} 小时`;
  }
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} 小时` : `${h} 小时 ${m} 分钟`;
}

export function urgencyName(urgency: keyof typeof URGENCY_NAMES): string {
  return URGENCY_NAMES[urgency];
}

/**
 * The title of an event on the timeline: its type's name, except a dispatch made before the order reached the
 * dispatcher's level, which reads 「越级派单」 (issue 20: staff with jurisdiction act at once).
 */
export function eventTitle(e: Pick<OrderEventDto, 'type' | 'data'>): string {
  if (e.type === 'dispatch' && e.data.overLevel === true) return '越级派单';
  return EVENT_TYPE_NAMES[e.type];
}

/** The names of the people a recall (撤回改派) took the order from, and the squad it was sent to. */
function recalledNames(data: Record<string, unknown>): string[] {
  const people = Array.isArray(data.recalled) ? (data.recalled as Array<{ name?: unknown }>) : [];
  const names = people.map((p) => (typeof p.name === 'string' ? p.name : '')).filter((n) => n !== '');
  if (typeof data.squadName === 'string') names.push(data.squadName);
  return names;
}

/** One line of the timeline under its title: who, and why (reasons, ratings, escalation level). */
export function eventDetail(e: Pick<OrderEventDto, 'type' | 'actorName' | 'reason' | 'data'>): string {
  const parts: string[] = [];
  if (e.actorName) parts.push(e.actorName);
  else if (e.type === 'escalate' || e.type === 'dispatch' || e.type === 'offer') parts.push('系统');
  const data = e.data;
  if (e.type === 'dispatch' && typeof data.assigneeName === 'string') parts.push(`派给 ${data.assigneeName}`);
  if (e.type === 'dispatch' && typeof data.squadName === 'string') parts.push(`派给 ${data.squadName}`);
  if (e.type === 'dispatch' && data.overLevel === true && typeof data.level === 'string' && data.level in ESCALATION_LEVEL_NAMES) {
    parts.push(`需求当时在${ESCALATION_LEVEL_NAMES[data.level as keyof typeof ESCALATION_LEVEL_NAMES]}级`);
  }
  if (e.type === 'recall' && recalledNames(data).length > 0) parts.push(`从 ${recalledNames(data).join('、')} 处撤回`);
  if (e.type === 'escalate' && typeof data.to === 'string' && data.to in ESCALATION_LEVEL_NAMES) {
    parts.push(`升级到${ESCALATION_LEVEL_NAMES[data.to as keyof typeof ESCALATION_LEVEL_NAMES]}`);
  }
  // 同时请几位: the wave and the people asked in it
  if (e.type === 'offer' && Array.isArray(data.names)) {
    const wave = typeof data.wave === 'number' ? `第 ${data.wave} 波` : '';
    parts.push(`${wave}同时请了 ${data.names.length} 位：${(data.names as unknown[]).filter((x) => typeof x === 'string').join('、')}`);
  }
  if (e.type === 'confirm' && typeof data.rating === 'number') parts.push(`评分 ${data.rating} 星`);
  if (e.type === 'complete' && typeof data.note === 'string') parts.push(data.note);
  if (e.type === 'urge' && typeof data.count === 'number') parts.push(`第 ${data.count} 次催办`);
  if (e.type === 'created' && typeof data.repeatOf === 'string') parts.push('与同一服务的另一需求并存（工作人员另下一单）');
  if (e.type === 'created' && typeof data.visitId === 'string') parts.push('走访时发现的需求');
  if (e.reason) parts.push(e.reason);
  return parts.join(' · ');
}

/**
 * The timeline in plain words, for the resident and their family (many are elderly): what is happening to *their*
 * request, without the workers' terms (派单, 升级到苏木乡镇（街道）) and without the names of volunteers who were only
 * asked or who dropped out. Staff and volunteers keep the precise words above (eventTitle / eventDetail).
 */
const PLAIN_EVENT_TITLES: Record<OrderEventType, string> = {
  created: '提交求助',
  dispatch: '已安排人来帮忙',
  reject: '安排的人来不了，正在另找人',
  accept: '有人接下了您的求助',
  release: '接下的人有事来不了，正在另找人',
  check_in: '帮忙的人到了',
  complete: '已经帮您办好，请您确认',
  confirm: '确认办好了',
  reopen: '您说问题还没解决，重新安排',
  cancel: '求助已取消',
  escalate: '正在请上一级帮忙安排',
  offer: '正在请附近的志愿者',
  recall: '工作人员重新安排了人',
  urge: '催了一下',
  no_show: '约好的人没按时到，正在另找人',
  remind: '已提醒帮忙的人按时上门',
};

/** Where an order went up to, said as a person says it: 社区暂时没人接，已请镇里帮忙安排. */
const PLAIN_ESCALATION: Record<string, string> = {
  community: '网格里暂时没人接，已请社区帮忙安排',
  town: '社区暂时没人接，已请镇里帮忙安排',
  county: '镇里暂时没人接，已请旗里帮忙安排',
};

export function plainEventTitle(e: Pick<OrderEventDto, 'type' | 'data'>): string {
  return PLAIN_EVENT_TITLES[e.type];
}

export function plainEventDetail(e: Pick<OrderEventDto, 'type' | 'actorName' | 'reason' | 'data'>): string {
  const data = e.data;
  switch (e.type) {
    case 'dispatch':
      if (typeof data.assigneeName === 'string') return `请 ${data.assigneeName} 来帮忙`;
      if (typeof data.squadName === 'string') return `请「${data.squadName}」来帮忙`;
      return '';
    case 'accept':
    case 'check_in':
    case 'complete':
      return [e.actorName, e.type === 'complete' && typeof data.note === 'string' ? data.note : ''].filter(Boolean).join(' · ');
    case 'escalate':
      return typeof data.to === 'string' ? (PLAIN_ESCALATION[data.to] ?? '') : '';
    case 'offer':
      return Array.isArray(data.names) ? `已请 ${data.names.length} 位志愿者，谁先有空谁来` : '';
    case 'confirm':
      return typeof data.rating === 'number' ? `评了 ${data.rating} 颗星` : '';
    case 'urge':
      return [e.actorName, typeof data.count === 'number' ? `第 ${data.count} 次` : ''].filter(Boolean).join(' · ');
    case 'created':
    case 'cancel':
    case 'reopen':
      // who (the resident, family, or the grid worker who ordered for them) and why, in their own words
      return [e.actorName, e.reason].filter(Boolean).join(' · ');
    default:
      // dropping out, a no-show, a recall: what matters is that someone else is being found, not who or why
      return '';
  }
}

/**
 * One line of an order's notification record (通知记录, for staff): 「已通过微信订阅消息通知 李海龙 06:41」, or why
 * someone was not reached by a channel.
 */
export function notificationLine(n: Pick<OrderNotificationDto, 'recipient' | 'channel' | 'status' | 'detail' | 'at'>): string {
  const hhmm = formatTime(n.at).slice(-5);
  const why = n.detail ? `：${n.detail}` : '';
  if (n.channel === null || n.status === null) return `已写入 ${n.recipient} 的消息中心 ${hhmm}`;
  const by = CHANNEL_NAMES[n.channel];
  switch (n.status) {
    case 'sent':
      return `已通过${by}通知 ${n.recipient} ${hhmm}`;
    case 'sending':
      return `正在通过${by}通知 ${n.recipient} ${hhmm}`;
    case 'failed':
      return `${by}通知 ${n.recipient} 未成功${why} ${hhmm}`;
    case 'skipped':
      return `未通过${by}通知 ${n.recipient}${why} ${hhmm}`;
  }
}

/** 周一 … 周日, as a roster slot's `weekday` counts them (1 … 7). */
export const WEEKDAY_NAMES = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'] as const;

/** Weekly slots (值班表, a volunteer's free time) in words: 「周一 08:00–12:00，周六 14:00–18:00」, or `none`. */
export function slotsWords(slots: readonly RosterSlot[] | null, none: string): string {
  if (!slots || slots.length === 0) return none;
  return slots.map((s) => `${WEEKDAY_NAMES[s.weekday - 1] ?? ''} ${s.start}–${s.end}`).join('，');
}
