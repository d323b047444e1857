import { DEFAULT_MAX_ACTIVE_TASKS, distanceMeters } from '../shared/src';
import { Prng } from '../server/src/demo/random';
import { BEHAVIOUR, HOURLY_DEMAND, LEDGER_FACTOR } from './behaviour';
import { gini } from './gini';

export { gini };
import { OFFER_REPEAT_MINUTES, best, eligible, load, mayServe, type Policy } from './policies';
import type { Responsible, SimOrder, SimRecord, SimState, Via, VolunteerState } from './types';
import {
  LEVELS,
  SIM_CATEGORIES,
  gridWorkerAtWork,
  insideArea,
  isAvailableAt,
  isAwake,
  type Level,
  type Resident,
  type SimCategory,
  type Volunteer,
  type World,
} from './world';

export type { SimOrder, SimRecord, SimState, VolunteerState } from './types';

/**
 * A discrete-event simulation of the dispatch policies — a MODEL, in memory, with no database and no server: orders
 * arrive; the policy dispatches them to one person or offers them to several; people hear of it through a channel (or
 * not), look, and accept or refuse (behaviour.ts, the same for every policy); volunteers also take orders from the
 * task hall when they happen to open the app; with 兜底, a responsible person is alarmed when nobody accepted in
 * time, phones people and takes the order themselves when nobody will; some accepted orders are no-shows. The hard
 * rules and the score are the server's own (shared/src/matching.ts, duty.ts, geo.ts).
 */

export interface Metrics {
  policy: string;
  orders: number;
  /** Accepted and served. */
  accepted: number;
  urgentOrders: number;
  medianMinutes: number;
  urgentMedianMinutes: number;
  p90Minutes: number;
  onTimeShare: number;
  escalations: number;
  neverServed: number;
  /** Of those never served: no-shows nobody noticed. */
  neverServedNoShow: number;
  /** Taken by a grid worker themselves (兜底). */
  byStaff: number;
  noShows: number;
  gini: number;
  meanKm: number;
  /** The most tasks any volunteer held at once. */
  maxActive: number;
}

export interface SimResult {
  metrics: Metrics;
  orders: SimOrder[];
  records: SimRecord[];
}

export interface Arrival {
  t: number;
  resident: Resident;
  category: SimCategory;
  urgent: boolean;
}

/** The orders of the run: a non-homogeneous Poisson process (thinning), the same for every policy with a seed. */
export function generateArrivals(world: World): Arrival[] {
  const rng = new Prng(world.config.seed * 104_729 + 3);
  const mean = HOURLY_DEMAND.reduce((s, w) => s + w, 0) / 24;
  const weightOf = (r: Resident) => (r.ledger ? LEDGER_FACTOR : 1);
  const totalWeight = world.residents.reduce((s, r) => s + weightOf(r), 0);
  const perDay = world.residents.length * world.scenario.ordersPerResidentPerDay;
  const peak = Math.max(...HOURLY_DEMAND);
  const lambdaMax = (perDay / 1440) * (peak / mean);
  // a cumulative table: residents are many in the street and pastoral worlds
  const cumulative = new Float64Array(world.residents.length);
  let acc = 0;
  world.residents.forEach((r, i) => (cumulative[i] = acc += weightOf(r) / totalWeight));
  const pickResident = (): Resident => {
    const x = rng.next() * acc;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return world.residents[lo]!;
  };
  const categoryWeights = SIM_CATEGORIES.map((c) => [c, c.weight] as const);
  const out: Arrival[] = [];
  let t = 0;
  const end = world.config.days * 1440;
  for (;;) {
    t += -Math.log(1 - rng.next()) / lambdaMax;
    if (t >= end) break;
    const hour = Math.floor((t % 1440) / 60);
    if (!rng.chance(HOURLY_DEMAND[hour]! / peak)) continue;
    const category = rng.weighted(categoryWeights);
    out.push({ t, resident: pickResident(), category, urgent: rng.chance(category.urgentShare) });
  }
  return out;
}

type Event =
  | { t: number; seq: number; kind: 'arrive'; arrival: Arrival }
  | { t: number; seq: number; kind: 'offer_step'; order: SimOrder; step: number }
  | { t: number; seq: number; kind: 'notice'; order: SimOrder; volunteer: Volunteer }
  | { t: number; seq: number; kind: 'timeout'; order: SimOrder; volunteer: Volunteer }
  | { t: number; seq: number; kind: 'app_open'; volunteer: Volunteer }
  | { t: number; seq: number; kind: 'escalate'; order: SimOrder; level: number }
  | { t: number; seq: number; kind: 'alarm'; order: SimOrder; attempt: number }
  | { t: number; seq: number; kind: 'act'; order: SimOrder; who: Responsible; attempt: number }
  | { t: number; seq: number; kind: 'call_accept'; order: SimOrder; volunteer: Volunteer; attempt: number }
  | { t: number; seq: number; kind: 'round_failed'; order: SimOrder; who: Responsible; attempt: number }
  | { t: number; seq: number; kind: 'check_in_due'; order: SimOrder; acceptSeq: number }
  | { t: number; seq: number; kind: 'no_show'; order: SimOrder; acceptSeq: number }
  | { t: number; seq: number; kind: 'finish'; volunteer: Volunteer | null; order: SimOrder }
  | { t: number; seq: number; kind: 'give_up'; order: SimOrder }
  | { t: number; seq: number; kind: 'tick' };

type NewEvent = Event extends infer E ? (E extends Event ? Omit<E, 'seq'> : never) : never;

/** A binary heap by (time, sequence): ties happen in the order they were scheduled. */
class EventQueue {
  private heap: Event[] = [];
  private seq = 0;

  push(e: NewEvent): void {
    const h = this.heap;
    h.push({ ...e, seq: this.seq++ });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  private less(a: Event, b: Event): boolean {
    return a.t < b.t || (a.t === b.t && a.seq < b.seq);
  }
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const exponential = (rng: Prng, mean: number) => -Math.log(1 - rng.next()) * mean;

export function runSimulation(world: World, policy: Policy): SimResult {
  const rng = new Prng(world.config.seed * 15_485_863 + 11);
  const days = world.config.days + world.config.drainDays;
  const speedKmh = world.scenario.speedKmh;
  const volunteers: VolunteerState[] = world.volunteers.map(() => ({
    active: 0,
    pending: 0,
    maxActive: 0,
    freeAt: 0,
    tasksByDay: new Array<number>(days + 1).fill(0),
    acceptedByCategory: new Map(),
    rejectedByCategory: new Map(),
    ratingsByCategory: new Map(),
  }));
  const staffActive = new Array<number>(world.gridWorkers.length).fill(0);
  const staffFreeAt = new Array<number>(world.gridWorkers.length).fill(0);
  const distances = new Map<number, Float64Array>();
  const state: SimState = {
    world,
    volunteers,
    now: 0,
    distance(v, order) {
      let row = distances.get(order.id);
      if (!row) {
        row = new Float64Array(world.volunteers.length).fill(-1);
        distances.set(order.id, row);
      }
      if (row[v.id]! < 0) row[v.id] = distanceMeters(v.location, order.resident.location);
      return row[v.id]!;
    },
    todayTasks(id) {
      return volunteers[id]!.tasksByDay[Math.floor(state.now / 1440)] ?? 0;
    },
  };
  const orders: SimOrder[] = [];
  const records: SimRecord[] = [];
  /** Orders nobody has (pending or dispatched), for the task hall and the sequential sweep. */
  const open = new Set<SimOrder>();
  const queue = new EventQueue();
  let escalations = 0;
  let noShows = 0;

  for (const arrival of generateArrivals(world)) queue.push({ t: arrival.t, kind: 'arrive', arrival });
  if (policy.offers === null) for (let t = 5; t < world.horizon; t += 5) queue.push({ t, kind: 'tick' });
  // the task hall: each volunteer opens the app now and then; only a look while on duty can lead to an accept
  const opensPerMinute = BEHAVIOUR.appOpensPerDutyHour / 60;
  for (const v of world.volunteers) queue.push({ t: exponential(rng, 1 / opensPerMinute), kind: 'app_open', volunteer: v });

  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const levelOf = (order: SimOrder): Level => LEVELS[order.level]!;
  const km = (v: Volunteer, order: SimOrder) => state.distance(v, order) / 1000;

  /** The behaviour model's chance that a volunteer who looked says no (a phone call: less the personal bonus). */
  const rejectChance = (v: Volunteer, order: SimOrder, bonus = 0) =>
    Math.min(
      0.95,
      Math.max(
        0.01,
        BEHAVIOUR.reject.base +
          BEHAVIOUR.reject.perTravelMinute * ((km(v, order) / speedKmh) * 60) +
          BEHAVIOUR.reject.perLoad * load(volunteers[v.id]!) +
          BEHAVIOUR.reject.perToday * state.todayTasks(v.id) +
          (v.grid === order.grid ? 0 : BEHAVIOUR.reject.otherGrid) +
          v.reluctance -
          bonus,
      ),
    );

  /** When a notified volunteer looks at it, or null when they never notice it. */
  const noticeDelay = (): number | null => {
    const c = BEHAVIOUR.channels;
    const x = rng.next();
    const channel = x < c.app.share ? c.app : x < c.app.share + c.wechat.share ? c.wechat : c.sms;
    if (!rng.chance(channel.notice)) return null;
    return BEHAVIOUR.minMinutes + exponential(rng, channel.meanMinutes);
  };

  const withdrawOffers = (order: SimOrder, except: number | null) => {
    for (const id of [...order.offeredTo].sort((a, b) => a - b)) {
      if (id === except) continue;
      if (order.status === 'dispatched') volunteers[id]!.pending--;
      records.push({ t: state.now, kind: 'withdraw', order: order.id, volunteer: id });
    }
    order.offeredTo.clear();
  };

  const refuse = (order: SimOrder, v: Volunteer, kind: 'decline' | 'timeout') => {
    order.refusedBy.add(v.id);
    bump(volunteers[v.id]!.rejectedByCategory, order.category.code);
    records.push({ t: state.now, kind, order: order.id, volunteer: v.id });
  };

  const startService = (order: SimOrder, travelKm: number, freeAt: number): number =>
    Math.max(state.now, freeAt) + (travelKm / speedKmh) * 60 + rng.int(BEHAVIOUR.serviceMinutes[0], BEHAVIOUR.serviceMinutes[1]);

  const accept = (order: SimOrder, v: Volunteer, via: Via) => {
    const now = state.now;
    const s = volunteers[v.id]!;
    if (order.status === 'dispatched') {
      s.pending--;
      order.offeredTo.delete(v.id);
    }
    withdrawOffers(order, v.id);
    order.offeredTo.delete(v.id);
    order.status = 'accepted';
    order.acceptedAt = now;
    order.acceptedBy = v.id;
    order.acceptSeq++;
    open.delete(order);
    s.active++;
    s.maxActive = Math.max(s.maxActive, s.active);
    s.tasksByDay[Math.floor(now / 1440)]!++;
    bump(s.acceptedByCategory, order.category.code);
    records.push({ t: now, kind: 'accept', order: order.id, volunteer: v.id, via, level: levelOf(order) });
    order.noShow = rng.chance(BEHAVIOUR.noShowShare);
    if (order.noShow) {
      noShows++;
      const due = now + (km(v, order) / speedKmh) * 60 + BEHAVIOUR.checkInAfterMinutes[order.urgent ? 'urgent' : 'normal'];
      queue.push({ t: due, kind: 'check_in_due', order, acceptSeq: order.acceptSeq });
    } else {
      const finish = startService(order, km(v, order), s.freeAt);
      s.freeAt = finish;
      queue.push({ t: finish, kind: 'finish', volunteer: v, order });
    }
  };

  const staffTake = (order: SimOrder, staff: number) => {
    const now = state.now;
    if (order.status === 'dispatched') withdrawOffers(order, null);
    withdrawOffers(order, null);
    order.status = 'accepted';
    order.acceptedAt = now;
    order.acceptedBy = null;
    order.takenByStaff = staff;
    order.acceptSeq++;
    order.noShow = false;
    open.delete(order);
    staffActive[staff]!++;
    records.push({ t: now, kind: 'staff_take', order: order.id, staff });
    const w = world.gridWorkers[staff]!;
    const finish = startService(order, distanceMeters(w.location, order.resident.location) / 1000, staffFreeAt[staff]!);
    staffFreeAt[staff] = finish;
    queue.push({ t: finish, kind: 'finish', volunteer: null, order });
  };

  /** Sends a notification: the volunteer looks at it later (a notice event), or never. */
  const notify = (order: SimOrder, v: Volunteer) => {
    const delay = noticeDelay();
    if (delay !== null) queue.push({ t: state.now + delay, kind: 'notice', order, volunteer: v });
  };

  /** Sequential: the best eligible person inside the area at the order's level, or nobody (tried again later). */
  const dispatchNext = (order: SimOrder) => {
    if (order.status !== 'pending') return;
    const [v] = best(state, policy, order, eligible(state, policy, order, state.now, null), 1);
    if (!v) return;
    order.status = 'dispatched';
    order.offeredTo.add(v.id);
    volunteers[v.id]!.pending++;
    records.push({ t: state.now, kind: 'dispatch', order: order.id, volunteer: v.id });
    notify(order, v);
    queue.push({ t: state.now + BEHAVIOUR.acceptWindowMinutes, kind: 'timeout', order, volunteer: v });
  };

  /** Offers: top the live offers up to the step's k, within its radius. */
  const offerStep = (order: SimOrder, step: number) => {
    const schedule = policy.offers!;
    const s = schedule[Math.min(step, schedule.length - 1)]!;
    order.step = step;
    const want = s.k - order.offeredTo.size;
    if (want > 0) {
      for (const v of best(state, policy, order, eligible(state, policy, order, state.now, s.radiusKm), want)) {
        order.offeredTo.add(v.id);
        records.push({ t: state.now, kind: 'offer', order: order.id, volunteer: v.id });
        notify(order, v);
      }
    }
    // urgent orders start one step further: the schedule's times shift by the skipped step's
    const shift = order.urgent ? schedule[1]!.after : 0;
    const next = step + 1 < schedule.length ? order.createdAt + schedule[step + 1]!.after - shift : state.now + OFFER_REPEAT_MINUTES;
    queue.push({ t: Math.max(next, state.now + 0.01), kind: 'offer_step', order, step: step + 1 });
  };

  /** The order is nobody's again (a no-show): ask people anew. */
  const reopen = (order: SimOrder) => {
    order.status = 'pending';
    order.acceptedAt = null;
    order.acceptedBy = null;
    open.add(order);
    if (policy.offers === null) dispatchNext(order);
    else offerStep(order, order.urgent ? 1 : 0);
    if (policy.responsible && !order.alarmActive) {
      order.alarmActive = true;
      queue.push({ t: state.now, kind: 'alarm', order, attempt: 0 });
    }
  };

  /** Who is alarmed: at first the grid worker at work, else a ledger household's cadre when awake, else the duty desk. */
  const responsibleFor = (order: SimOrder, attempt: number): Responsible => {
    if (attempt === 0 || attempt % 2 === 0) {
      if (gridWorkerAtWork(world.gridWorkers[order.resident.gridWorker]!, state.now)) return 'gridWorker';
      if (order.resident.pairedCadre !== null && isAwake(state.now)) return 'cadre';
    }
    return 'dutyDesk';
  };

  /** A responsible person's phone round: best-first among those who may serve, in a widening area. */
  const phoneRound = (order: SimOrder, who: Responsible, attempt: number) => {
    const level: Level = who === 'dutyDesk' ? LEVELS[Math.min(3, 1 + Math.floor(attempt / 2))]! : 'community';
    const pool = world.volunteers.filter(
      (v) =>
        mayServe(policy, order, v) &&
        !order.refusedBy.has(v.id) &&
        load(volunteers[v.id]!) < DEFAULT_MAX_ACTIVE_TASKS &&
        insideArea(world, v.grid, order.grid, level),
    );
    const calls = best(state, policy, order, pool, BEHAVIOUR.calls.perRound);
    const c = BEHAVIOUR.calls;
    let t = state.now;
    for (const v of calls) {
      t += c.minutesEach;
      const pickup = isAvailableAt(v, t) ? c.pickupOnDuty : isAwake(t) ? c.pickupOffDuty : c.pickupAsleep;
      if (!rng.chance(pickup)) continue;
      if (rng.chance(rejectChance(v, order, c.personalBonus))) {
        refuse(order, v, 'decline');
        continue;
      }
      queue.push({ t, kind: 'call_accept', order, volunteer: v, attempt });
      return;
    }
    queue.push({ t, kind: 'round_failed', order, who, attempt });
  };

  for (let e = queue.pop(); e && e.t < world.horizon; e = queue.pop()) {
    state.now = e.t;
    switch (e.kind) {
      case 'arrive': {
        const { arrival } = e;
        const deadline = arrival.urgent ? arrival.category.urgent : arrival.category.normal;
        const order: SimOrder = {
          id: orders.length,
          resident: arrival.resident,
          grid: arrival.resident.grid,
          category: arrival.category,
          urgent: arrival.urgent,
          createdAt: e.t,
          deadline,
          level: 0,
          status: 'pending',
          offeredTo: new Set(),
          refusedBy: new Set(),
          acceptedAt: null,
          acceptedBy: null,
          takenByStaff: null,
          step: 0,
          acceptSeq: 0,
          noShow: false,
          alarmActive: false,
        };
        orders.push(order);
        open.add(order);
        records.push({ t: e.t, kind: 'create', order: order.id });
        queue.push({ t: e.t + deadline, kind: 'escalate', order, level: 1 });
        queue.push({ t: e.t + BEHAVIOUR.giveUpMinutes, kind: 'give_up', order });
        if (policy.responsible) {
          order.alarmActive = true;
          queue.push({ t: e.t + (order.urgent ? policy.alarmAfter.urgent : policy.alarmAfter.normal), kind: 'alarm', order, attempt: 0 });
        }
        if (policy.offers === null) dispatchNext(order);
        else offerStep(order, order.urgent ? 1 : 0);
        break;
      }
      case 'offer_step': {
        if (e.order.status === 'pending' && e.order.step === e.step - 1) offerStep(e.order, e.step);
        break;
      }
      case 'notice': {
        const { order, volunteer: v } = e;
        if (!order.offeredTo.has(v.id) || (order.status !== 'pending' && order.status !== 'dispatched')) break;
        const atCap = volunteers[v.id]!.active >= DEFAULT_MAX_ACTIVE_TASKS;
        if (rng.chance(rejectChance(v, order)) || (atCap && policy.capOnAccept)) {
          if (order.status === 'dispatched') volunteers[v.id]!.pending--;
          order.offeredTo.delete(v.id);
          refuse(order, v, 'decline');
          if (order.status === 'dispatched') {
            order.status = 'pending';
            dispatchNext(order);
          }
        } else {
          accept(order, v, order.status === 'dispatched' ? 'dispatch' : 'offer');
        }
        break;
      }
      case 'timeout': {
        const { order, volunteer: v } = e;
        if (order.status !== 'dispatched' || !order.offeredTo.has(v.id)) break;
        volunteers[v.id]!.pending--;
        order.offeredTo.delete(v.id);
        order.status = 'pending';
        refuse(order, v, 'timeout');
        dispatchNext(order);
        break;
      }
      case 'app_open': {
        const v = e.volunteer;
        queue.push({ t: e.t + exponential(rng, 1 / opensPerMinute), kind: 'app_open', volunteer: v });
        if (!isAvailableAt(v, e.t)) break;
        const s = volunteers[v.id]!;
        if (policy.capOnAccept && s.active >= DEFAULT_MAX_ACTIVE_TASKS) break;
        // the hall lists pending orders of their area at each order's level (and those offered to them); they
        // consider the nearest they may take
        let pick: SimOrder | null = null;
        for (const order of open) {
          if (order.status !== 'pending' || order.refusedBy.has(v.id) || !mayServe(policy, order, v)) continue;
          if (!order.offeredTo.has(v.id) && !insideArea(world, v.grid, order.grid, levelOf(order))) continue;
          if (!pick || state.distance(v, order) < state.distance(v, pick)) pick = order;
        }
        if (pick && !rng.chance(rejectChance(v, pick))) accept(pick, v, 'hall');
        break;
      }
      case 'escalate': {
        const { order } = e;
        if (order.status === 'accepted' || order.status === 'never_served' || order.level !== e.level - 1) break;
        order.level = e.level;
        escalations++;
        records.push({ t: e.t, kind: 'escalate', order: order.id, level: levelOf(order) });
        if (order.level < LEVELS.length - 1) queue.push({ t: e.t + order.deadline, kind: 'escalate', order, level: order.level + 1 });
        if (policy.offers === null) dispatchNext(order);
        break;
      }
      case 'alarm': {
        const { order } = e;
        if (order.status !== 'pending' && order.status !== 'dispatched') {
          order.alarmActive = false;
          break;
        }
        const who = responsibleFor(order, e.attempt);
        records.push({ t: e.t, kind: 'alarm', order: order.id, who });
        const r = BEHAVIOUR.responsible;
        const herder = world.gridWorkers[order.resident.gridWorker]!.kind === 'herder';
        const how = who === 'gridWorker' ? (herder ? r.herderGridWorker : r.gridWorker) : who === 'cadre' ? r.cadre : r.dutyDesk;
        const mean = who === 'dutyDesk' && !isAwake(e.t) ? r.dutyDesk.nightMeanMinutes : how.meanMinutes;
        if (rng.chance(how.reach)) queue.push({ t: e.t + 1 + exponential(rng, mean), kind: 'act', order, who, attempt: e.attempt });
        else queue.push({ t: e.t + BEHAVIOUR.repeatAlarmMinutes, kind: 'alarm', order, attempt: e.attempt + 1 });
        break;
      }
      case 'act': {
        const { order } = e;
        if (order.status !== 'pending' && order.status !== 'dispatched') {
          order.alarmActive = false;
          break;
        }
        phoneRound(order, e.who, e.attempt);
        break;
      }
      case 'call_accept': {
        const { order, volunteer: v } = e;
        if (order.status !== 'pending' && order.status !== 'dispatched') {
          order.alarmActive = false;
          break;
        }
        if (volunteers[v.id]!.active >= DEFAULT_MAX_ACTIVE_TASKS || order.refusedBy.has(v.id)) {
          queue.push({ t: e.t + BEHAVIOUR.repeatAlarmMinutes, kind: 'alarm', order, attempt: e.attempt + 1 });
          break;
        }
        if (order.status === 'dispatched') {
          // the responsible person recalls the unanswered dispatch and gives it to the one who said yes
          withdrawOffers(order, null);
          order.status = 'pending';
        }
        order.alarmActive = false;
        accept(order, v, 'call');
        break;
      }
      case 'round_failed': {
        const { order } = e;
        if (order.status !== 'pending' && order.status !== 'dispatched') {
          order.alarmActive = false;
          break;
        }
        // nobody would come: a grid worker at work takes a general service themselves (a cadre one they may do)
        const gw = order.resident.gridWorker;
        const cadre = order.resident.pairedCadre;
        if (e.who === 'gridWorker' && !order.category.qualified && staffActive[gw]! < DEFAULT_MAX_ACTIVE_TASKS) {
          order.alarmActive = false;
          staffTake(order, gw);
        } else if (
          e.who === 'cadre' &&
          cadre !== null &&
          mayServe(policy, order, world.volunteers[cadre]!) &&
          volunteers[cadre]!.active < DEFAULT_MAX_ACTIVE_TASKS
        ) {
          order.alarmActive = false;
          if (order.status === 'dispatched') {
            withdrawOffers(order, null);
            order.status = 'pending';
          }
          accept(order, world.volunteers[cadre]!, 'call');
        } else {
          queue.push({ t: e.t + BEHAVIOUR.repeatAlarmMinutes, kind: 'alarm', order, attempt: e.attempt + 1 });
        }
        break;
      }
      case 'check_in_due': {
        const { order } = e;
        if (order.status !== 'accepted' || order.acceptSeq !== e.acceptSeq || !order.noShow) break;
        // today nobody notices; with the handling, the volunteer is reminded, and may still go
        if (!policy.noShowHandling) break;
        const v = world.volunteers[order.acceptedBy!]!;
        records.push({ t: e.t, kind: 'remind', order: order.id, volunteer: v.id });
        if (rng.chance(BEHAVIOUR.reminderRescue)) {
          order.noShow = false;
          const s = volunteers[v.id]!;
          const finish = startService(order, km(v, order), s.freeAt);
          s.freeAt = finish;
          queue.push({ t: finish, kind: 'finish', volunteer: v, order });
        } else {
          queue.push({ t: e.t + BEHAVIOUR.noShowGraceMinutes, kind: 'no_show', order, acceptSeq: order.acceptSeq });
        }
        break;
      }
      case 'no_show': {
        const { order } = e;
        if (order.status !== 'accepted' || order.acceptSeq !== e.acceptSeq || !order.noShow) break;
        const v = world.volunteers[order.acceptedBy!]!;
        volunteers[v.id]!.active--;
        order.refusedBy.add(v.id);
        bump(volunteers[v.id]!.rejectedByCategory, order.category.code);
        records.push({ t: e.t, kind: 'no_show', order: order.id, volunteer: v.id });
        order.noShow = false;
        reopen(order);
        break;
      }
      case 'finish': {
        if (e.volunteer === null) {
          staffActive[e.order.takenByStaff!]!--;
          break;
        }
        const s = volunteers[e.volunteer.id]!;
        s.active--;
        const stars = Math.max(1, Math.min(5, Math.round(e.volunteer.quality + (rng.next() - 0.5) * 1.5)));
        const r = s.ratingsByCategory.get(e.order.category.code) ?? { sum: 0, count: 0 };
        s.ratingsByCategory.set(e.order.category.code, { sum: r.sum + stars, count: r.count + 1 });
        break;
      }
      case 'give_up': {
        const { order } = e;
        if (order.status === 'accepted') break;
        withdrawOffers(order, null);
        order.status = 'never_served';
        open.delete(order);
        records.push({ t: e.t, kind: 'never_served', order: order.id, reason: 'gave_up' });
        break;
      }
      case 'tick':
        for (const order of [...open].sort((a, b) => a.id - b.id)) dispatchNext(order);
        break;
    }
  }

  // a no-show nobody noticed (today) is an order never served, though it shows as accepted
  for (const order of orders) {
    if (order.status === 'accepted' && order.noShow) {
      order.status = 'never_served';
      records.push({ t: world.horizon, kind: 'never_served', order: order.id, reason: 'no_show' });
    }
  }
  return { metrics: measure(world, policy, state, orders, records, { escalations, noShows }), orders, records };
}

function measure(
  world: World,
  policy: Policy,
  state: SimState,
  orders: SimOrder[],
  records: SimRecord[],
  counts: { escalations: number; noShows: number },
): Metrics {
  const served = orders.filter((o) => o.status === 'accepted');
  const waitOf = (o: SimOrder) => o.acceptedAt! - o.createdAt;
  const waits = served.map(waitOf).sort((a, b) => a - b);
  const urgentWaits = served
    .filter((o) => o.urgent)
    .map(waitOf)
    .sort((a, b) => a - b);
  const tasks = new Array<number>(world.volunteers.length).fill(0);
  const km: number[] = [];
  for (const o of served) {
    if (o.acceptedBy !== null) {
      tasks[o.acceptedBy]!++;
      km.push(state.distance(world.volunteers[o.acceptedBy]!, o) / 1000);
    } else {
      km.push(distanceMeters(world.gridWorkers[o.takenByStaff!]!.location, o.resident.location) / 1000);
    }
  }
  const never = orders.filter((o) => o.status === 'never_served');
  const noShowIds = new Set(records.flatMap((r) => (r.kind === 'never_served' && r.reason === 'no_show' ? [r.order] : [])));
  return {
    policy: policy.name,
    orders: orders.length,
    accepted: served.length,
    urgentOrders: orders.filter((o) => o.urgent).length,
    medianMinutes: quantile(waits, 0.5),
    urgentMedianMinutes: quantile(urgentWaits, 0.5),
    p90Minutes: quantile(waits, 0.9),
    onTimeShare: orders.length === 0 ? 0 : served.filter((o) => waitOf(o) <= o.deadline).length / orders.length,
    escalations: counts.escalations,
    neverServed: never.length,
    neverServedNoShow: never.filter((o) => noShowIds.has(o.id)).length,
    byStaff: served.filter((o) => o.takenByStaff !== null).length,
    noShows: counts.noShows,
    gini: gini(tasks),
    meanKm: km.length === 0 ? 0 : km.reduce((s, x) => s + x, 0) / km.length,
    maxActive: Math.max(0, ...state.volunteers.map((s) => s.maxActive)),
  };
}
