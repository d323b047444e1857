import type {
  ContentReview,
  DispatchMode,
  ServiceKind,
  EscalationLevel,
  OrderChannel,
  OrderEventDto,
  OrderEventType,
  OrderStatus,
  Urgency,
} from '@bangbang/shared';
import { AdvisoryLock } from '../../db/locks';
import type { DataSource, EntityManager } from 'typeorm';
import { Statement, run } from '../../db/prepared';
import { updateReturning } from '../../db/returning';
import type { ActorRows } from '../auth/actor-row';
import { decodeCursor, encodeCursor, keysetBefore } from '../../db/cursor';
import type { AssignmentRow, OrderRow } from './order-row';

/**
 * The orders module's data access: every statement the orders module sends (reading, changing, and creation's two
 * prepared statements at the end). Raw SQL with typed rows, as everywhere on the order paths (see
 * docs/decisions/ on raw SQL for the hot paths). Functions take the caller's manager: inside a transaction, the
 * transaction's.
 */

type Db = Pick<EntityManager, 'query'>;

// ---------- reading ----------

/** The select every order read goes through, from `source` (the table, or a CTE of freshly written rows); `WHERE` and `ORDER BY` are appended. */
export function orderSelect(source = 'service_order'): string {
  return `
  SELECT o.*, c.name AS category_name, c.kind AS category_kind, c.accept_minutes_normal, c.accept_minutes_urgent,
         r.name AS region_name, u.name AS resident_name, u.phone AS resident_phone, u.landline AS resident_landline,
         ru.name AS responsible_name, ru.phone AS responsible_phone,
         -- CASE: the family probe (one index lookup) only for a resident who cannot log in
         CASE WHEN u.phone IS NOT NULL OR u.wechat_openid IS NOT NULL THEN true
              ELSE EXISTS (SELECT 1 FROM family_contact f WHERE f.resident_id = o.resident_id) END AS resident_confirms,
         COALESCE((SELECT cr.name FROM region cr
                   WHERE cr.id = ANY (string_to_array(trim(BOTH '/' FROM o.region_path), '/')::uuid[]) AND cr.level = 'community'
                   LIMIT 1), r.name) AS community_name
  FROM ${source} o
  JOIN service_category c ON c.code = o.category_code
  JOIN region r ON r.id = o.region_id
  JOIN app_user u ON u.id = o.resident_id
  LEFT JOIN app_user ru ON ru.id = o.responsible_id`;
}

export const ORDER_SELECT = orderSelect();

/** One order by id, optionally locked for the rest of the transaction (every change locks it first). */
export async function loadOrder(m: Db, id: string, lock = false): Promise<OrderRow | undefined> {
  const rows = await m.query<OrderRow[]>(`${ORDER_SELECT} WHERE o.id = $1${lock ? ' FOR UPDATE OF o' : ''}`, [id]);
  return rows[0];
}

// ---------- offers (同时请几位; migration AddOffersAndServiceKinds) ----------

/** The orders offered to the person right now (index order_offer_open_idx). */
export async function openOffersOf(m: Db, personId: string): Promise<string[]> {
  const rows = await m.query<Array<{ order_id: string }>>(`SELECT order_id FROM order_offer WHERE volunteer_id = $1 AND state = 'open'`, [personId]);
  return rows.map((r) => r.order_id);
}

/** Was the order ever offered to the person (any round, any end)? */
export async function wasOffered(m: Db, orderId: string, personId: string): Promise<boolean> {
  const rows = await m.query<unknown[]>(`SELECT 1 FROM order_offer WHERE order_id = $1 AND volunteer_id = $2 LIMIT 1`, [orderId, personId]);
  return rows.length > 0;
}

/**
 * Ends the order's open offers of its current round: the person who accepted (if any) as `accepted`, everyone
 * else as `others` — `withdrawn` when the order was taken, `expired` when it stopped waiting otherwise (cancelled,
 * dispatched by a person, a new round) — or left open (`null`: places are still open for them).
 */
export async function closeOffers(
  m: Db,
  o: Pick<OrderRow, 'id' | 'round'>,
  at: Date,
  { accepted = null, others }: { accepted?: string | null; others: 'withdrawn' | 'expired' | null },
): Promise<void> {
  await m.query(
    `UPDATE order_offer SET state = CASE WHEN volunteer_id = $3::uuid THEN 'accepted' ELSE $4 END, closed_at = $5
     WHERE order_id = $1 AND round = $2 AND state = 'open' AND (volunteer_id = $3::uuid OR $4::text IS NOT NULL)`,
    [o.id, o.round, accepted, others, at],
  );
}

/** Writes one wave of offers (the order locked by the caller); answers the people newly asked. */
export async function insertOffers(
  m: Db,
  o: Pick<OrderRow, 'id' | 'round'>,
  people: readonly string[],
  wave: number,
  at: Date,
  answerBy: Date,
): Promise<string[]> {
  if (people.length === 0) return [];
  const rows = await m.query<Array<{ volunteer_id: string }>>(
    `INSERT INTO order_offer (order_id, round, volunteer_id, wave, offered_at, answer_by)
     SELECT $1, $2, p, $4, $5, $6 FROM unnest($3::uuid[]) AS p
     -- asked before in this round, but someone else took it then (or it stopped waiting): the order waits again
     -- (released, recalled, a no-show), so they are asked again
     ON CONFLICT (order_id, round, volunteer_id) DO UPDATE
       SET state = 'open', wave = EXCLUDED.wave, offered_at = EXCLUDED.offered_at, answer_by = EXCLUDED.answer_by, closed_at = NULL
       WHERE order_offer.state IN ('withdrawn', 'expired')
     RETURNING volunteer_id`,
    [o.id, o.round, [...people], wave, at, answerBy],
  );
  return rows.map((r) => r.volunteer_id);
}

/**
 * Those a new wave does not ask again in the order's current round: the people still asked (open) and those who
 * took it (accepted: they gave it back or were taken off it). People whose offer was withdrawn when someone else took
 * it, or expired, may be asked again once the order waits again.
 */
export async function offeredInRound(m: Db, o: Pick<OrderRow, 'id' | 'round'>): Promise<{ all: Set<string>; open: number }> {
  const rows = await m.query<Array<{ volunteer_id: string; state: string }>>(
    `SELECT volunteer_id, state FROM order_offer WHERE order_id = $1 AND round = $2 AND state IN ('open', 'accepted')`,
    [o.id, o.round],
  );
  return { all: new Set(rows.map((r) => r.volunteer_id)), open: rows.filter((r) => r.state === 'open').length };
}

/** Everyone who has been on these orders, every round, first to accept first (`round` tells the current ones). */
export async function loadAssignments(m: Db, orders: ReadonlyArray<Pick<OrderRow, 'id' | 'version'>>): Promise<Map<string, AssignmentRow[]>> {
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

/**
 * A page of orders, newest first, under the caller's conditions (`where`, with `params` numbered from $1): the
 * cursor condition and the limit are added here, for every list of orders (GET /orders, GET /tasks/mine).
 */
export async function orderPage(
  m: Db,
  where: string[],
  params: unknown[],
  page: { cursor?: string; limit?: number },
): Promise<{ rows: OrderRow[]; nextCursor: string | null }> {
  const conditions = [...where];
  const values = [...params];
  if (page.cursor !== undefined) {
    conditions.push(keysetBefore(decodeCursor(page.cursor), 'service_order', 'o', values));
  }
  const limit = page.limit ?? 20;
  values.push(limit + 1);
  // created_at as the database's text too (microseconds), for the next cursor
  const rows = await m.query<Array<OrderRow & { cursor_at: string }>>(
    `SELECT p.*, p.created_at::text AS cursor_at FROM (${ORDER_SELECT} WHERE ${conditions.join(' AND ')} ORDER BY o.created_at DESC, o.id DESC LIMIT $${values.length}) p
     ORDER BY p.created_at DESC, p.id DESC`,
    values,
  );
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  const kept = rows.slice(0, limit).map(({ cursor_at: _at, ...row }) => row);
  return { rows: kept, nextCursor: last ? encodeCursor(last.cursor_at, last.id) : null };
}

/** The filters that lists and figures of orders share: a place's subtree and a window of creation times. */
export interface OrderFilter {
  /** The path of a place whose subtree the orders' residents live in. */
  regionPath?: string;
  /** Created at or after (ISO). */
  from?: string;
  /** Created before (ISO). */
  to?: string;
}

/** The filter as conditions on `o` (service_order), its values appended to `params`. */
export function filterConditions(f: OrderFilter, params: unknown[]): string[] {
  const where: string[] = [];
  if (f.regionPath !== undefined) {
    params.push(f.regionPath);
    where.push(`o.region_path LIKE $${params.length} || '%'`);
  }
  if (f.from !== undefined) {
    params.push(f.from);
    where.push(`o.created_at >= $${params.length}`);
  }
  if (f.to !== undefined) {
    params.push(f.to);
    where.push(`o.created_at < $${params.length}`);
  }
  return where;
}

/**
 * The condition "this person is on the order": its resident or requester, the one it is dispatched to (or a squad
 * of theirs), someone who took a place on it in any round (and was not taken off it by staff: 撤回), or family of its
 * resident (`family`: the residents).
 */
export function involvesCondition(personId: string, squads: readonly string[], params: unknown[], family: readonly string[] = []): string {
  params.push(personId);
  const me = `$${params.length}`;
  params.push([...squads]);
  const mine = `$${params.length}`;
  let followed = '';
  if (family.length > 0) {
    params.push([...family]);
    followed = ` OR o.resident_id = ANY($${params.length}::uuid[])`;
  }
  return `o.resident_id = ${me} OR o.requester_id = ${me} OR o.dispatched_to_user_id = ${me} OR o.dispatched_to_squad_id = ANY(${mine}::uuid[])${followed}
          OR EXISTS (SELECT 1 FROM order_assignment a WHERE a.order_id = o.id AND a.volunteer_id = ${me} AND a.state <> 'recalled')`;
}

/** The condition "the order has escalated to the level of a person whose place is `placePath`" (三级联动). */
export function reachedCondition(placePath: string, params: unknown[]): string {
  params.push(placePath);
  return `$${params.length} LIKE o.scope_path || '%'`;
}

/**
 * The condition "still waiting for someone (pending, or dispatched without an answer) past its deadline at `now`"
 * (overdue: the board's top, the overdue list), or with `overdue` false its opposite.
 */
export function overdueCondition(now: Date, params: unknown[], overdue = true): string {
  params.push(now);
  const waiting = `(o.status IN ('pending', 'dispatched') AND o.deadline_at <= $${params.length})`;
  return overdue ? waiting : `NOT ${waiting}`;
}

/** Orders under the caller's conditions, longest waiting (earliest placed) first, at most `limit`. */
export async function longestWaiting(m: Db, where: string[], params: unknown[], limit: number): Promise<OrderRow[]> {
  const values = [...params, limit];
  return m.query<OrderRow[]>(`${ORDER_SELECT} WHERE ${where.join(' AND ')} ORDER BY o.created_at, o.id LIMIT $${values.length}`, values);
}

/** The condition "its text waits for staff to look at it" (WeChat's content check), or its opposite. */
export function contentReviewCondition(waiting: boolean): string {
  return waiting ? 'o.content_review IS NOT NULL' : 'o.content_review IS NULL';
}

/** Flags an order's text for staff to look at (or, with null, marks it looked at). */
export async function setContentReview(m: Db, id: string, review: ContentReview | null): Promise<void> {
  await m.query(`UPDATE service_order SET content_review = $2 WHERE id = $1`, [id, review]);
}

/** Conditions on status and category, as a list of orders takes them. */
export function statusCategoryConditions(f: { status?: OrderStatus; categoryCode?: string }, params: unknown[]): string[] {
  const where: string[] = [];
  if (f.status !== undefined) {
    params.push(f.status);
    where.push(`o.status = $${params.length}`);
  }
  if (f.categoryCode !== undefined) {
    params.push(f.categoryCode);
    where.push(`o.category_code = $${params.length}`);
  }
  return where;
}

/** The order's timeline, oldest first, with the names of the people who acted. */
export async function loadEvents(m: Db, orderId: string): Promise<OrderEventDto[]> {
  const rows = await m.query<
    Array<{
      seq: number;
      type: OrderEventDto['type'];
      actor_id: string | null;
      actor_name: string | null;
      at: Date;
      from_status: OrderEventDto['fromStatus'];
      to_status: OrderEventDto['toStatus'];
      reason: string | null;
      data: Record<string, unknown>;
    }>
  >(
    `SELECT e.seq, e.type, e.actor_id, u.name AS actor_name, e.at, e.from_status, e.to_status, e.reason, e.data
     FROM order_event e LEFT JOIN app_user u ON u.id = e.actor_id WHERE e.order_id = $1 ORDER BY e.seq`,
    [orderId],
  );
  return rows.map((e) => ({
    seq: e.seq,
    type: e.type,
    actorId: e.actor_id,
    actorName: e.actor_name,
    at: e.at.toISOString(),
    fromStatus: e.from_status,
    toStatus: e.to_status,
    reason: e.reason,
    data: e.data,
  }));
}

/**
 * The residents whose family (家属联系人) the person with this phone is: one probe of family_contact's phone index,
 * once per request (the viewer), so that neither one order's check nor a list's costs more.
 */
export async function residentsOfFamily(m: Db, phone: string): Promise<string[]> {
  const rows = await m.query<Array<{ resident_id: string }>>(`SELECT resident_id FROM family_contact WHERE phone = $1`, [phone]);
  return rows.map((r) => r.resident_id);
}

/** The squads a person belongs to, and whether they lead each. */
export async function squadsOf(m: Db, personId: string): Promise<Array<{ squad_id: string; leads: boolean }>> {
  return m.query(`SELECT sm.squad_id, s.leader_id = $1 AS leads FROM squad_member sm JOIN squad s ON s.id = sm.squad_id WHERE sm.user_id = $1`, [personId]);
}

/** The resident an order is placed for by someone else (代下单): who they are and what an order takes from them. */
export interface ResidentOfOrder {
  id: string;
  name: string;
  phone: string | null;
  landline: string | null;
  roles: string[];
  address: string | null;
  lat: number | null;
  lng: number | null;
  regionId: string | null;
  regionName: string | null;
  path: string | null;
  level: string | null;
  /** The auto-dispatch mode of the resident's place (an order keeps it). */
  dispatchMode: DispatchMode;
  /** They can confirm their orders themself or through family (see OrderRow.resident_confirms). */
  confirms: boolean;
}

export async function findResident(m: Db, id: string): Promise<ResidentOfOrder | undefined> {
  const [row] = await m.query<ResidentOfOrder[]>(
    `SELECT u.id, u.name, u.phone, u.landline, u.roles, u.address, u.location_lat AS lat, u.location_lng AS lng, u.region_id AS "regionId",
            r.name AS "regionName", r.path, r.level, COALESCE(r.effective_dispatch_mode, 'manual') AS "dispatchMode",
            (u.phone IS NOT NULL OR u.wechat_openid IS NOT NULL OR EXISTS (SELECT 1 FROM family_contact f WHERE f.resident_id = u.id)) AS confirms
     FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = $1`,
    [id],
  );
  return row;
}

/** The order a requester placed earlier with this Idempotency-Key, with the fingerprint of that request. */
export async function findByIdempotencyKey(m: Db, requesterId: string, key: string): Promise<{ id: string; request_hash: string | null } | undefined> {
  const [earlier] = await m.query<Array<{ id: string; request_hash: string | null }>>(
    `SELECT id, request_hash FROM service_order WHERE requester_id = $1 AND idempotency_key = $2`,
    [requesterId, key],
  );
  return earlier;
}

/** A person an order may be dispatched to (派单): their roles and place. */
export async function findDispatchPerson(m: Db, id: string): Promise<{ id: string; name: string; roles: string[]; path: string | null } | undefined> {
  const [person] = await m.query<Array<{ id: string; name: string; roles: string[]; path: string | null }>>(
    `SELECT u.id, u.name, u.roles, r.path FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = $1`,
    [id],
  );
  return person;
}

/** A squad an order may be dispatched to, with the path of the place it serves. */
export async function findDispatchSquad(m: Db, id: string): Promise<{ id: string; name: string; path: string } | undefined> {
  const [squad] = await m.query<Array<{ id: string; name: string; path: string }>>(
    `SELECT s.id, s.name, r.path FROM squad s JOIN region r ON r.id = s.region_id WHERE s.id = $1`,
    [id],
  );
  return squad;
}

/**
 * The orders of a place's subtree still waiting for someone — pending, or dispatched and waiting for an answer —
 * oldest first (batch dispatch chooses among the pending ones and says why it left the others).
 */
export async function waitingOrdersUnder(m: Db, regionPath: string): Promise<OrderRow[]> {
  return m.query<OrderRow[]>(`${ORDER_SELECT} WHERE o.status IN ('pending', 'dispatched') AND o.region_path LIKE $1 || '%' ORDER BY o.created_at`, [
    regionPath,
  ]);
}

/** Locks these orders for the transaction, in id order (two callers over the same orders cannot deadlock); their rows as now. */
export async function lockOrders(m: Db, ids: readonly string[]): Promise<OrderRow[]> {
  return m.query<OrderRow[]>(`${ORDER_SELECT} WHERE o.id = ANY ($1::uuid[]) ORDER BY o.id FOR UPDATE OF o`, [[...ids]]);
}

// ---------- changing (the order's row is locked by the caller) ----------

/** An event of the order's timeline, as a change writes it. */
export interface EventInput {
  type: OrderEventType;
  actorId: string | null;
  at: Date;
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string | null;
  data: Record<string, unknown>;
}

async function appendEvent(m: Db, orderId: string, seq: number, e: EventInput): Promise<void> {
  await m.query(
    `INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, reason, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [orderId, seq, e.type, e.actorId, e.at, e.from, e.to, e.reason, JSON.stringify(e.data)],
  );
}

/** A column's new value written as SQL over its current value, e.g. `accepted_count + 1`. */
export class Sql {
  constructor(readonly text: string) {}
}

/**
 * Writes the order's new column values and its event, numbered by the new version. The row is locked; places are
 * still counted in SQL (`accepted_count + 1`), so that the CHECK accepted_count <= headcount would refuse an extra
 * place even if the lock were ever lost.
 */
export async function commit(m: Db, o: Pick<OrderRow, 'id' | 'status'>, set: Record<string, unknown>, e: Omit<EventInput, 'from'>): Promise<void> {
  const params: unknown[] = [o.id, e.at];
  const assignments = Object.entries(set).map(([column, value]) => {
    if (value instanceof Sql) return `${column} = ${value.text}`;
    params.push(value);
    return `${column} = $${params.length}`;
  });
  const [row] = await updateReturning<{ version: number }>(
    m,
    `UPDATE service_order SET ${[...assignments, 'version = version + 1', 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING version`,
    params,
  );
  await appendEvent(m, o.id, row!.version, { ...e, from: o.status });
}

/** When the system should next act on the order under auto-dispatch (null: never); no version, no event. */
export async function setAutoDispatchAt(m: Db, orderId: string, at: Date | null): Promise<void> {
  await m.query(`UPDATE service_order SET auto_dispatch_at = $2 WHERE id = $1`, [orderId, at]);
}

/** The wave of offers just sent (or tried: nobody new was found) and when the next is due; no version, no event. */
export async function setOfferWave(m: Db, orderId: string, wave: number, next: Date): Promise<void> {
  await m.query(`UPDATE service_order SET offer_wave = $2, auto_dispatch_at = $3 WHERE id = $1`, [orderId, wave, next]);
}

/**
 * Many dispatches at once (批量派单), each as `commit` would write it: the orders were locked and re-checked by the
 * caller; one UPDATE sets each its assignee and bumps its version (only where the version is still the one checked),
 * one INSERT writes each its `dispatch` event numbered by the new version. Returns the ids written.
 */
export async function commitDispatches(
  m: Db,
  items: ReadonlyArray<{ o: OrderRow; assigneeId: string; data: Record<string, unknown> }>,
  e: { actorId: string; at: Date; reason: string },
): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const rows = await m.query<Array<{ id: string; version: number; from_status: OrderStatus }>>(
    `WITH x AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::jsonb[]) AS x(id, assignee, version, data)),
          u AS (UPDATE service_order o SET status = 'dispatched', dispatched_to_user_id = x.assignee, dispatched_to_squad_id = NULL,
                       auto_dispatch_at = NULL, version = o.version + 1, updated_at = $5
                FROM x WHERE o.id = x.id AND o.version = x.version AND o.status = 'pending'
                RETURNING o.id, o.version, x.data)
     INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, reason, data)
     SELECT u.id, u.version, 'dispatch', $6, $5, 'pending', 'dispatched', $7, u.data FROM u
     RETURNING order_id AS id, seq AS version, from_status`,
    [
      items.map((i) => i.o.id),
      items.map((i) => i.assigneeId),
      items.map((i) => i.o.version),
      items.map((i) => JSON.stringify(i.data)),
      e.at,
      e.actorId,
      e.reason,
    ],
  );
  return new Set(rows.map((r) => r.id));
}

// ---------- places on an order (order_assignment) ----------

/**
 * The tasks a person has in hand (accepted or in service, any order), counted under a per-person lock held to the
 * end of the transaction: two task-hall accepts of one person are counted one after the other.
 */
export async function lockedTasksInHand(m: Db, personId: string): Promise<number> {
  await m.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [AdvisoryLock.HallAccept, personId]);
  const [row] = await m.query<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM order_assignment WHERE volunteer_id = $1 AND state IN ('accepted', 'in_service')`,
    [personId],
  );
  return row!.n;
}

export async function insertAssignment(m: Db, a: { orderId: string; round: number; personId: string; squadId: string | null; at: Date }): Promise<void> {
  await m.query(`INSERT INTO order_assignment (order_id, round, volunteer_id, squad_id, state, accepted_at) VALUES ($1, $2, $3, $4, 'accepted', $5)`, [
    a.orderId,
    a.round,
    a.personId,
    a.squadId,
    a.at,
  ]);
}

export async function releaseAssignment(m: Db, id: string, at: Date, reason: string): Promise<void> {
  await m.query(`UPDATE order_assignment SET state = 'released', ended_at = $2, end_reason = $3 WHERE id = $1`, [id, at, reason]);
}

export async function checkInAssignment(
  m: Db,
  id: string,
  c: { at: Date; lat: number | null; lng: number | null; distance: number | null; far: boolean },
): Promise<void> {
  await m.query(
    `UPDATE order_assignment SET state = 'in_service', checked_in_at = $2, check_in_lat = $3, check_in_lng = $4, check_in_distance_m = $5, check_in_far = $6 WHERE id = $1`,
    [id, c.at, c.lat, c.lng, c.distance, c.far],
  );
}

export async function completeAssignment(m: Db, id: string, c: { at: Date; minutes: number; note: string; photoUrls: string[] }): Promise<void> {
  await m.query(`UPDATE order_assignment SET state = 'completed', completed_at = $2, service_minutes = $3, note = $4, photo_urls = $5 WHERE id = $1`, [
    id,
    c.at,
    c.minutes,
    c.note,
    c.photoUrls,
  ]);
}

/**
 * Ends these places in one state (people who never came: `no_show`; an order cancelled: `cancelled`, or places taken
 * back by staff: `recalled`, with the reason).
 */
export async function endAssignments(m: Db, ids: readonly string[], state: 'no_show' | 'cancelled' | 'recalled', at: Date, reason?: string): Promise<void> {
  if (ids.length === 0) return;
  if (reason === undefined) {
    await m.query(`UPDATE order_assignment SET state = $3, ended_at = $2 WHERE id = ANY($1)`, [[...ids], at, state]);
  } else {
    await m.query(`UPDATE order_assignment SET state = $4, ended_at = $2, end_reason = $3 WHERE id = ANY($1)`, [[...ids], at, reason, state]);
  }
}

// ---------- creating (点单: the hot path, see creation.ts) ----------

/** The statement's array parameters: for each key, its values over the items (one element per order). */
function columnsOf<T>(items: readonly T[], keys: ReadonlyArray<keyof T>): unknown[][] {
  return keys.map((k) => items.map((o) => o[k]));
}

/**
 * One order to write: what its request said (null where it said nothing) and what it takes from its resident and
 * their place. What the order then is — its defaults — is decided by `decided`, in SQL, for both statements. The id
 * is chosen by the caller, so that a batch's rows find their requests.
 */
export interface NewOrder {
  id: string;
  residentId: string;
  requesterId: string;
  /** Null: the default (`miniapp` for one's own order, `phone` for a proxy's). */
  channel: OrderChannel | null;
  categoryCode: string;
  description: string;
  /** Null: the resident's home address (`home`). */
  address: string | null;
  /** Null (both): the resident's home location. */
  lat: number | null;
  lng: number | null;
  preferredStart: string | null;
  preferredEnd: string | null;
  urgency: Urgency;
  /** Null: 1. */
  headcount: number | null;
  /** The resident's place (a grid, usually): where the order lives. */
  regionId: string;
  regionPath: string;
  /** The level of the resident's place; the order starts there, capped at the county. */
  level: string;
  idempotencyKey: string | null;
  requestHash: string | null;
  at: Date;
  /** Pool mode: how long an order is offered in the task hall before it is dispatched automatically. */
  poolOfferMinutes: number;
  /** The auto-dispatch mode in effect at the resident's place (null: manual). */
  dispatchMode: DispatchMode | null;
  /** The resident's home, which the order takes when the request gives no address or location. */
  home?: { address: string | null; lat: number | null; lng: number | null };
  /** Staff knowingly place a second open order of the service beside this one (null: the order is the service's only open one). */
  repeatOf?: string | null;
}

/** What an order's statement answers of each order written: what the database decided, and the defaults as decided. */
export interface Written {
  id: string;
  channel: OrderChannel;
  headcount: number;
  address: string | null;
  location_lat: number | null;
  location_lng: number | null;
  region_id: string;
  region_path: string;
  escalation_level: EscalationLevel;
  dispatch_mode: DispatchMode;
  preferred_start: Date | null;
  preferred_end: Date | null;
  escalate_at: Date | null;
  deadline_at: Date;
  auto_dispatch_at: Date | null;
  responsible_id: string | null;
  responsible_name: string | null;
  responsible_phone: string | null;
  category_name: string;
  category_kind: ServiceKind;
  accept_minutes_normal: number;
  accept_minutes_urgent: number;
}

/**
 * THE creation defaults (one place, for both statements): from `src`, one row per order with what the request
 * said and what the resident's profile says (home_address, home_lat, home_lng, place_level, place_dispatch_mode),
 * the columns of the order to write:
 * - channel: as given, else `miniapp` for one's own order and `phone` for a proxy's (代下单, usually by phone);
 * - headcount: as given, else 1;
 * - address and location: as given, else the resident's home (a location only when both coordinates are known);
 * - the level the order starts at: the resident's place's (grid, community, town), capped at the county;
 * - the dispatch mode: the one in effect at the resident's place, else manual.
 */
function decided(src: string): string {
  return `SELECT s.id, s.resident_id, s.requester_id,
            COALESCE(s.channel, CASE WHEN s.resident_id = s.requester_id THEN 'miniapp' ELSE 'phone' END) AS channel,
            s.category_code, s.description, COALESCE(s.address, s.home_address) AS address,
            CASE WHEN s.lat IS NOT NULL THEN s.lat WHEN s.home_lng IS NOT NULL THEN s.home_lat END AS lat,
            CASE WHEN s.lat IS NOT NULL THEN s.lng WHEN s.home_lat IS NOT NULL THEN s.home_lng END AS lng,
            s.preferred_start, s.preferred_end, s.urgency, COALESCE(s.headcount, 1) AS headcount, s.region_id, s.region_path,
            CASE WHEN s.place_level IN ('grid', 'community', 'town') THEN s.place_level ELSE 'county' END AS escalation_level,
            s.idempotency_key, s.request_hash, s.at, s.pool_offer_minutes, COALESCE(s.place_dispatch_mode, 'manual') AS dispatch_mode, s.repeat_of
     FROM ${src} s`;
}

/**
 * Per-account limits on 点单 (issue 18, item 7; ORDER_OPEN_LIMIT, ORDER_DAILY_LIMIT, PROXY_ORDER_DAILY_LIMIT). Counted in
 * PostgreSQL, so every API process sees the same totals; orders of concurrent requests in one statement count each
 * other (two statements at the very same moment may each let one more through: a limit against abuse, not a quota).
 */
export interface OrderLimits {
  /** Orders still waiting for help (not yet completed) per resident, whoever placed them. */
  openPerResident: number;
  /** Orders a person placed for themself in the last 24 hours. */
  dailyPerResident: number;
  /** Proxy orders (代下单) a staff member placed in the last 24 hours. */
  dailyPerProxy: number;
}

/** An order still waiting for help (the predicate of `service_order_open_resident_idx`): what the open limit counts. */
const OPEN_ORDER = `s.status IN ('pending', 'dispatched', 'accepted', 'in_service')`;

/** A resident's open order of a service (the one `service_order_one_open_per_service_idx` keeps unique), if any. */
export async function findOpenOfService(
  m: Db,
  residentId: string,
  categoryCode: string,
): Promise<{ id: string; status: OrderStatus; category_name: string } | undefined> {
  const [row] = await m.query<Array<{ id: string; status: OrderStatus; category_name: string }>>(
    `SELECT o.id, o.status, c.name AS category_name FROM service_order o JOIN service_category c ON c.code = o.category_code
     WHERE o.resident_id = $1 AND o.category_code = $2 AND o.status IN ('pending', 'dispatched', 'accepted', 'in_service') AND o.repeat_of IS NULL`,
    [residentId, categoryCode],
  );
  return row;
}

/** What the limits count for an order of `residentId` placed by `requesterId`: the resident's open orders, the requester's orders since `since`. */
export async function countTowardsLimits(m: Db, residentId: string, requesterId: string, since: Date): Promise<{ open: number; placed: number }> {
  const [row] = await m.query<Array<{ open: number; placed: number }>>(
    `SELECT (SELECT count(*) FROM service_order s WHERE s.resident_id = $1 AND ${OPEN_ORDER})::int AS open,
            CASE WHEN $1 = $2
              THEN (SELECT count(*) FROM service_order s WHERE s.resident_id = $1 AND s.requester_id = $1 AND s.created_at > $3)
              ELSE (SELECT count(*) FROM service_order s WHERE s.requester_id = $2 AND s.requester_id <> s.resident_id AND s.created_at > $3)
            END::int AS placed`,
    [residentId, requesterId, since],
  );
  return row!;
}

/**
 * 兜底责任人 of a new order (`s`: a row as `decided` gives it), decided in the INSERT itself (no second statement on
 * the hot path): the paired cadre (包联) of a household on the ledger (重点人员台账) when it has one; otherwise a grid
 * worker of the resident's place — and where that place has none, the staff of the nearest place above it (grid
 * workers before dispatchers). Among several, the choice is rendezvous hashing: the highest hash of (person,
 * resident). Deterministic — a household always gets the same person, who comes to know it — and fair: each of n
 * workers answers for about 1/n of the households, and a worker joining or leaving moves only their own share. Both
 * probes are index lookups (the resident's key; app_user_staff_place_idx holds only staff).
 */
const RESPONSIBLE = `COALESCE(
       (SELECT h.paired_cadre_id FROM app_user h WHERE h.id = s.resident_id AND cardinality(h.tags) > 0),
       (SELECT w.id FROM app_user w
        WHERE w.region_id = ANY (string_to_array(trim(BOTH '/' FROM s.region_path), '/')::uuid[])
          AND w.roles && ARRAY['grid_worker', 'dispatcher']::text[]
        ORDER BY array_position(string_to_array(trim(BOTH '/' FROM s.region_path), '/')::uuid[], w.region_id) DESC,
                 'grid_worker' = ANY (w.roles) DESC, hashtext(w.id::text || s.resident_id::text) DESC, w.id
        LIMIT 1))`;

/**
 * The part both order statements share: the orders of `src` (rows as `decided` gives them) written with their
 * deadlines from the category, and their `created` events (a proxy order is one whose requester is not its
 * resident). An order whose category is unknown or inactive, whose Idempotency-Key was used before, or whose
 * resident has an open order of the same service already (`service_order_one_open_per_service_idx`: a repeat is
 * 催一下, not a second order) — before, or earlier in the same batch — is not written: ON CONFLICT without a
 * target skips the row on any unique index, so one order's conflict never fails the batch's others. Rows go in
 * (resident, service, requester, key) order, so two batches holding the same keys usually wait for each other in
 * the same order; a deadlock between the two unique indexes fails a batch, which is then written order by order
 * (creation.ts, `groupCommitted`).
 */
function writeOrdersFrom(src: string): string {
  return `ins AS (
     INSERT INTO service_order (id, resident_id, requester_id, channel, category_code, description, address, location_lat, location_lng,
       preferred_start, preferred_end, urgency, headcount, region_id, region_path, escalation_level, scope_region_id, scope_path,
       escalate_at, deadline_at, idempotency_key, request_hash, created_at, updated_at, dispatch_mode, auto_dispatch_at, responsible_id, repeat_of)
     SELECT s.id, s.resident_id, s.requester_id, s.channel, s.category_code, s.description, s.address, s.lat, s.lng,
            s.preferred_start, s.preferred_end, s.urgency, s.headcount, s.region_id, s.region_path, s.escalation_level, s.region_id, s.region_path,
            CASE WHEN s.escalation_level = 'county' THEN NULL ELSE s.at + make_interval(mins => m.minutes) END,
            s.at + make_interval(mins => m.minutes), s.idempotency_key, s.request_hash, s.at, s.at, s.dispatch_mode,
            CASE s.dispatch_mode WHEN 'auto' THEN s.at WHEN 'sequential' THEN s.at WHEN 'pool' THEN s.at + make_interval(mins => s.pool_offer_minutes) END,
            ${RESPONSIBLE}, s.repeat_of
     FROM (${decided(src)}) s JOIN service_category c ON c.code = s.category_code AND c.active
          CROSS JOIN LATERAL (SELECT CASE WHEN s.urgency = 'urgent' THEN c.accept_minutes_urgent ELSE c.accept_minutes_normal END AS minutes) m
     ORDER BY s.resident_id, s.category_code, s.requester_id, s.idempotency_key
     ON CONFLICT DO NOTHING
     RETURNING id, resident_id, requester_id, created_at, category_code, channel, urgency, headcount, address, location_lat, location_lng,
               region_id, region_path, escalation_level, dispatch_mode, preferred_start, preferred_end, escalate_at, deadline_at, auto_dispatch_at,
               responsible_id, repeat_of
   ), ev AS (
     INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, reason, data)
     SELECT ins.id, 1, 'created', ins.requester_id, ins.created_at, NULL, 'pending', NULL,
            jsonb_build_object('channel', ins.channel, 'proxy', ins.resident_id <> ins.requester_id, 'urgency', ins.urgency,
                               'headcount', ins.headcount, 'escalationLevel', ins.escalation_level)
            -- staff knowingly placed it beside an open order of the same service: on the timeline, which one
            || CASE WHEN ins.repeat_of IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('repeatOf', ins.repeat_of) END
     FROM ins
   )`;
}

/** What both statements answer of each order written (see `Written`). */
const WRITTEN = `ins.id, ins.channel, ins.headcount, ins.address, ins.location_lat, ins.location_lng, ins.region_id, ins.region_path,
       ins.escalation_level, ins.dispatch_mode, ins.preferred_start, ins.preferred_end, ins.escalate_at, ins.deadline_at, ins.auto_dispatch_at,
       ins.responsible_id, ru.name AS responsible_name, ru.phone AS responsible_phone,
       c.name AS category_name, c.kind AS category_kind, c.accept_minutes_normal, c.accept_minutes_urgent`;

/** The joins WRITTEN needs besides `ins`. */
const WRITTEN_JOINS = `JOIN service_category c ON c.code = ins.category_code LEFT JOIN app_user ru ON ru.id = ins.responsible_id`;

/**
 * Orders whose resident was read already, and their `created` events, in ONE statement (data-modifying CTEs over
 * arrays, one element per order): one round trip and one commit for any number of orders, atomic without a
 * transaction, prepared once per connection.
 */
const CREATE = new Statement<Written>(
  'order_create',
  `WITH x AS (
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[],
                          $10::timestamptz[], $11::timestamptz[], $12::text[], $13::int[], $14::uuid[], $15::text[], $16::text[],
                          $17::text[], $18::text[], $19::timestamptz[], $20::int[], $21::text[], $22::text[], $23::float8[], $24::float8[],
                          $25::uuid[])
       AS x(id, resident_id, requester_id, channel, category_code, description, address, lat, lng, preferred_start, preferred_end,
            urgency, headcount, region_id, region_path, place_level, idempotency_key, request_hash, at, pool_offer_minutes, place_dispatch_mode,
            home_address, home_lat, home_lng, repeat_of)
   ), ${writeOrdersFrom('x')}
   SELECT ${WRITTEN}
   FROM ins ${WRITTEN_JOINS}`,
);

/** Writes the orders in one statement (on the transaction of `on` when it has one): what was decided of each, or null when it was not written. */
export async function insertOrders(on: DataSource | EntityManager, items: readonly NewOrder[]): Promise<Array<Written | null>> {
  const rows = await run(on, CREATE, [
    ...columnsOf(items, [
      'id',
      'residentId',
      'requesterId',
      'channel',
      'categoryCode',
      'description',
      'address',
      'lat',
      'lng',
      'preferredStart',
      'preferredEnd',
      'urgency',
      'headcount',
      'regionId',
      'regionPath',
      'level',
      'idempotencyKey',
      'requestHash',
      'at',
      'poolOfferMinutes',
      'dispatchMode',
    ]),
    items.map((o) => o.home?.address ?? null),
    items.map((o) => o.home?.lat ?? null),
    items.map((o) => o.home?.lng ?? null),
    items.map((o) => o.repeatOf ?? null),
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return items.map((o) => byId.get(o.id) ?? null);
}

/** An order a person places for themself, before anyone has read them: the statement that writes it reads them. */
export type NewOwnOrder = Omit<NewOrder, 'residentId' | 'requesterId' | 'regionId' | 'regionPath' | 'level' | 'dispatchMode' | 'home'> & {
  personId: string;
  /** The token's session, checked as the auth hook checks it (migration AddTokenVersion). */
  tokenVersion: number;
  jti: string | null;
};

/** An own order as written, with the person's row (columns as `ActorRows` names them). */
export type WrittenOwn = Written & Record<string, unknown>;

/**
 * 点单 on the hot path — a resident ordering for themself — in ONE round trip: the statement reads the person
 * behind the token with their place, takes from them what an order takes (`decided`), writes the orders and their
 * `created` events, and answers each order with its person's row. An order whose person is not a resident with a
 * place (or no longer exists), whose category is unknown or inactive, or whose Idempotency-Key was used before, is
 * not written (null).
 */
export function ownOrderInserter(
  people: ActorRows,
): (on: DataSource | EntityManager, items: readonly NewOwnOrder[], limits: OrderLimits) => Promise<Array<WrittenOwn | null>> {
  const statement = new Statement<WrittenOwn>(
    'order_create_own',
    `WITH x AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[],
                            $9::timestamptz[], $10::timestamptz[], $11::text[], $12::int[], $13::text[], $14::text[], $15::timestamptz[], $16::int[],
                            $17::int[], $18::uuid[])
         WITH ORDINALITY AS x(id, person_id, channel, category_code, description, address, lat, lng, preferred_start, preferred_end, urgency, headcount,
              idempotency_key, request_hash, at, pool_offer_minutes, token_version, jti, ord)
     ), xr AS (
       -- a person's orders in this very batch count towards their limits too
       SELECT x.*, row_number() OVER (PARTITION BY x.person_id ORDER BY x.ord) AS rn FROM x
     ), p AS (
       SELECT x.id, x.person_id AS resident_id, x.person_id AS requester_id, x.channel, x.category_code, x.description, x.address, x.lat, x.lng,
              x.preferred_start, x.preferred_end, x.urgency, x.headcount, u.region_id, g.path AS region_path, g.level AS place_level,
              x.idempotency_key, x.request_hash, x.at, x.pool_offer_minutes, g.effective_dispatch_mode AS place_dispatch_mode,
              u.address AS home_address, u.location_lat AS home_lat, u.location_lng AS home_lng, NULL::uuid AS repeat_of
       FROM xr x JOIN app_user u ON u.id = x.person_id AND 'resident' = ANY (u.roles) AND u.token_version = x.token_version
              JOIN region g ON g.id = u.region_id
       -- a token logged out writes nothing (the caller then reads the person as the auth hook does: 401)
       WHERE (x.jti IS NULL OR NOT EXISTS (SELECT 1 FROM revoked_token t WHERE t.jti = x.jti))
         -- nor does an order past the person's limits (the caller then counts again and says which: 429)
         AND (SELECT count(*) FROM service_order s WHERE s.resident_id = x.person_id AND ${OPEN_ORDER}) + x.rn <= $19
         AND (SELECT count(*) FROM service_order s
              WHERE s.resident_id = x.person_id AND s.requester_id = x.person_id AND s.created_at > x.at - interval '24 hours') + x.rn <= $20
     ), ${writeOrdersFrom('p')}
     SELECT ${WRITTEN}, ${people.select('u', 'g')}
     FROM ins ${WRITTEN_JOINS} JOIN app_user u ON u.id = ins.resident_id LEFT JOIN region g ON g.id = u.region_id`,
  );
  return async (on, items, limits) => {
    const rows = await run(on, statement, [
      ...columnsOf(items, [
        'id',
        'personId',
        'channel',
        'categoryCode',
        'description',
        'address',
        'lat',
        'lng',
        'preferredStart',
        'preferredEnd',
        'urgency',
        'headcount',
        'idempotencyKey',
        'requestHash',
        'at',
        'poolOfferMinutes',
        'tokenVersion',
        'jti',
      ]),
      limits.openPerResident,
      limits.dailyPerResident,
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return items.map((o) => byId.get(o.id) ?? null);
  };
}
