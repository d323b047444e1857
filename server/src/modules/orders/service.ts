import { randomUUID } from 'node:crypto';
import type {
  AcceptOrderDto,
  CheckInDto,
  CompleteOrderDto,
  ConfirmOrderDto,
  CreateOrderDto,
  DispatchOrderDto,
  ListOrdersQuery,
  OrderDto,
  OrderEventDto,
  OrderReasonDto,
  OverdueOrdersQuery,
  Page,
  RecallOrderDto,
  UrgeOrderDto,
} from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../clock';
import { twoBatchesAtATime } from '../../db/coalescer';
import { isStaff, pathCondition } from '../access/jurisdiction';
import type { Actor } from '../auth/actor';
import { checkOrderBody, createOrder, orderWriter, ownOrderWriter, requestHash, type Created, type OrderLimits } from './creation';
import {
  contentReviewCondition,
  filterConditions,
  involvesCondition,
  loadEvents,
  loadOrder,
  longestWaiting,
  orderPage,
  overdueCondition,
  reachedCondition,
  setContentReview,
  statusCategoryConditions,
} from './order.repo';
import { recordAudit, type AuditContext } from '../audit/service';
import type { Moderation, Outcome, Written } from '../moderation/service';
import { ConflictError, ForbiddenError } from '../../errors';
import type { OrderRow } from './order-row';
import { presentOrders } from './present';
import { loadViewer, type Viewer } from './standing';
import * as transitions from './transitions';
import { loadVisibleOrder, orderNotFound } from './visibility';
import { regionOr404 } from '../regions/lookup';

/**
 * The orders service: what the API does with orders, each call one unit of work (its transaction, its reads and
 * writes, the order as the caller now sees it). Route handlers only translate HTTP to these calls.
 *
 * Orders know nothing of dispatching: what the system does next with an order that has become due for it
 * (auto-dispatch, see modules/dispatching) is handed in by the composition root as `onDue`.
 */
export interface OrderServiceDeps {
  db: DataSource;
  clock: Clock;
  /** Pool mode: how long an order is offered in the task hall before it is dispatched automatically. */
  poolOfferMinutes: number;
  /** VOLUNTEER_CONTACT_HOURS: how long after an order ends those who served it still see the resident in full. */
  contactHours?: number;
  /** The per-account limits on 点单 (ORDER_OPEN_LIMIT, ORDER_DAILY_LIMIT, PROXY_ORDER_DAILY_LIMIT). */
  limits: OrderLimits;
  /** WeChat's content check of what people write (does nothing when WeChat is not configured). */
  moderation: Moderation;
  /** HALL_MAX_TASKS: how many tasks a person may have in hand and still take one from the task hall. */
  maxTasksInHand?: number;
  /** URGE_MIN_INTERVAL_MINUTES: 催一下 at most once in this many minutes per order (0: no limit). */
  urgeMinIntervalMinutes?: number;
  /** REOPEN_AFTER_CONFIRM_DAYS: how long after confirming the resident's side may still say 问题未解决 (0: never). */
  reopenAfterConfirmDays?: number;
  /**
   * The system's next step on an order whose `auto_dispatch_at` has come (a new `auto` order; one rejected,
   * released or reopened under auto-dispatch). Runs in the caller's transaction with the order's row locked;
   * answers whether it changed the order.
   */
  onDue?: (m: EntityManager, o: OrderRow, now: Date) => Promise<boolean>;
}

/** Who is placing an order: the person in the token, read only when the order's own statement could not read them. */
export interface Orderer {
  /** The id in the request's token (null: no token). */
  personId: string | null;
  /** The token's session (its person's token version, its id): an ended one writes nothing (then `actor` says 401). */
  session: { version: number; jti: string | null } | null;
  /** Reads the person (401 when there is none). */
  actor: () => Promise<Actor>;
}

export interface Placed {
  order: OrderDto;
  /** An earlier request with the same Idempotency-Key had made this order already. */
  replayed: boolean;
}

/** A transition as the API calls it: by the person, on the order `id`, answering the order as they now see it. */
export type OrderAction<B> = (actor: Actor, id: string, body: B) => Promise<OrderDto>;

export type OrderService = ReturnType<typeof createOrderService>;

/** The most overdue orders the board's first page carries above the rest. */
const BOARD_OVERDUE_MAX = 100;

function withoutLocation(data: Record<string, unknown>): Record<string, unknown> {
  const { location: _hidden, ...rest } = data;
  return rest;
}

export function createOrderService({
  db,
  clock,
  poolOfferMinutes,
  contactHours,
  limits,
  moderation,
  maxTasksInHand,
  urgeMinIntervalMinutes,
  reopenAfterConfirmDays,
  onDue,
}: OrderServiceDeps) {
  // 点单 under load: the orders of concurrent requests are written together (group commit, see creation.ts)
  const writeOrder = orderWriter(db, twoBatchesAtATime(100));
  const writeOwnOrder = ownOrderWriter(db, twoBatchesAtATime(100), limits);

  const viewer = async (m: EntityManager, actor: Actor): Promise<Viewer> => ({
    ...(await loadViewer(m, actor, clock(), contactHours)),
    ...(reopenAfterConfirmDays === undefined ? {} : { reopenDays: reopenAfterConfirmDays }),
  });

  /** The order as the viewer sees it now (after a change, in the same transaction). */
  async function presentOne(m: EntityManager, v: Viewer, id: string): Promise<OrderDto> {
    const o = await loadOrder(m, id);
    if (!o) throw orderNotFound();
    const [presented] = await presentOrders(m, v, [o]);
    return presented!.dto;
  }

  /** Lets the system act on the order if it is due (under auto-dispatch): answers the order as it then is. */
  async function actIfDue(m: EntityManager, v: Viewer, o: OrderRow): Promise<OrderRow> {
    if (!onDue || o.auto_dispatch_at === null || o.auto_dispatch_at > v.now) return o;
    return (await onDue(m, o, v.now)) ? (await loadOrder(m, o.id))! : o;
  }

  /**
   * 点单 (a resident for themself, or staff for a resident: 代下单). A resident ordering for themself is read by the
   * order's own statement (one round trip); anyone else — a proxy, a replay, a refusal to explain — is read as for
   * any request. Under `auto` dispatch the new order goes to the best candidate at once, in its own transaction
   * (the order exists whatever happens there).
   */
  async function place(who: Orderer, body: CreateOrderDto, idempotencyKey: string | undefined): Promise<Placed> {
    // no transaction: the order and its event are one statement; presenting may log a full view (proxy orders)
    const m = db.manager;
    const now = clock();
    // WeChat's content check (when configured): risky text is refused before anything is written; text WeChat wants
    // a person to look at, or could not check, is taken and flagged for staff below
    const review: Outcome =
      moderation.enabled && who.personId !== null
        ? await moderation.checkTexts(who.personId, [
            { field: 'description', text: body.description, scene: 4 },
            { field: 'address', text: body.address, scene: 1 },
          ])
        : 'pass';
    let created: Created | undefined;
    let actor: Actor | undefined;
    // allowRepeat is staff's (代下单): anyone else asking for it is told why by createOrder
    const forSelf = body.residentId === undefined || body.residentId === who.personId;
    if (who.personId !== null && who.session !== null && forSelf && body.allowRepeat === undefined) {
      checkOrderBody(body);
      const own = await writeOwnOrder({
        id: randomUUID(),
        personId: who.personId,
        tokenVersion: who.session.version,
        jti: who.session.jti,
        body,
        idempotencyKey: idempotencyKey ?? null,
        requestHash: idempotencyKey === undefined ? null : requestHash(body),
        at: now,
        poolOfferMinutes,
      });
      if (own) {
        actor = own.actor;
        created = { id: own.row.id, row: own.row, replayed: false };
      }
    }
    // a resident's own order (the hot path) needs no family probe; anyone ordering for someone else may be family
    const v = await loadViewer(m, actor ?? (await who.actor()), now, contactHours, { family: created === undefined });
    created ??= await createOrder(m, v, body, idempotencyKey, poolOfferMinutes, writeOrder, limits);
    const { id, replayed } = created;
    let row = created.row;
    if (review !== 'pass' && !replayed && row) {
      await setContentReview(m, id, review);
      row = { ...row, content_review: review };
    }
    let order: OrderDto;
    if (row?.dispatch_mode === 'auto' || row?.dispatch_mode === 'sequential') {
      // 自动派单: offered to the first wave (auto), or to the best candidate (sequential), at once
      order = await db.transaction(async (tx) => {
        const locked = await loadOrder(tx, id, true);
        if (locked) await actIfDue(tx, v, locked);
        return presentOne(tx, v, id);
      });
    } else {
      order = row ? (await presentOrders(m, v, [row]))[0]!.dto : await presentOne(m, v, id);
    }
    return { order, replayed };
  }

  /**
   * The orders the person may list, newest first: staff their jurisdiction's (with `actionable`, only those that
   * have escalated to their level), everyone the orders they are on (resident, requester, dispatched to, took part),
   * family the orders of the residents they follow (`residentId` narrows to one resident).
   */
  async function list(actor: Actor, q: ListOrdersQuery): Promise<Page<OrderDto>> {
    return db.transaction(async (m) => {
      const v = await viewer(m, actor);
      const params: unknown[] = [];
      const follows = [...v.follows];
      const where = [
        isStaff(actor)
          ? `(${pathCondition(v.j, 'o.region_path', params)} OR ${involvesCondition(actor.id, [...v.squads], params, follows)})`
          : `(${involvesCondition(actor.id, [...v.squads], params, follows)})`,
      ];
      if (q.residentId !== undefined) {
        // one resident's orders (family following them, staff looking at one person): still only those one may see
        params.push(q.residentId);
        where.push(`o.resident_id = $${params.length}`);
      }
      if (q.actionable === 'true') {
        if (!isStaff(actor)) where.push('FALSE');
        else if (!actor.roles.includes('admin')) where.push(reachedCondition(actor.regionPath ?? '', params));
      }
      if (q.contentReview !== undefined) where.push(isStaff(actor) ? contentReviewCondition(q.contentReview === 'true') : 'FALSE');
      where.push(...statusCategoryConditions(q, params));
      let regionPath: string | undefined;
      if (q.regionId !== undefined) {
        const region = await regionOr404(m, q.regionId);
        regionPath = region.path;
      }
      where.push(...filterConditions({ regionPath, from: q.from, to: q.to }, params));
      let top: OrderRow[] = [];
      if (q.actionable === 'true' && isStaff(actor)) {
        // 兜底: at every level, the orders waiting past their deadline head the board, longest waiting first — all of
        // them (up to BOARD_OVERDUE_MAX) on the first page; the pages then go on with the rest, newest first
        if (q.cursor === undefined) {
          const overdueParams = [...params];
          top = await longestWaiting(m, [...where, overdueCondition(v.now, overdueParams)], overdueParams, BOARD_OVERDUE_MAX);
        }
        where.push(overdueCondition(v.now, params, false));
      }
      const { rows, nextCursor } = await orderPage(m, where, params, q);
      return { items: (await presentOrders(m, v, [...top, ...rows])).map((p) => p.dto), nextCursor };
    });
  }

  /**
   * 超时未接: the orders waiting for someone past their deadline under a place (the caller's jurisdiction, or
   * `regionId` inside it), longest waiting first, each with how long it has waited, its 兜底责任人 and its level.
   */
  async function overdue(actor: Actor, q: OverdueOrdersQuery): Promise<{ items: OrderDto[] }> {
    if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看超时未接的需求。');
    return db.transaction(async (m) => {
      const v = await viewer(m, actor);
      const params: unknown[] = [];
      const where = [pathCondition(v.j, 'o.region_path', params)];
      if (q.regionId !== undefined) {
        const region = await regionOr404(m, q.regionId, v.j);
        where.push(...filterConditions({ regionPath: region.path }, params));
      }
      where.push(overdueCondition(v.now, params));
      const rows = await longestWaiting(m, where, params, q.limit ?? 50);
      return { items: (await presentOrders(m, v, rows)).map((p) => p.dto) };
    });
  }

  /** One order as the person sees it (404 when they may not see it). */
  async function get(actor: Actor, id: string): Promise<OrderDto> {
    return db.transaction(async (m) => {
      const v = await viewer(m, actor);
      const { o, everyone } = await loadVisibleOrder(m, v, id);
      const [presented] = await presentOrders(m, v, [o], new Map([[o.id, everyone]]));
      return presented!.dto;
    });
  }

  /** The order's timeline (404 when they may not see the order). */
  async function events(actor: Actor, id: string): Promise<{ items: OrderEventDto[] }> {
    return db.transaction(async (m) => {
      const v = await viewer(m, actor);
      const { o, s } = await loadVisibleOrder(m, v, id);
      const items = await loadEvents(m, o.id);
      // where a volunteer stood when checking in is for staff and for whoever holds the place now, not for a
      // volunteer who released it or the task hall (it is a few metres from the resident's door)
      if (s.oversees || s.holding) return { items };
      return { items: items.map((e) => (e.type === 'check_in' && 'location' in e.data ? { ...e, data: withoutLocation(e.data) } : e)) };
    });
  }

  /** 404 when the person may not see the order, 403 when they see it without overseeing it (staff of its place). */
  async function checkOversees(actor: Actor, id: string): Promise<void> {
    await db.transaction(async (m) => {
      const v = await viewer(m, actor);
      const { s } = await loadVisibleOrder(m, v, id);
      if (!s.oversees) throw new ForbiddenError('只有负责这个需求所在地的工作人员可以查看通知记录。');
    });
  }

  /**
   * A transition in its own transaction, then the order as the person now sees it. Under auto-dispatch a reject,
   * release or reopen sends the order on to the next candidate at once (the row is still locked by this
   * transaction); a manual order costs no extra query.
   */
  function action<B>(t: transitions.Transition<B>): OrderAction<B> {
    return (actor, id, body) =>
      db.transaction(async (m) => {
        const v = await viewer(m, actor);
        await t(m, v, id, body);
        const o = await loadOrder(m, id);
        if (!o) throw orderNotFound();
        return (await presentOrders(m, v, [await actIfDue(m, v, o)]))[0]!.dto;
      });
  }

  /** A transition whose body carries text others will read: WeChat's content check first (400 for risky text). */
  function checked<B>(run: OrderAction<B>, texts: (body: B) => Written[]): OrderAction<B> {
    if (!moderation.enabled) return run;
    return async (actor, id, body) => {
      await moderation.checkTexts(actor.id, texts(body));
      return run(actor, id, body);
    };
  }

  /**
   * Staff with jurisdiction have looked at an order's flagged text (WeChat's content check said `review`, or could
   * not be asked) and keep the order: the flag goes, recorded in the audit trail. Text not fit to keep: cancel it.
   */
  async function markContentReviewed(actor: Actor, id: string, ctx: AuditContext): Promise<OrderDto> {
    return db.transaction(async (m) => {
      const v = await viewer(m, actor);
      const { o, s } = await loadVisibleOrder(m, v, id, true);
      if (!s.oversees) throw new ForbiddenError('只有管辖范围内的工作人员可以审核需求内容。');
      if (o.content_review === null) throw new ConflictError('这个需求没有待审核的内容。');
      await setContentReview(m, o.id, null);
      await recordAudit(m, actor.id, ctx, {
        action: 'order.content_reviewed',
        subjectType: 'order',
        subjectId: o.id,
        before: { contentReview: o.content_review },
        after: { contentReview: null },
      });
      return presentOne(m, v, o.id);
    });
  }

  return {
    place,
    list,
    overdue,
    get,
    events,
    checkOversees,
    markContentReviewed,
    dispatch: action<DispatchOrderDto>(transitions.dispatch),
    reject: action<OrderReasonDto>(transitions.reject),
    accept: action<AcceptOrderDto>((m, v, id, body) => transitions.accept(m, v, id, body, maxTasksInHand)),
    release: action<OrderReasonDto>(transitions.release),
    checkIn: action<CheckInDto>(transitions.checkIn),
    complete: checked(action<CompleteOrderDto>(transitions.complete), (b) => [{ field: 'note', text: b.note, scene: 2 }]),
    confirm: checked(action<ConfirmOrderDto>(transitions.confirm), (b) => [{ field: 'comment', text: b.comment, scene: 2 }]),
    cancel: checked(action<OrderReasonDto>(transitions.cancel), (b) => [{ field: 'reason', text: b.reason, scene: 2 }]),
    recall: checked(action<RecallOrderDto>(transitions.recall), (b) => [{ field: 'reason', text: b.reason, scene: 2 }]),
    urge: checked(
      action<UrgeOrderDto>((m, v, id, body) => transitions.urge(m, v, id, body, urgeMinIntervalMinutes)),
      (b) => [{ field: 'note', text: b.note, scene: 2 }],
    ),
  };
}
