import { NOTIFICATION_KIND_INFO, type NotificationAudience, type NotificationDto } from '@bangbang/shared';

/** Where a notification about an order opens it: the order's page in the workspace that hears that kind. Pure (no Taro). */
const ORDER_PAGE: Record<NotificationAudience, string> = {
  resident: '/pages/resident/order/index',
  volunteer: '/pages/volunteer/task/index',
  staff: '/pages/dispatch/order/index',
};

export function orderPageOf(n: Pick<NotificationDto, 'kind' | 'orderId'>): string | undefined {
  if (n.orderId === null) return undefined;
  return `${ORDER_PAGE[NOTIFICATION_KIND_INFO[n.kind].audience]}?id=${encodeURIComponent(n.orderId)}`;
}
