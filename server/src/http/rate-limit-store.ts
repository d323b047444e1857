import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';
import type { RouteOptions } from 'fastify';
import type { DataSource } from 'typeorm';

/**
 * A store for @fastify/rate-limit kept in PostgreSQL (table rate_limit), so that every API process counts
 * against the same allowance. One statement per request: start a new window when the old one is over,
 * otherwise add one.
 */
interface IncrResult {
  current: number;
  ttl: number;
}
type Callback = (err: Error | null, result?: IncrResult) => void;

export function postgresRateLimitStore(db: DataSource) {
  return class PostgresRateLimitStore implements FastifyRateLimitStore {
    private readonly prefix: string;

    constructor(_options?: FastifyRateLimitOptions, prefix = '') {
      this.prefix = prefix;
    }

    incr(key: string, callback: Callback, timeWindow: number): void {
      db.query<Array<{ count: number; ttl: number }>>(
        `INSERT INTO rate_limit AS r (key, count, reset_at)
         VALUES ($1, 1, now() + make_interval(secs => $2 / 1000.0))
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.count + 1 END,
           reset_at = CASE WHEN r.reset_at <= now() THEN now() + make_interval(secs => $2 / 1000.0) ELSE r.reset_at END
         RETURNING count, greatest(0, ceil(extract(epoch FROM (reset_at - now())) * 1000))::int AS ttl`,
        [this.prefix + key, timeWindow],
      ).then(
        (rows) => {
          const row = rows[0];
          callback(null, { current: row?.count ?? 1, ttl: row?.ttl ?? timeWindow });
          // now and then, forget windows long over
          if (Math.random() < 0.01) void db.query(`DELETE FROM rate_limit WHERE reset_at < now() - interval '1 hour'`).catch(() => undefined);
        },
        (err: Error) => callback(err),
      );
    }

    /** One counter per route: the plugin passes its merged options, whose `routeInfo` is the route. */
    child(routeOptions: RouteOptions & { path: string; prefix: string }): FastifyRateLimitStore {
      const info = (routeOptions as unknown as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : '');
      const route = info ? `${text(info.method)} ${text(info.url)}:` : '';
      return new PostgresRateLimitStore(undefined, this.prefix + route);
    }
  };
}
