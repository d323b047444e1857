import {
  ErrorCode,
  FAR_CHECK_IN_METERS,
  distanceMeters,
  transition,
  type AcceptOrderDto,
  type AcceptProgress,
  type CheckInDto,
  type CompleteOrderDto,
  type CompleteProgress,
  type ConfirmOrderDto,
  type DispatchOrderDto,
  type OrderAction,
  type OrderReasonDto,
  type OrderStatus,
  type UrgeOrderDto,
} from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { AppError, ConflictError, ForbiddenError, RateLimitedError, fieldError } from '../../errors';
import { covers } from '../access/jurisdiction';
import {
  Sql,
  checkInAssignment,
  commit,
  completeAssignment,
  endAssignments,
  findDispatchPerson,
  findDispatchSquad,
  insertAssignment,
  lockedTasksInHand,
  releaseAssignment,
} from './order.repo';
import { acceptMinutes, HOLDING, type AssignmentRow, type OrderRow } from './order-row';
import { cancelRelations, mayReject, type Standing, type Viewer } from './standing';
import { loadVisibleOrder } from './visibility';

/**
 * The order's transitions after 点单: 派单, 拒绝派单, 接单, 退单, 签到, 完成服务, 确认/重新打开, 取消. Each runs in
 * the caller's transaction and first locks the order's row (SELECT … FOR UPDATE), so concurrent requests on one
 * order — from any number of API processes — are applied one after the other, each seeing the previous one's
 * result: no lost update, no place given twice. The state machine of shared/order-state.ts decides what is allowed;
 * the change and its event are written together, the event numbered by the order's version (its key
 * (order_id, seq) would refuse a second "next" event).
 */

const MINUTE = 60_000;

/** An action only someone holding a place on the order may take (退单, 签到, 完成). */
const notHolding = () => new ForbiddenError('您没有接下这个需求。');

function addMinutes(d: Date, minutes: number): Date {
  return new Date(d.getTime() + minutes * MINUTE);
}

/** The signature every transition has: in the caller's transaction, by the viewer, on the order `id`. */
export type Transition<B> = (m: EntityManager, v: Viewer, id: string, body: B) => Promise<void>;

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
  const { o, everyone, s } = await loadVisibleOrder(m, v, id, true);
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
    const person = await findDispatchPerson(m, body.assigneeId);
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
    const squad = await findDispatchSquad(m, body.squadId!);
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
export async function accept(m: EntityManager, v: Viewer, id: string, body: AcceptOrderDto = {}, maxTasksInHand = Infinity): Promise<void> {
  const { o, s } = await lock(m, v, id);
  if (s.holding) throw new ConflictError('您已接下这个需求。');
  if (o.status === 'dispatched' && !s.dispatchedToMe && s.relations.includes('eligible')) throw new ConflictError('该需求已派给他人。');
  if (!s.relations.includes('assignee') && !s.relations.includes('eligible') && (o.status === 'pending' || o.status === 'dispatched')) {
    throw new ForbiddenError(s.ineligible ?? '您不能接这个需求。');
  }
  const to = allowed(o, 'accept', s, { headcount: o.headcount, accepted: o.accepted_count });
  // from the task hall, at most HALL_MAX_TASKS in hand (one person took 20 of 20 orders); what staff
  // dispatched to someone they may always take: staff chose them
  if (!s.dispatchedToMe && Number.isFinite(maxTasksInHand)) {
    const inHand = await lockedTasksInHand(m, v.actor.id);
    if (inHand >= maxTasksInHand) {
      throw new AppError(ErrorCode.RATE_LIMITED, `您手头已有 ${inHand} 个任务未完成，请先完成再从任务大厅接新的需求。`);
    }
  }
  const squadId = o.dispatched_to_squad_id !== null && v.squads.has(o.dispatched_to_squad_id) ? o.dispatched_to_squad_id : null;
  await insertAssignment(m, { orderId: o.id, round: o.round, personId: v.actor.id, squadId, at: v.now });
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
    {
      type: 'accept',
      actorId: v.actor.id,
      at: v.now,
      to,
      reason: body.note ?? null,
      data: { acceptedCount: count, headcount: o.headcount, via: s.dispatchedToMe ? 'dispatch' : 'pool', squadId },
    },
  );
}

/** 退单: a person gives back their place before checking in (it counts against their reliability). */
export async function release(m: EntityManager, v: Viewer, id: string, body: OrderReasonDto): Promise<void> {
  const { o, s } = await lock(m, v, id);
  if (!s.holding) {
    allowed(o, 'release', { ...s, relations: s.relations.filter((r) => r !== 'assignee') });
    throw notHolding();
  }
  if (s.holding.state !== 'accepted') throw new ConflictError('您已签到，不能退单；如无法继续服务，请联系网格员。');
  const to = allowed(o, 'release', s);
  await releaseAssignment(m, s.holding.id, v.now, body.reason);
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
    throw notHolding();
  }
  const to = allowed(o, 'check_in', s);
  if (s.holding.state !== 'accepted') throw new ConflictError('您已签到过了。');
  const door = o.location_lat !== null && o.location_lng !== null ? { lat: o.location_lat, lng: o.location_lng } : null;
  const at = body.location ?? null;
  const distance = door && at ? distanceMeters(door, at) : null;
  // without the volunteer's location there is no proof of the visit: flagged like a far one
  const far = door !== null && (distance === null || distance > FAR_CHECK_IN_METERS);
  await checkInAssignment(m, s.holding.id, { at: v.now, lat: at?.lat ?? null, lng: at?.lng ?? null, distance, far });
  await commit(
    m,
    o,
    { status: to, far_check_in: o.far_check_in || far },
    {
      type: 'check_in',
      actorId: v.actor.id,
      at: v.now,
      to,
      reason: null,
      data: { distanceMeters: distance === null ? null : Math.round(distance), far, location: at },
    },
  );
}

/** 完成服务: service minutes (check-in to now) recorded; the order is completed when nobody is still serving. */
export async function complete(m: EntityManager, v: Viewer, id: string, body: CompleteOrderDto): Promise<void> {
  const { o, people, s } = await lock(m, v, id);
  if (!s.holding) {
    allowed(o, 'complete', { ...s, relations: s.relations.filter((r) => r !== 'assignee') });
    throw notHolding();
  }
  if (s.holding.state === 'accepted') throw new ConflictError('请先到居民家中签到，再完成服务。');
  if (s.holding.state === 'completed') throw new ConflictError('您已完成这个需求的服务。');
  const others = people.filter((a) => a.id !== s.holding!.id && a.state === 'in_service').length;
  const to = allowed(o, 'complete', s, { othersServing: others });
  const minutes = Math.max(0, Math.round((v.now.getTime() - s.holding.checked_in_at!.getTime()) / MINUTE));
  await completeAssignment(m, s.holding.id, { at: v.now, minutes, note: body.note, photoUrls: body.photoUrls ?? [] });
  const set: Record<string, unknown> = { status: to };
  const noShows = to === 'completed' ? people.filter((a) => a.state === 'accepted') : [];
  if (to === 'completed') {
    set.completed_at = v.now;
    // people who accepted but never arrived by the time the work was done
    if (noShows.length > 0) {
      await endAssignments(
        m,
        noShows.map((a) => a.id),
        'no_show',
        v.now,
      );
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

/**
 * Who may not confirm, and why, in words: the staff member who placed an order for a resident (代下单) would be
 * vouching for their own work; the resident or their family confirms, or — for a resident who can neither log in nor
 * has family — another staff member after calling them back (电话回访).
 */
function checkConfirmer(o: OrderRow, s: Standing, action: 'confirm' | 'reopen'): void {
  if (o.status !== 'completed' || s.relations.some((r) => r === 'resident' || r === 'family' || r === 'callback')) return;
  if (s.relations.includes('requester')) {
    throw new ForbiddenError(
      o.resident_confirms
        ? '代下单的工作人员不能替居民确认，请由居民本人或其家属确认。'
        : '代下单的工作人员不能替居民确认：这位居民没有手机、也没有登记家属，请由本网格或社区的其他工作人员电话回访后确认。',
    );
  }
  if (s.oversees && o.resident_confirms) {
    throw new ForbiddenError(`这位居民可以自己或由家属${action === 'confirm' ? '确认' : '反馈'}，工作人员不能代为${action === 'confirm' ? '确认' : '反馈'}。`);
  }
}

/**
 * 确认并评价 by the resident or their family (or, for a resident without either, by another staff member after a
 * call-back, which must say what the resident said); "not solved" reopens the same order, history kept.
 */
export async function confirm(m: EntityManager, v: Viewer, id: string, body: ConfirmOrderDto): Promise<void> {
  const { o, s } = await lock(m, v, id);
  checkConfirmer(o, s, body.resolved ? 'confirm' : 'reopen');
  const byCallback = !s.relations.includes('resident') && !s.relations.includes('family') && s.relations.includes('callback');
  if (byCallback && o.status === 'completed' && (body.comment === undefined || body.comment.trim() === '')) {
    throw fieldError('comment', '请写明电话回访的情况（何时打给谁、居民怎么说）');
  }
  // who gave the resident's word: they themself, family, or staff after a call-back (电话回访)
  const by = s.relations.includes('resident') ? 'resident' : s.relations.includes('family') ? 'family' : 'callback';
  if (body.resolved) {
    const to = allowed(o, 'confirm', s);
    await commit(
      m,
      o,
      { status: to, closed_at: v.now, rating: body.rating ?? null, rating_comment: body.comment ?? null },
      { type: 'confirm', actorId: v.actor.id, at: v.now, to, reason: body.comment ?? null, data: { rating: body.rating ?? null, by } },
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
    { type: 'reopen', actorId: v.actor.id, at: v.now, to, reason: body.comment ?? null, data: { round: o.round + 1, by } },
  );
}

/** 取消: the resident or proxy before check-in; staff with jurisdiction (at any level) at any point before completion. */
export async function cancel(m: EntityManager, v: Viewer, id: string, body: OrderReasonDto): Promise<void> {
  const { o, people, s } = await lock(m, v, id);
  const to = allowed(o, 'cancel', { ...s, relations: cancelRelations(s) });
  const active = people.filter((a) => a.state === 'accepted' || a.state === 'in_service');
  await endAssignments(
    m,
    active.map((a) => a.id),
    'cancelled',
    v.now,
    body.reason,
  );
  await commit(
    m,
    o,
    // places of people who already finished stay theirs (their service happened): only the open ones are cancelled
    { status: to, cancelled_at: v.now, cancel_reason: body.reason, accepted_count: o.accepted_count - active.length },
    {
      type: 'cancel',
      actorId: v.actor.id,
      at: v.now,
      to,
      reason: body.reason,
      data: { by: s.relations.includes('requester') ? 'requester' : s.relations.includes('family') ? 'family' : 'staff' },
    },
  );
}

/**
 * 催一下: the resident (or who ordered for them, or family) presses an open order instead of ordering it again. Its
 * state does not change; it becomes urgent, the time it may still wait shrinks to the urgent window from now (never
 * grows), under auto-dispatch a waiting order is offered again at once (the caller lets the system act on it), and
 * the `urge` event tells the staff (notifications/fanout.ts). At most once per `minIntervalMinutes`, so that a
 * worried tap-tap-tap is one nudge, not a flood of alarms.
 */
export async function urge(m: EntityManager, v: Viewer, id: string, body: UrgeOrderDto, minIntervalMinutes = 0): Promise<void> {
  const { o, s } = await lock(m, v, id);
  const to = allowed(o, 'urge', s);
  if (o.last_urged_at !== null && minIntervalMinutes > 0) {
    const left = o.last_urged_at.getTime() + minIntervalMinutes * MINUTE - v.now.getTime();
    if (left > 0) throw new RateLimitedError(`刚刚催过了，请 ${Math.ceil(left / MINUTE)} 分钟后再催。`, Math.ceil(left / 1000));
  }
  const window = addMinutes(v.now, o.accept_minutes_urgent);
  const set: Record<string, unknown> = { urgency: 'urgent', urge_count: new Sql('urge_count + 1'), last_urged_at: v.now };
  if ((o.status === 'pending' || o.status === 'dispatched') && o.escalate_at !== null && o.escalate_at > window) set.escalate_at = window;
  if (o.first_accepted_at === null && o.deadline_at > window) set.deadline_at = window;
  // waiting in the task hall (pool) or between two candidates (auto): offered again now; a dispatch keeps its answer time
  if (o.status === 'pending') set.auto_dispatch_at = nextAutoDispatch(o, v.now);
  const by = s.relations.includes('resident') ? 'resident' : s.relations.includes('family') ? 'family' : 'requester';
  const note = body.note?.trim() || null;
  await commit(m, o, set, { type: 'urge', actorId: v.actor.id, at: v.now, to, reason: note, data: { count: o.urge_count + 1, by } });
}
