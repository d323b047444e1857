import { createHash, randomUUID } from 'node:crypto';
import type { CreateOrderDto } from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { ErrorCode } from '@bangbang/shared';
import { AppError, ConflictError, ForbiddenError, fieldError } from '../../errors';
import { Coalescer, type CoalescerOptions } from '../../db/coalescer';
import { covers, isStaff } from '../access/jurisdiction';
import { ActorRows } from '../auth/actor-row';
import type { Actor } from '../auth/actor';
import {
  countTowardsLimits,
  findByIdempotencyKey,
  findOpenOfService,
  findResident,
  insertOrders,
  ownOrderInserter,
  type NewOrder,
  type NewOwnOrder,
  type OrderLimits,
  type ResidentOfOrder,
  type Written,
} from './order.repo';
import type { OrderRow } from './order-row';
import type { Viewer } from './standing';

/**
 * 点单: creating orders, the hot path of the API (see `pnpm bench:orders`). Concurrent requests' orders are written
 * together by one statement (group commit, `groupCommitted`); a resident ordering for themself is read by the very
 * statement that writes the order (one round trip, `ownOrderWriter`); everyone else goes through `createOrder`,
 * which also explains every refusal. The defaults an order takes from its resident are decided in one place, the
 * SQL both statements share (order.repo.ts, `decided`). Transitions of existing orders are in transitions.ts.
 */

export type { NewOrder, OrderLimits } from './order.repo';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * 429 unless an order of `resident` placed by `requesterId` keeps within the limits (the own-order statement checks
 * the same in SQL; this says which limit was met).
 */
async function checkLimits(m: EntityManager, limits: OrderLimits, residentId: string, requesterId: string, now: Date): Promise<void> {
  const proxy = residentId !== requesterId;
  const { open, placed } = await countTowardsLimits(m, residentId, requesterId, new Date(now.getTime() - DAY_MS));
  if (open >= limits.openPerResident) {
    throw new AppError(
      ErrorCode.RATE_LIMITED,
      proxy ? `该居民已有 ${open} 个需求正在办理，请等其中的需求完成或取消后再代下单。` : `您已有 ${open} 个需求正在办理，请等其中的需求完成或取消后再下新单。`,
    );
  }
  const daily = proxy ? limits.dailyPerProxy : limits.dailyPerResident;
  if (placed >= daily) {
    throw new AppError(
      ErrorCode.RATE_LIMITED,
      proxy ? `您 24 小时内已代下单 ${placed} 个，已到上限，请稍后再试。` : `您 24 小时内已下单 ${placed} 个，已到上限，请稍后再试；急事请直接联系网格员。`,
    );
  }
}

/**
 * 409 ORDER_REPEATED: the resident has an open order of this service already — a repeat is a nudge (催一下 on that
 * order), not a second order card. The details name the order, so that the mini-program can open or urge it.
 */
function repeated(open: { id: string; status: string; category_name: string }, proxy: boolean, staff: boolean): AppError {
  const has = `${proxy ? '该居民' : '您'}已有一个${open.category_name}的需求正在办理`;
  const next = staff ? '不用重复下单，可以打开它催一下；确是另一件事时，可以勾选「另下一单」（allowRepeat）' : '不用重复下单，着急的话可以打开它催一下';
  return new AppError(ErrorCode.ORDER_REPEATED, `${has}，${next}。`, [
    { field: 'categoryCode', message: has, order: { id: open.id, status: open.status, categoryName: open.category_name } },
  ]);
}

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

/** The checks of an order's body that need nobody's data: made before anything is read or written. */
export function checkOrderBody(body: CreateOrderDto): void {
  if (body.preferredStart !== undefined && body.preferredEnd !== undefined && Date.parse(body.preferredEnd) <= Date.parse(body.preferredStart)) {
    throw fieldError('preferredEnd', '结束时间须晚于开始时间');
  }
}

export interface Created {
  id: string;
  /** The new order as written; absent for a replay (read it again). */
  row?: OrderRow;
  /** True when an earlier request with the same Idempotency-Key had already created it. */
  replayed: boolean;
}

/** The new order as written (the names shown with it are known to the caller). */
export type InsertedOrder = Omit<OrderRow, 'region_name' | 'community_name' | 'resident_name' | 'resident_phone' | 'resident_landline' | 'resident_confirms'>;

/** A new order's row: what was written, the column defaults of a new order (migration CreateOrders), and what the database decided. */
function newRow(
  o: Omit<NewOrder, 'channel' | 'address' | 'lat' | 'lng' | 'headcount' | 'regionId' | 'regionPath' | 'level' | 'dispatchMode'>,
  w: Written,
): InsertedOrder {
  return {
    id: o.id,
    resident_id: o.residentId,
    requester_id: o.requesterId,
    channel: w.channel,
    category_code: o.categoryCode,
    category_name: w.category_name,
    category_kind: w.category_kind,
    accept_minutes_normal: w.accept_minutes_normal,
    accept_minutes_urgent: w.accept_minutes_urgent,
    description: o.description,
    address: w.address,
    location_lat: w.location_lat,
    location_lng: w.location_lng,
    preferred_start: w.preferred_start,
    preferred_end: w.preferred_end,
    urgency: o.urgency,
    headcount: w.headcount,
    accepted_count: 0,
    status: 'pending',
    region_id: w.region_id,
    region_path: w.region_path,
    escalation_level: w.escalation_level,
    scope_region_id: w.region_id,
    scope_path: w.region_path,
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
    idempotency_key: o.idempotencyKey,
    request_hash: o.requestHash,
    dispatch_mode: w.dispatch_mode,
    auto_dispatch_at: w.auto_dispatch_at,
    offer_wave: 0,
    content_review: null,
    responsible_id: w.responsible_id,
    responsible_name: w.responsible_name,
    responsible_phone: w.responsible_phone,
    urge_count: 0,
    last_urged_at: null,
    reopened_at: null,
    first_deadline_at: null,
    repeat_of: o.repeatOf ?? null,
    created_at: o.at,
    updated_at: o.at,
  };
}

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

/** Writes one order, in a batch with other requests' orders (`orderWriter`) or alone; its row, or null when it was not written. */
export type WriteOrder = (order: NewOrder) => Promise<InsertedOrder | null>;

/** Writes the orders in one statement, each as its row (null: not written). */
export async function writeOrders(on: DataSource | EntityManager, items: readonly NewOrder[]): Promise<Array<InsertedOrder | null>> {
  const written = await insertOrders(on, items);
  return items.map((o, i) => {
    const w = written[i];
    return w ? newRow(o, w) : null;
  });
}

/** Order creation's group commit for orders whose resident was read already (proxies; see `ownOrderWriter` for the rest). */
export function orderWriter(db: DataSource, options: CoalescerOptions): WriteOrder {
  return groupCommitted(options, (items: readonly NewOrder[]) => writeOrders(db, items));
}

/** An order a person places for themself, before anyone has read them: the statement that writes it reads them. */
export interface OwnOrder {
  id: string;
  personId: string;
  /** The token's session: the order is written only while it holds (the person's version, not logged out). */
  tokenVersion: number;
  jti: string | null;
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

/** The request's values of an order, null where it said nothing (the statements decide the defaults). */
function asked(
  body: CreateOrderDto,
): Pick<NewOrder, 'channel' | 'categoryCode' | 'description' | 'address' | 'lat' | 'lng' | 'preferredStart' | 'preferredEnd' | 'urgency' | 'headcount'> {
  return {
    channel: body.channel ?? null,
    categoryCode: body.categoryCode,
    description: body.description,
    address: body.address ?? null,
    lat: body.location?.lat ?? null,
    lng: body.location?.lng ?? null,
    preferredStart: body.preferredStart ?? null,
    preferredEnd: body.preferredEnd ?? null,
    urgency: body.urgency,
    headcount: body.headcount ?? null,
  };
}

/**
 * 点单 on the hot path — a resident ordering for themself — in ONE round trip (order.repo.ts, `ownOrderInserter`).
 * An order that is not written (its person is not a resident with a place, or no longer exists; its category is
 * unknown or inactive; its Idempotency-Key was used before) answers null: the caller then reads the person as usual
 * and goes through `createOrder`, which says why (or replays the earlier order).
 */
export function ownOrderWriter(db: DataSource, options: CoalescerOptions, limits: OrderLimits): (order: OwnOrder) => Promise<OwnOrderWritten | null> {
  const people = new ActorRows(db);
  const insertOwn = ownOrderInserter(people);
  const writeAll = async (items: readonly OwnOrder[]): Promise<Array<OwnOrderWritten | null>> => {
    const own: NewOwnOrder[] = items.map((o) => ({
      id: o.id,
      personId: o.personId,
      tokenVersion: o.tokenVersion,
      jti: o.jti,
      ...asked(o.body),
      idempotencyKey: o.idempotencyKey,
      requestHash: o.requestHash,
      at: o.at,
      poolOfferMinutes: o.poolOfferMinutes,
    }));
    const written = await insertOwn(db, own, limits);
    return items.map((o, i) => {
      const w = written[i];
      if (!w) return null;
      const actor = people.actor(w);
      const inserted = newRow({ ...own[i]!, residentId: o.personId, requesterId: o.personId }, w);
      const u = actor.user;
      const place = u.region?.name ?? '';
      // a person ordering for themself is logged in: they confirm it themself
      return {
        actor,
        row: {
          ...inserted,
          region_name: place,
          community_name: place,
          resident_name: u.name,
          resident_phone: u.phone,
          resident_landline: u.landline,
          resident_confirms: true,
        },
      };
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
  write: WriteOrder = async (order) => (await writeOrders(m, [order]))[0] ?? null,
  /** The per-account limits (none: the demo's history and the benchmark's lean route). */
  limits?: OrderLimits,
): Promise<Created> {
  const { actor, now } = v;
  const proxy = body.residentId !== undefined && body.residentId !== actor.id;
  if (!proxy && !actor.roles.includes('resident')) {
    if (isStaff(actor)) throw fieldError('residentId', '代居民下单时请指定居民（residentId）');
    throw new ForbiddenError('只有居民可以为自己点单。');
  }
  // family (家属) order for the resident they follow, as the resident would: from the mini-program, in their place
  const family = proxy && v.follows.has(body.residentId!);
  if (proxy && !isStaff(actor) && !family) throw new ForbiddenError('只有网格员、调度员或居民登记的家属可以代居民下单。');
  // a second open order of one service is staff's judgement (two different repairs), made on the resident's behalf
  if (body.allowRepeat === true && !(proxy && isStaff(actor)))
    throw new ForbiddenError('只有网格员、调度员代居民下单时可以为同一服务另下一单（allowRepeat）。');
  checkOrderBody(body);

  // the person ordering for themself was loaded with their place by the auth hook; a proxy's resident is read
  let resident: ResidentOfOrder;
  if (!proxy) {
    const u = actor.user;
    resident = {
      id: u.id,
      name: u.name,
      phone: u.phone,
      landline: u.landline,
      roles: u.roles,
      address: u.address,
      lat: u.locationLat,
      lng: u.locationLng,
      regionId: u.regionId,
      regionName: u.region?.name ?? null,
      path: u.region?.path ?? null,
      level: u.region?.level ?? null,
      dispatchMode: u.region?.effectiveDispatchMode ?? 'manual',
      confirms: true,
    };
  } else {
    const row = await findResident(m, body.residentId!);
    if (!row || !(family || covers(v.j, row.path))) throw fieldError('residentId', '居民不存在或不在您的管辖范围内');
    resident = row;
  }
  if (!resident.roles.includes('resident')) throw fieldError('residentId', '该人员不是居民');
  if (resident.regionId === null || resident.path === null || resident.level === null) {
    throw fieldError(proxy ? 'residentId' : 'body', '居民还没有所属网格，请先在个人资料中选择所在网格');
  }

  const hash = idempotencyKey === undefined ? null : requestHash(body);
  const staff = proxy && isStaff(actor);
  let repeatOf: string | null = null;
  if (limits) {
    // a repeated request is answered with its order whatever the limits say now (and its order is now open)
    const earlier = idempotencyKey === undefined ? undefined : await replayOf(m, actor.id, idempotencyKey, hash);
    if (earlier) return earlier;
  }
  if (limits || body.allowRepeat === true) {
    const open = await findOpenOfService(m, resident.id, body.categoryCode);
    if (open && body.allowRepeat !== true) throw repeated(open, proxy, staff);
    repeatOf = open?.id ?? null;
  }
  if (limits) await checkLimits(m, limits, resident.id, actor.id, now);
  const inserted = await write({
    id: randomUUID(),
    residentId: resident.id,
    requesterId: actor.id,
    ...asked(body),
    // a family member orders from their own phone, not through a call to staff (the default for a proxy's order)
    ...(family && body.channel === undefined ? { channel: 'miniapp' as const } : {}),
    regionId: resident.regionId,
    regionPath: resident.path,
    level: resident.level,
    idempotencyKey: idempotencyKey ?? null,
    requestHash: hash,
    at: now,
    poolOfferMinutes,
    dispatchMode: resident.dispatchMode,
    home: { address: resident.address, lat: resident.lat, lng: resident.lng },
    repeatOf,
  });
  if (inserted) {
    // the creator sees it in full, so the community's name (for masked views) is not needed: the place's will do
    const row: OrderRow = {
      ...inserted,
      region_name: resident.regionName ?? '',
      community_name: resident.regionName ?? '',
      resident_name: resident.name,
      resident_phone: resident.phone,
      resident_landline: resident.landline,
      resident_confirms: resident.confirms,
    };
    return { id: row.id, row, replayed: false };
  }

  if (idempotencyKey !== undefined) {
    // the key was used before (or at this very moment, by a request that has now committed)
    const earlier = await replayOf(m, actor.id, idempotencyKey, hash);
    if (earlier) return earlier;
  }
  // an identical order of a moment ago (a double tap, the same request from two phones) was written first
  const open = await findOpenOfService(m, resident.id, body.categoryCode);
  if (open) throw repeated(open, proxy, staff);
  throw fieldError('categoryCode', '没有这项服务');
}

/** The order an earlier request with this Idempotency-Key made (409 if its body differed), if there is one. */
async function replayOf(m: EntityManager, requesterId: string, idempotencyKey: string, hash: string | null): Promise<Created | undefined> {
  const earlier = await findByIdempotencyKey(m, requesterId, idempotencyKey);
  if (!earlier) return undefined;
  if (earlier.request_hash !== hash) throw new ConflictError('这个 Idempotency-Key 已用于另一份不同的点单，请换一个新的 Key。');
  return { id: earlier.id, replayed: true };
}
