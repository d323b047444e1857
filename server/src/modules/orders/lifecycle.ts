import { createHash, randomUUID } from 'node:crypto';
import {
  FAR_CHECK_IN_METERS,
  distanceMeters,
  transition,
  type AcceptOrderDto,
  type CheckInDto,
  type CompleteOrderDto,
  type ConfirmOrderDto,
  type CreateOrderDto,
  type DispatchOrderDto,
  type EscalationLevel,
  type OrderAction,
  type OrderEventType,
  type OrderReasonDto,
  type OrderStatus,
  type AcceptProgress,
  type CompleteProgress,
  type DispatchMode,
  type OrderChannel,
  type Urgency,
} from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { ConflictError, ForbiddenError, NotFoundError, UUID_PATTERN, fieldError } from '../../errors';
import { Coalescer, type CoalescerOptions } from '../../db/coalescer';
import { Statement, run } from '../../db/prepared';
import { updateReturning } from '../../db/returning';
import { covers, isStaff } from '../access/jurisdiction';
import { ActorRows } from '../auth/actor-row';
import type { Actor } from '../auth/plugin';
import { acceptMinutes, HOLDING, loadAssignments, loadOrder, type AssignmentRow, type OrderRow } from './order-row';
import { cancelRelations, isServing, maySee, mayReject, standingOf, type Standing, type Viewer } from './standing';

/**
 * The order lifecycle. Every change runs in one transaction that first locks the order's row (SELECT … FOR UPDATE),
 * so concurrent requests on one order — from any number of API processes — are applied one after the other, each
 * seeing the previous one's result: no lost update, no place given twice. The state machine of
 * shared/order-state.ts decides what is allowed; the change and its event are written together, the event numbered
 * by the order's version (its key (order_id, seq) would refuse a second "next" event).
 */

const MINUTE = 60_000;

function addMinutes(d: Date, minutes: number): Date {
  return new Date(d.getTime() + minutes * MINUTE);
}

/** The level an order starts at: the resident's own place (a grid, usually), capped at the county. */
function startLevel(level: string): EscalationLevel {
  return level === 'grid' || level === 'community' || level === 'town' ? level : 'county';
}

// ---------- creating ----------

/** JSON with object keys sorted at every level and undefined properties left out: equal bodies, equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The request's fingerprint for Idempotency-Key: the validated body, canonical (key order does not matter). */
export function requestHash(body: CreateOrderDto): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

interface ResidentOfOrder {
  id: string;
  name: string;
  phone: string | null;
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
}

export interface Created {
  id: string;
  /** The new order as read back in the same statement; absent for a replay (read it again). */
  row?: OrderRow;
  /** True when an earlier request with the same Idempotency-Key had already created it. */
  replayed: boolean;
}

/** One order to write: the columns its request decided. The id is chosen here, so that a batch's rows find their requests. */
export interface NewOrder {
  id: string;
  residentId: string;
  requesterId: string;
  channel: OrderChannel;
  categoryCode: string;
  description: string;
  address: string | null;
  lat: number | null;
  lng: number | null;
  preferredStart: string | null;
  preferredEnd: string | null;
  urgency: Urgency;
  headcount: number;
  regionId: string;
  regionPath: string;
  level: EscalationLevel;
  idempotencyKey: string | null;
  requestHash: string | null;
  at: Date;
  /** Pool mode: how long an order is offered in the task hall before it is dispatched automatically. */
  poolOfferMinutes: number;
  dispatchMode: DispatchMode;
}

/** The new order as read back by the statement that wrote it (the names shown with it are known to the caller). */
export type InsertedOrder = Omit<OrderRow, 'region_name' | 'community_name' | 'resident_name' | 'resident_phone'>;

/** What an order's statement answers of each order written: what the database decided. */
interface Written {
  id: string;
  preferred_start: Date | null;
  preferred_end: Date | null;
  escalate_at: Date | null;
  deadline_at: Date;
  auto_dispatch_at: Date | null;
  category_name: string;
  accept_minutes_normal: number;
  accept_minutes_urgent: number;
}

/**
 * The part both order statements share: the orders of the CTE `src` — one row per order, with the columns of a new
 * order (id, resident_id, requester_id, channel, category_code, description, address, lat, lng, preferred_start,
 * preferred_end, urgency, headcount, region_id, region_path, escalation_level, idempotency_key, request_hash, at,
 * pool_offer_minutes, dispatch_mode) — written with their deadlines from the category, and their `created` events
 * (a proxy order is one whose requester is not its resident). An order whose category is unknown or inactive, or
 * whose Idempotency-Key was used before (or earlier in the same batch), is not written. Rows go in (requester, key)
 * order, so two batches holding the same keys wait for each other in the same order and never deadlock.
 */
function writeOrdersFrom(src: string): string {
  return `ins AS (
     INSERT INTO service_order (id, resident_id, requester_id, channel, category_code, description, address, location_lat, location_lng,
       preferred_start, preferred_end, urgency, headcount, region_id, region_path, escalation_level, scope_region_id, scope_path,
       escalate_at, deadline_at, idempotency_key, request_hash, created_at, updated_at, dispatch_mode, auto_dispatch_at)
     SELECT s.id, s.resident_id, s.requester_id, s.channel, s.category_code, s.description, s.address, s.lat, s.lng,
            s.preferred_start, s.preferred_end, s.urgency, s.headcount, s.region_id, s.region_path, s.escalation_level, s.region_id, s.region_path,
            CASE WHEN s.escalation_level = 'county' THEN NULL ELSE s.at + make_interval(mins => m.minutes) END,
            s.at + make_interval(mins => m.minutes), s.idempotency_key, s.request_hash, s.at, s.at, s.dispatch_mode,
            CASE s.dispatch_mode WHEN 'auto' THEN s.at WHEN 'pool' THEN s.at + make_interval(mins => s.pool_offer_minutes) END
     FROM ${src} s JOIN service_category c ON c.code = s.category_code AND c.active
          CROSS JOIN LATERAL (SELECT CASE WHEN s.urgency = 'urgent' THEN c.accept_minutes_urgent ELSE c.accept_minutes_normal END AS minutes) m
     ORDER BY s.requester_id, s.idempotency_key
     ON CONFLICT ON CONSTRAINT service_order_idempotency_key DO NOTHING
     RETURNING id, resident_id, requester_id, created_at, category_code, channel, urgency, headcount, address, location_lat, location_lng,
               region_id, region_path, escalation_level, dispatch_mode, preferred_start, preferred_end, escalate_at, deadline_at, auto_dispatch_at
   ), ev AS (
     INSERT INTO order_event (order_id, seq, type, actor_id, at, from_status, to_status, reason, data)
     SELECT ins.id, 1, 'created', ins.requester_id, ins.created_at, NULL, 'pending', NULL,
            jsonb_build_object('channel', ins.channel, 'proxy', ins.resident_id <> ins.requester_id, 'urgency', ins.urgency,
                               'headcount', ins.headcount, 'escalationLevel', ins.escalation_level)
     FROM ins
   )`;
}

/**
 * Orders whose resident was read already, and their `created` events, in ONE statement (data-modifying CTEs over
 * arrays, one element per order; see \`writeOrdersFrom\`), which also reads each category's name: one round trip and
 * one commit for any number of orders, atomic without a transaction, prepared once per connection. What comes back
 * is only what the database decided (the times it computed, the category's name); the rest of the row is what was
 * written, known already (see \`newRow\`).
 */
const CREATE = new Statement<Written>(
  'order_create',
  `WITH x AS (
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[],
                          $10::timestamptz[], $11::timestamptz[], $12::text[], $13::int[], $14::uuid[], $15::text[], $16::text[],
                          $17::text[], $18::text[], $19::timestamptz[], $20::int[], $21::text[])
       AS x(id, resident_id, requester_id, channel, category_code, description, address, lat, lng, preferred_start, preferred_end,
            urgency, headcount, region_id, region_path, escalation_level, idempotency_key, request_hash, at, pool_offer_minutes, dispatch_mode)
   ), ${writeOrdersFrom('x')}
   SELECT ins.id, ins.preferred_start, ins.preferred_end, ins.escalate_at, ins.deadline_at, ins.auto_dispatch_at,
          c.name AS category_name, c.accept_minutes_normal, c.accept_minutes_urgent
   FROM ins JOIN service_category c ON c.code = ins.category_code`,
);

/** Writes the orders in one statement (on the transaction of `on` when it has one): each order's row, or null when it was not written. */
export async function insertOrders(on: DataSource | EntityManager, items: readonly NewOrder[]): Promise<Array<InsertedOrder | null>> {
  const column = <T>(f: (o: NewOrder) => T): T[] => items.map(f);
  const rows = await run(on, CREATE, [
    column((o) => o.id),
    column((o) => o.residentId),
    column((o) => o.requesterId),
    column((o) => o.channel),
    column((o) => o.categoryCode),
    column((o) => o.description),
    column((o) => o.address),
    column((o) => o.lat),
    column((o) => o.lng),
    column((o) => o.preferredStart),
    column((o) => o.preferredEnd),
    column((o) => o.urgency),
    column((o) => o.headcount),
    column((o) => o.regionId),
    column((o) => o.regionPath),
    column((o) => o.level),
    column((o) => o.idempotencyKey),
    column((o) => o.requestHash),
    column((o) => o.at),
    column((o) => o.poolOfferMinutes),
    column((o) => o.dispatchMode),
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return items.map((o) => {
    const w = byId.get(o.id);
    return w ? newRow(o, w) : null;
  });
}

/** A new order's row: what was written, the column defaults of a new order (migration CreateOrders), and what the database decided. */
function newRow(o: NewOrder, w: Written): InsertedOrder {
  return {
    id: o.id,
    resident_id: o.residentId,
    requester_id: o.requesterId,
    channel: o.channel,
    category_code: o.categoryCode,
    category_name: w.category_name,
    accept_minutes_normal: w.accept_minutes_normal,
    accept_minutes_urgent: w.accept_minutes_urgent,
    description: o.description,
    address: o.address,
    location_lat: o.lat,
    location_lng: o.lng,
    preferred_start: w.preferred_start,
    preferred_end: w.preferred_end,
    urgency: o.urgency,
    headcount: o.headcount,
    accepted_count: 0,
    status: 'pending',
    region_id: o.regionId,
    region_path: o.regionPath,
    escalation_level: o.level,
    scope_region_id: o.regionId,
    scope_path: o.regionPath,
    escalate_at: w.escalate_at,
    deadline_at: w.deadline_at,
    dispatched_to_user_id: null,
    dispatched_to_squad_id: null,
    round: 1,
    version: 1,
    first_accepted_at: null,
    completed_at: null,
    closed_at: null,
    cancelled_at: null,
    cancel_reason: null,
    far_check_in: false,
    rating: null,
    rating_comment: null,
    request_hash: o.requestHash,
    dispatch_mode: o.dispatchMode,
    auto_dispatch_at: w.auto_dispatch_at,
    created_at: o.at,
    updated_at: o.at,
  };
}

/** Writes one order, in a batch with other requests' orders (`orderWriter`) or alone; its row, or null when it was not written. */
export type WriteOrder = (order: NewOrder) => Promise<InsertedOrder | null>;

/**
 * Group commit with a way out (see Coalescer): concurrent requests' orders are written by one statement. When that
 * statement fails — one order breaking a rule the request's checks could not see, say its resident removed a
 * moment ago — each order of the batch is written again alone, so that only the order at fault fails.
 */
function groupCommitted<I, O>(options: CoalescerOptions, writeAll: (items: readonly I[]) => Promise<Array<O | null>>): (item: I) => Promise<O | null> {
  const coalescer = new Coalescer<I, O | null>(async (items) => {
    try {
      return (await writeAll(items)).map((value) => ({ ok: true as const, value }));
    } catch (error) {
      if (items.length === 1) throw error;
      return Promise.all(
        items.map((item) =>
          writeAll([item]).then(
            ([value]) => ({ ok: true as const, value: value ?? null }),
            (e: unknown) => ({ ok: false as const, error: e }),
          ),
        ),
      );
    }
  }, options);
  return (item) => coalescer.submit(item);
}

/** Order creation's group commit for orders whose resident was read already (proxies; see `ownOrderWriter` for the rest). */
export function orderWriter(db: DataSource, options: CoalescerOptions): WriteOrder {
  return groupCommitted(options, (items: readonly NewOrder[]) => insertOrders(db, items));
}

/** The checks of an order's body that need nobody's data: made before anything is read or written. */
export function checkOrderBody(body: CreateOrderDto): void {
  if (body.preferredStart !== undefined && body.preferredEnd !== undefined && Date.parse(body.preferredEnd) <= Date.parse(body.preferredStart)) {
    throw fieldError('preferredEnd', '结束时间须晚于开始时间');
  }
}

/** An order a person places for themself, before anyone has read them: the statement that writes it reads them. */
export interface OwnOrder {
  id: string;
  personId: string;
  body: CreateOrderDto;
  idempotencyKey: string | null;
  requestHash: string | null;
  at: Date;
  poolOfferMinutes: number;
}

/** An own order as written, with its person as the auth hook would have read them. */
export interface OwnOrderWritten {
  row: OrderRow;
  actor: Actor;
}

/**
 * 点单 on the hot path — a resident ordering for themself — in ONE round trip: the statement reads the person
 * behind the token (with their place), checks what `createOrder` checks of them (a resident, with a place), takes
 * from them what an order takes (place, level, address and location unless given, the place's dispatch mode),
 * writes the orders and their `created` events, and answers each order with its person. An order whose person is
 * not such a resident (or no longer exists), whose category is unknown or inactive, or whose Idempotency-Key was
 * used before, is not written: the caller then reads the person as usual and goes through `createOrder`, which
 * says why (or replays the earlier order).
 */
export function ownOrderWriter(db: DataSource, options: CoalescerOptions): (order: OwnOrder) => Promise<OwnOrderWritten | null> {
  const people = new ActorRows(db);
  type OwnWritten = Written & Pick<OrderRow, 'address' | 'location_lat' | 'location_lng' | 'region_id' | 'region_path' | 'escalation_level' | 'dispatch_mode'>;
  const statement = new Statement<OwnWritten & Record<string, unknown>>(
    'order_create_own',
    `WITH x AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[],
                            $9::timestamptz[], $10::timestamptz[], $11::text[], $12::int[], $13::text[], $14::text[], $15::timestamptz[], $16::int[])
         AS x(id, person_id, channel, category_code, description, address, lat, lng, preferred_start, preferred_end, urgency, headcount,
              idempotency_key, request_hash, at, pool_offer_minutes)
     ), p AS (
       SELECT x.id, x.person_id AS resident_id, x.person_id AS requester_id, x.channel, x.category_code, x.description,
              COALESCE(x.address, u.address) AS address,
              CASE WHEN x.lat IS NOT NULL THEN x.lat WHEN u.location_lng IS NOT NULL THEN u.location_lat END AS lat,
              CASE WHEN x.lat IS NOT NULL THEN x.lng WHEN u.location_lat IS NOT NULL THEN u.location_lng END AS lng,
              x.preferred_start, x.preferred_end, x.urgency, x.headcount, u.region_id, g.path AS region_path,
              CASE WHEN g.level IN ('grid', 'community', 'town') THEN g.level ELSE 'county' END AS escalation_level,
              x.idempotency_key, x.request_hash, x.at, x.pool_offer_minutes, COALESCE(g.effective_dispatch_mode, 'manual') AS dispatch_mode
       FROM x JOIN app_user u ON u.id = x.person_id AND 'resident' = ANY (u.roles) JOIN region g ON g.id = u.region_id
     ), ${writeOrdersFrom('p')}
     SELECT ins.id, ins.address, ins.location_lat, ins.location_lng, ins.region_id, ins.region_path, ins.escalation_level, ins.dispatch_mode,
            ins.preferred_start, ins.preferred_end, ins.escalate_at, ins.deadline_at, ins.auto_dispatch_at,
            c.name AS category_name, c.accept_minutes_normal, c.accept_minutes_urgent, ${people.select('u', 'g')}
     FROM ins JOIN service_category c ON c.code = ins.category_code JOIN app_user u ON u.id = ins.resident_id LEFT JOIN region g ON g.id = u.region_id`,
  );
  const writeAll = async (items: readonly OwnOrder[]): Promise<Array<OwnOrderWritten | null>> => {
    const column = <T>(f: (o: OwnOrder) => T): T[] => items.map(f);
    const rows = await run(db, statement, [
      column((o) => o.id),
      column((o) => o.personId),
      column((o) => o.body.channel ?? 'miniapp'),
      column((o) => o.body.categoryCode),
      column((o) => o.body.description),
      column((o) => o.body.address ?? null),
      column((o) => o.body.location?.lat ?? null),
      column((o) => o.body.location?.lng ?? null),
      column((o) => o.body.preferredStart ?? null),
      column((o) => o.body.preferredEnd ?? null),
      column((o) => o.body.urgency),
      column((o) => o.body.headcount ?? 1),
      column((o) => o.idempotencyKey),
      column((o) => o.requestHash),
      column((o) => o.at),
      column((o) => o.poolOfferMinutes),
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return items.map((o) => {
      const w = byId.get(o.id);
      if (!w) return null;
      const actor = people.actor(w);
      const own: OwnWritten = w;
      const inserted = newRow(
        {
          id: o.id,
          residentId: o.personId,
          requesterId: o.personId,
          channel: o.body.channel ?? 'miniapp',
          categoryCode: o.body.categoryCode,
          description: o.body.description,
          address: own.address,
          lat: own.location_lat,
          lng: own.location_lng,
          preferredStart: o.body.preferredStart ?? null,
          preferredEnd: o.body.preferredEnd ?? null,
          urgency: o.body.urgency,
          headcount: o.body.headcount ?? 1,
          regionId: own.region_id,
          regionPath: own.region_path,
          level: own.escalation_level,
          idempotencyKey: o.idempotencyKey,
          requestHash: o.requestHash,
          at: o.at,
          poolOfferMinutes: o.poolOfferMinutes,
          dispatchMode: own.dispatch_mode,
        },
        w,
      );
      const u = actor.user;
      const place = u.region?.name ?? '';
      return { actor, row: { ...inserted, region_name: place, community_name: place, resident_name: u.name, resident_phone: u.phone } };
    });
  };
  return groupCommitted(options, writeAll);
}

/**
 * 点单. A resident orders for themself; a grid worker or dispatcher (or admin) orders for a resident of their
 * jurisdiction (代下单, for the elderly without smartphones). With an Idempotency-Key, the unique constraint
 * (requester_id, idempotency_key) makes a repeated or concurrent request find the first one's order instead of
 * creating a second: INSERT … ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit.
 * Runs outside a transaction (its one write is one statement); `m` may be the pool's manager.
 */
export async function createOrder(
  m: EntityManager,
  v: Viewer,
  body: CreateOrderDto,
  idempotencyKey: string | undefined,
  /** Pool mode: how long an order is offered in the task hall before it is dispatched automatically. */
  poolOfferMinutes = 10,
  /** How the order is written: by default alone, on `m`; the API passes its group-committing `orderWriter`. */
  write: WriteOrder = async (order) => (await insertOrders(m, [order]))[0] ?? null,
): Promise<Created> {
  const { actor, now } = v;
  const proxy = body.residentId !== undefined && body.residentId !== actor.id;
  if (!proxy && !actor.roles.includes('resident')) {
    if (isStaff(actor)) throw fieldError('residentId', '代居民下单时请指定居民（residentId）');
    throw new ForbiddenError('只有居民可以为自己点单。');
  }
  if (proxy && !isStaff(actor)) throw new ForbiddenError('只有网格员、调度员可以代居民下单。');
  checkOrderBody(body);

  // the person ordering for themself was loaded with their place by the auth hook; a proxy's resident is read
  let resident: ResidentOfOrder;
  if (!proxy) {
    const u = actor.user;
    resident = {
      id: u.id, name: u.name, phone: u.phone, roles: u.roles, address: u.address, lat: u.locationLat, lng: u.locationLng,
      regionId: u.regionId, regionName: u.region?.name ?? null, path: u.region?.path ?? null, level: u.region?.level ?? null,
      dispatchMode: u.region?.effectiveDispatchMode ?? 'manual',
    };
  } else {
    const [row] = await m.query<ResidentOfOrder[]>(
      `SELECT u.id, u.name, u.phone, u.roles, u.address, u.location_lat AS lat, u.location_lng AS lng, u.region_id AS "regionId",
              r.name AS "regionName", r.path, r.level, COALESCE(r.effective_dispatch_mode, 'manual') AS "dispatchMode"
       FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = $1`,
      [body.residentId],
    );
    if (!row || !covers(v.j, row.path)) throw fieldError('residentId', '居民不存在或不在您的管辖范围内');
    resident = row;
  }
  if (!resident.roles.includes('resident')) throw fieldError('residentId', '该人员不是居民');
  if (resident.regionId === null || resident.path === null || resident.level === null) {
    throw fieldError(proxy ? 'residentId' : 'body', '居民还没有所属网格，请先在个人资料中选择所在网格');
  }

  const level = startLevel(resident.level);
  const channel = body.channel ?? (proxy ? 'phone' : 'miniapp');
  const headcount = body.headcount ?? 1;
  const location = body.location ?? (resident.lat !== null && resident.lng !== null ? { lat: resident.lat, lng: resident.lng } : null);
  const hash = idempotencyKey === undefined ? null : requestHash(body);
  const inserted = await write({
    id: randomUUID(),
    residentId: resident.id,
    requesterId: actor.id,
    channel,
    categoryCode: body.categoryCode,
    description: body.description,
    address: body.address ?? resident.address,
    lat: location?.lat ?? null,
    lng: location?.lng ?? null,
    preferredStart: body.preferredStart ?? null,
    preferredEnd: body.preferredEnd ?? null,
    urgency: body.urgency,
    headcount,
    regionId: resident.regionId,
    regionPath: resident.path,
    level,
    idempotencyKey: idempotencyKey ?? null,
    requestHash: hash,
    at: now,
    poolOfferMinutes,
    dispatchMode: resident.dispatchMode,
  });
  if (inserted) {
    // the creator sees it in full, so the community's name (for masked views) is not needed: the place's will do
    const row: OrderRow = { ...inserted, region_name: resident.regionName ?? '', community_name: resident.regionName ?? '', resident_name: resident.name, resident_phone: resident.phone };
    return { id: row.id, row, replayed: false };
  }

  if (idempotencyKey !== undefined) {
    // the key was used before (or at this very moment, by a request that has now committed)
    const [earlier] = await m.query<Array<{ id: string; request_hash: string | null }>>(
      `SELECT id, request_hash FROM service_order WHERE requester_id = $1 AND idempotency_key = $2`,
      [actor.id, idempotencyKey],
    );
    if (earlier) {
      if (earlier.request_hash !== hash) throw new ConflictError('这个 Idempotency-Key 已用于另一份不同的点单，请换一个新的 Key。');
      return { id: earlier.id, replayed: true };
    }
  }
  throw fieldError('categoryCode', '没有这项服务');
}

// ---------- changing ----------

interface EventInput {
  type: OrderEventType;
  actorId: string | null;
  at: Date;
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string | null;
  data: Record<string, unknown>;
}

async function appendEvent(m: EntityManager, orderId: string, seq: number, e: EventInput): Promise<void> {
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
export async function commit(m: EntityManager, o: OrderRow, set: Record<string, unknown>, e: Omit<EventInput, 'from' | 'at'> & { at: Date }): Promise<void> {
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

/**
 * Many dispatches at once (批量派单), each as `commit` would write it: the orders were locked and re-checked by the
 * caller; one UPDATE sets each its assignee and bumps its version (only where the version is still the one checked),
 * one INSERT writes each its `dispatch` event numbered by the new version. Returns the ids written.
 */
export async function commitDispatches(
  m: EntityManager,
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
    [items.map((i) => i.o.id), items.map((i) => i.assigneeId), items.map((i) => i.o.version), items.map((i) => JSON.stringify(i.data)), e.at, e.actorId, e.reason],
  );
  return new Set(rows.map((r) => r.id));
}

/** The state machine's verdict, as the error contract: 409 naming the order's state, or 403 for this person. */
function allowed(o: OrderRow, action: OrderAction, s: Standing, progress?: AcceptProgress | CompleteProgress): OrderStatus {
  const result = transition(o.status, action, s.relations, progress);
  if (result.ok) return result.to;
  if (result.kind === 'state') throw new ConflictError(result.message);
  throw new ForbiddenError(result.message);
}

interface Locked {
  o: OrderRow;
  people: AssignmentRow[];
  s: Standing;
}

/** Locks the order for this transaction; 404 when it does not exist or the viewer may not see it. */
async function lock(m: EntityManager, v: Viewer, id: string): Promise<Locked> {
  if (!UUID_PATTERN.test(id)) throw new NotFoundError('需求不存在。');
  const o = await loadOrder(m, id, true);
  if (!o) throw new NotFoundError('需求不存在。');
  const everyone = (await loadAssignments(m, [o])).get(o.id) ?? [];
  const s = standingOf(v, o, everyone);
  if (!maySee(v, o, s, everyone)) throw new NotFoundError('需求不存在。');
  // the actions work on the current round's people
  return { o, people: everyone.filter((a) => a.round === o.round), s };
}

/** Under auto-dispatch (auto or pool), an order waiting again goes to the next candidate at once. */
function nextAutoDispatch(o: OrderRow, now: Date): Date | null {
  return o.dispatch_mode === 'manual' ? null : now;
}

/** The order goes back to waiting: a new window before it escalates (none at the top level). */
function waitingAgain(o: OrderRow, now: Date): Date | null {
  return o.escalation_level === 'county' ? null : addMinutes(now, acceptMinutes(o));
}

/** 派单: to one person, or to a squad whose members may accept it. */
export async function dispatch(m: EntityManager, v: Viewer, id: string, body: DispatchOrderDto): Promise<void> {
  const { o, people, s } = await lock(m, v, id);
  if ((body.assigneeId === undefined) === (body.squadId === undefined)) {
    throw fieldError('assigneeId', '请指定接单人（assigneeId）或小分队（squadId）之一');
  }
  const to = allowed(o, 'dispatch', s);
  let data: Record<string, unknown>;
  let set: Record<string, unknown>;
  if (body.assigneeId !== undefined) {
    const [person] = await m.query<Array<{ id: string; name: string; roles: string[]; path: string | null }>>(
      `SELECT u.id, u.name, u.roles, r.path FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = $1`,
      [body.assigneeId],
    );
    // someone of the dispatcher's jurisdiction, or of the area the order has reached (a grid worker sending an
    // escalated order to a volunteer of the next grid)
    if (!person || !(covers(v.j, person.path) || (person.path?.startsWith(o.scope_path) ?? false))) {
      throw fieldError('assigneeId', '接单人不存在，或不在您的管辖范围和需求所在区域内');
    }
    if (!person.roles.includes('volunteer') && !person.roles.includes('grid_worker')) throw fieldError('assigneeId', '只能派给志愿者或网格员');
    if (people.some((a) => a.volunteer_id === person.id && HOLDING.includes(a.state))) throw new ConflictError(`${person.name}已接下这个需求。`);
    data = { assigneeId: person.id, assigneeName: person.name };
    // a person dispatching takes over from auto-dispatch for this order
    set = { status: to, dispatched_to_user_id: person.id, dispatched_to_squad_id: null, auto_dispatch_at: null };
  } else {
    const [squad] = await m.query<Array<{ id: string; name: string; path: string }>>(
      `SELECT s.id, s.name, r.path FROM squad s JOIN region r ON r.id = s.region_id WHERE s.id = $1`,
      [body.squadId],
    );
    // a squad of the dispatcher's jurisdiction, or one serving the resident's area (a grid worker sending an order
    // to the community's squad, which they often lead)
    if (!squad || !(covers(v.j, squad.path) || o.region_path.startsWith(squad.path))) {
      throw fieldError('squadId', '小分队不存在，或不在您的管辖范围内、也不服务需求所在区域');
    }
    data = { squadId: squad.id, squadName: squad.name };
    set = { status: to, dispatched_to_user_id: null, dispatched_to_squad_id: squad.id, auto_dispatch_at: null };
  }
  await commit(m, o, set, { type: 'dispatch', actorId: v.actor.id, at: v.now, to, reason: null, data });
}

/** 拒绝派单: the person it was dispatched to (for a squad, its leader) declines; the order waits again. */
export async function reject(m: EntityManager, v: Viewer, id: string, body: OrderReasonDto): Promise<void> {
  const { o, s } = await lock(m, v, id);
  const to = allowed(o, 'reject', s);
  if (!mayReject(v, o)) throw new ForbiddenError('只有被派单的人（小分队由负责人）可以拒绝派单。');
  await commit(
    m,
    o,
    { status: to, dispatched_to_user_id: null, dispatched_to_squad_id: null, auto_dispatch_at: nextAutoDispatch(o, v.now) },
    { type: 'reject', actorId: v.actor.id, at: v.now, to, reason: body.reason, data: { userId: o.dispatched_to_user_id, squadId: o.dispatched_to_squad_id } },
  );
}

/**
 * 接单. Taken from the task hall (eligible: skill, area at the order's level, available now) or accepted by the
 * person or squad it was dispatched to. With headcount N the N-th acceptance makes it `accepted`; every later
 * one is refused "该需求已被接单". The row lock serialises concurrent accepts; behind it, the partial unique index on
 * (order_id, round, volunteer_id) refuses a second place for one person, and the count is raised in SQL so the
 * CHECK accepted_count <= headcount refuses a place too many.
 */
export async function accept(m: EntityManager, v: Viewer, id: string, body: AcceptOrderDto = {}): Promise<void> {
  const { o, s } = await lock(m, v, id);
  if (s.holding) throw new ConflictError('您已接下这个需求。');
  if (o.status === 'dispatched' && !s.dispatchedToMe && s.relations.includes('eligible')) throw new ConflictError('该需求已派给他人。');
  if (!s.relations.includes('assignee') && !s.relations.includes('eligible') && (o.status === 'pending' || o.status === 'dispatched')) {
    throw new ForbiddenError(s.ineligible ?? '您不能接这个需求。');
  }
  const to = allowed(o, 'accept', s, { headcount: o.headcount, accepted: o.accepted_count });
  const squadId = o.dispatched_to_squad_id !== null && v.squads.has(o.dispatched_to_squad_id) ? o.dispatched_to_squad_id : null;
  await m.query(
    `INSERT INTO order_assignment (order_id, round, volunteer_id, squad_id, state, accepted_at) VALUES ($1, $2, $3, $4, 'accepted', $5)`,
    [o.id, o.round, v.actor.id, squadId, v.now],
  );
  const count = o.accepted_count + 1;
  await commit(
    m,
    o,
    {
      status: to,
      accepted_count: new Sql('accepted_count + 1'),
      first_accepted_at: o.first_accepted_at ?? v.now,
      // taken: nothing more to dispatch; still places open: auto-dispatch goes on to the next person
      auto_dispatch_at: to === 'pending' ? nextAutoDispatch(o, v.now) : null,
    },
    { type: 'accept', actorId: v.actor.id, at: v.now, to, reason: body.note ?? null, data: { acceptedCount: count, headcount: o.headcount, via: s.dispatchedToMe ? 'dispatch' : 'pool', squadId } },
  );
}

/** 退单: a person gives back their place before checking in (it counts against their reliability). */
export async function release(m: EntityManager, v: Viewer, id: string, body: OrderReasonDto): Promise<void> {
  const { o, s } = await lock(m, v, id);
  if (!s.holding) {
    allowed(o, 'release', { ...s, relations: s.relations.filter((r) => r !== 'assignee') });
    throw new ForbiddenError('您没有接下这个需求。');
  }
  if (s.holding.state !== 'accepted') throw new ConflictError('您已签到，不能退单；如无法继续服务，请联系网格员。');
  const to = allowed(o, 'release', s);
  await m.query(`UPDATE order_assignment SET state = 'released', ended_at = $2, end_reason = $3 WHERE id = $1`, [s.holding.id, v.now, body.reason]);
  const set: Record<string, unknown> = { status: to, accepted_count: new Sql('accepted_count - 1') };
  if (o.dispatched_to_user_id === v.actor.id) set.dispatched_to_user_id = null;
  if (o.status !== 'pending') set.escalate_at = waitingAgain(o, v.now);
  set.auto_dispatch_at = nextAutoDispatch(o, v.now);
  await commit(m, o, set, { type: 'release', actorId: v.actor.id, at: v.now, to, reason: body.reason, data: { acceptedCount: o.accepted_count - 1 } });
}

/** 签到 at the resident's: the distance from their door is recorded, a far (or unlocated) check-in flagged. */
export async function checkIn(m: EntityManager, v: Viewer, id: string, body: CheckInDto): Promise<void> {
  const { o, s } = await lock(m, v, id);
  if (!s.holding) {
    allowed(o, 'check_in', { ...s, relations: s.relations.filter((r) => r !== 'assignee') });
    throw new ForbiddenError('您没有接下这个需求。');
  }
  const to = allowed(o, 'check_in', s);
  if (s.holding.state !== 'accepted') throw new ConflictError('您已签到过了。');
  const door = o.location_lat !== null && o.location_lng !== null ? { lat: o.location_lat, lng: o.location_lng } : null;
  const at = body.location ?? null;
  const distance = door && at ? distanceMeters(door, at) : null;
  // without the volunteer's location there is no proof of the visit: flagged like a far one
  const far = door !== null && (distance === null || distance > FAR_CHECK_IN_METERS);
  await m.query(
    `UPDATE order_assignment SET state = 'in_service', checked_in_at = $2, check_in_lat = $3, check_in_lng = $4, check_in_distance_m = $5, check_in_far = $6 WHERE id = $1`,
    [s.holding.id, v.now, at?.lat ?? null, at?.lng ?? null, distance, far],
  );
  await commit(
    m,
    o,
    { status: to, far_check_in: o.far_check_in || far },
    { type: 'check_in', actorId: v.actor.id, at: v.now, to, reason: null, data: { distanceMeters: distance === null ? null : Math.round(distance), far, location: at } },
  );
}

/** 完成服务: service minutes (check-in to now) recorded; the order is completed when nobody is still serving. */
export async function complete(m: EntityManager, v: Viewer, id: string, body: CompleteOrderDto): Promise<void> {
  const { o, people, s } = await lock(m, v, id);
  if (!s.holding) {
    allowed(o, 'complete', { ...s, relations: s.relations.filter((r) => r !== 'assignee') });
    throw new ForbiddenError('您没有接下这个需求。');
  }
  if (s.holding.state === 'accepted') throw new ConflictError('请先到居民家中签到，再完成服务。');
  if (s.holding.state === 'completed') throw new ConflictError('您已完成这个需求的服务。');
  const others = people.filter((a) => a.id !== s.holding!.id && a.state === 'in_service').length;
  const to = allowed(o, 'complete', s, { othersServing: others });
  const minutes = Math.max(0, Math.round((v.now.getTime() - s.holding.checked_in_at!.getTime()) / MINUTE));
  await m.query(
    `UPDATE order_assignment SET state = 'completed', completed_at = $2, service_minutes = $3, note = $4, photo_urls = $5 WHERE id = $1`,
    [s.holding.id, v.now, minutes, body.note, body.photoUrls ?? []],
  );
  const set: Record<string, unknown> = { status: to };
  const noShows = to === 'completed' ? people.filter((a) => a.state === 'accepted') : [];
  if (to === 'completed') {
    set.completed_at = v.now;
    // people who accepted but never arrived by the time the work was done
    if (noShows.length > 0) {
      await m.query(`UPDATE order_assignment SET state = 'no_show', ended_at = $2 WHERE id = ANY($1)`, [noShows.map((a) => a.id), v.now]);
      set.accepted_count = o.accepted_count - noShows.length;
    }
  }
  await commit(m, o, set, {
    type: 'complete',
    actorId: v.actor.id,
    at: v.now,
    to,
    reason: null,
    data: { serviceMinutes: minutes, note: body.note, photoUrls: body.photoUrls ?? [], noShow: noShows.map((a) => a.volunteer_id) },
  });
}

/** 确认并评价 by the resident or the proxy who ordered; "not solved" reopens the same order, history kept. */
export async function confirm(m: EntityManager, v: Viewer, id: string, body: ConfirmOrderDto): Promise<void> {
  const { o, s } = await lock(m, v, id);
  if (body.resolved) {
    const to = allowed(o, 'confirm', s);
    await commit(
      m,
      o,
      { status: to, closed_at: v.now, rating: body.rating ?? null, rating_comment: body.comment ?? null },
      { type: 'confirm', actorId: v.actor.id, at: v.now, to, reason: body.comment ?? null, data: { rating: body.rating ?? null } },
    );
    return;
  }
  if (body.rating !== undefined) throw fieldError('rating', '问题未解决时不评分，请在说明中写明情况');
  const to = allowed(o, 'reopen', s);
  await commit(
    m,
    o,
    {
      status: to,
      round: o.round + 1,
      accepted_count: 0,
      dispatched_to_user_id: null,
      dispatched_to_squad_id: null,
      completed_at: null,
      far_check_in: false,
      escalate_at: waitingAgain(o, v.now),
      auto_dispatch_at: nextAutoDispatch(o, v.now),
    },
    { type: 'reopen', actorId: v.actor.id, at: v.now, to, reason: body.comment ?? null, data: { round: o.round + 1 } },
  );
}

/** 取消: the resident or proxy before check-in; staff with jurisdiction (at any level) at any point before completion. */
export async function cancel(m: EntityManager, v: Viewer, id: string, body: OrderReasonDto): Promise<void> {
  const { o, people, s } = await lock(m, v, id);
  const to = allowed(o, 'cancel', { ...s, relations: cancelRelations(s) });
  const active = people.filter((a) => a.state === 'accepted' || a.state === 'in_service');
  if (active.length > 0) {
    await m.query(`UPDATE order_assignment SET state = 'cancelled', ended_at = $2, end_reason = $3 WHERE id = ANY($1)`, [active.map((a) => a.id), v.now, body.reason]);
  }
  await commit(
    m,
    o,
    // places of people who already finished stay theirs (their service happened): only the open ones are cancelled
    { status: to, cancelled_at: v.now, cancel_reason: body.reason, accepted_count: o.accepted_count - active.length },
    { type: 'cancel', actorId: v.actor.id, at: v.now, to, reason: body.reason, data: { by: s.relations.includes('requester') ? 'requester' : 'staff' } },
  );
}

/** Whether the viewer is someone who serves (for the task routes' 403). */
export { isServing };
