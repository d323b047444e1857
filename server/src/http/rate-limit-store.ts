import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';
import type { RouteOptions } from 'fastify';
import type { DataSource } from 'typeorm';
import { forgetOldRateCounters, hitRateCounter } from '../db/rate-counter';

/**
 * A store for @fastify/rate-limit kept in PostgreSQL (table rate_limit), so that every API process counts
 * against the same allowance. One statement per request (db/rate-counter.ts).
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
      hitRateCounter(db, this.prefix + key, timeWindow).then(
        ({ count, ttlMs }) => {
          callback(null, { current: count, ttl: ttlMs });
          // now and then, forget windows long over
          if (Math.random() < 0.01) void forgetOldRateCounters(db).catch(() => undefined);
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
