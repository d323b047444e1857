import { CHANNELS, NOTIFICATION_KIND_INFO, type Channel, type NotificationKind } from '@bangbang/shared';
import type { DeliveryFacts } from './notifications.repo';

/**
 * How one notification reaches its person beyond the inbox, decided channel by channel in the order they prefer
 * (default: in the app, then WeChat, then SMS): the first channel that reaches them ends it. Pure decisions here;
 * the service does the sending and records every outcome.
 */

export type WechatLayout = 'orderStatus' | 'newTask' | 'alarm';

export function layoutOf(kind: NotificationKind): WechatLayout {
  const audience = NOTIFICATION_KIND_INFO[kind].audience;
  return audience === 'resident' ? 'orderStatus' : audience === 'volunteer' ? 'newTask' : 'alarm';
}

/** The page a WeChat message opens (the order, as that person sees it; a project's news: 社区项目; of points: 我的积分). */
export function pageOf(kind: NotificationKind, orderId: string | null): string {
  if (kind.startsWith('project.')) return 'pages/projects/index/index';
  if (kind.startsWith('points.')) return 'pages/points/index/index';
  if (orderId === null) return 'pages/index/index';
  const audience = NOTIFICATION_KIND_INFO[kind].audience;
  const page = audience === 'resident' ? 'pages/resident/order/index' : audience === 'volunteer' ? 'pages/volunteer/task/index' : 'pages/dispatch/order/index';
  return `${page}?id=${orderId}`;
}

/** The person's channels in their order, every channel once (a preference may name only some: the rest follow). */
export function channelOrder(f: Pick<DeliveryFacts, 'channel_order'>): Channel[] {
  const mine = (f.channel_order ?? []).filter((c) => (CHANNELS as readonly string[]).includes(c));
  return [...new Set([...mine, ...CHANNELS])];
}

/** The channel after `after` (the first when undefined); undefined at the end. */
export function nextChannel(order: readonly Channel[], after: Channel | undefined): Channel | undefined {
  if (after === undefined) return order[0];
  const i = order.indexOf(after);
  return i < 0 ? undefined : order[i + 1];
}

export function isMuted(f: Pick<DeliveryFacts, 'muted' | 'kind'>, channel: Channel): boolean {
  return (f.muted?.[f.kind] ?? []).includes(channel);
}

/**
 * Texts cost money and wake people: SMS is for staff's alarms, for people who cannot get WeChat messages (an elder
 * without WeChat, a family contact with no login), and for whoever opted in.
 */
export function smsWanted(f: Pick<DeliveryFacts, 'kind' | 'openid' | 'recipient_id' | 'sms_opt_in'>): boolean {
  if (f.recipient_id === null) return true;
  if (f.sms_opt_in === true) return true;
  if (f.openid === null) return true;
  return NOTIFICATION_KIND_INFO[f.kind].audience === 'staff';
}
