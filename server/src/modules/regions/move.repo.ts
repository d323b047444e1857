import type { EntityManager } from 'typeorm';
import { refreshEffectiveDispatchMode } from './region.repo';

/**
 * Moving a grid (网格) under another community (社区/嘎查村): the only statements that rewrite a place's path.
 *
 * A place's path (`/city/county/town/community/grid/`) is copied wherever a prefix test must be answered from an
 * index without a join: `service_order.region_path` and `scope_path` (lists, statistics, the task hall by place),
 * `duty_skill_spot.path` (the matching walk checks the area on the index's copy). People (`app_user.region_id`),
 * squads (`squad.region_id`), rosters and applications hold the grid's id, which does not change: they follow by
 * themselves, and jurisdiction is read from the place's path on every request. So a move is: the grid's row, the
 * copies, the dispatch mode in effect, each open order's answerable person (兜底) and scope, and the squads above the
 * grid that no longer cover its people — all in the caller's transaction, the three places' rows locked first.
 *
 * `old` and `next` are the grid's paths before and after; every statement touches only the grid's subtree.
 */
export interface MovePaths {
  old: string;
  next: string;
}

/** Locks the two communities of a move in id order, so two moves never wait for each other in a circle. */
export async function lockPlaces(m: Pick<EntityManager, 'query'>, ids: readonly string[]): Promise<void> {
  await m.query(`SELECT id FROM region WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [[...new Set(ids)]]);
}

/** A squad above the grid, led by one of the grid's people, that would no longer cover its leader. */
export interface StrandedLeaderRow {
  squad_name: string;
  place_name: string;
  leader_name: string;
}

// squads outside the grid's subtree whose place is not an ancestor of the grid's new place
const SQUAD_LEFT_BEHIND = `NOT (sr.path LIKE $1 || '%') AND NOT starts_with($2, sr.path)`;

export async function findStrandedLeader(m: Pick<EntityManager, 'query'>, p: MovePaths): Promise<StrandedLeaderRow | undefined> {
  const [row] = await m.query<StrandedLeaderRow[]>(
    `SELECT s.name AS squad_name, sr.name AS place_name, u.name AS leader_name
       FROM squad s JOIN region sr ON sr.id = s.region_id JOIN app_user u ON u.id = s.leader_id JOIN region ur ON ur.id = u.region_id
      WHERE ur.path LIKE $1 || '%' AND ${SQUAD_LEFT_BEHIND}
      ORDER BY s.name LIMIT 1`,
    [p.old, p.next],
  );
  return row;
}

/** Ends the grid's people's memberships of squads that will no longer cover them; answers how many. */
export async function leaveSquadsLeftBehind(m: Pick<EntityManager, 'query'>, p: MovePaths): Promise<number> {
  // counted by a SELECT over the DELETE (TypeORM answers a bare DELETE … RETURNING as [rows, count])
  const [row] = await m.query<Array<{ n: number }>>(
    `WITH gone AS (
       DELETE FROM squad_member sm USING squad s, region sr, app_user u, region ur
        WHERE s.id = sm.squad_id AND sr.id = s.region_id AND u.id = sm.user_id AND ur.id = u.region_id
          AND ur.path LIKE $1 || '%' AND ${SQUAD_LEFT_BEHIND}
        RETURNING sm.user_id)
     SELECT count(*)::int AS n FROM gone`,
    [p.old, p.next],
  );
  return row?.n ?? 0;
}

/** The grid (and anything under it) gets its new path; the grid itself its new parent. */
export async function rewritePlacePaths(m: Pick<EntityManager, 'query'>, gridId: string, parentId: string, p: MovePaths): Promise<void> {
  await m.query(
    `UPDATE region SET path = $2 || substr(path, length($1) + 1),
            parent_id = CASE WHEN id = $3 THEN $4::uuid ELSE parent_id END, updated_at = now()
      WHERE path LIKE $1 || '%'`,
    [p.old, p.next, gridId, parentId],
  );
  // the mode in effect: its own setting, else the nearest new ancestor's
  await refreshEffectiveDispatchMode(m, p.next);
}

// the depth of an order's scope in the tree (1: the city … 5: a grid)
const DEPTH = `cardinality(string_to_array(trim(BOTH '/' FROM o.scope_path), '/'))`;

/**
 * The grid's orders under their new path. An order escalated above the grid (三级联动) keeps its level: its scope
 * becomes the new ancestor at the same depth (the tree is always five levels deep, so the depth is the level).
 * Answers the orders rewritten and how many of them are open. Run again after the move's commit: an order being
 * written while the move ran may have read the old path (creation does not lock the place).
 */
export async function rewriteOrderPaths(m: Pick<EntityManager, 'query'>, p: MovePaths): Promise<{ orders: number; open: number }> {
  const [row] = await m.query<Array<{ orders: number; open: number }>>(
    `WITH np AS (SELECT string_to_array(trim(BOTH '/' FROM $2::text), '/')::uuid[] AS ids), moved AS (
     UPDATE service_order o SET
            region_path = $2 || substr(o.region_path, length($1) + 1),
            scope_region_id = CASE WHEN o.scope_path LIKE $1 || '%' THEN o.scope_region_id ELSE np.ids[${DEPTH}] END,
            scope_path = CASE WHEN o.scope_path LIKE $1 || '%' THEN $2 || substr(o.scope_path, length($1) + 1)
                              ELSE '/' || array_to_string(np.ids[1:${DEPTH}], '/') || '/' END
       FROM np
      WHERE o.region_path LIKE $1 || '%'
      RETURNING o.status)
     SELECT count(*)::int AS orders, count(*) FILTER (WHERE status IN ('pending', 'dispatched', 'accepted', 'in_service'))::int AS open FROM moved`,
    [p.old, p.next],
  );
  return { orders: row?.orders ?? 0, open: row?.open ?? 0 };
}

/**
 * The answerable person (兜底责任人) of the grid's waiting orders, decided again under the new place: the rule of
 * order creation (orders/order.repo.ts, RESPONSIBLE) — the paired cadre of a ledger household, else a grid worker
 * of the grid, else the staff of the nearest place above. Where the grid has its own grid workers nothing changes;
 * an order that fell to the old community's staff now falls to the new one's.
 */
export async function reassignResponsible(m: Pick<EntityManager, 'query'>, next: string): Promise<void> {
  await m.query(
    `UPDATE service_order s SET responsible_id = COALESCE(
       (SELECT h.paired_cadre_id FROM app_user h WHERE h.id = s.resident_id AND cardinality(h.tags) > 0),
       (SELECT w.id FROM app_user w
        WHERE w.region_id = ANY (string_to_array(trim(BOTH '/' FROM s.region_path), '/')::uuid[])
          AND w.roles && ARRAY['grid_worker', 'dispatcher']::text[]
        ORDER BY array_position(string_to_array(trim(BOTH '/' FROM s.region_path), '/')::uuid[], w.region_id) DESC,
                 'grid_worker' = ANY (w.roles) DESC, hashtext(w.id::text || s.resident_id::text) DESC, w.id
        LIMIT 1))
      WHERE s.region_path LIKE $1 || '%' AND s.status IN ('pending', 'dispatched')`,
    [next],
  );
}

/**
 * The matching walk's copy of the place's path (duty_skill_spot, AddDutySkillSpots) for the grid's people on duty.
 * Like the orders, run again after commit: a duty switch during the move may have copied the old path.
 */
export async function rewriteDutySpots(m: Pick<EntityManager, 'query'>, p: MovePaths): Promise<void> {
  await m.query(
    `UPDATE duty_skill_spot d SET path = $2 || substr(d.path, length($1) + 1)
       FROM app_user u JOIN region r ON r.id = u.region_id
      WHERE d.user_id = u.id AND r.path LIKE $2 || '%' AND d.path LIKE $1 || '%'`,
    [p.old, p.next],
  );
}

/** How many people are placed in the grid (or below it). */
export async function countPeopleUnder(m: Pick<EntityManager, 'query'>, path: string): Promise<number> {
  const [row] = await m.query<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM app_user u JOIN region r ON r.id = u.region_id WHERE r.path LIKE $1 || '%'`,
    [path],
  );
  return row?.n ?? 0;
}
