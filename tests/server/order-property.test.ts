import fc from 'fast-check';
import {
  ORDER_ACTIONS,
  ORDER_STATUSES,
  availableActions,
  isFinal,
  isLegalMove,
  replayOrderEvents,
  shortOfPeople,
  transition,
  type AcceptProgress,
  type CompleteProgress,
  type EscalationLevel,
  type OrderAction,
  type OrderDto,
  type OrderEventDto,
  type OrderRelation,
  type OrderStatus,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import { sweepEscalations } from '../../server/src/modules/dispatching/escalation';
import { NO_ORDER_LIMITS, testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * The order state machine, checked by property: random actions by random people never reach an impossible state,
 * and the timeline always replays to the order's state. First the pure machine of shared/order-state.ts (fast,
 * many runs), then the real server, step by step against a model that predicts every answer.
 */

const RELATIONS: readonly OrderRelation[] = ['requester', 'resident', 'staff', 'assignee', 'eligible'];
type LogEvent = Pick<OrderEventDto, 'seq' | 'type' | 'fromStatus' | 'toStatus'>;

const statusArb = fc.constantFrom(...ORDER_STATUSES);
const actionArb = fc.constantFrom(...ORDER_ACTIONS);
const relationsArb = fc.subarray([...RELATIONS]);
const progressArb: fc.Arbitrary<AcceptProgress | CompleteProgress | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 1, max: 5 }).chain((headcount) => fc.record({ headcount: fc.constant(headcount), accepted: fc.integer({ min: 0, max: headcount - 1 }) })),
  fc.record({ othersServing: fc.integer({ min: 0, max: 3 }) }),
);

/** One step of a pure sequence: an action by someone with these relations, or the sweep escalating the order. */
type PureStep =
  { kind: 'act'; action: OrderAction; relations: OrderRelation[]; progress: AcceptProgress | CompleteProgress | undefined } | { kind: 'escalate' };
const pureStepArb: fc.Arbitrary<PureStep> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ kind: fc.constant('act' as const), action: actionArb, relations: relationsArb, progress: progressArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'escalate' as const }) },
);

/** Applies a sequence from a new order, writing the events a server would write; refusals write none. */
function run(steps: readonly PureStep[]): { status: OrderStatus; log: LogEvent[]; visited: OrderStatus[] } {
  let status: OrderStatus = 'pending';
  const log: LogEvent[] = [{ seq: 1, type: 'created', fromStatus: null, toStatus: 'pending' }];
  const visited: OrderStatus[] = [status];
  for (const step of steps) {
    if (step.kind === 'escalate') {
      if (status === 'pending' || status === 'dispatched') log.push({ seq: log.length + 1, type: 'escalate', fromStatus: status, toStatus: status });
      continue;
    }
    const result = transition(status, step.action, step.relations, step.progress);
    if (!result.ok) continue;
    log.push({ seq: log.length + 1, type: step.action, fromStatus: status, toStatus: result.to });
    status = result.to;
    visited.push(status);
  }
  return { status, log, visited };
}

const renumber = (log: readonly LogEvent[]): LogEvent[] => log.map((e, i) => ({ ...e, seq: i + 1 }));
const changesStatus = (e: LogEvent) => e.fromStatus !== e.toStatus;

describe('the order state machine (pure)', () => {
  const RUNS = 2000;

  it('answers a valid status or a refusal; a state refusal does not depend on who asks', () => {
    fc.assert(
      fc.property(statusArb, actionArb, relationsArb, progressArb, (status, action, relations, progress) => {
        const result = transition(status, action, relations, progress);
        if (result.ok) {
          expect(ORDER_STATUSES).toContain(result.to);
          expect(isLegalMove(status, action, result.to)).toBe(true);
        } else {
          expect(['state', 'role']).toContain(result.kind);
          expect(result.message.length).toBeGreaterThan(0);
        }
        // 409 (the order's state) before 403 (the person): the state's verdict is the same for everyone
        const anyone = transition(status, action, RELATIONS, progress);
        expect(!anyone.ok && anyone.kind === 'state').toBe(!result.ok && result.kind === 'state');
        // more relations never take a permission away
        if (result.ok) expect(anyone.ok).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("lets nothing out of closed and cancelled, but 问题未解决 by the resident's side after confirming", () => {
    fc.assert(
      fc.property(fc.constantFrom<OrderStatus>('closed', 'cancelled'), actionArb, relationsArb, progressArb, (status, action, relations, progress) => {
        expect(isFinal(status)).toBe(true);
        const result = transition(status, action, relations, progress);
        // issue 22: a closed order may be reopened (within a window the server keeps) — by the resident's side only
        if (status === 'closed' && action === 'reopen') {
          const confirming = relations.some((r) => r === 'resident' || r === 'family' || r === 'callback');
          expect(result).toEqual(confirming ? { ok: true, to: 'pending' } : expect.objectContaining({ ok: false, kind: 'role' }));
          expect(availableActions(status, relations)).toEqual(confirming ? ['reopen'] : []);
          return;
        }
        expect(result).toMatchObject({ ok: false, kind: 'state' });
        if (status === 'cancelled') expect(availableActions(status, relations)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('lists as available exactly the actions it accepts, growing with the relations', () => {
    fc.assert(
      fc.property(statusArb, relationsArb, relationsArb, (status, relations, more) => {
        const listed = availableActions(status, relations);
        expect(listed).toEqual(ORDER_ACTIONS.filter((a) => transition(status, a, relations).ok));
        for (const a of ORDER_ACTIONS) expect(listed.includes(a)).toBe(transition(status, a, relations).ok);
        const wider = availableActions(status, [...new Set([...relations, ...more])]);
        for (const a of listed) expect(wider).toContain(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('from any reachable status only reaches statuses of the machine; final ones stay final; the log replays', () => {
    fc.assert(
      fc.property(fc.array(pureStepArb, { maxLength: 40 }), (steps) => {
        const { status, log, visited } = run(steps);
        for (const s of visited) expect(ORDER_STATUSES).toContain(s);
        const firstFinal = visited.findIndex(isFinal);
        if (firstFinal >= 0) expect(visited.length).toBe(firstFinal + 1);
        expect(replayOrderEvents(log)).toBe(status);
      }),
      { numRuns: RUNS },
    );
  });

  it('reaches every status', () => {
    // the generator is not stuck near `pending`: over many sequences every status is visited
    const seen = new Set<OrderStatus>();
    fc.assert(
      fc.property(fc.array(pureStepArb, { minLength: 10, maxLength: 40 }), (steps) => {
        for (const s of run(steps).visited) seen.add(s);
      }),
      { numRuns: RUNS },
    );
    expect([...seen].sort()).toEqual([...ORDER_STATUSES].sort());
  });

  /** Sequences with at least two events after the creation (something to corrupt). */
  const logArb = fc
    .array(pureStepArb, { minLength: 2, maxLength: 40 })
    .map(run)
    .filter((r) => r.log.length >= 3);

  it('rejects a log with an event dropped (a gap in the numbers), and one that was renumbered over it', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), ({ status, log }, k) => {
        const i = 1 + (k % (log.length - 1));
        const dropped = log.filter((_, j) => j !== i);
        // as written: the numbers have a gap, unless it was the last event — then the log is one step behind
        if (i < log.length - 1) expect(() => replayOrderEvents(dropped)).toThrow();
        else expect(replayOrderEvents(dropped)).toBe(log[i]!.fromStatus);
        // renumbered to hide the gap: an event that changed the status cannot go missing unnoticed —
        // the log fails, or (the very last event) replays to another status than the order's
        if (changesStatus(log[i]!)) {
          const forged = renumber(dropped);
          let replayed: OrderStatus | 'refused';
          try {
            replayed = replayOrderEvents(forged);
          } catch {
            replayed = 'refused';
          }
          expect(replayed).not.toBe(status);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects a log with two events swapped', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), fc.nat(), ({ log }, a, b) => {
        const i = 1 + (a % (log.length - 1));
        const j = 1 + (b % (log.length - 1));
        fc.pre(i !== j);
        const swapped = [...log];
        [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
        // with their numbers: out of order
        expect(() => replayOrderEvents(swapped)).toThrow();
        // renumbered, adjacent, one of them changing the status: the statuses no longer chain
        const [lo, hi] = i < j ? [i, j] : [j, i];
        if (hi === lo + 1 && (changesStatus(log[lo]!) || changesStatus(log[hi]!))) expect(() => replayOrderEvents(renumber(swapped))).toThrow();
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects a log whose first event is not the creation, or that creates twice', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), ({ log }, k) => {
        const i = 1 + (k % (log.length - 1));
        expect(() => replayOrderEvents(renumber(log.slice(1)))).toThrow();
        const twice = [...log];
        twice[i] = { ...twice[i]!, type: 'created' };
        expect(() => replayOrderEvents(twice)).toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Against the real server
// ---------------------------------------------------------------------------------------------------------------

/** The place tree of tests/support/world.ts, below the city. */
type Region = 'county' | 'T' | 'T2' | 'A' | 'B' | 'X' | 'A1' | 'A2' | 'B1' | 'X1';
const PARENT: Record<Region, Region | null> = { county: null, T: 'county', T2: 'county', A: 'T', B: 'T', X: 'T2', A1: 'A', A2: 'A', B1: 'B', X1: 'X' };

/** r lies in the subtree of `top` (its path starts with top's path). */
function within(r: Region | null, top: Region): boolean {
  for (let at = r; at !== null; at = PARENT[at]) if (at === top) return true;
  return false;
}

interface PersonSpec {
  name: string;
  roles: readonly string[];
  region: Region | null;
  /** Has the order's category (medicine_delivery) among their skills. */
  skill: boolean;
  onDuty: boolean;
}

const CATEGORY = 'medicine_delivery';
/** From the catalogue seed: minutes before an unaccepted order moves up a level. */
const ACCEPT_MINUTES = { normal: 120, urgent: 30 } as const;

const PEOPLE = {
  admin: { name: '总管理员', roles: ['admin'], region: null, skill: false, onDuty: false },
  countyAdmin: { name: '旗管理员', roles: ['admin'], region: 'county', skill: false, onDuty: false },
  dispatcherT: { name: '一号镇调度', roles: ['dispatcher'], region: 'T', skill: false, onDuty: false },
  dispatcherT2: { name: '二号镇调度', roles: ['dispatcher'], region: 'T2', skill: false, onDuty: false },
  gridWorkerA1: { name: '甲一网格员', roles: ['grid_worker', 'volunteer'], region: 'A1', skill: true, onDuty: true },
  gridWorkerX1: { name: '丙一网格员', roles: ['grid_worker'], region: 'X1', skill: false, onDuty: false },
  volunteerA1: { name: '甲一志愿者', roles: ['volunteer'], region: 'A1', skill: true, onDuty: true },
  residentA1: { name: '甲一居民', roles: ['resident'], region: 'A1', skill: false, onDuty: false },
  residentA2: { name: '甲二居民', roles: ['resident'], region: 'A2', skill: false, onDuty: false },
  residentX1: { name: '丙一居民', roles: ['resident'], region: 'X1', skill: false, onDuty: false },
  // added here
  dispatcherA: { name: '甲社区调度', roles: ['dispatcher'], region: 'A', skill: false, onDuty: false },
  volA1b: { name: '甲一志愿者乙', roles: ['volunteer'], region: 'A1', skill: true, onDuty: true },
  volA1c: { name: '甲一志愿者丙', roles: ['volunteer'], region: 'A1', skill: true, onDuty: true },
  volA2: { name: '甲二志愿者', roles: ['volunteer'], region: 'A2', skill: true, onDuty: true },
  volB1: { name: '乙一志愿者', roles: ['volunteer'], region: 'B1', skill: true, onDuty: true },
  volX1: { name: '丙一志愿者', roles: ['volunteer'], region: 'X1', skill: true, onDuty: true },
  volNoSkill: { name: '甲一志愿者（跑腿）', roles: ['volunteer'], region: 'A1', skill: false, onDuty: true },
  volOff: { name: '甲一志愿者（休息）', roles: ['volunteer'], region: 'A1', skill: true, onDuty: false },
} satisfies Record<string, PersonSpec>;
type Who = keyof typeof PEOPLE;
const EVERYONE = Object.keys(PEOPLE) as Who[];
const EXTRAS: Who[] = ['dispatcherA', 'volA1b', 'volA1c', 'volA2', 'volB1', 'volX1', 'volNoSkill', 'volOff'];

/** A squad of community A: led by volA1b, with volA1c and volA2 (of the neighbouring grid). */
const SQUAD = { name: '甲社区红色帮帮团', region: 'A' as Region, leader: 'volA1b' as Who, members: new Set<Who>(['volA1b', 'volA1c', 'volA2']) };

type Target = Who | 'squad';
const TARGETS: Target[] = ['volunteerA1', 'volA1b', 'volA2', 'volB1', 'volX1', 'volNoSkill', 'volOff', 'gridWorkerA1', 'gridWorkerX1', 'squad'];

const isStaffP = (p: PersonSpec) => p.roles.some((r) => r === 'admin' || r === 'dispatcher' || r === 'grid_worker');
const isServingP = (p: PersonSpec) => p.roles.includes('volunteer') || p.roles.includes('grid_worker');
/** Jurisdiction: a region-less admin everything, staff their subtree, others nothing. */
function covers(p: PersonSpec, r: Region): boolean {
  if (p.roles.includes('admin') && p.region === null) return true;
  if (!isStaffP(p) || p.region === null) return false;
  return within(r, p.region);
}

type PlaceState = 'accepted' | 'in_service' | 'completed';
const HOLDING: readonly string[] = ['accepted', 'in_service', 'completed'];

interface Model {
  id: string;
  resident: Who;
  requester: Who;
  region: Region;
  headcount: number;
  urgency: 'normal' | 'urgent';
  status: OrderStatus;
  level: EscalationLevel;
  escalateAt: number | null;
  acceptedCount: number;
  round: number;
  dispatchedUser: Who | null;
  dispatchedSquad: boolean;
  /** The places held in the current round. */
  holders: Map<Who, PlaceState>;
  /** Everyone who has accepted it once, any round (they keep seeing it). */
  everOn: Set<Who>;
  version: number;
  /** 兜底 (issue 20): the person answerable for it from the first minute, and when nobody accepting in time starts their duty. */
  responsible: Who;
  deadlineAt: number;
  /** Someone has accepted it once (first_accepted_at): an urge no longer moves its deadline. */
  /** 催一下: when last (the domain clock), or null. */
  lastUrgedAt: number | null;
  /** When the resident's side confirmed it (the domain clock); reopening after that is allowed for REOPEN_DAYS. */
  closedAt?: number | null;
}

/** REOPEN_AFTER_CONFIRM_DAYS as configured (the default): 问题未解决 after confirming, within a week (issue 22). */
const REOPEN_DAYS = 7;

/**
 * 兜底责任人 of each resident (none is on the ledger): a grid worker of their grid; 甲二网格 has none, so the staff of
 * the nearest place above — 甲社区's dispatcher.
 */
const RESPONSIBLE: Partial<Record<Who, Who>> = { residentA1: 'gridWorkerA1', residentA2: 'dispatcherA' };

const NEXT_LEVEL: Record<EscalationLevel, EscalationLevel> = { grid: 'community', community: 'town', town: 'county', county: 'county' };
function scopeOf(o: Model): Region {
  switch (o.level) {
    case 'grid':
      return o.region;
    case 'community':
      return PARENT[o.region]!;
    case 'town':
      return PARENT[PARENT[o.region]!]!;
    case 'county':
      return 'county';
  }
}

interface Standing {
  relations: OrderRelation[];
  holding: PlaceState | undefined;
  dispatchedToMe: boolean;
  ineligible: string | null;
  visible: boolean;
  /** Answerable for it past its deadline (兜底) without jurisdiction: may dispatch and take it, not cancel it. */
  staffByDuty: boolean;
}

/** Under way with a place free (staff took back someone who had not arrived): the task hall offers it. */
const shortOfPeopleM = (o: Model) => shortOfPeople(o.status, o.acceptedCount, o.headcount);

/** The model's copy of standing.ts, in terms of the place tree rather than paths. */
function standing(o: Model, who: Who, now: number): Standing {
  const p: PersonSpec = PEOPLE[who];
  const scope = scopeOf(o);
  const relations: OrderRelation[] = [];
  if (who === o.resident || who === o.requester) relations.push('requester');
  // issue 18: the resident confirms a proxy order (代下单), not the staff member who placed it (every resident of
  // this model has a phone, so no call-back confirmation by other staff, and nobody is family)
  if (who === o.resident) relations.push('resident');
  // issue 20: staff with jurisdiction act at once, whatever level the order has reached (越级派单); once nobody has
  // accepted it in time, the person answerable for it (兜底) may dispatch it and take it at any level
  const oversees = isStaffP(p) && covers(p, o.region);
  const responsible = o.responsible === who && o.deadlineAt <= now;
  if (oversees || responsible) relations.push('staff');
  const holding = o.holders.get(who);
  const dispatchedToMe = o.dispatchedUser === who || (o.dispatchedSquad && SQUAD.members.has(who));
  if (holding || dispatchedToMe) relations.push('assignee');
  let ineligible: string | null = null;
  if (holding) ineligible = '您已接下这个需求。';
  else if (responsible)
    ineligible = null; // without the skill, off duty, outside the area
  else if (!isServingP(p)) ineligible = '只有志愿者和网格员可以接单。';
  else if (!p.skill) ineligible = '您的服务技能与这个需求不符。';
  else if (!within(p.region, scope)) ineligible = '这个需求不在您的服务区域内。';
  else if (!p.onDuty) ineligible = '您当前不在接单状态（未上岗或不在排班时间），请先开启接单。';
  if (ineligible === null) relations.push('eligible');
  // as maySee: a relation beyond being able to take it; staff oversight; having once been on it; or the task hall,
  // which shows open orders and that one was just taken, not how it goes on
  const inHall = isServingP(p) && p.skill && within(p.region, scope);
  const visible =
    relations.some((r) => r !== 'eligible') ||
    oversees ||
    // the responsible person follows the order from the first minute
    o.responsible === who ||
    o.everOn.has(who) ||
    (inHall && (o.status === 'pending' || o.status === 'dispatched' || o.status === 'accepted' || (o.status === 'in_service' && o.headcount > 1)));
  return { relations, holding, dispatchedToMe, ineligible, visible, staffByDuty: responsible && !oversees };
}

/** The route actions (confirm with resolved:false is the machine's `reopen`). */
type Act = 'dispatch' | 'reject' | 'accept' | 'release' | 'check_in' | 'complete' | 'confirm' | 'reopen' | 'cancel' | 'recall' | 'urge';
const ACTS: Act[] = ['dispatch', 'reject', 'accept', 'release', 'check_in', 'complete', 'confirm', 'reopen', 'cancel', 'recall', 'urge'];
/** URGE_MIN_INTERVAL_MINUTES as configured (the default): 催一下 once in so many minutes per order. */
const URGE_INTERVAL_MINUTES = 10;

interface Command {
  who: Who;
  act: Act;
  target: Target;
  rating: number | undefined;
}

type Prediction = { code: 200; to: OrderStatus; apply: (o: Model, now: number) => void } | { code: 400 | 403 | 404 | 409 | 429; message: string | null };

/**
 * Issue 18: a finished order is the resident's to confirm; the staff member who ordered for them (代下单), and other
 * staff of a resident who can confirm themself, are told so in words (transitions.ts, checkConfirmer).
 */
function notTheConfirmer(o: Model, who: Who, s: Standing, act: 'confirm' | 'reopen'): Prediction | undefined {
  if (o.status !== 'completed') return undefined;
  if (s.relations.includes('requester')) return { code: 403, message: '代下单的工作人员不能替居民确认，请由居民本人或其家属确认。' };
  const p = PEOPLE[who];
  const word = act === 'confirm' ? '确认' : '反馈';
  if (isStaffP(p) && covers(p, o.region)) return { code: 403, message: `这位居民可以自己或由家属${word}，工作人员不能代为${word}。` };
  return undefined;
}

const refusal = (r: { kind: 'state' | 'role'; message: string }): Prediction => ({ code: r.kind === 'state' ? 409 : 403, message: r.message });
const waitingAgain = (o: Model, now: number) => (o.level === 'county' ? null : now + ACCEPT_MINUTES[o.urgency] * 60_000);

/** What the server must answer, in the order lifecycle.ts checks things, and what a success changes. */
function predict(o: Model, c: Command, now: number): Prediction {
  const s = standing(o, c.who, now);
  if (!s.visible) return { code: 404, message: '需求不存在。' };
  const withoutAssignee = s.relations.filter((r) => r !== 'assignee');
  const notHolding = (action: OrderAction): Prediction => {
    const r = transition(o.status, action, withoutAssignee);
    return r.ok ? { code: 403, message: '您没有接下这个需求。' } : refusal(r);
  };
  switch (c.act) {
    case 'dispatch': {
      const r = transition(o.status, 'dispatch', s.relations);
      if (!r.ok) return refusal(r);
      const me = PEOPLE[c.who];
      if (c.target === 'squad') {
        // a squad of the dispatcher's jurisdiction, or one serving the resident's area (a grid worker sending an
        // order of their grid to the community's squad)
        if (!covers(me, SQUAD.region) && !within(o.region, SQUAD.region)) return { code: 400, message: null };
        return {
          code: 200,
          to: r.to,
          apply: (m) => {
            m.dispatchedUser = null;
            m.dispatchedSquad = true;
          },
        };
      }
      const target = c.target;
      const them: PersonSpec = PEOPLE[target];
      // someone of the dispatcher's jurisdiction, or of the area the order has reached (a grid worker sending an
      // escalated order to a volunteer of the next grid)
      if (them.region === null || !(covers(me, them.region) || within(them.region, scopeOf(o)))) return { code: 400, message: null };
      if (o.holders.has(target)) return { code: 409, message: `${them.name}已接下这个需求。` };
      return {
        code: 200,
        to: r.to,
        apply: (m) => {
          m.dispatchedUser = target;
          m.dispatchedSquad = false;
        },
      };
    }
    case 'reject': {
      const r = transition(o.status, 'reject', s.relations);
      if (!r.ok) return refusal(r);
      const mayReject = o.dispatchedUser === c.who || (o.dispatchedSquad && SQUAD.leader === c.who);
      if (!mayReject) return { code: 403, message: '只有被派单的人（小分队由负责人）可以拒绝派单。' };
      return {
        code: 200,
        to: r.to,
        apply: (m) => {
          m.dispatchedUser = null;
          m.dispatchedSquad = false;
        },
      };
    }
    case 'accept': {
      if (s.holding) return { code: 409, message: '您已接下这个需求。' };
      if (o.status === 'dispatched' && !s.dispatchedToMe && s.relations.includes('eligible')) return { code: 409, message: '该需求已派给他人。' };
      if (
        !s.relations.includes('assignee') &&
        !s.relations.includes('eligible') &&
        (o.status === 'pending' || o.status === 'dispatched' || shortOfPeopleM(o))
      ) {
        return { code: 403, message: s.ineligible ?? '您不能接这个需求。' };
      }
      const r = transition(o.status, 'accept', s.relations, { headcount: o.headcount, accepted: o.acceptedCount });
      if (!r.ok) return refusal(r);
      return {
        code: 200,
        to: r.to,
        apply: (m) => {
          m.holders.set(c.who, 'accepted');
          m.everOn.add(c.who);
          m.acceptedCount += 1;
        },
      };
    }
    case 'release': {
      if (!s.holding) return notHolding('release');
      if (s.holding !== 'accepted') return { code: 409, message: '您已签到，不能退单；如无法继续服务，请联系网格员。' };
      const r = transition(o.status, 'release', s.relations);
      if (!r.ok) return refusal(r);
      return {
        code: 200,
        to: r.to,
        apply: (m, now) => {
          m.holders.delete(c.who);
          m.acceptedCount -= 1;
          if (m.dispatchedUser === c.who) m.dispatchedUser = null;
          // an order under way stays so: the place goes back to the task hall
          if (o.status !== 'pending' && o.status !== 'in_service') m.escalateAt = waitingAgain(m, now);
        },
      };
    }
    case 'check_in': {
      if (!s.holding) return notHolding('check_in');
      const r = transition(o.status, 'check_in', s.relations);
      if (!r.ok) return refusal(r);
      if (s.holding !== 'accepted') return { code: 409, message: '您已签到过了。' };
      return {
        code: 200,
        to: r.to,
        apply: (m) => {
          m.holders.set(c.who, 'in_service');
        },
      };
    }
    case 'complete': {
      if (!s.holding) return notHolding('complete');
      if (s.holding === 'accepted') return { code: 409, message: '请先到居民家中签到，再完成服务。' };
      if (s.holding === 'completed') return { code: 409, message: '您已完成这个需求的服务。' };
      const others = [...o.holders].filter(([w, st]) => w !== c.who && st === 'in_service').length;
      const r = transition(o.status, 'complete', s.relations, { othersServing: others });
      if (!r.ok) return refusal(r);
      return {
        code: 200,
        to: r.to,
        apply: (m) => {
          m.holders.set(c.who, 'completed');
          if (r.to !== 'completed') return;
          // those who accepted but never checked in are no-shows: their places are given up
          for (const [w, st] of [...m.holders]) {
            if (st !== 'accepted') continue;
            m.holders.delete(w);
            m.acceptedCount -= 1;
          }
        },
      };
    }
    case 'confirm': {
      const r = transition(o.status, 'confirm', s.relations);
      return r.ok
        ? {
            code: 200,
            to: r.to,
            apply: (m, now) => {
              m.closedAt = now;
            },
          }
        : (notTheConfirmer(o, c.who, s, 'confirm') ?? refusal(r));
    }
    case 'reopen': {
      const r = transition(o.status, 'reopen', s.relations);
      if (!r.ok) return notTheConfirmer(o, c.who, s, 'reopen') ?? refusal(r);
      if (o.status === 'closed' && now - (o.closedAt ?? 0) >= REOPEN_DAYS * 24 * 60 * 60_000) {
        return { code: 409, message: `这个需求已确认超过 ${REOPEN_DAYS} 天，不能再反馈问题未解决；如还需要帮助，请重新下单。` };
      }
      return {
        code: 200,
        to: r.to,
        apply: (m, now) => {
          m.closedAt = null;
          m.round += 1;
          m.acceptedCount = 0;
          m.holders.clear();
          m.dispatchedUser = null;
          m.dispatchedSquad = false;
          m.escalateAt = waitingAgain(m, now);
          // it waits anew: the accept window counts from the reopening (migration ReopenStartsANewWait)
          m.deadlineAt = now + ACCEPT_MINUTES[m.urgency] * 60_000;
        },
      };
    }
    case 'recall': {
      // 撤回改派 (issue 20) without a new assignee: the dispatch and every place not yet checked in are taken back;
      // under way (others serving), only those places, and the order stays in service
      const r = transition(o.status, 'recall', s.relations);
      if (!r.ok) return refusal(r);
      const waiting = [...o.holders.values()].some((st) => st === 'accepted');
      if (o.status === 'in_service' && !waiting) return { code: 409, message: '该需求已在服务中，没有接单后还未签到的人可以撤回。' };
      if (o.status === 'pending' && !waiting && !o.dispatchedSquad && o.dispatchedUser === null) {
        return { code: 409, message: '该需求还没有人接单，也没有派给谁，不需要撤回。' };
      }
      return {
        code: 200,
        to: r.to,
        apply: (m, now) => {
          for (const [who, st] of [...m.holders]) if (st === 'accepted') m.holders.delete(who);
          m.acceptedCount = m.holders.size;
          if (m.status === 'in_service') return;
          m.dispatchedUser = null;
          m.dispatchedSquad = false;
          m.escalateAt = waitingAgain(m, now);
        },
      };
    }
    case 'urge': {
      // 催一下 (issue 20): the order becomes urgent and waits no longer than the urgent window from now; its state stays
      const r = transition(o.status, 'urge', s.relations);
      if (!r.ok) return refusal(r);
      if (o.lastUrgedAt !== null) {
        const left = o.lastUrgedAt + URGE_INTERVAL_MINUTES * 60_000 - now;
        if (left > 0) return { code: 429, message: `刚刚催过了，请 ${Math.ceil(left / 60_000)} 分钟后再催。` };
      }
      return {
        code: 200,
        to: r.to,
        apply: (m, at) => {
          const window = at + ACCEPT_MINUTES.urgent * 60_000;
          m.urgency = 'urgent';
          m.lastUrgedAt = at;
          if ((m.status === 'pending' || m.status === 'dispatched') && m.escalateAt !== null && m.escalateAt > window) m.escalateAt = window;
          if ((m.status === 'pending' || m.status === 'dispatched') && m.acceptedCount === 0 && m.deadlineAt > window) m.deadlineAt = window;
        },
      };
    }
    case 'cancel': {
      // any staff member with jurisdiction may cancel, whatever level the order has reached; being answerable for it
      // (兜底) is a duty to get it served, not a say over whether it is wanted
      const r = transition(o.status, 'cancel', s.staffByDuty ? s.relations.filter((x) => x !== 'staff') : s.relations);
      if (!r.ok) return refusal(r);
      return {
        code: 200,
        to: r.to,
        apply: (m) => {
          // the accepted and serving places are cancelled; a completed one stays, and is still counted
          for (const [w, st] of [...m.holders]) if (st !== 'completed') m.holders.delete(w);
          m.acceptedCount = m.holders.size;
        },
      };
    }
  }
}

/** The step as the server is asked: route and body (`target` is the dispatch's person or squad id). */
function request(c: Command, target: string): { route: string; body: object } {
  switch (c.act) {
    case 'dispatch':
      return { route: 'dispatch', body: c.target === 'squad' ? { squadId: target } : { assigneeId: target } };
    case 'reject':
      return { route: 'reject', body: { reason: '临时有事' } };
    case 'accept':
      return { route: 'accept', body: {} };
    case 'release':
      return { route: 'release', body: { reason: '家里有事去不了' } };
    case 'check_in':
      return { route: 'check-in', body: { location: { lat: 40.7511, lng: 107.4011 } } };
    case 'complete':
      return { route: 'complete', body: { note: '药已送到' } };
    case 'confirm':
      return { route: 'confirm', body: c.rating === undefined ? { resolved: true } : { resolved: true, rating: c.rating } };
    case 'reopen':
      return { route: 'confirm', body: { resolved: false, comment: '药不对' } };
    case 'cancel':
      return { route: 'cancel', body: { reason: '不需要了' } };
    case 'recall':
      return { route: 'recall', body: { reason: '联系不上，另行安排' } };
    case 'urge':
      return { route: 'urge', body: { note: '药快吃完了' } };
  }
}

type Step =
  | { kind: 'guided'; pick: number; pick2: number; end: boolean }
  | { kind: 'random'; who: Who; act: Act; target: Target; rating: number | undefined }
  | { kind: 'escalate'; minutes: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  // an action the model expects to succeed, so that sequences go deep (cancelling only now and then)
  // (small picks: a failure shrinks in fewer replays)
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('guided' as const),
      pick: fc.nat({ max: 999 }),
      pick2: fc.nat({ max: 999 }),
      end: fc.nat({ max: 7 }).map((n) => n === 0),
    }),
  },
  // anything by anyone: mostly refusals, which must change nothing
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('random' as const),
      who: fc.constantFrom(...EVERYONE),
      act: fc.constantFrom(...ACTS),
      target: fc.constantFrom(...TARGETS),
      rating: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    }),
  },
  // time passes and the sweep runs
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('escalate' as const), minutes: fc.constantFrom(10, 35, 125, 300) }) },
);

/** Who orders for whom: residents for themselves, staff for a resident of their jurisdiction (代下单). */
const ORIGINS: ReadonlyArray<{ requester: Who; resident: Who }> = [
  { requester: 'residentA1', resident: 'residentA1' },
  { requester: 'residentA2', resident: 'residentA2' },
  { requester: 'gridWorkerA1', resident: 'residentA1' },
  { requester: 'dispatcherA', resident: 'residentA2' },
  { requester: 'dispatcherT', resident: 'residentA1' },
  { requester: 'admin', resident: 'residentA2' },
];

const sequenceArb = fc.record({
  origin: fc.constantFrom(...ORIGINS),
  headcount: fc.integer({ min: 1, max: 3 }),
  urgency: fc.constantFrom<'normal' | 'urgent'>('normal', 'urgent'),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 25, size: 'max' }),
});
type Sequence = typeof sequenceArb extends fc.Arbitrary<infer T> ? T : never;

const by = (who: Who, act: Act, target: Target = 'volunteerA1'): Step => ({ kind: 'random', who, act, target, rating: undefined });
/** A three-person order of 甲一网格 taken by three volunteers, the first of them at the door. */
const UNDER_WAY_OF_THREE: Step[] = [by('volA1b', 'accept'), by('volA1c', 'accept'), by('volunteerA1', 'accept'), by('volA1b', 'check_in')];

/** Failures the property found (shrunk by hand), replayed as they are on every run. */
const REGRESSIONS: Array<{ title: string; sequence: Sequence }> = [
  {
    title: 'staff cancel a two-person order after one has finished: the finished place stays, accepted_count must count it',
    sequence: {
      origin: ORIGINS[0]!,
      headcount: 2,
      urgency: 'normal',
      steps: [
        by('volA1b', 'accept'),
        by('volA1c', 'accept'),
        by('volA1b', 'check_in'),
        by('volA1c', 'check_in'),
        by('volA1b', 'complete'),
        by('admin', 'cancel'),
      ],
    },
  },
  {
    title: 'a squad leader already holding a place rejects the dispatch to their squad: the server allows it, the button is hidden',
    sequence: {
      origin: ORIGINS[5]!,
      headcount: 3,
      urgency: 'normal',
      steps: [by('admin', 'dispatch', 'volA1b'), by('volA1b', 'accept'), by('admin', 'dispatch', 'squad'), by('volA1b', 'reject')],
    },
  },
  {
    title: "a grid worker dispatches an order of their grid to the community's squad: allowed (the model said 400)",
    sequence: {
      origin: ORIGINS[0]!,
      headcount: 1,
      urgency: 'normal',
      steps: [by('gridWorkerA1', 'dispatch', 'squad'), by('admin', 'dispatch', 'volunteerA1')],
    },
  },
  {
    title: 'past its deadline the responsible person (兜底), a dispatcher, takes it themself and serves it (the model said 403)',
    sequence: {
      origin: ORIGINS[1]!,
      headcount: 1,
      urgency: 'normal',
      steps: [
        by('dispatcherA', 'accept'),
        { kind: 'escalate', minutes: 125 },
        by('dispatcherA', 'accept'),
        by('dispatcherA', 'check_in'),
        by('dispatcherA', 'complete'),
        by('residentA2', 'confirm'),
      ],
    },
  },
  {
    title: 'staff take back the places not yet arrived at of a three-person order under way: it stays in service, short of people',
    sequence: {
      origin: ORIGINS[0]!,
      headcount: 3,
      urgency: 'normal',
      // two there (one already done), the third not come: taken back, the order stays in service one short
      steps: [...UNDER_WAY_OF_THREE, by('volA1c', 'check_in'), by('volA1b', 'complete'), by('countyAdmin', 'recall'), by('volA1c', 'complete')],
    },
  },
];

/** Paths the random sequences reach only now and then, replayed as they are on every run. */
const PATHS: Array<{ title: string; sequence: Sequence }> = [
  {
    title: '催一下: urgent at once, the deadline and escalation at the urgent window (兜底 sooner), once in the interval',
    sequence: {
      origin: ORIGINS[3]!,
      headcount: 1,
      urgency: 'normal',
      steps: [
        by('residentA2', 'urge'),
        by('dispatcherA', 'urge'),
        by('volunteerA1', 'urge'),
        { kind: 'escalate', minutes: 35 },
        by('dispatcherA', 'accept'),
        by('residentA2', 'urge'),
      ],
    },
  },
  {
    title: 'a place taken back under way is filled from the task hall, given back, filled again; the last to finish completes it',
    sequence: {
      origin: ORIGINS[0]!,
      headcount: 3,
      urgency: 'normal',
      steps: [
        ...UNDER_WAY_OF_THREE,
        by('volOff', 'accept'),
        by('gridWorkerA1', 'recall'),
        by('volA2', 'accept'),
        by('volA1c', 'accept'),
        by('volA1c', 'release'),
        by('volA1c', 'accept'),
        by('gridWorkerA1', 'accept'),
        by('volunteerA1', 'accept'),
        by('volA1c', 'check_in'),
        by('volA1b', 'complete'),
        by('gridWorkerA1', 'complete'),
        by('volA1c', 'complete'),
        by('residentA1', 'confirm'),
      ],
    },
  },
];

/** Route action → the button (OrderAction) the mini-program would show for it. */
const BUTTON: Record<Act, OrderAction> = {
  dispatch: 'dispatch',
  reject: 'reject',
  accept: 'accept',
  release: 'release',
  check_in: 'check_in',
  complete: 'complete',
  confirm: 'confirm',
  reopen: 'reopen',
  cancel: 'cancel',
  recall: 'recall',
  urge: 'urge',
};

interface Snapshot {
  order: Record<string, unknown> & {
    status: OrderStatus;
    accepted_count: number;
    headcount: number;
    round: number;
    version: number;
    escalation_level: EscalationLevel;
    escalate_at: string | null;
    deadline_at: string;
    dispatched_to_user_id: string | null;
    dispatched_to_squad_id: string | null;
  };
  assignments: Array<{ round: number; volunteer_id: string; state: string }>;
}

describe('the order lifecycle against the server (model-based)', () => {
  // ORDER_PROPERTY_RUNS=500 for a longer hunt
  const NUM_RUNS = Number(process.env.ORDER_PROPERTY_RUNS ?? 50);
  let database: TestDatabase;
  let app: FastifyInstance;
  let w: World;
  /** The domain clock: only the escalation steps move it. */
  let now = Date.parse('2026-12-01T01:00:00.000Z');
  const ids = {} as Record<Who, string>;
  const tokens = {} as Record<Who, string>;
  let squadId = '';
  const whoIs = new Map<string, Who>();
  /** What the runs covered, printed at the end (a generator that never gets far would show here). */
  const newFigures = () => ({
    steps: 0,
    successes: 0,
    refusals: 0,
    escalations: 0,
    noShows: 0,
    statuses: new Set<OrderStatus>(),
    levels: new Set<EscalationLevel>(),
    codes: new Map<number, number>(),
    done: new Map<Act, number>(),
  });
  let figures = newFigures();

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error', ...NO_ORDER_LIMITS }), db: database.db, clock: () => new Date(now) });
    w = await buildWorld(app, database.db);
    const db = database.db;
    for (const [key, user] of Object.entries(w.users)) {
      ids[key as Who] = user.id;
      tokens[key as Who] = user.token;
    }
    let n = 0;
    for (const key of EXTRAS) {
      const p: PersonSpec = PEOPLE[key];
      const [row] = await db.query<Array<{ id: string }>>(
        `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng) VALUES ($1, $2, $3, $4, $5, $6, 40.751, 107.401) RETURNING id`,
        [p.name, `1370000${String(1000 + ++n)}`, p.roles, w.regions[p.region!], p.skill ? [CATEGORY] : ['errands'], p.onDuty],
      );
      ids[key] = row!.id;
      tokens[key] = app.jwt.sign({ sub: row!.id });
    }
    for (const key of ['gridWorkerA1', 'volunteerA1'] as Who[]) {
      await db.query(`UPDATE app_user SET on_duty = $2, skills = $3 WHERE id = $1`, [ids[key], PEOPLE[key].onDuty, PEOPLE[key].skill ? [CATEGORY] : []]);
    }
    for (const key of EVERYONE) whoIs.set(ids[key], key);
    const [squad] = await db.query<Array<{ id: string }>>(
      `INSERT INTO squad (name, color, region_id, leader_id, categories) VALUES ($1, 'red', $2, $3, $4) RETURNING id`,
      [SQUAD.name, w.regions[SQUAD.region], ids[SQUAD.leader], [CATEGORY]],
    );
    squadId = squad!.id;
    for (const m of SQUAD.members) await db.query(`INSERT INTO squad_member (squad_id, user_id) VALUES ($1, $2)`, [squadId, ids[m]]);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const call = (who: Who, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, payload, headers: bearer(tokens[who]) });

  async function snapshot(id: string): Promise<Snapshot> {
    const [row] = await database.db.query<Array<{ o: Snapshot['order']; a: Snapshot['assignments'] }>>(
      `SELECT to_jsonb(o) AS o, (SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.id), '[]'::jsonb) FROM order_assignment a WHERE a.order_id = o.id) AS a
       FROM service_order o WHERE o.id = $1`,
      [id],
    );
    return { order: row!.o, assignments: row!.a };
  }

  /** Everything that must hold of any order at any time, read from the database and the API. */
  async function invariants(m: Model, trace: string[]): Promise<Snapshot> {
    const snap = await snapshot(m.id);
    const o = snap.order;
    const fail = (what: string) => {
      throw new Error(
        `${what}\n  order ${JSON.stringify({ status: o.status, accepted: o.accepted_count, headcount: o.headcount, round: o.round })}\n  assignments ${JSON.stringify(snap.assignments.map((a) => [a.round, whoIs.get(a.volunteer_id), a.state]))}\n  steps:\n    ${trace.join('\n    ')}`,
      );
    };
    if (!ORDER_STATUSES.includes(o.status)) fail(`status ${o.status} is not one of the machine's`);
    const current = snap.assignments.filter((a) => a.round === o.round);
    const held = current.filter((a) => HOLDING.includes(a.state));
    const count = (state: string) => current.filter((a) => a.state === state).length;
    if (o.accepted_count !== held.length) fail(`accepted_count ${o.accepted_count} but ${held.length} places held in round ${o.round}`);
    if (o.accepted_count < 0 || o.accepted_count > o.headcount) fail(`accepted_count ${o.accepted_count} outside 0..${o.headcount}`);
    const places = new Set<string>();
    for (const a of snap.assignments.filter((x) => HOLDING.includes(x.state))) {
      const key = `${a.round}/${a.volunteer_id}`;
      if (places.has(key)) fail(`${whoIs.get(a.volunteer_id)} holds two places in round ${a.round}`);
      places.add(key);
    }
    switch (o.status) {
      case 'pending':
      case 'dispatched':
        if (o.accepted_count >= o.headcount) fail(`${o.status} with all ${o.headcount} places taken`);
        if (count('in_service') + count('completed') > 0) fail(`${o.status} with someone serving or done`);
        break;
      case 'accepted':
        if (o.accepted_count !== o.headcount || count('accepted') !== o.headcount) fail('accepted without every place accepted');
        break;
      case 'in_service':
        // the second and later people may not have arrived yet; someone is there. Places taken back by staff while
        // it is under way are open in the task hall until filled (accepted_count < headcount)
        if (count('in_service') === 0) fail('in_service without someone serving');
        break;
      case 'completed':
      case 'closed':
        // those who never arrived are no-shows: the places left are the people who did the work (at least one)
        if (count('accepted') + count('in_service') > 0 || o.accepted_count !== count('completed') || o.accepted_count < 1)
          fail(`${o.status} with places not all done`);
        break;
      case 'cancelled':
        // the places still open are cancelled; someone who had already finished keeps theirs (the work is on record)
        if (count('accepted') + count('in_service') > 0 || o.accepted_count !== count('completed')) fail('cancelled with places still active, or not counted');
        break;
    }
    if ((o.escalation_level === 'county') !== (o.escalate_at === null)) fail(`level ${o.escalation_level} with escalate_at ${o.escalate_at}`);
    if (o.status === 'dispatched' && (o.dispatched_to_user_id === null) === (o.dispatched_to_squad_id === null)) fail('dispatched to nobody (or to two)');

    const events = await call('admin', 'GET', `/orders/${m.id}/events`);
    if (events.statusCode !== 200) fail(`GET events answered ${events.statusCode}`);
    const items = events.json<{ items: OrderEventDto[] }>().items;
    if (items.some((e, i) => e.seq !== i + 1) || items.length !== o.version)
      fail(`events numbered ${items.map((e) => e.seq).join(',')} at version ${o.version}`);
    let replayed: string;
    try {
      replayed = replayOrderEvents(items);
    } catch (err) {
      replayed = `refused: ${(err as Error).message}`;
    }
    if (replayed !== o.status) fail(`the timeline replays to ${replayed}, the order is ${o.status}`);

    // the model agrees
    const held2 = new Map(held.map((a) => [whoIs.get(a.volunteer_id)!, a.state]));
    const agree =
      o.status === m.status &&
      o.accepted_count === m.acceptedCount &&
      o.round === m.round &&
      o.version === m.version &&
      o.escalation_level === m.level &&
      (o.escalate_at === null ? null : Date.parse(o.escalate_at)) === m.escalateAt &&
      Date.parse(o.deadline_at) === m.deadlineAt &&
      o['urgency'] === m.urgency &&
      o.dispatched_to_user_id === (m.dispatchedUser === null ? null : ids[m.dispatchedUser]) &&
      (o.dispatched_to_squad_id !== null) === m.dispatchedSquad &&
      held2.size === m.holders.size &&
      [...m.holders].every(([k, st]) => held2.get(k) === st);
    if (!agree) {
      fail(
        `the model expected ${JSON.stringify({ status: m.status, accepted: m.acceptedCount, round: m.round, version: m.version, level: m.level, escalateAt: m.escalateAt && new Date(m.escalateAt).toISOString(), deadlineAt: new Date(m.deadlineAt).toISOString(), urgency: m.urgency, to: m.dispatchedUser ?? (m.dispatchedSquad ? 'squad' : null), holders: [...m.holders] })}, the server has ${JSON.stringify({ version: o.version, level: o.escalation_level, escalateAt: o.escalate_at, deadlineAt: o.deadline_at, urgency: o['urgency'], toUser: o.dispatched_to_user_id && whoIs.get(o.dispatched_to_user_id), toSquad: o.dispatched_to_squad_id !== null })}`,
      );
    }
    return snap;
  }

  /** Every (person, action, payload) the model expects to succeed now. */
  function successes(m: Model, end: boolean): Command[][] {
    const out: Command[][] = [];
    for (const who of EVERYONE) {
      for (const act of ACTS) {
        // cancelling ends the story, a recall (撤回改派) sets it back and 催一下 leaves it where it is: only now and then,
        // so that sequences go deep
        if (!end && (act === 'cancel' || act === 'recall' || act === 'urge')) continue;
        const variants = (act === 'dispatch' ? TARGETS : (['volunteerA1'] as Target[]))
          .map((target): Command => ({ who, act, target, rating: 5 }))
          .filter((c) => predict(m, c, now).code === 200);
        if (variants.length > 0) out.push(variants);
      }
    }
    return out;
  }

  /** One sequence: the order is created, then every step is predicted, made, and checked. */
  async function runSequence({ origin, headcount, urgency, steps }: Sequence): Promise<void> {
    const trace: string[] = [`${origin.requester} orders for ${origin.resident}: headcount ${headcount}, ${urgency}`];
    // a resident has one open order per service (issue 20): the sequences before this one are done with
    await database.db.query(`UPDATE service_order SET status = 'cancelled' WHERE status IN ('pending', 'dispatched', 'accepted', 'in_service')`);
    const created = await call(origin.requester, 'POST', '/orders', {
      categoryCode: CATEGORY,
      description: '帮忙取降压药',
      urgency,
      headcount,
      ...(origin.requester === origin.resident ? {} : { residentId: ids[origin.resident] }),
    });
    expect(created.statusCode).toBe(201);
    const dto = created.json<OrderDto>();
    const m: Model = {
      id: dto.id,
      resident: origin.resident,
      requester: origin.requester,
      region: PEOPLE[origin.resident].region!,
      headcount,
      urgency,
      status: 'pending',
      level: 'grid',
      escalateAt: now + ACCEPT_MINUTES[urgency] * 60_000,
      acceptedCount: 0,
      round: 1,
      dispatchedUser: null,
      dispatchedSquad: false,
      holders: new Map(),
      everOn: new Set(),
      version: 1,
      responsible: RESPONSIBLE[origin.resident]!,
      deadlineAt: now + ACCEPT_MINUTES[urgency] * 60_000,
      lastUrgedAt: null,
    };
    expect(dto.responsible?.id).toBe(ids[m.responsible]);
    let before = await invariants(m, trace);

    for (const step of steps) {
      figures.steps += 1;
      if (step.kind === 'escalate') {
        now += step.minutes * 60_000;
        await sweepEscalations(database.db, new Date(now));
        const due = (m.status === 'pending' || m.status === 'dispatched') && m.escalateAt !== null && m.escalateAt <= now;
        trace.push(`+${step.minutes} min, sweep${due ? `: ${m.level} → ${NEXT_LEVEL[m.level]}` : ''}`);
        if (due) {
          figures.escalations += 1;
          m.level = NEXT_LEVEL[m.level];
          figures.levels.add(m.level);
          m.escalateAt = m.level === 'county' ? null : now + ACCEPT_MINUTES[m.urgency] * 60_000;
          m.version += 1;
        }
        const after = await invariants(m, trace);
        if (due) {
          const events = (await call('admin', 'GET', `/orders/${m.id}/events`)).json<{ items: OrderEventDto[] }>().items;
          expect(events[events.length - 1]).toMatchObject({ type: 'escalate', actorId: null, fromStatus: m.status, toStatus: m.status });
        } else {
          expect(after).toEqual(before);
        }
        before = after;
        continue;
      }

      let c: Command;
      if (step.kind === 'guided') {
        const options = successes(m, step.end);
        const variants =
          options.length > 0
            ? options[step.pick % options.length]!
            : [{ who: EVERYONE[step.pick % EVERYONE.length]!, act: ACTS[step.pick2 % ACTS.length]!, target: 'squad' as Target, rating: undefined }];
        c = variants[step.pick2 % variants.length]!;
      } else {
        c = { who: step.who, act: step.act, target: step.target, rating: step.rating };
      }

      const expected = predict(m, c, now);
      // the buttons the person is shown before pressing one
      const seen = await call(c.who, 'GET', `/orders/${m.id}`);
      const { route, body } = request(c, c.target === 'squad' ? squadId : ids[c.target]);
      const res = await call(c.who, 'POST', `/orders/${m.id}/${route}`, body);
      const message = res.statusCode === 200 ? '' : res.json<{ message: string }>().message;
      trace.push(
        `${c.who} ${c.act}${c.act === 'dispatch' ? ` → ${c.target}` : ''}: ${res.statusCode}${message ? ` ${message}` : ''} (model: ${expected.code}${expected.code === 200 ? ` → ${expected.to}` : ''})`,
      );
      figures.codes.set(res.statusCode, (figures.codes.get(res.statusCode) ?? 0) + 1);
      const explain = `\n  steps:\n    ${trace.join('\n    ')}`;

      // never a 500; a 400 only for a dispatch to someone outside the dispatcher's jurisdiction, a 429 only for an
      // urge too soon after the last (as predicted)
      if (![200, 403, 404, 409].includes(res.statusCode) && !(res.statusCode === expected.code && (res.statusCode === 400 || res.statusCode === 429)))
        throw new Error(`answered ${res.statusCode}${explain}`);
      if (res.statusCode !== expected.code)
        throw new Error(`expected ${expected.code}${expected.code === 200 ? '' : ` ${expected.message}`}, got ${res.statusCode}${explain}`);
      if (expected.code !== 200 && expected.message !== null && message !== expected.message)
        throw new Error(`expected the message ${expected.message}, got ${message}${explain}`);

      // the buttons are a promise: 404 when it cannot be seen; shown ⇔ it works (a dispatch may still
      // fail on the chosen person: outside the jurisdiction, or already holding a place)
      if ((seen.statusCode === 404) !== (res.statusCode === 404)) throw new Error(`GET answered ${seen.statusCode}, the action ${res.statusCode}${explain}`);
      if (seen.statusCode === 200) {
        const shown = seen.json<OrderDto>().actions.includes(BUTTON[c.act]);
        const targetRefusal = c.act === 'dispatch' && (res.statusCode === 400 || (res.statusCode === 409 && message.endsWith('已接下这个需求。')));
        // 催一下 is shown while the order is open; pressing it again too soon is answered how long to wait
        const tooSoon = c.act === 'urge' && res.statusCode === 429;
        if (shown !== (res.statusCode === 200) && !(shown && (targetRefusal || tooSoon))) {
          throw new Error(`the button ${BUTTON[c.act]} was ${shown ? 'shown' : 'hidden'} but pressing it answered ${res.statusCode}${explain}`);
        }
      }

      if (expected.code === 200) {
        figures.successes += 1;
        figures.done.set(c.act, (figures.done.get(c.act) ?? 0) + 1);
        if (c.act === 'complete' && expected.to === 'completed') figures.noShows += [...m.holders.values()].filter((st) => st === 'accepted').length;
        const from = m.status;
        expected.apply(m, now);
        m.status = expected.to;
        m.version += 1;
        figures.statuses.add(m.status);
        const after = await invariants(m, trace);
        // the answer is the order as it now is
        expect(res.json<OrderDto>()).toMatchObject({ id: m.id, status: m.status, acceptedCount: m.acceptedCount });
        const events = (await call('admin', 'GET', `/orders/${m.id}/events`)).json<{ items: OrderEventDto[] }>().items;
        expect(events[events.length - 1]).toMatchObject({ seq: m.version, type: BUTTON[c.act], actorId: ids[c.who], fromStatus: from, toStatus: m.status });
        before = after;
      } else {
        figures.refusals += 1;
        // a refusal writes nothing: no event, no change to the order or its places
        const after = await invariants(m, trace);
        if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`a refused action changed the order${explain}`);
      }
    }
  }

  it.each(REGRESSIONS.map((r) => [r.title, r.sequence] as const))('replays a found failure: %s', async (_title, sequence) => {
    await runSequence(sequence);
  });

  it.each(PATHS.map((r) => [r.title, r.sequence] as const))('replays a rare path: %s', async (_title, sequence) => {
    await runSequence(sequence);
  });

  it(`keeps every invariant over ${NUM_RUNS} random sequences of up to 25 steps`, async () => {
    const started = Date.now();
    figures = newFigures();
    await fc.assert(
      // each shrinking attempt replays a whole sequence against the database: at most 150 of them (about a minute)
      fc.asyncProperty(fc.limitShrink(sequenceArb, 150), runSequence),
      {
        numRuns: NUM_RUNS,
        // ORDER_PROPERTY_SEED (and ORDER_PROPERTY_PATH) replay a run fast-check reported
        ...(process.env.ORDER_PROPERTY_SEED ? { seed: Number(process.env.ORDER_PROPERTY_SEED), path: process.env.ORDER_PROPERTY_PATH } : {}),
        // ORDER_PROPERTY_SHRINK=0 reports the first failure as found
        endOnFailure: process.env.ORDER_PROPERTY_SHRINK === '0',
      },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `order property: ${NUM_RUNS} sequences, ${figures.steps} steps (${figures.successes} succeeded, ${figures.refusals} refused, ${figures.escalations} escalations) in ${seconds} s\n` +
        `  statuses reached: ${[...figures.statuses].sort().join(', ')}; levels reached: ${[...figures.levels].join(', ')}; no-shows: ${figures.noShows}\n` +
        `  successful actions: ${JSON.stringify(Object.fromEntries(figures.done))}\n  answers: ${JSON.stringify(Object.fromEntries(figures.codes))}`,
    );
    expect(figures.successes).toBeGreaterThan(0);
  }, 300_000);
});
