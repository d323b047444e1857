import {
  FAILED_JOBS_PATH,
  MarkReadDto,
  NOTIFICATION_PREFERENCES_PATH,
  NOTIFICATIONS_PATH,
  NOTIFICATIONS_READ_PATH,
  NotificationPageQuery,
  ORDERS_PATH,
  ReportSubscriptionsDto,
  RETRY_JOBS_PATH,
  RetryJobsDto,
  SUBSCRIPTIONS_PATH,
  UpdateNotificationPreferencesDto,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs, idParam } from '../../http/openapi';
import { validateBody, validateQuery } from '../../http/validate';
import { requireActor } from '../auth/actor';
import {
  failedJobListSchema,
  notificationPageSchema,
  orderNotificationListSchema,
  preferencesSchema,
  retriedSchema,
  subscriptionsSchema,
  unreadSchema,
} from './schemas';
import type { NotificationService } from './service';

/** 消息中心, 消息设置, WeChat subscriptions, an order's notification record, and the dead letters, over HTTP. */
export default async function notificationRoutes(app: FastifyInstance, { notifications }: { notifications: NotificationService }): Promise<void> {
  app.get(
    NOTIFICATIONS_PATH,
    {
      schema: docs({
        tags: ['me', 'notifications'],
        summary: '消息中心',
        description: '发给本人的消息，新的在前；`before` 为上一页最后一条的编号，`limit` 每页 1–50 条（默认 20）。附未读条数。',
        auth: 'required',
        response: { 200: notificationPageSchema },
      }),
      preValidation: validateQuery(NotificationPageQuery),
    },
    async (request) => notifications.inbox(requireActor(request), request.query as NotificationPageQuery),
  );

  app.post(
    NOTIFICATIONS_READ_PATH,
    {
      schema: docs({
        tags: ['me', 'notifications'],
        summary: '标为已读',
        description: '`ids`：这些消息；`all: true`：全部。只作用于本人的消息。返回剩余未读条数。',
        auth: 'required',
        response: { 200: unreadSchema },
      }),
      preValidation: validateBody(MarkReadDto),
    },
    async (request) => notifications.read(requireActor(request), request.body as MarkReadDto),
  );

  app.get(
    NOTIFICATION_PREFERENCES_PATH,
    {
      schema: docs({
        tags: ['me', 'notifications'],
        summary: '消息设置',
        description:
          '渠道顺序（小程序内 → 微信订阅消息 → 短信，前一个送不到才用下一个）、按消息类型关闭的渠道、非提醒类消息也发短信；`kinds` 为本人可能收到的消息类型。',
        auth: 'required',
        response: { 200: preferencesSchema },
      }),
    },
    async (request) => notifications.preferences(requireActor(request)),
  );

  app.put(
    NOTIFICATION_PREFERENCES_PATH,
    {
      schema: docs({
        tags: ['me', 'notifications'],
        summary: '修改消息设置',
        description: '只改给出的项；`muted` 整体替换。消息中心始终保留全部消息。',
        auth: 'required',
        response: { 200: preferencesSchema },
      }),
      preValidation: validateBody(UpdateNotificationPreferencesDto),
    },
    async (request) => notifications.updatePreferences(requireActor(request), request.body as UpdateNotificationPreferencesDto),
  );

  app.get(
    SUBSCRIPTIONS_PATH,
    {
      schema: docs({
        tags: ['me', 'notifications'],
        summary: '微信订阅消息',
        description: '各类消息的模板编号（小程序调用 requestSubscribeMessage 时使用）和本人每个模板剩余的可发送次数。',
        auth: 'required',
        response: { 200: subscriptionsSchema },
      }),
    },
    async (request) => notifications.subscriptions(requireActor(request)),
  );

  app.post(
    SUBSCRIPTIONS_PATH,
    {
      schema: docs({
        tags: ['me', 'notifications'],
        summary: '报告订阅结果',
        description: '小程序在 requestSubscribeMessage 之后报告本人点了「允许」的模板；每次允许可发送一次（微信一次性订阅的规则）。',
        auth: 'required',
        response: { 200: subscriptionsSchema },
        errors: [[400, '不是本小程序配置的模板']],
      }),
      preValidation: validateBody(ReportSubscriptionsDto),
    },
    async (request) => notifications.reportSubscriptions(requireActor(request), request.body as ReportSubscriptionsDto),
  );

  app.get<{ Params: { id: string } }>(
    `${ORDERS_PATH}/:id/notifications`,
    {
      schema: docs({
        tags: ['orders', 'notifications'],
        summary: '需求的通知记录（工作人员）',
        description: '就这个需求通知了谁、经哪个渠道、结果如何（已发送、重试后失败、未发送及原因），按时间先后。',
        auth: 'required',
        params: idParam,
        response: { 200: orderNotificationListSchema },
        errors: [403, 404],
      }),
    },
    async (request) => ({ items: await notifications.ofOrder(requireActor(request), request.params.id) }),
  );

  app.get(
    FAILED_JOBS_PATH,
    {
      schema: docs({
        tags: ['admin'],
        summary: '失败的后台任务（管理员）',
        description: '用完重试次数仍失败的后台任务（如微信、短信服务长时间不可用时的消息发送），最近的在前，含最后一次的错误。',
        auth: 'required',
        response: { 200: failedJobListSchema },
        errors: [403],
      }),
    },
    async (request) => ({ items: await notifications.failedJobs(requireActor(request)) }),
  );

  app.post(
    RETRY_JOBS_PATH,
    {
      schema: docs({
        tags: ['admin'],
        summary: '重试失败的后台任务（管理员）',
        description: '把这些任务的重试次数清零并立即重新执行；已由其他渠道送达的消息不会重发。',
        auth: 'required',
        response: { 200: retriedSchema },
        errors: [403],
      }),
      preValidation: validateBody(RetryJobsDto),
    },
    async (request) => ({ retried: await notifications.retry(requireActor(request), (request.body as RetryJobsDto).ids) }),
  );
}
