import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from './config';
import { wallClock, type Clock } from './clock';
import { ErrorCode } from '@bangbang/shared';
import { AppError, ServiceUnavailableError } from './errors';
import errorHandler, { frameworkErrors } from './http/error-handler';
import inputGuard from './http/input-guard';
import { logSerializers } from './http/log-serializers';
import openapi from './http/openapi';
import securityHeaders from './http/security-headers';
import staticH5 from './http/static-h5';
import fastifyRateLimit from '@fastify/rate-limit';
import { postgresRateLimitStore } from './http/rate-limit-store';
import authPlugin from './modules/auth/plugin';
import auditRoutes from './modules/audit/routes';
import { createAuditService } from './modules/audit/service';
import authRoutes from './modules/auth/routes';
import { createLoginService } from './modules/auth/service';
import { createSessionService } from './modules/auth/sessions';
import catalogueRoutes from './modules/catalogue/routes';
import { createCatalogueService } from './modules/catalogue/service';
import healthRoutes from './modules/health/routes';
import meRoutes from './modules/users/me-routes';
import regionRoutes from './modules/regions/routes';
import { createRegionService } from './modules/regions/service';
import userRoutes from './modules/users/routes';
import { createUserService } from './modules/users/service';
import squadRoutes from './modules/squads/routes';
import { createSquadService } from './modules/squads/service';
import orderRoutes from './modules/orders/routes';
import { runTimedWork } from './modules/dispatching/escalation';
import { autoDispatchOptions } from './modules/dispatching/auto-dispatch';
import statsRoutes from './modules/stats/routes';
import { createStatsService } from './modules/stats/service';
import exportRoutes from './modules/exports/routes';
import { createExportService } from './modules/exports/service';
import taskRoutes from './modules/tasks/routes';
import { createTaskService } from './modules/tasks/service';
import dispatchingRoutes from './modules/dispatching/routes';
import { createDispatchingService } from './modules/dispatching/service';
import { createWechatAccessToken } from './modules/auth/wechat-token';
import { createMsgSecCheck } from './modules/moderation/msg-sec-check';
import { createModeration } from './modules/moderation/service';
import { createOrderService } from './modules/orders/service';
import phoneRoutes from './modules/phone/routes';
import { createPhoneCodeService } from './modules/phone/phone-codes';
import { createPhoneService } from './modules/phone/service';
import { ChannelUnavailableError, createSmsSender } from './modules/phone/sms-sender';
import { inQuietHours } from './modules/notifications/channels/quiet-hours';
import { templateData } from './modules/notifications/channels/wechat-data';
import { createWechatSubscribeSender } from './modules/notifications/channels/wechat-subscribe';
import { createWechatPhone } from './modules/phone/wechat-phone';
import applicationRoutes from './modules/applications/routes';
import { createApplicationService } from './modules/applications/service';
import uploadRoutes from './modules/uploads/routes';
import importRoutes from './modules/imports/routes';
import { createImportService } from './modules/imports/service';
import { createUploadService } from './modules/uploads/service';
import { jobQueue } from './jobs/queue';
import livePlugin, { type LiveOptions } from './modules/live/plugin';
import { emitNotifications } from './modules/notifications/notifications.repo';
import notificationRoutes from './modules/notifications/routes';
import { createNotificationService, type Channels } from './modules/notifications/service';
import visitRoutes from './modules/visits/routes';
import { createVisitService } from './modules/visits/service';
import projectRoutes from './modules/projects/routes';
import { createProjectService } from './modules/projects/service';
import pointsRoutes from './modules/points/routes';
import { createPointsService, type PointsMessage } from './modules/points/service';

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig;
    /** The PostgreSQL pool. Inside a transaction use only the transaction's manager. */
    db: DataSource;
    /** What time it is for the domain (order times, deadlines, rosters): injected by tests, the wall clock otherwise. */
    clock: Clock;
  }
}

export type { Clock } from './clock';

export interface AppOptions {
  config: AppConfig;
  db: DataSource;
  /** The process's logger (server.ts); without one Fastify makes its own at config.logLevel. */
  logger?: FastifyBaseLogger;
  /** Defaults to the wall clock. */
  clock?: Clock;
  /** The live channel's timers (tests shorten them); the protocol's defaults otherwise. */
  live?: LiveOptions;
}

/** External layer: configuration and the database, visible to every plugin registered after it. */
const core = fp(
  async (app: FastifyInstance, opts: AppOptions) => {
    app.decorate('config', opts.config);
    app.decorate('db', opts.db);
    app.decorate('clock', opts.clock ?? wallClock);
    // While shutting down, requests still arriving on open connections get the contract's 503 (in-flight ones
    // finish normally); Fastify's own return503OnClosing answers in another shape.
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onRequest', async () => {
      if (closing) throw new ServiceUnavailableError('服务正在重启，请稍后再试。');
    });
  },
  { name: 'core', fastify: '5.x' },
);

/**
 * The application as a Fastify plugin: layers in order — core (config, db) → error contract → routes → the H5
 * page. `server.ts` wraps it with listening and shutdown; tests build it with `buildApp` and use `inject`.
 */
export default async function app(instance: FastifyInstance, opts: AppOptions): Promise<void> {
  await instance.register(core, opts);
  await instance.register(errorHandler);
  await instance.register(securityHeaders);
  await instance.register(inputGuard);
  // Limits apply to the routes that ask for one (auth); counts live in PostgreSQL, shared by every process.
  await instance.register(fastifyRateLimit, {
    global: false,
    store: postgresRateLimitStore(opts.db),
    skipOnError: false,
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.ceil(context.ttl / 1000);
      return Object.assign(new AppError(ErrorCode.RATE_LIMITED, `操作太频繁，请 ${seconds} 秒后再试。`), { statusCode: 429 });
    },
  });
  await instance.register(authPlugin);
  // The OpenAPI document and Swagger UI at /api/docs: before the routes, so it sees each one being added.
  await instance.register(openapi);
  // The services, each made once with what it needs (route plugins only translate HTTP to them). Orders reach
  // dispatching only through `onDue`: the dependency is inverted here, not by an import.
  const { db, config } = opts;
  const clock = instance.clock;
  const dispatching = createDispatchingService({ db, clock, config });
  // WeChat's server API, when the mini-program's credentials are configured: one access token for every call
  const wechatConfigured = config.wechat.appId !== undefined && config.wechat.secret !== undefined;
  const wechatToken = createWechatAccessToken(config.wechat);
  const moderation = createModeration({
    db,
    check: wechatConfigured ? createMsgSecCheck(config.wechat.apiBase, wechatToken, instance.log.child({ module: 'moderation' })) : undefined,
  });
  const logins = createLoginService({ db, wechat: config.wechat });
  // one SMS sender for login codes and notice texts
  const smsSender = createSmsSender(config.sms, instance.log, config.notify.smsTemplate);
  const services = {
    logins,
    phones: createPhoneService({
      db,
      logins,
      codes: createPhoneCodeService({ db, secret: config.jwtSecret, sender: smsSender }),
      wechatPhone: createWechatPhone(config.wechat, wechatToken),
    }),
    audit: createAuditService({ db }),
    sessions: createSessionService({ db }),
    catalogue: createCatalogueService({ db }),
    regions: createRegionService({ db }),
    users: createUserService({ db, clock, moderation }),
    squads: createSquadService({ db }),
    applications: createApplicationService({ db }),
    orders: createOrderService({
      db,
      clock,
      poolOfferMinutes: config.poolOfferMinutes,
      contactHours: config.volunteerContactHours,
      limits: config.orderLimits,
      moderation,
      maxTasksInHand: config.hallMaxTasksInHand,
      urgeMinIntervalMinutes: config.urgeMinIntervalMinutes,
      reopenAfterConfirmDays: config.reopenAfterConfirmDays,
      onDue: dispatching.onDue,
    }),
    tasks: createTaskService({ db, clock, contactHours: config.volunteerContactHours }),
    dispatching,
    stats: createStatsService({ db, clock }),
    imports: createImportService({ db, maxRows: config.importMaxRows }),
    uploads: await createUploadService({
      dir: path.join(config.dataDir, 'uploads'),
      db,
      maxBytes: config.uploadMaxBytes,
      limits: { count: config.uploadDailyCount, bytes: config.uploadDailyBytes },
      clock,
    }),
  };
  // the channels beyond the app: WeChat subscription messages (when WeChat is configured) and notice texts
  const channels: Channels = {
    wechat: wechatConfigured
      ? createWechatSubscribeSender({ apiBase: config.wechat.apiBase, token: wechatToken, miniprogramState: config.notify.miniprogramState })
      : undefined,
    wechatData: (layout, facts) => templateData(layout, facts),
    sms: config.notify.smsTemplate === undefined ? undefined : smsSender,
    inQuietHours: (now) => inQuietHours(now, config.notify.quietHours),
    isTransient: (err) => err instanceof ChannelUnavailableError,
  };
  const notifications = createNotificationService({
    db,
    clock,
    config: config.notify,
    matching: { weights: config.matchWeights, maxActiveTasks: config.maxActiveTasks },
    channels,
    checkOversees: services.orders.checkOversees,
  });
  await instance.register(healthRoutes);
  await instance.register(authRoutes, { logins: services.logins, sessions: services.sessions });
  await instance.register(phoneRoutes, { phones: services.phones });
  await instance.register(meRoutes);
  await instance.register(catalogueRoutes, { catalogue: services.catalogue });
  await instance.register(regionRoutes, { regions: services.regions });
  await instance.register(userRoutes, { users: services.users });
  await instance.register(squadRoutes, { squads: services.squads });
  await instance.register(applicationRoutes, { applications: services.applications });
  await instance.register(orderRoutes, { orders: services.orders });
  await instance.register(taskRoutes, { tasks: services.tasks });
  await instance.register(dispatchingRoutes, { dispatching });
  await instance.register(statsRoutes, { stats: services.stats });
  await instance.register(exportRoutes, { exports: createExportService({ db, clock, stats: services.stats, log: instance.log }) });
  await instance.register(uploadRoutes, { uploads: services.uploads });
  await instance.register(importRoutes, { imports: services.imports });
  await instance.register(auditRoutes, { audit: services.audit });
  await instance.register(notificationRoutes, { notifications });
  const visits = createVisitService({
    db,
    clock,
    poolOfferMinutes: config.poolOfferMinutes,
    contactHours: config.volunteerContactHours,
    escalateEveryHours: config.visitEscalateHours,
  });
  await instance.register(visitRoutes, { visits });
  await instance.register(projectRoutes, { projects: createProjectService({ db, clock }) });
  // points sit below notifications (orders credit them): the app hands them the way to tell a person
  const tellAboutPoints = (m: EntityManager, msg: PointsMessage, at: Date) =>
    emitNotifications(m, [{ ...msg, recipientPhone: null, kind: 'points.redemption_cancelled', orderId: null, urgent: false }], at, { maxAttempts: 5 }).then(
      () => undefined,
    );
  await instance.register(pointsRoutes, { points: createPointsService({ db, clock, tell: tellAboutPoints }) });
  // the live channel: this process's WebSockets, fed by the database's NOTIFY from whichever process changed things
  await instance.register(livePlugin, opts.live ?? {});
  const log = instance.log;
  // Everything done later or on a schedule runs on the job queue (decision 0008): the deliveries of notifications
  // and, every minute, the timed work on orders and its alarms; every hour, photos nobody refers to.
  await instance.register(jobQueue, {
    concurrency: config.notify.jobConcurrency,
    // who hears of a change, and its live signals: never behind a backlog of deliveries
    express: ['order-events'],
    tasks: {
      ...notifications.tasks,
      'orders-due': async () => {
        const now = clock();
        const done = await runTimedWork(db, autoDispatchOptions(instance, now), config.noShow);
        if (done.escalated > 0) log.info({ escalated: done.escalated }, 'orders escalated');
        if (done.noShows > 0) log.info({ noShows: done.noShows }, 'orders back to the pool: nobody came');
        if (done.dispatched > 0) log.info({ dispatched: done.dispatched }, 'orders dispatched automatically');
        await notifications.alarmUnmatched(done.unmatched, now);
        await notifications.alarmWaiting(now);
        await notifications.alarmOverdue(now);
      },
      // 走访: this period's visits for every ledger household (exactly once however many processes), then missed ones alarmed
      'visits-due': async () => {
        const now = clock();
        const made = await visits.generate(now);
        if (made.created > 0) log.info({ created: made.created, households: made.households }, 'visits generated');
        const missed = await visits.sweepMissed(now);
        if (missed > 0) log.info({ escalated: missed }, 'missed visits escalated');
      },
      'uploads-sweep': async () => {
        const n = await services.uploads.sweep(clock());
        if (n > 0) log.info({ removed: n }, 'unreferenced uploads removed');
      },
    },
    cron: [
      { task: 'orders-due', match: '* * * * *' },
      { task: 'uploads-sweep', match: '17 * * * *' },
      { task: 'visits-due', match: '7 * * * *' },
    ],
  });
  await instance.register(staticH5, { dir: opts.config.h5Dir });
}

/** Believe X-Forwarded-For this many hops from this server: the addresses the last `hops` proxies appended. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

/** Fastify's own options: what is validated and how. */
export function fastifyOptions(config: AppConfig, logger?: FastifyBaseLogger): FastifyServerOptions {
  return {
    // every log line goes through logSerializers: requests by path only, errors without personal data
    ...(logger
      ? { loggerInstance: logger.child({}, { serializers: logSerializers }) }
      : { logger: config.logLevel === 'silent' ? false : { level: config.logLevel, serializers: logSerializers } }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // behind nginx: request.ip is the client from X-Forwarded-For, believed only from the proxies named (TRUST_PROXY)
    // (a hop count as Fastify itself compiles one: its types do not list numbers)
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Slow clients cannot hold a connection forever.
    requestTimeout: 60_000,
    // Never strip unknown properties silently: a schema with additionalProperties:false must reject them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    return503OnClosing: false,
    // The router's own failures (a path parameter over maxParamLength, a malformed URL) in the error contract too.
    frameworkErrors,
  };
}

/**
 * A bare Fastify instance with our options and the x-request-id header. `buildApp` registers the application
 * on it; a caller composing more routes (tests, an embedding process) registers `fp(app)` itself.
 */
export function createFastify(config: AppConfig, logger?: FastifyBaseLogger): FastifyInstance {
  const instance = Fastify(fastifyOptions(config, logger));
  instance.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  return instance;
}

/** The application, ready to `listen` or `inject`. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const instance = createFastify(opts.config, opts.logger);
  // Registered without encapsulation so the error contract and the 404 handler cover the whole server.
  await instance.register(fp(app, { name: 'bangbang-app' }), opts);
  await instance.ready();
  return instance;
}
