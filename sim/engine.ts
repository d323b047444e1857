import { DEFAULT_MAX_ACTIVE_TASKS, distanceMeters } from '../shared/src';
import { Prng } from '../server/src/demo/random';
import { assignBatch, eligible, type Policy } from './policies';
import type { SimOrder, SimRecord, SimState, VolunteerState } from './types';
import { LEVELS, SIM_CATEGORIES, type Resident, type SimCategory, type Volunteer, type World } from './world';

export type { SimOrder, SimRecord, SimState, VolunteerState } from './types';

/**
 * A discrete-event simulation of the dispatch policies — a MODEL, in memory, with no database and no server: orders
 * arrive, a policy dispatches them, volunteers accept or refuse after a while, unaccepted orders escalate, accepted
 * ones are served. The hard rules and the score are the server's own (shared/src/matching.ts, assignment.ts, duty.ts,
 * geo.ts); the people's behaviour is the model's (BEHAVIOUR below), the same for every policy.
 */

/**
 * How people behave, documented so the results can be judged (the same for every policy):
 *  - a volunteer refuses a dispatch with probability `rejectBase` + `rejectPerKm` per km to the door + `rejectPerLoad`
 *    per task in hand or dispatch awaiting their answer + `rejectPerToday` per task already taken today +
 *    `rejectOtherGrid` when the household is not in their own grid + their own reluctance (−0.05 … +0.10);
 *  - otherwise they answer after 1 min + an exponential delay of mean `replyMean` + `replyPerLoad` per task in hand or
 *    awaiting + `replyPerKm` per km; past `acceptWindow` minutes their silence counts as a refusal (the server's
 *    AUTO_DISPATCH_ACCEPT_MINUTES, 5) and the order goes to the next choice;
 *  - a volunteer who already holds three tasks when answering refuses;
 *  - service: travel at `speedKmh` from home, then 30–120 minutes at the door; tasks in hand are served one after
 *    another;
 *  - residents give up on an order nobody has accepted within `giveUpMinutes` (counted as never served).
 */
export const BEHAVIOUR = {
  rejectBase: 0.06,
  rejectPerKm: 0.06,
  rejectPerLoad: 0.12,
  rejectPerToday: 0.03,
  rejectOtherGrid: 0.05,
  replyMean: 1.5,
  replyPerLoad: 1.5,
  replyPerKm: 0.3,
  acceptWindow: 5,
  speedKmh: 12,
  giveUpMinutes: 48 * 60,
};

/** Orders per resident per day, and how they spread over the hours of a day (morning and evening peaks). */
export const DEMAND = {
  perResidentPerDay: 0.07,
  hourly: [0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.5, 2.2, 2.0, 1.5, 1.2, 1.0, 1.0, 1.1, 1.2, 1.5, 1.9, 2.0, 1.5, 1.0, 0.6, 0.3, 0.15],
  /** Residents on the ledger order this many times as often. */
  ledgerFactor: 3,
};

export interface Metrics {
  policy: string;
  orders: number;
  accepted: number;
  medianMinutes: number;
  p90Minutes: number;
  onTimeShare: number;
  escalations: number;
  neverServed: number;
  stillOpen: number;
  gini: number;
  meanKm: number;
}

export interface SimResult {
  metrics: Metrics;
  orders: SimOrder[];
  records: SimRecord[];
}

interface Arrival {
  t: number;
  resident: Resident;
  category: SimCategory;
  urgent: boolean;
}

/** The orders of the week: a non-homogeneous Poisson process (thinning), the same for every policy with a seed. */
export function generateArrivals(world: World): Arrival[] {
  const rng = new Prng(world.config.seed * 104_729 + 3);
  const hourly = DEMAND.hourly;
  const mean = hourly.reduce((s, w) => s + w, 0) / 24;
  const weightOf = (r: Resident) => (r.ledger ? DEMAND.ledgerFactor : 1);
  const totalWeight = world.residents.reduce((s, r) => s + weightOf(r), 0);
  const perDay = world.residents.length * DEMAND.perResidentPerDay;
  const peak = Math.max(...hourly);
  const lambdaMax = (perDay / 1440) * (peak / mean);
  const residentWeights = world.residents.map((r) => [r, weightOf(r) / totalWeight] as const);
  const categoryWeights = SIM_CATEGORIES.map((c) => [c, c.weight] as const);
  const out: Arrival[] = [];
  let t = 0;
  const end = world.config.days * 1440;
  for (;;) {
    t += -Math.log(1 - rng.next()) / lambdaMax;
    if (t >= end) break;
    const hour = Math.floor((t % 1440) / 60);
    if (!rng.chance(hourly[hour]! / peak)) continue;
    const category = rng.weighted(categoryWeights);
    out.push({ t, resident: rng.weighted(residentWeights), category, urgent: rng.chance(category.urgentShare) });
  }
  return out;
}

type Event =
  | { t: number; seq: number; kind: 'arrive'; arrival: Arrival }
  | { t: number; seq: number; kind: 'reply'; order: SimOrder; volunteer: Volunteer; answer: 'accept' | 'reject' | 'timeout' }
  | { t: number; seq: number; kind: 'finish'; volunteer: Volunteer; order: SimOrder }
  | { t: number; seq: number; kind: 'escalate'; order: SimOrder; level: number }
  | { t: number; seq: number; kind: 'give_up'; order: SimOrder }
  | { t: number; seq: number; kind: 'tick' };

type NewEvent = Event extends infer E ? (E extends Event ? Omit<E, 'seq'> : never) : never;

/** A binary heap by (time, sequence): ties happen in the order they were scheduled. */
class EventQueue {
  private heap: Event[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

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

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Gini coefficient of non-negative values (0: everyone the same; near 1: one does everything). */
export function gini(values: number[]): number {
  const xs = [...values].sort((a, b) => a - b);
  const n = xs.length;
  const total = xs.reduce((s, x) => s + x, 0);
  if (n === 0 || total === 0) return 0;
  const weighted = xs.reduce((s, x, i) => s + (i + 1) * x, 0);
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

export function runSimulation(world: World, policy: Policy): SimResult {
  const rng = new Prng(world.config.seed * 15_485_863 + 11);
  const days = world.config.days + world.config.drainDays;
  const volunteers: VolunteerState[] = world.volunteers.map(() => ({
    active: 0,
    pending: 0,
    freeAt: 0,
    tasksByDay: new Array<number>(days + 1).fill(0),
    total: 0,
    acceptedByCategory: new Map(),
    rejectedByCategory: new Map(),
    ratingsByCategory: new Map(),
  }));
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
  const waiting = new Set<SimOrder>();
  const queue = new EventQueue();
  let escalations = 0;

  for (const arrival of generateArrivals(world)) queue.push({ t: arrival.t, kind: 'arrive', arrival });
  const tickEvery = policy.batchMinutes ?? 5;
  for (let t = tickEvery; t < world.horizon; t += tickEvery) queue.push({ t, kind: 'tick' });

  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  const dispatch = (order: SimOrder, v: Volunteer) => {
    const now = state.now;
    const s = volunteers[v.id]!;
    const km = state.distance(v, order) / 1000;
    const load = s.active + s.pending;
    order.status = 'offered';
    order.offeredTo = v.id;
    waiting.delete(order);
    s.pending++;
    records.push({ t: now, kind: 'dispatch', order: order.id, volunteer: v.id, level: LEVELS[order.level]! });
    const pReject = Math.min(
      0.95,
      Math.max(
        0.01,
        BEHAVIOUR.rejectBase +
          BEHAVIOUR.rejectPerKm * km +
          BEHAVIOUR.rejectPerLoad * load +
          BEHAVIOUR.rejectPerToday * state.todayTasks(v.id) +
          (v.grid === order.grid ? 0 : BEHAVIOUR.rejectOtherGrid) +
          v.reluctance,
      ),
    );
    if (rng.chance(pReject)) {
      queue.push({ t: now + 1 + 3 * rng.next(), kind: 'reply', order, volunteer: v, answer: 'reject' });
      return;
    }
    const mean = BEHAVIOUR.replyMean + BEHAVIOUR.replyPerLoad * load + BEHAVIOUR.replyPerKm * km;
    const delay = 1 + -Math.log(1 - rng.next()) * mean;
    if (delay > BEHAVIOUR.acceptWindow) queue.push({ t: now + BEHAVIOUR.acceptWindow, kind: 'reply', order, volunteer: v, answer: 'timeout' });
    else queue.push({ t: now + delay, kind: 'reply', order, volunteer: v, answer: 'accept' });
  };

  const tryOne = (order: SimOrder) => {
    const candidates = eligible(state, order, state.now);
    if (candidates.length > 0) dispatch(order, policy.choose(state, order, candidates));
  };

  const sweep = () => {
    const open = [...waiting].sort((a, b) => a.id - b.id);
    if (policy.batchMinutes === null) {
      for (const order of open) tryOne(order);
    } else {
      for (const { order, volunteer } of assignBatch(state, open, state.now)) dispatch(order, volunteer);
    }
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
          status: 'waiting',
          offeredTo: null,
          refusedBy: new Set(),
          acceptedAt: null,
          acceptedBy: null,
        };
        orders.push(order);
        waiting.add(order);
        records.push({ t: e.t, kind: 'create', order: order.id });
        queue.push({ t: e.t + deadline, kind: 'escalate', order, level: 1 });
        queue.push({ t: e.t + BEHAVIOUR.giveUpMinutes, kind: 'give_up', order });
        if (policy.batchMinutes === null) tryOne(order);
        break;
      }
      case 'reply': {
        const { order, volunteer: v } = e;
        const s = volunteers[v.id]!;
        s.pending--;
        if (order.status !== 'offered' || order.offeredTo !== v.id) break; // the resident gave up meanwhile
        const level = LEVELS[order.level]!;
        const answer = e.answer === 'accept' && s.active >= DEFAULT_MAX_ACTIVE_TASKS ? 'reject' : e.answer;
        if (answer === 'accept') {
          order.status = 'accepted';
          order.acceptedAt = e.t;
          order.acceptedBy = v.id;
          s.active++;
          s.total++;
          s.tasksByDay[Math.floor(e.t / 1440)]!++;
          bump(s.acceptedByCategory, order.category.code);
          records.push({ t: e.t, kind: 'accept', order: order.id, volunteer: v.id, level });
          const travel = (state.distance(v, order) / 1000 / BEHAVIOUR.speedKmh) * 60;
          const finish = Math.max(e.t, s.freeAt) + travel + rng.int(30, 120);
          s.freeAt = finish;
          queue.push({ t: finish, kind: 'finish', volunteer: v, order });
        } else {
          order.status = 'waiting';
          order.offeredTo = null;
          order.refusedBy.add(v.id);
          waiting.add(order);
          bump(s.rejectedByCategory, order.category.code);
          records.push({ t: e.t, kind: answer, order: order.id, volunteer: v.id, level });
          if (policy.batchMinutes === null) tryOne(order);
        }
        break;
      }
      case 'finish': {
        const s = volunteers[e.volunteer.id]!;
        s.active--;
        const stars = Math.max(1, Math.min(5, Math.round(e.volunteer.quality + (rng.next() - 0.5) * 1.5)));
        const r = s.ratingsByCategory.get(e.order.category.code) ?? { sum: 0, count: 0 };
        s.ratingsByCategory.set(e.order.category.code, { sum: r.sum + stars, count: r.count + 1 });
        break;
      }
      case 'escalate': {
        const { order } = e;
        if (order.status === 'accepted' || order.status === 'never_served' || order.level !== e.level - 1) break;
        order.level = e.level;
        escalations++;
        records.push({ t: e.t, kind: 'escalate', order: order.id, level: LEVELS[order.level]! });
        if (order.level < LEVELS.length - 1) queue.push({ t: e.t + order.deadline, kind: 'escalate', order, level: order.level + 1 });
        if (order.status === 'waiting' && policy.batchMinutes === null) tryOne(order);
        break;
      }
      case 'give_up': {
        const { order } = e;
        if (order.status === 'accepted') break;
        order.status = 'never_served';
        order.offeredTo = null;
        waiting.delete(order);
        records.push({ t: e.t, kind: 'give_up', order: order.id });
        break;
      }
      case 'tick':
        sweep();
        break;
    }
  }

  const waits = orders
    .filter((o) => o.acceptedAt !== null)
    .map((o) => o.acceptedAt! - o.createdAt)
    .sort((a, b) => a - b);
  const accepted = orders.filter((o) => o.status === 'accepted');
  const km = accepted.map((o) => state.distance(world.volunteers[o.acceptedBy!]!, o) / 1000);
  const metrics: Metrics = {
    policy: policy.name,
    orders: orders.length,
    accepted: accepted.length,
    medianMinutes: quantile(waits, 0.5),
    p90Minutes: quantile(waits, 0.9),
    onTimeShare: orders.length === 0 ? 0 : accepted.filter((o) => o.acceptedAt! - o.createdAt <= o.deadline).length / orders.length,
    escalations,
    neverServed: orders.filter((o) => o.status === 'never_served').length,
    stillOpen: orders.filter((o) => o.status === 'waiting' || o.status === 'offered').length,
    gini: gini(volunteers.map((s) => s.total)),
    meanKm: km.length === 0 ? 0 : km.reduce((s, x) => s + x, 0) / km.length,
  };
  return { metrics, orders, records };
}
