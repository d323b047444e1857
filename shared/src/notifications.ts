import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsObject, IsString, Matches, MaxLength } from 'class-validator';
import { API_PREFIX } from './api';
import { ME_PATH } from './auth';
import type { OrderStatus } from './order-state';
import { Optional, choiceWords } from './validation';

/**
 * Reaching people (issue 19): what the system tells whom, by which channel. A notification is one thing said to one
 * person about one change (an order accepted, a task dispatched…); it is always kept in their inbox (消息中心) and
 * pushed live to their open app; when they are not in the app it goes on by WeChat subscription message or SMS, in
 * the order they prefer.
 */

/** Every kind of notification, by who hears it. */
export const NOTIFICATION_KINDS = [
  // the resident and their family
  'order.accepted',
  'order.checked_in',
  'order.completed',
  'order.escalated',
  'order.cancelled',
  // a volunteer
  'task.dispatched',
  'task.nearby',
  'task.cancelled',
  'task.reopened',
  'task.offered',
  'task.recalled',
  'task.check_in_reminder',
  'task.no_show',
  // grid workers and dispatchers
  'staff.new_order',
  'staff.escalated',
  'staff.unmatched',
  'staff.overdue',
  'staff.no_show',
  'staff.waiting',
  'staff.urged',
  'staff.visit_missed',
  // anyone who claimed a community project (a resident party member as much as a volunteer)
  'project.changed',
  'project.attended',
  // whoever redeemed points (积分超市)
  'points.redemption_cancelled',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export type NotificationAudience = 'resident' | 'volunteer' | 'staff';

/** What each kind is called where a person chooses how to hear it (我的 → 消息设置), and who hears it. */
export const NOTIFICATION_KIND_INFO: Record<NotificationKind, { label: string; audience: NotificationAudience }> = {
  'order.accepted': { label: '需求已有人接单', audience: 'resident' },
  'order.checked_in': { label: '志愿者已上门', audience: 'resident' },
  'order.completed': { label: '服务完成，请确认', audience: 'resident' },
  'order.escalated': { label: '仍在为您寻找帮手', audience: 'resident' },
  'order.cancelled': { label: '需求被工作人员取消', audience: 'resident' },
  'task.dispatched': { label: '有需求派给我', audience: 'volunteer' },
  'task.nearby': { label: '附近有适合我的新需求（值班时）', audience: 'volunteer' },
  'task.cancelled': { label: '我接的需求被取消', audience: 'volunteer' },
  'task.reopened': { label: '我服务过的需求被重新打开', audience: 'volunteer' },
  'task.offered': { label: '有需求请我接单（同时请了几位）', audience: 'volunteer' },
  'task.recalled': { label: '派给我的需求被撤回', audience: 'volunteer' },
  'task.check_in_reminder': { label: '提醒我按时上门', audience: 'volunteer' },
  'task.no_show': { label: '我没按时上门，需求转给他人', audience: 'volunteer' },
  'staff.new_order': { label: '辖区有新需求', audience: 'staff' },
  'staff.escalated': { label: '需求升级到本级', audience: 'staff' },
  'staff.unmatched': { label: '需求无人可派', audience: 'staff' },
  'staff.overdue': { label: '需求在旗县级超时未接', audience: 'staff' },
  'staff.no_show': { label: '志愿者未到场', audience: 'staff' },
  'staff.waiting': { label: '我负责（兜底）的需求无人接单', audience: 'staff' },
  'staff.urged': { label: '居民催办', audience: 'staff' },
  'staff.visit_missed': { label: '台账户走访逾期', audience: 'staff' },
  'project.changed': { label: '我认领的项目取消或改了时间地点', audience: 'resident' },
  'project.attended': { label: '项目出勤已确认（时长、积分）', audience: 'resident' },
  'points.redemption_cancelled': { label: '积分兑换被社区取消（积分退回）', audience: 'resident' },
};

/** The channels besides the inbox, which always keeps everything. */
export const CHANNELS = ['live', 'wechat', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CHANNEL_NAMES: Record<Channel, string> = { live: '小程序内', wechat: '微信订阅消息', sms: '短信' };

/** One notification as its recipient sees it in the inbox (ids are strings: a bigint in the database). */
export interface NotificationDto {
  id: string;
  kind: NotificationKind;
  title: string;
  body: string;
  /** The order it is about (the inbox links to it); null for none. */
  orderId: string | null;
  urgent: boolean;
  createdAt: string;
  readAt: string | null;
}

export interface NotificationPageDto {
  items: NotificationDto[];
  unread: number;
  /** Pass as `before` for the next (older) page; null at the end. */
  nextBefore: string | null;
}

export const NOTIFICATIONS_PATH = `${ME_PATH}/notifications`;
export const NOTIFICATIONS_READ_PATH = `${ME_PATH}/notifications/read`;
export const NOTIFICATION_PREFERENCES_PATH = `${ME_PATH}/notification-preferences`;
export const SUBSCRIPTIONS_PATH = `${ME_PATH}/subscriptions`;

const ID = /^[1-9]\d{0,18}$/;

export class NotificationPageQuery {
  @Optional()
  @Matches(ID, { message: 'before 须为消息编号' })
  before?: string;

  @Optional()
  @Matches(/^([1-9]|[1-4]\d|50)$/, { message: '每页条数须为 1 到 50' })
  limit?: string;
}

/** Mark read: the given ids, or everything (`all`). */
export class MarkReadDto {
  @Optional()
  @IsArray({ message: 'ids 须为消息编号的列表' })
  @ArrayMaxSize(200)
  @Matches(ID, { each: true, message: 'ids 须为消息编号的列表' })
  ids?: string[];

  @Optional()
  @IsBoolean({ message: 'all 须为 true 或 false' })
  all?: boolean;
}

/** How a person wants to hear: the channels in order of preference, and per kind the channels switched off. */
export interface NotificationPreferencesDto {
  /** Tried in this order while the previous cannot reach the person. */
  channelOrder: Channel[];
  /** Per kind, the channels the person switched off (the inbox keeps everything regardless). */
  muted: Partial<Record<NotificationKind, Channel[]>>;
  /** Text messages also for what is not an alarm (otherwise SMS is for alarms and for people without WeChat). */
  smsOptIn: boolean;
  /** The kinds this person can hear (by their roles), in display order. */
  kinds: NotificationKind[];
}

export class UpdateNotificationPreferencesDto {
  @Optional()
  @IsArray({ message: '渠道顺序须为列表' })
  @ArrayMaxSize(3)
  @IsIn(CHANNELS, { each: true, message: `渠道须为 ${choiceWords(CHANNELS.map((x) => CHANNEL_NAMES[x]))}` })
  channelOrder?: Channel[];

  @Optional()
  @IsObject({ message: 'muted 须为「消息类型 → 关闭的渠道」' })
  muted?: Partial<Record<NotificationKind, Channel[]>>;

  @Optional()
  @IsBoolean({ message: 'smsOptIn 须为 true 或 false' })
  smsOptIn?: boolean;
}

/**
 * WeChat subscription messages: the templates the mini-program may ask for (by kind), and how many sends each
 * acceptance left (each tap on 允许 is one send, WeChat's rule).
 */
export interface SubscriptionsDto {
  /** kind → template id configured on the server (kinds without one are absent). */
  templates: Partial<Record<NotificationKind, string>>;
  /** template id → sends left. */
  quota: Record<string, number>;
}

/** What the mini-program reports after `requestSubscribeMessage`: the template ids the person accepted. */
export class ReportSubscriptionsDto {
  @IsArray({ message: 'accepted 须为模板编号的列表' })
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  accepted!: string[];
}

// ---------- the live channel (WebSocket) ----------

/** The WebSocket's address (ws:// or wss:// on the API's origin). */
export const LIVE_PATH = `${API_PREFIX}/live`;

/** The server pings this often; a client that heard nothing for LIVE_SILENCE_MS reconnects. */
export const LIVE_PING_MS = 25_000;
export const LIVE_SILENCE_MS = 60_000;

/** From the client. The first message must be `auth`, within 10 s, or the socket is closed (4401). */
export type LiveClientMessage =
  /** The login token, and the id of the last notification this client has seen (catch-up: everything newer is sent). */
  { type: 'auth'; token: string; after?: string } | { type: 'ping' } | { type: 'pong' };

/** From the server. */
export type LiveServerMessage =
  /** Authenticated; `unread` is the inbox's unread count (after the catch-up below). */
  | { type: 'ready'; userId: string; unread: number }
  /**
   * A notification for this person; right after `ready`, every one missed since `after`, oldest first, marked
   * `catchUp` (already counted in `ready.unread`, not news to toast).
   */
  | { type: 'notification'; notification: NotificationDto; catchUp?: true }
  /** An order this person can see changed: a page showing it (or a list holding it) reloads. */
  | { type: 'order'; orderId: string; status: OrderStatus; seq: number }
  | { type: 'ping' }
  | { type: 'pong' };

/** Close codes: token missing, invalid or ended (the client logs in again and does not retry with it). */
export const LIVE_CLOSE_UNAUTHORIZED = 4401;

/** What was sent about an order, for staff on its timeline (「已通过微信订阅消息通知 李海龙 06:41」). */
export interface OrderNotificationDto {
  kind: NotificationKind;
  /** The person's name; for a family contact with no login, their masked phone. */
  recipient: string;
  /** null: written to the inbox, no channel tried yet. */
  channel: Channel | null;
  status: 'sending' | 'sent' | 'failed' | 'skipped' | null;
  /** Why it was skipped or failed. */
  detail: string | null;
  at: string;
}

/** A job that used up its attempts (a dead letter), for admins. */
export interface FailedJobDto {
  id: string;
  task: string;
  payload: unknown;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export const FAILED_JOBS_PATH = `${API_PREFIX}/admin/jobs/failed`;
export const RETRY_JOBS_PATH = `${API_PREFIX}/admin/jobs/retry`;

export class RetryJobsDto {
  @IsArray({ message: 'ids 须为任务编号的列表' })
  @ArrayMaxSize(1000)
  @Matches(ID, { each: true, message: 'ids 须为任务编号的列表' })
  ids!: string[];
}
