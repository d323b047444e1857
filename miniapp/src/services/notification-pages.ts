import { NOTIFICATION_KIND_INFO, type NotificationAudience, type NotificationDto } from '@bangbang/shared';

/** Where a notification opens: an order's page in the workspace that hears that kind, a project's news 社区项目, of points 我的积分. Pure (no Taro). */
const ORDER_PAGE: Record<NotificationAudience, string> = {
  resident: '/pages/resident/order/index',
  volunteer: '/pages/volunteer/task/index',
  staff: '/pages/dispatch/order/index',
};

export function orderPageOf(n: Pick<NotificationDto, 'kind' | 'orderId'>): string | undefined {
  // a community project's news opens 社区项目, where the person's claims are
  if (n.kind.startsWith('project.')) return '/pages/projects/index/index';
  // news of one's points opens 我的积分
  if (n.kind.startsWith('points.')) return '/pages/points/index/index';
  if (n.orderId === null) return undefined;
  return `${ORDER_PAGE[NOTIFICATION_KIND_INFO[n.kind].audience]}?id=${encodeURIComponent(n.orderId)}`;
}
