import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import { parseConfig, type AppConfig } from '../../server/src/config';
import { createNotificationService, type NotificationService } from '../../server/src/modules/notifications/service';
import { createTestDatabase, type TestDatabase } from './db';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-0123456789';

/**
 * The per-account limits on orders (ORDER_OPEN_LIMIT …, HALL_MAX_TASKS) out of the way: the test world is a handful of people who place
 * hundreds of orders between them (races, model-based sequences, escalation). `testConfig` starts from these;
 * order-limits.test.ts sets the limits it tests.
 */
export const NO_ORDER_LIMITS = {
  ORDER_OPEN_LIMIT: '1000000',
  ORDER_DAILY_LIMIT: '1000000',
  PROXY_ORDER_DAILY_LIMIT: '1000000',
  HALL_MAX_TASKS: '1000000',
} as const;

/** A configuration as the server would parse it, for tests: quiet, a temporary DATA_DIR. */
export function testConfig(env: Record<string, string> = {}): AppConfig {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangbang-data-'));
  const parsed = parseConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: dataDir, ...NO_ORDER_LIMITS, ...env });
  return { ...parsed, jwtSecret: parsed.jwtSecret ?? TEST_JWT_SECRET };
}

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  config: AppConfig;
  close(): Promise<void>;
}

/** The real application on a database of its own; use `app.inject`. */
export async function buildTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig(env);
  const app = await buildApp({ config, db: database.db });
  return {
    app,
    database,
    config,
    close: async () => {
      // A test that listened on a port may leave a client's socket half-open (an upload refused before its body
      // was read): the tests are over, so every connection goes rather than waiting for the client.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await database.drop();
    },
  };
}

/**
 * The notification service on its own, with no outbound channel (no WeChat, no SMS): for suites that run the fan-out
 * and the alarms directly at chosen instants of an injected clock and read what was written.
 */
export function notificationsWithoutChannels(db: TestDatabase['db'], config: AppConfig, clock: () => Date): NotificationService {
  return createNotificationService({
    db,
    clock,
    config: config.notify,
    matching: { weights: config.matchWeights, maxActiveTasks: config.maxActiveTasks },
    channels: { wechat: undefined, wechatData: () => ({}), sms: undefined, inQuietHours: () => false, isTransient: () => false },
    checkOversees: async () => undefined,
  });
}
