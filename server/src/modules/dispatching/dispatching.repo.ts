import type { DispatchMode } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { updateReturning } from '../../db/returning';
import { refreshEffectiveDispatchMode } from '../regions/region.repo';

/**
 * The dispatching module's data access: the escalation sweep's statements (三级联动), the orders due for
 * auto-dispatch, and the places' dispatch settings. Orders' own reads and writes are the orders module's
 * (order.repo.ts); these are the set-based statements only the system's sweeps and the settings send.
 */

type Db = Pick<EntityManager, 'query'>;

/**
 * Moves up one level every due order (up to `batch`), with an `escalate` event each; answers how many moved.
 * Due orders are taken with FOR UPDATE SKIP LOCKED, so two sweepers (two API processes) never escalate the same
 * order twice: a row another sweeper — or a request accepting the order — holds is skipped, and a row they have
 * just changed is re-checked against the WHERE (READ COMMITTED re-evaluates a locked row's new version), which its
 * moved escalate_at no longer matches.
 */
export async function escalateDueOrders(m: Db, now: Date, batch: number): Promise<number> {
  const moved = await updateReturning<{
    id: string;
    version: number;
    status: string;
    level: string;
    scope_region_id: string;
    scope_name: string;
    from_level: string;
    moved: boolean;
  }>(
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

/** The next moment an open order is due to escalate, at or before `until` (null: none). */
export async function nextEscalationAt(m: Db, until: Date): Promise<Date | null> {
  const [next] = await m.query<Array<{ at: Date | null }>>(
    `SELECT min(escalate_at) AS at FROM service_order WHERE status IN ('pending', 'dispatched') AND escalate_at <= $1`,
    [until],
  );
  return next?.at ?? null;
}

/** Up to `batch` orders due for auto-dispatch, locked (SKIP LOCKED: an order another sweeper or a request holds is left to it). */
export async function takeDueForAutoDispatch(m: Db, now: Date, batch: number): Promise<string[]> {
  const due = await m.query<Array<{ id: string }>>(
    `SELECT id FROM service_order
     WHERE auto_dispatch_at <= $1 AND status IN ('pending', 'dispatched')
     ORDER BY auto_dispatch_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, batch],
  );
  return due.map((d) => d.id);
}

/** A place and each of its ancestors, nearest first, with their own dispatch setting. */
export async function dispatchModesUp(m: Db, regionId: string): Promise<Array<{ id: string; path: string; dispatch_mode: DispatchMode | null }>> {
  return m.query(
    `SELECT a.id, a.path, a.dispatch_mode FROM region r JOIN region a ON a.id = ANY (string_to_array(trim(BOTH '/' FROM r.path), '/')::uuid[])
     WHERE r.id = $1 ORDER BY length(a.path) DESC`,
    [regionId],
  );
}

/** Sets a place's own dispatch mode (null: inherit), and the mode in effect at every place below it. */
export async function setDispatchMode(m: Db, region: { id: string; path: string }, mode: DispatchMode | null): Promise<void> {
  await m.query(`UPDATE region SET dispatch_mode = $2, updated_at = now() WHERE id = $1`, [region.id, mode]);
  // every place below now dispatches by its nearest setting
  await refreshEffectiveDispatchMode(m, region.path);
}

/**
 * The people staff took this order back from (撤回改派) since it last started waiting anew: the system does not
 * send or offer it straight back to them — staff chose otherwise. (They are still suggested to staff, and may take
 * it from the hall: a recall is not their refusal.)
 */
export async function recalledFrom(m: Db, orderId: string): Promise<Set<string>> {
  const rows = await m.query<Array<{ id: string }>>(
    `SELECT DISTINCT r->>'userId' AS id
     FROM order_event e CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(e.data->'recalled') = 'array' THEN e.data->'recalled' ELSE '[]' END) r
     WHERE e.order_id = $1 AND e.type = 'recall'
       AND e.seq > COALESCE((SELECT max(x.seq) FROM order_event x WHERE x.order_id = $1 AND x.type IN ('reopen', 'created')), 0)`,
    [orderId],
  );
  return new Set(rows.map((r) => r.id).filter((id): id is string => typeof id === 'string'));
}

/**
 * The county (旗/县) a place lies in — one of the ancestors its path names — or null when the tree has none above
 * it (a place at or above the county level).
 */
export async function countyAbove(m: Db, placePath: string): Promise<{ id: string; path: string } | null> {
  const [row] = await m.query<Array<{ id: string; path: string }>>(
    `SELECT id, path FROM region WHERE id = ANY (string_to_array(trim(BOTH '/' FROM $1::text), '/')::uuid[]) AND level = 'county'`,
    [placePath],
  );
  return row ?? null;
}
