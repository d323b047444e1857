import { HEALTH_PATH, type HealthResponse } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs } from '../../http/openapi';
import { healthSchema } from '../../http/response-schemas';
import { pingDatabase } from './health.repo';

/** `GET /api/v1/health`: 200 `{status:"ok", db:"ok"}` or 503 `{status:"unavailable", db:"down"}`. */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  const schema = docs({
    tags: ['health'],
    summary: '服务与数据库是否正常',
    description: '数据库在 2 秒内应答 `SELECT 1` 时 200，否则 503（同样的结构，`status: unavailable`）。',
    response: { 200: healthSchema, 503: healthSchema },
  });
  app.get(HEALTH_PATH, { schema }, async (_request, reply) => {
    const dbOk = await pingDatabase(app.db);
    const body: HealthResponse = {
      status: dbOk ? 'ok' : 'unavailable',
      db: dbOk ? 'ok' : 'down',
      version: app.config.version,
    };
    return reply
      .code(dbOk ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(body);
  });
}
