import {
  CHANNELS,
  NOTIFICATION_KINDS,
  type FailedJobDto,
  type NotificationDto,
  type NotificationPageDto,
  type NotificationPreferencesDto,
  type OrderNotificationDto,
  type SubscriptionsDto,
} from '@bangbang/shared';
import { nullable, shape, type JsonSchema } from '../../http/openapi';

/** The notification routes' response shapes (documentation only, checked against real replies by the openapi test). */

const time: JsonSchema = { type: 'string', format: 'date-time' };
const kind: JsonSchema = { type: 'string', enum: [...NOTIFICATION_KINDS] };
const channel: JsonSchema = { type: 'string', enum: [...CHANNELS] };

export const notificationSchema = shape<NotificationDto>('Notification', {
  description: '发给本人的一条消息（消息中心）',
  properties: {
    id: { type: 'string', example: '1024' },
    kind,
    title: { type: 'string', example: '已有人接单' },
    body: { type: 'string', example: '李海龙已接下您的「送医送药」需求，约定 14:30 上门。' },
    orderId: nullable({ type: 'string', format: 'uuid' }),
    urgent: { type: 'boolean' },
    createdAt: time,
    readAt: nullable(time),
  },
});

export const notificationPageSchema = shape<NotificationPageDto>('NotificationPage', {
  properties: {
    items: { type: 'array', items: notificationSchema },
    unread: { type: 'integer', minimum: 0 },
    nextBefore: nullable({ type: 'string' }),
  },
});

export const unreadSchema = shape<{ unread: number }>('Unread', { properties: { unread: { type: 'integer', minimum: 0 } } });

export const preferencesSchema = shape<NotificationPreferencesDto>('NotificationPreferences', {
  description: '本人接收消息的方式：渠道顺序、按消息类型关闭的渠道、非提醒类消息是否也发短信',
  properties: {
    channelOrder: { type: 'array', items: channel },
    muted: { type: 'object', additionalProperties: { type: 'array', items: channel } },
    smsOptIn: { type: 'boolean' },
    kinds: { type: 'array', items: kind },
  },
});

export const subscriptionsSchema = shape<SubscriptionsDto>('Subscriptions', {
  description: '微信订阅消息：各类消息对应的模板编号，及本人每个模板剩余的可发送次数',
  properties: {
    templates: { type: 'object', additionalProperties: { type: 'string' } },
    quota: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
  },
});

const orderNotificationSchema = shape<OrderNotificationDto>('OrderNotification', {
  properties: {
    kind,
    recipient: { type: 'string', example: '李海龙' },
    channel: nullable(channel),
    status: nullable({ type: 'string', enum: ['sending', 'sent', 'failed', 'skipped'] }),
    detail: nullable({ type: 'string', example: '夜间免打扰时段，不发短信' }),
    at: time,
  },
});

export const orderNotificationListSchema = shape<{ items: OrderNotificationDto[] }>('OrderNotificationList', {
  properties: { items: { type: 'array', items: orderNotificationSchema } },
});

const failedJobSchema = shape<FailedJobDto>('FailedJob', {
  properties: {
    id: { type: 'string' },
    task: { type: 'string', example: 'deliver' },
    payload: {},
    attempts: { type: 'integer' },
    lastError: nullable({ type: 'string' }),
    createdAt: time,
    updatedAt: time,
  },
});

export const failedJobListSchema = shape<{ items: FailedJobDto[] }>('FailedJobList', { properties: { items: { type: 'array', items: failedJobSchema } } });

export const retriedSchema = shape<{ retried: string[] }>('RetriedJobs', { properties: { retried: { type: 'array', items: { type: 'string' } } } });
