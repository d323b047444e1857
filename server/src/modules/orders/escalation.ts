import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../clock';
import { isDatabaseUnavailable } from '../../db/errors';
import { updateReturning } from '../../db/returning';
import { autoDispatchDue, autoDispatchOptions } from '../matching/auto-dispatch';

/**
 * 三级联动 ("24小时在线"): an order nobody has accepted before its category's deadline moves up one level — grid →
 * community → town → county — and becomes visible to that level's dispatchers and that wider area's volunteers,
 * with an `escalate` event on its timeline. At the county it stays (escalate_at becomes null).
 *
 * One sweep is one statement plus its events in one transaction. Due orders are taken with FOR UPDATE SKIP LOCKED,
 * so two sweepers (two API processes) never escalate the same order twice: a row another sweeper — or a request
 * accepting the order — holds is skipped, and a row they have just changed is re-checked against the WHERE
 * (READ COMMITTED re-evaluates a locked row's new version), which its moved escalate_at no longer matches.
 */
export async function sweepEscalations(db: DataSource, now: Date, batch = 500): Promise<number> {
  return db.transaction((m) => escalateDue(m, now, batch));
}

/** One sweep inside the caller's transaction (the demo seed escalates its own old orders this way). */
export async function escalateDue(m: EntityManager, now: Date, batch = 500): Promise<number> {
  const moved = await updateReturning<{ id: string; version: number; status: string; level: string; scope_region_id: string; scope_name: string; from_level: string; moved: boolean }>(
    m,
    `WITH due AS (
       SELECT o.id FROM service_order o
       WHERE o.status IN ('pending', 'dispatched') AND o.escalate_at IS NOT NULL AND o.escalate_at <= $1
       ORDER BY o.escalate_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     ), target AS (
       SELECT o.id, o.escalation_level AS from_level, p.id AS parent_id, p.path AS parent_path, p.level AS parent_level, p.name AS parent_name,
              (p.parent_id IS NULL OR p.level = 'county') AS at_top,
              CASE WHEN o.urgency = 'urgent' THEN c.accept_minutes_urgent ELSE c.accept_minutes_normal END AS minutes
       FROM due JOIN service_order o ON o.id = due.id
       JOIN region s ON s.id = o.scope_region_id
       LEFT JOIN region p ON p.id = s.parent_id
       JOIN service_category c ON c.code = o.category_code
     )
     UPDATE service_order o SET
       scope_region_id = COALESCE(t.parent_id, o.scope_region_id),
       scope_path = COALESCE(t.parent_path, o.scope_path),
       escalation_level = CASE WHEN t.parent_id IS NULL THEN 'county'
                               WHEN t.parent_level IN ('community', 'town', 'county') THEN t.parent_level ELSE 'county' END,
       escalate_at = CASE WHEN t.parent_id IS NULL OR t.at_top THEN NULL ELSE $1::timestamptz + make_interval(mins => t.minutes) END,
       version = o.version + CASE WHEN t.parent_id IS NULL THEN 0 ELSE 1 END,
       updated_at = CASE WHEN t.parent_id IS NULL THEN o.updated_at ELSE $1 END
     FROM target t WHERE o.id = t.id
     RETURNING o.id, o.version, o.status, o.escalation_level AS level, o.scope_region_id, t.from_level,
               COALESCE(t.parent_name, '') AS scope_name, (t.parent_id IS NOT NULL) AS moved`,
    [now, batch],
  );
  const escalated = moved.filter((r) => r.moved);
  if (escalated.length > 0) {
    await m.query(
      `INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, reason, data)
       SELECT id, version, 'escalate', NULL, $1, status, status, '超时未接单，自动升级', jsonb_build_object('from', from_level, 'to', level, 'scopeRegionId', scope_region_id, 'scopeName', scope_name)
       FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[]) AS t(id, version, status, from_level, level, scope_region_id, scope_name)`,
      [
        now,
        escalated.map((r) => r.id),
        escalated.map((r) => r.version),
        escalated.map((r) => r.status),
        escalated.map((r) => r.from_level),
        escalated.map((r) => r.level),
        escalated.map((r) => r.scope_region_id),
        escalated.map((r) => r.scope_name),
      ],
    );
  }
  return escalated.length;
}

/** Sweeps until nothing is due (a backlog larger than one batch is worked off in one tick). */
export async function sweepAll(db: DataSource, now: Date, batch = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await sweepEscalations(db, now, batch);
    total += n;
    if (n < batch) return total;
  }
}

export interface EscalationSweeperOptions {
  clock: Clock;
  /** How often to sweep; 0 turns the sweeper off (another process sweeps). */
  intervalMs: number;
}

/**
 * The background sweeper of one API process: every process runs one (they cannot step on each other, see above),
 * so escalation goes on as long as any process is up. Stops with the app, waiting for a sweep in progress.
 */
export const escalationSweeper = fp(
  async (app: FastifyInstance, opts: EscalationSweeperOptions) => {
    if (opts.intervalMs <= 0) return;
    let running: Promise<void> | null = null;
    const tick = () => {
      if (running) return;
      const now = opts.clock();
      running = sweepAll(app.db, now)
        .then(async (n) => {
          if (n > 0) app.log.info({ escalated: n }, 'orders escalated');
          // and the orders under auto-dispatch that are due (new in the pool too long, an assignee too slow)
          const d = await autoDispatchDue(app.db, autoDispatchOptions(app, now));
          if (d > 0) app.log.info({ dispatched: d }, 'orders dispatched automatically');
        })
        .catch((err: unknown) => {
          if (isDatabaseUnavailable(err)) app.log.warn('escalation sweep skipped: database unavailable');
          else app.log.error({ err }, 'escalation sweep failed');
        })
        .finally(() => {
          running = null;
        });
    };
    let timer: NodeJS.Timeout | null = null;
    app.addHook('onReady', async () => {
      timer = setInterval(tick, opts.intervalMs);
      timer.unref();
    });
    app.addHook('preClose', async () => {
      if (timer) clearInterval(timer);
      await running;
    });
  },
  { name: 'escalation-sweeper', dependencies: ['core'] },
);
