import type { AssignmentState, DispatchMode, EscalationLevel, OrderChannel, OrderStatus, Urgency } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { UUID_PATTERN, fieldError } from '../../errors';

/** An order as the routes read it: the row plus the names shown with it, in one query. */
export interface OrderRow {
  id: string;
  resident_id: string;
  requester_id: string;
  channel: OrderChannel;
  category_code: string;
  category_name: string;
  accept_minutes_normal: number;
  accept_minutes_urgent: number;
  description: string;
  address: string | null;
  location_lat: number | null;
  location_lng: number | null;
  preferred_start: Date | null;
  preferred_end: Date | null;
  urgency: Urgency;
  headcount: number;
  accepted_count: number;
  status: OrderStatus;
  region_id: string;
  region_name: string;
  region_path: string;
  /** The community (嘎查村/社区) the resident lives in: what a masked address is cut to. */
  community_name: string;
  escalation_level: EscalationLevel;
  scope_region_id: string;
  scope_path: string;
  escalate_at: Date | null;
  deadline_at: Date;
  dispatched_to_user_id: string | null;
  dispatched_to_squad_id: string | null;
  round: number;
  version: number;
  first_accepted_at: Date | null;
  completed_at: Date | null;
  closed_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  far_check_in: boolean;
  rating: number | null;
  rating_comment: string | null;
  request_hash: string | null;
  dispatch_mode: DispatchMode;
  auto_dispatch_at: Date | null;
  resident_name: string;
  resident_phone: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface AssignmentRow {
  id: string;
  order_id: string;
  round: number;
  volunteer_id: string;
  volunteer_name: string;
  squad_id: string | null;
  state: AssignmentState;
  accepted_at: Date;
  checked_in_at: Date | null;
  completed_at: Date | null;
  check_in_distance_m: number | null;
  check_in_far: boolean;
  service_minutes: number | null;
  note: string | null;
  photo_urls: string[];
}

/** The select every order read goes through, from `source` (the table, or a CTE of freshly written rows); `WHERE` and `ORDER BY` are appended. */
export function orderSelect(source = 'service_order'): string {
  return `
  SELECT o.*, c.name AS category_name, c.accept_minutes_normal, c.accept_minutes_urgent,
         r.name AS region_name, u.name AS resident_name, u.phone AS resident_phone,
         COALESCE((SELECT cr.name FROM region cr
                   WHERE cr.id = ANY (string_to_array(trim(BOTH '/' FROM o.region_path), '/')::uuid[]) AND cr.level = 'community'
                   LIMIT 1), r.name) AS community_name
  FROM ${source} o
  JOIN service_category c ON c.code = o.category_code
  JOIN region r ON r.id = o.region_id
  JOIN app_user u ON u.id = o.resident_id`;
}

export const ORDER_SELECT = orderSelect();

/** One order by id, optionally locked for the rest of the transaction (every change locks it first). */
export async function loadOrder(m: EntityManager, id: string, lock = false): Promise<OrderRow | undefined> {
  const rows = await m.query<OrderRow[]>(`${ORDER_SELECT} WHERE o.id = $1${lock ? ' FOR UPDATE OF o' : ''}`, [id]);
  return rows[0];
}

/** Everyone who has been on these orders, every round, first to accept first (`round` tells the current ones). */
export async function loadAssignments(m: EntityManager, orders: ReadonlyArray<Pick<OrderRow, 'id' | 'version'>>): Promise<Map<string, AssignmentRow[]>> {
  const out = new Map<string, AssignmentRow[]>(orders.map((o) => [o.id, []]));
  // an order still at its first version has had nobody on it (every accept writes an event): skip the query
  const touched = orders.filter((o) => o.version > 1);
  if (touched.length === 0) return out;
  const rows = await m.query<AssignmentRow[]>(
    `SELECT a.*, u.name AS volunteer_name FROM order_assignment a JOIN app_user u ON u.id = a.volunteer_id
     WHERE a.order_id = ANY($1::uuid[]) ORDER BY a.accepted_at, a.id`,
    [touched.map((o) => o.id)],
  );
  for (const a of rows) out.get(a.order_id)?.push(a);
  return out;
}

/** Minutes an order of this urgency may wait for acceptance before it escalates. */
export function acceptMinutes(o: Pick<OrderRow, 'urgency' | 'accept_minutes_normal' | 'accept_minutes_urgent'>): number {
  return o.urgency === 'urgent' ? o.accept_minutes_urgent : o.accept_minutes_normal;
}

/** States in which a person holds a place on the order. */
export const HOLDING: readonly AssignmentState[] = ['accepted', 'in_service', 'completed'];

/** Lists are newest first; the cursor is the last item's (created_at, id). */
export function encodeCursor(o: Pick<OrderRow, 'created_at' | 'id'>): string {
  return Buffer.from(JSON.stringify([o.created_at.toISOString(), o.id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && UUID_PATTERN.test(id)) return [at, id];
  } catch {
    /* fall through */
  }
  throw fieldError('cursor', '分页游标无效');
}


/**
 * A page of orders, newest first, under the caller's conditions (`where`, with `params` numbered from $1): the
 * cursor condition and the limit are added here, for every list of orders (GET /orders, GET /tasks/mine).
 */
export async function orderPage(
  m: EntityManager,
  where: string[],
  params: unknown[],
  page: { cursor?: string; limit?: number },
): Promise<{ rows: OrderRow[]; nextCursor: string | null }> {
  const conditions = [...where];
  const values = [...params];
  if (page.cursor !== undefined) {
    const [at, id] = decodeCursor(page.cursor);
    values.push(at, id);
    conditions.push(`(o.created_at, o.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  const limit = page.limit ?? 20;
  values.push(limit + 1);
  const rows = await m.query<OrderRow[]>(`${ORDER_SELECT} WHERE ${conditions.join(' AND ')} ORDER BY o.created_at DESC, o.id DESC LIMIT $${values.length}`, values);
  const kept = rows.slice(0, limit);
  return { rows: kept, nextCursor: rows.length > limit ? encodeCursor(kept[kept.length - 1]!) : null };
}
