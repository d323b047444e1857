import { DEFAULT_MATCH_WEIGHTS, DEFAULT_MAX_ACTIVE_TASKS, scoreCandidate } from '../shared/src';
import type { SimOrder, SimState, VolunteerState } from './types';
import { LEVELS, insideArea, isAvailableAt, type Volunteer } from './world';

/**
 * The dispatch policies compared. A policy says whom the system asks and when; how people answer is the behaviour
 * model's (behaviour.ts), the same for all. Every policy keeps the server's hard rules: available now (on duty and in
 * a roster slot), fewer than MATCH_MAX_ACTIVE_TASKS tasks in hand, has not refused the order, and the skill — for
 * every service under today's rules, for qualified services only under issue 20's.
 */

/** One step of the offers' widening: from `after` minutes, up to `k` people within `radiusKm` hold the offer. */
export interface OfferStep {
  after: number;
  k: number;
  radiusKm: number;
}

export interface Policy {
  name: string;
  /** Null: sequential — one person at a time, the next after a refusal or AUTO_DISPATCH_ACCEPT_MINUTES of silence. */
  offers: OfferStep[] | null;
  /** General services may be taken by any volunteer (false: the exact skill for every service, as today). */
  general: boolean;
  /** A responsible person (兜底) is alarmed when nobody accepted in time, and takes or dispatches the order. */
  responsible: boolean;
  /** Minutes without an accept before the responsible person is alarmed. */
  alarmAfter: { normal: number; urgent: number };
  /** An accepted order with no check-in by the agreed time is reminded, then returned to the pool. */
  noShowHandling: boolean;
  /** The cap refuses an accept from the task hall too (today it only limits suggestions and dispatches). */
  capOnAccept: boolean;
  /**
   * Score points lost per task taken this week, on top of the engine's score (which only counts today's): spreads
   * the week's work over the people who are on duty less often. 0: the engine's score as it is.
   */
  perWeekTask: number;
  /**
   * Distance weighed as travel time: the engine's perKm (8 points, set for the county's 12 km/h) scaled to the
   * scenario's speed, as a deployment would set MATCH_WEIGHTS.perKm for its roads (docs/orders-and-dispatch.md).
   */
  perKmBySpeed: boolean;
}

/**
 * Offers widen: three people near the door at once, then farther while nobody accepts; k grows slowly (3 → 8) while
 * the radius grows fast (2 → 150 km), so the fairness of the ranking decides who is asked (with k jumping to 20, the
 * first of many to look won and the week's work followed duty hours: Gini 0.62 in the pastoral banner, 0.60 now; see
 * docs/simulation.md). After the last step it is repeated every OFFER_REPEAT_MINUTES for people who came on duty.
 * Urgent orders start one step further.
 */
export const OFFER_SCHEDULE: OfferStep[] = [
  { after: 0, k: 3, radiusKm: 2 },
  { after: 2, k: 4, radiusKm: 5 },
  { after: 5, k: 5, radiusKm: 15 },
  { after: 10, k: 6, radiusKm: 40 },
  { after: 20, k: 8, radiusKm: 150 },
];
export const OFFER_REPEAT_MINUTES = 15;

/**
 * Points lost per task this week in the new policies' ranking. Tuned over seeds 1–5: 12 left the county's Gini at
 * 0.52 on a seed; 25 took people farther (street 0.71 km) for no lower Gini; 18 keeps every county and street seed
 * under 0.5. In travel time, 18 points are ~11 minutes on the way per task already taken.
 */
export const FAIRNESS = 18;

/** The speed DEFAULT_MATCH_WEIGHTS.perKm was set for (the county's, km/h). */
export const REFERENCE_SPEED_KMH = 12;

const NEVER = { normal: Infinity, urgent: Infinity };

/** Today's behaviour (the baseline): one at a time, the exact skill only, escalation up the levels, nobody responsible. */
export const today: Policy = {
  name: 'today (sequential, skill only)',
  offers: null,
  general: false,
  responsible: false,
  alarmAfter: NEVER,
  noShowHandling: false,
  capOnAccept: false,
  perWeekTask: 0,
  perKmBySpeed: false,
};

/** Sequential dispatch kept, with general services, 兜底 and no-show handling: what the rest adds without offers. */
export const sequentialResponsible: Policy = {
  name: 'sequential + general + 兜底',
  offers: null,
  general: true,
  responsible: true,
  alarmAfter: { normal: 10, urgent: 4 },
  noShowHandling: true,
  capOnAccept: true,
  perWeekTask: FAIRNESS,
  perKmBySpeed: true,
};

/** Offers to several, but the exact skill for every service: what general services add. */
export const offersSkillOnly: Policy = {
  name: 'offers + 兜底, skill only',
  offers: OFFER_SCHEDULE,
  general: false,
  responsible: true,
  alarmAfter: { normal: 10, urgent: 4 },
  noShowHandling: true,
  capOnAccept: true,
  perWeekTask: FAIRNESS,
  perKmBySpeed: true,
};

/** Offers to several with general services, nobody responsible: what 兜底 adds. */
export const offersNoResponsible: Policy = {
  name: 'offers + general, no 兜底',
  offers: OFFER_SCHEDULE,
  general: true,
  responsible: false,
  alarmAfter: NEVER,
  noShowHandling: true,
  capOnAccept: true,
  perWeekTask: FAIRNESS,
  perKmBySpeed: true,
};

/** Issue 20's default: offers to several + general/qualified + 兜底 + no-show handling + the cap on every accept. */
export const issue20: Policy = {
  name: 'new default (offers + general + 兜底)',
  offers: OFFER_SCHEDULE,
  general: true,
  responsible: true,
  alarmAfter: { normal: 10, urgent: 4 },
  noShowHandling: true,
  capOnAccept: true,
  perWeekTask: FAIRNESS,
  perKmBySpeed: true,
};

export const POLICIES: Policy[] = [today, sequentialResponsible, offersSkillOnly, offersNoResponsible, issue20];
export const BASELINE = today;
export const DEFAULT_POLICY = issue20;

/** Whether a volunteer may take an order's service under a policy. */
export function mayServe(policy: Policy, order: SimOrder, v: Volunteer): boolean {
  return (policy.general && !order.category.qualified) || v.skills.has(order.category.code);
}

/** Tasks in hand, with a sequential dispatch awaiting their answer (so dispatches never pile up on one person). */
export function load(s: VolunteerState): number {
  return s.active + s.pending;
}

/** Who may be asked now, by the hard rules (ascending id): the area is the escalation level's, or a radius in km. */
export function eligible(state: SimState, policy: Policy, order: SimOrder, now: number, radiusKm: number | null): Volunteer[] {
  const pool = policy.general && !order.category.qualified ? state.world.volunteers : (state.world.bySkill.get(order.category.code) ?? []);
  const level = LEVELS[order.level]!;
  return pool.filter(
    (v) =>
      isAvailableAt(v, now) &&
      load(state.volunteers[v.id]!) < DEFAULT_MAX_ACTIVE_TASKS &&
      !order.refusedBy.has(v.id) &&
      !order.offeredTo.has(v.id) &&
      (radiusKm === null ? insideArea(state.world, v.grid, order.grid, level) : state.distance(v, order) <= radiusKm * 1000),
  );
}

/** The engine's score of a volunteer for an order: shared scoreCandidate with the default weights. */
export function engineScore(state: SimState, order: SimOrder, v: Volunteer, policy?: Policy): number {
  const s: VolunteerState = state.volunteers[v.id]!;
  const code = order.category.code;
  const accepted = s.acceptedByCategory.get(code) ?? 0;
  const rejected = s.rejectedByCategory.get(code) ?? 0;
  const ratings = s.ratingsByCategory.get(code);
  return scoreCandidate(
    {
      distanceMeters: state.distance(v, order),
      sameGrid: v.grid === order.grid,
      pairedCadre: order.resident.pairedCadre === v.id,
      activeTasks: load(s),
      todayTasks: state.todayTasks(v.id),
      rating: ratings && ratings.count > 0 ? ratings.sum / ratings.count : null,
      ratingCount: ratings?.count ?? 0,
      acceptanceRate: accepted + rejected === 0 ? null : accepted / (accepted + rejected),
      answers: accepted + rejected,
      partyMember: v.partyMember,
      ledgerHousehold: order.resident.ledger,
    },
    policy?.perKmBySpeed
      ? { ...DEFAULT_MATCH_WEIGHTS, perKm: (DEFAULT_MATCH_WEIGHTS.perKm * REFERENCE_SPEED_KMH) / state.world.scenario.speedKmh }
      : DEFAULT_MATCH_WEIGHTS,
  ).score;
}

/** The best `n` by the engine's score (ties: lower id), best first. */
export function best(state: SimState, policy: Policy, order: SimOrder, candidates: Volunteer[], n: number): Volunteer[] {
  const week = (v: Volunteer) => state.volunteers[v.id]!.tasksByDay.reduce((s, x) => s + x, 0);
  return candidates
    .map((v) => ({ v, score: engineScore(state, order, v, policy) - policy.perWeekTask * week(v) }))
    .sort((a, b) => b.score - a.score || a.v.id - b.v.id)
    .slice(0, n)
    .map((x) => x.v);
}
