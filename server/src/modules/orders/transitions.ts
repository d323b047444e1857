import {
  FAR_CHECK_IN_METERS,
  REOPEN_AFTER_CONFIRM_DAYS,
  distanceMeters,
  reopenWindowOpen,
  offersToSeveral,
  shortOfPeople,
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
  type RecallOrderDto,
  type UrgeOrderDto,
} from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { ConflictError, ForbiddenError, RateLimitedError, fieldError } from '../../errors';
import { covers } from '../access/jurisdiction';
import { creditConfirmedOrder, reverseReopenedOrder } from '../points/ledger';
import {
  Sql,
  checkInAssignment,
  closeOffers,
  commit,
  completeAssignment,
  endAssignments,
  findDispatchPerson,
  findDispatchSquad,
  findOpenOfService,
  insertAssignment,
  lockedTasksInHand,
  releaseAssignment,
} from './order.repo';
import { acceptMinutes, HOLDING, type AssignmentRow, type OrderRow } from './order-row';
import { cancelRelations, mayReject, overLevel, type Standing, type Viewer } from './standing';
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

/** Under auto-dispatch (auto, pool or sequential), an order waiting again goes to the next candidate(s) at once. */
function nextAutoDispatch(o: OrderRow, now: Date): Date | null {
  return o.dispatch_mode === 'manual' ? null : now;
}

/** The order goes back to waiting: a new window before it escalates (none at the top level). */
function waitingAgain(o: OrderRow, now: Date): Date | null {
  return o.escalation_level === 'county' ? null : addMinutes(now, acceptMinutes(o));
}

/** Where a dispatch goes: the order's new columns and the event's data. */
interface DispatchTo {
  set: Record<string, unknown>;
  data: Record<string, unknown>;
}

/**
 * Checks whom a dispatch goes to (one person or one squad; `people`: the places held now) and answers what it
 * writes. Reads only, so that 撤回改派 can refuse a bad choice before it has changed anything.
 */
async function dispatchTarget(
  m: EntityManager,
  v: Viewer,
  o: OrderRow,
  people: readonly AssignmentRow[],
  body: Pick<DispatchOrderDto, 'assigneeId' | 'squadId'>,
): Promise<DispatchTo> {
  // before the order has reached the level of the staff member, the timeline says so (越级派单)
  const level = overLevel(v, o) ? { overLevel: true, level: o.escalation_level } : {};
  if (body.assigneeId !== undefined) {
    const person = await findDispatchPerson(m, body.assigneeId);
    // someone of the dispatcher's jurisdiction, or of the area the order has reached (a grid worker sending an
    // escalated order to a volunteer of the next grid)
    if (!person || !(covers(v.j, person.path) || (person.path?.startsWith(o.scope_path) ?? false))) {
      throw fieldError('assigneeId', '接单人不存在，或不在您的管辖范围和需求所在区域内');
    }
    if (!person.roles.includes('volunteer') && !person.roles.includes('grid_worker')) throw fieldError('assigneeId', '只能派给志愿者或网格员');
    if (people.some((a) => a.volunteer_id === person.id && HOLDING.includes(a.state))) throw new ConflictError(`${person.name}已接下这个需求。`);
    return {
      data: { assigneeId: person.id, assigneeName: person.name, ...level },
      // a person dispatching takes over from auto-dispatch for this order
      set: { dispatched_to_user_id: person.id, dispatched_to_squad_id: null, auto_dispatch_at: null },
    };
  }
  const squad = await findDispatchSquad(m, body.squadId!);
  // a squad of the dispatcher's jurisdiction, or one serving the resident's area (a grid worker sending an order
  // to the community's squad, which they often lead)
  if (!squad || !(covers(v.j, squad.path) || o.region_path.startsWith(squad.path))) {
    throw fieldError('squadId', '小分队不存在，或不在您的管辖范围内、也不服务需求所在区域');
  }
  return {
    data: { squadId: squad.id, squadName: squad.name, ...level },
    set: { dispatched_to_user_id: null, dispatched_to_squad_id: squad.id, auto_dispatch_at: null },
  };
}

/**
 * 派单: to one person, or to a squad whose members may accept it. Staff with jurisdiction dispatch any waiting order
 * of it at once; before the order has reached their level the event says so (`overLevel`, 越级派单).
 */
export async function dispatch(m: EntityManager, v: Viewer, id: string, body: DispatchOrderDto): Promise<void> {
  const { o, people, s } = await lock(m, v, id);
  if ((body.assigneeId === undefined) === (body.squadId === undefined)) {
    throw fieldError('assigneeId', '请指定接单人（assigneeId）或小分队（squadId）之一');
  }
  const to = allowed(o, 'dispatch', s);
  const target = await dispatchTarget(m, v, o, people, body);
  // a person took the order over: the offers to several end
  if (o.offer_wave > 0) await closeOffers(m, o, v.now, { others: 'expired' });
  await commit(m, o, { status: to, ...target.set }, { type: 'dispatch', actorId: v.actor.id, at: v.now, to, reason: null, data: target.data });
}

/**
 * 撤回改派: staff with jurisdiction take back a dispatch, or the places of people who accepted and have not checked
 * in (all of them, or with `volunteerId` one), with a reason; with `assigneeId` or `squadId` the order goes on to
 * them in the same transaction (a `recall` event, then a `dispatch` event), checked as a dispatch is — a bad choice
 * changes nothing. A place taken back ends `recalled`: staff decided, so it does not count against the person (unlike
 * 退单 or not coming), and they are not kept from the order later (unlike a refusal). Without someone to send it to,
 * the order waits again: a fresh window before it escalates, and under auto-dispatch it is due at once.
 */
export async function recall(m: EntityManager, v: Viewer, id: string, body: RecallOrderDto): Promise<void> {
  const { o, people, s } = await lock(m, v, id);
  if (body.assigneeId !== undefined && body.squadId !== undefined) {
    throw fieldError('squadId', '改派时请只指定接单人（assigneeId）或小分队（squadId）之一');
  }
  const to = allowed(o, 'recall', s);
  const waiting = people.filter((a) => a.state === 'accepted');
  let taken = waiting;
  // under way (others of a several-person order are serving): only the places of those not yet there are taken
  // back; the order stays in service and whoever it was dispatched to keeps it
  const underway = o.status === 'in_service';
  // the dispatch itself is taken back unless only one of several people is (the squad it went to keeps it)
  let dispatchEnds = !underway;
  if (body.volunteerId !== undefined) {
    const one = waiting.find((a) => a.volunteer_id === body.volunteerId);
    if (!one && o.dispatched_to_user_id !== body.volunteerId) {
      const arrived = people.some((a) => a.volunteer_id === body.volunteerId && a.state !== 'accepted' && HOLDING.includes(a.state));
      throw fieldError('volunteerId', arrived ? '这位志愿者已签到，不能撤回' : '这位志愿者没有接下、也没有被派这个需求');
    }
    taken = one ? [one] : [];
    dispatchEnds = !underway && (o.status === 'dispatched' || o.dispatched_to_user_id === body.volunteerId);
  }
  // a several-person order still open for more, or one under way: there must be someone to take back
  if (taken.length === 0 && !(dispatchEnds && (o.dispatched_to_user_id !== null || o.dispatched_to_squad_id !== null))) {
    throw new ConflictError(underway ? '该需求已在服务中，没有接单后还未签到的人可以撤回。' : '该需求还没有人接单，也没有派给谁，不需要撤回。');
  }
  if (underway && (body.assigneeId !== undefined || body.squadId !== undefined)) {
    throw fieldError(body.assigneeId !== undefined ? 'assigneeId' : 'squadId', '服务已经开始，撤回后空出的名额由任务大厅补位，不能在此改派');
  }
  const recalledIds = new Set(taken.map((a) => a.volunteer_id));
  const recalled = taken.map((a) => ({ userId: a.volunteer_id, name: a.volunteer_name }));
  if (dispatchEnds && o.dispatched_to_user_id !== null && !recalledIds.has(o.dispatched_to_user_id)) {
    const person = await findDispatchPerson(m, o.dispatched_to_user_id);
    recalledIds.add(o.dispatched_to_user_id);
    recalled.push({ userId: o.dispatched_to_user_id, name: person?.name ?? '' });
  }
  const squad = dispatchEnds && o.dispatched_to_squad_id !== null ? await findDispatchSquad(m, o.dispatched_to_squad_id) : undefined;

  // whom it goes to next, checked before anything is written
  let next: DispatchTo | undefined;
  if (body.assigneeId !== undefined || body.squadId !== undefined) {
    if (body.assigneeId !== undefined && recalledIds.has(body.assigneeId)) throw fieldError('assigneeId', '不能改派给被撤回的人，请选择其他人');
    if (body.squadId !== undefined && squad?.id === body.squadId) throw fieldError('squadId', '不能改派给被撤回的小分队，请选择其他小分队');
    next = await dispatchTarget(
      m,
      v,
      o,
      people.filter((a) => !taken.includes(a)),
      body,
    );
  }

  await endAssignments(
    m,
    taken.map((a) => a.id),
    'recalled',
    v.now,
    body.reason,
  );
  const set: Record<string, unknown> = {
    status: to,
    accepted_count: new Sql(`accepted_count - ${taken.length}`),
    // waiting again (for everyone, or for the rest of a several-person order): a fresh window before it escalates
    ...(underway ? {} : { escalate_at: waitingAgain(o, v.now), auto_dispatch_at: nextAutoDispatch(o, v.now) }),
  };
  if (dispatchEnds) Object.assign(set, { dispatched_to_user_id: null, dispatched_to_squad_id: null });
  const acceptedCount = o.accepted_count - taken.length;
  await commit(m, o, set, {
    type: 'recall',
    actorId: v.actor.id,
    at: v.now,
    to,
    reason: body.reason,
    data: { recalled, squadId: squad?.id ?? null, squadName: squad?.name ?? null, acceptedCount },
  });
  if (next) {
    const again = allowed({ ...o, status: to }, 'dispatch', s);
    await commit(
      m,
      { id: o.id, status: to },
      { status: again, ...next.set },
      { type: 'dispatch', actorId: v.actor.id, at: v.now, to: again, reason: null, data: { ...next.data, afterRecall: true } },
    );
  }
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
  const offered = s.relations.includes('offered');
  const open = o.status === 'pending' || o.status === 'dispatched' || shortOfPeople(o.status, o.accepted_count, o.headcount);
  if (!s.relations.includes('assignee') && !s.relations.includes('eligible') && !offered && open) {
    throw new ForbiddenError(s.ineligible ?? '您不能接这个需求。');
  }
  const to = allowed(o, 'accept', s, { headcount: o.headcount, accepted: o.accepted_count });
  // at most MATCH_MAX_ACTIVE_TASKS in hand, however the order came (one person took 20 of 20 orders from the hall,
  // and a dispatch accepted on top of a full hand is an order that waits as surely): counted under a per-person
  // lock, so two accepts of one person at once are counted one after the other
  if (Number.isFinite(maxTasksInHand)) {
    const inHand = await lockedTasksInHand(m, v.actor.id);
    if (inHand >= maxTasksInHand) throw new ConflictError(`您手上已有 ${inHand} 个未完成的任务，请先完成或退单后再接新的。`);
  }
  const squadId = o.dispatched_to_squad_id !== null && v.squads.has(o.dispatched_to_squad_id) ? o.dispatched_to_squad_id : null;
  await insertAssignment(m, { orderId: o.id, round: o.round, personId: v.actor.id, squadId, at: v.now });
  const count = o.accepted_count + 1;
  // offered to several: theirs is accepted; the others' are withdrawn once every place is taken (first come, first served)
  if (o.offer_wave > 0) await closeOffers(m, o, v.now, { accepted: v.actor.id, others: to === 'pending' ? null : 'withdrawn' });
  await commit(
    m,
    o,
    {
      status: to,
      accepted_count: new Sql('accepted_count + 1'),
      first_accepted_at: o.first_accepted_at ?? v.now,
      // taken: nothing more to dispatch; still places open: auto-dispatch goes on to the next person
      // (offers to several: the open offers stand, the next wave keeps its time)
      auto_dispatch_at: to !== 'pending' ? null : offersToSeveral(o.dispatch_mode) ? o.auto_dispatch_at : nextAutoDispatch(o, v.now),
    },
    {
      type: 'accept',
      actorId: v.actor.id,
      at: v.now,
      to,
      reason: body.note ?? null,
      data: { acceptedCount: count, headcount: o.headcount, via: s.dispatchedToMe ? 'dispatch' : offered ? 'offer' : 'pool', squadId },
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
  // waiting again (an order under way stays so: the place goes back to the task hall)
  if (o.status !== 'in_service') {
    if (o.status !== 'pending') set.escalate_at = waitingAgain(o, v.now);
    set.auto_dispatch_at = nextAutoDispatch(o, v.now);
  }
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
  const { o, people, s } = await lock(m, v, id);
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
    // 积分: each person who served this round to the end, by the service's rule, once per round (points/ledger.ts)
    await creditConfirmedOrder(m, {
      orderId: o.id,
      round: o.round,
      categoryCode: o.category_code,
      categoryName: o.category_name,
      regionId: o.region_id,
      rating: body.rating ?? null,
      at: v.now,
      served: people.filter((a) => a.state === 'completed').map((a) => ({ userId: a.volunteer_id, minutes: a.service_minutes })),
    });
    return;
  }
  if (body.rating !== undefined) throw fieldError('rating', '问题未解决时不评分，请在说明中写明情况');
  const to = allowed(o, 'reopen', s);
  const days = v.reopenDays ?? REOPEN_AFTER_CONFIRM_DAYS;
  if (o.status === 'closed' && !reopenWindowOpen(o.closed_at, v.now, days)) {
    throw new ConflictError(`这个需求已确认超过 ${days} 天，不能再反馈问题未解决；如还需要帮助，请重新下单。`);
  }
  // one open order per resident and service (service_order_one_open_per_service_idx): when they have asked again
  // since, that newer order is where the help now comes from — say so, rather than a bare unique-index conflict
  const newer = await findOpenOfService(m, o.resident_id, o.category_code);
  if (newer && newer.id !== o.id) {
    throw new ConflictError(`您已有一个「${newer.category_name}」的需求正在办理，请在那一单里说明情况（可以催一下），这一单不再重新打开。`);
  }
  if (o.offer_wave > 0) await closeOffers(m, o, v.now, { others: 'expired' });
  const wasClosed = o.status === 'closed';
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
      // a new round: its offers start again from the first wave, and it waits for someone anew — the service's accept
      // window from now (else it would show as overdue at once and its responsible person would never be alarmed);
      // the first round's deadline stays for the statistics' on-time share
      offer_wave: 0,
      deadline_at: addMinutes(v.now, acceptMinutes(o)),
      reopened_at: v.now,
      first_deadline_at: o.first_deadline_at ?? o.deadline_at,
      // reopened after confirmation: it is no longer closed, and its rating was for help that did not last
      ...(wasClosed ? { closed_at: null, rating: null, rating_comment: null } : {}),
    },
    { type: 'reopen', actorId: v.actor.id, at: v.now, to, reason: body.comment ?? null, data: { round: o.round + 1, by, afterConfirm: wasClosed } },
  );
  // what the confirmation credited is reversed, exactly and once (points/ledger.ts)
  if (wasClosed) await reverseReopenedOrder(m, { orderId: o.id, round: o.round, at: v.now });
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
  if (o.offer_wave > 0) await closeOffers(m, o, v.now, { others: 'expired' });
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
  // the deadline of the present wait (a new order's, or a reopened one's): nobody has a place on it yet
  if ((o.status === 'pending' || o.status === 'dispatched') && o.accepted_count === 0 && o.deadline_at > window) set.deadline_at = window;
  // waiting in the task hall (pool) or between two candidates (auto): offered again now; a dispatch keeps its answer time
  if (o.status === 'pending') set.auto_dispatch_at = nextAutoDispatch(o, v.now);
  const by = s.relations.includes('resident') ? 'resident' : s.relations.includes('family') ? 'family' : 'requester';
  const note = body.note?.trim() || null;
  await commit(m, o, set, { type: 'urge', actorId: v.actor.id, at: v.now, to, reason: note, data: { count: o.urge_count + 1, by } });
}
