import { Type } from 'class-transformer';
import { IsIn, IsInt, IsUUID, Max, Min, ValidateIf } from 'class-validator';
import { Optional, choiceWords } from './validation';

/**
 * The matching engine's rules, pure: how a candidate (a volunteer, or a squad) is scored for an order, and why.
 * The server gathers the signals in SQL and applies the hard rules there; the score and its reasons are computed
 * here, the same everywhere (tests, the simulation, the mini-program's explanation of a suggestion).
 */

/**
 * How much each signal counts. One place, documented; a deployment changes them with the MATCH_WEIGHTS environment
 * variable (JSON with any of these keys), e.g. a banner of villages far apart gives distance less weight.
 */
export interface MatchWeights {
  /** Points lost per kilometre from the volunteer (or the squad's place) to the resident's door. */
  perKm: number;
  /** Lives in the resident's own grid (they know the household). */
  sameGrid: number;
  /** Is the resident's paired cadre (包联责任人). */
  pairedCadre: number;
  /** Points lost per task in hand (accepted or in service): spread the work. */
  perActiveTask: number;
  /** Points lost per task taken today. */
  perTodayTask: number;
  /**
   * Points lost per task taken in the last 7 days (today's included): spreads the week's work over the people who are
   * on duty less often, not only the day's (the simulation's `perWeekTask`: docs/simulation.md).
   */
  perWeekTask: number;
  /**
   * Points per star of their rating in this category above a newcomer's (NEWCOMER.rating, 4 stars; below loses). The
   * rating is their average drawn towards 4 by NEWCOMER.ratingWeight imaginary ratings, so one 5-star order is not
   * a record.
   */
  perRatingStar: number;
  /**
   * Points per unit of acceptance rate in this category above a newcomer's (NEWCOMER.acceptance, 80 %; below
   * loses): the rate drawn towards 80 % by NEWCOMER.acceptanceWeight imaginary answers.
   */
  acceptance: number;
  /** A party member for a ledger household (独居、高龄、残疾…): 党员联户. */
  partyMemberForLedger: number;
}

export const DEFAULT_MATCH_WEIGHTS: MatchWeights = {
  perKm: 8,
  sameGrid: 15,
  pairedCadre: 25,
  perActiveTask: 12,
  perTodayTask: 4,
  // tuned by the simulation over seeds 1–5 (sim/policies.ts FAIRNESS): 12 left a county at Gini 0.52, 25 sent people
  // farther for no fairer a week
  perWeekTask: 18,
  perRatingStar: 6,
  acceptance: 15,
  partyMemberForLedger: 10,
};

/**
 * What a volunteer with no record in a category counts as: neither favoured nor held back (0 points), so the first
 * to take a category does not keep getting it, and a record moves the score only as it grows (the simulation showed
 * the first-comer bias: docs/benchmarks.md, Simulation). Rating (Σ + 4 × 2) ÷ (n + 2); acceptance (accepted + 0.8 × 5) ÷ (answers + 5).
 */
export const NEWCOMER = { rating: 4, ratingWeight: 2, acceptance: 0.8, acceptanceWeight: 5 } as const;

/** A volunteer with more tasks in hand than this is not suggested (hard rule); MATCH_MAX_ACTIVE_TASKS changes it. */
export const DEFAULT_MAX_ACTIVE_TASKS = 3;

/** Everything the score is made of, for one candidate and one order. */
export interface CandidateSignals {
  distanceMeters: number | null;
  sameGrid: boolean;
  pairedCadre: boolean;
  /** Accepted or in service, plus dispatches awaiting their answer. */
  activeTasks: number;
  todayTasks: number;
  /** Tasks taken in the last 7 days, today's included (0 when not known). */
  weekTasks?: number;
  /** Average rating of their completed orders of this category; null before the first. */
  rating: number | null;
  /** How many ratings that average is of. */
  ratingCount: number;
  /** Accepted ÷ (accepted + rejected dispatches) in this category; null before the first. */
  acceptanceRate: number | null;
  /** Accepted + rejected dispatches in this category: how many answers that rate is of. */
  answers: number;
  partyMember: boolean;
  /** The resident is on the ledger (重点人员台账). */
  ledgerHousehold: boolean;
}

export interface MatchReason {
  /** Stable, for programs: distance, same_grid, paired_cadre, load, today, week, rating, acceptance, party_member. */
  code: string;
  /** Shown as it is in the mini-program. */
  text: string;
}

function km(meters: number): string {
  return meters < 1000 ? `距离 ${Math.round(meters / 10) * 10} 米` : `距离 ${(meters / 1000).toFixed(1)} 公里`;
}

/** The score (higher is better, 100 a neutral start) and the reasons a dispatcher reads, strongest first. */
export function scoreCandidate(s: CandidateSignals, w: MatchWeights = DEFAULT_MATCH_WEIGHTS): { score: number; reasons: MatchReason[] } {
  const parts: Array<{ points: number; reason: MatchReason }> = [];
  if (s.pairedCadre) parts.push({ points: w.pairedCadre, reason: { code: 'paired_cadre', text: '包联责任人' } });
  if (s.sameGrid) parts.push({ points: w.sameGrid, reason: { code: 'same_grid', text: '同网格' } });
  if (s.distanceMeters !== null) parts.push({ points: -w.perKm * (s.distanceMeters / 1000), reason: { code: 'distance', text: km(s.distanceMeters) } });
  if (s.partyMember && s.ledgerHousehold) parts.push({ points: w.partyMemberForLedger, reason: { code: 'party_member', text: '党员联系重点户' } });
  parts.push({
    points: -w.perActiveTask * s.activeTasks,
    reason: { code: 'load', text: s.activeTasks === 0 ? '手头没有任务' : `手头 ${s.activeTasks} 单` },
  });
  if (s.todayTasks > 0) parts.push({ points: -w.perTodayTask * s.todayTasks, reason: { code: 'today', text: `今日已接 ${s.todayTasks} 单` } });
  const week = s.weekTasks ?? 0;
  if (week > 0) parts.push({ points: -w.perWeekTask * week, reason: { code: 'week', text: `近 7 天已接 ${week} 单` } });
  if (s.rating !== null && s.ratingCount > 0) {
    const drawn = (s.rating * s.ratingCount + NEWCOMER.rating * NEWCOMER.ratingWeight) / (s.ratingCount + NEWCOMER.ratingWeight);
    parts.push({ points: w.perRatingStar * (drawn - NEWCOMER.rating), reason: { code: 'rating', text: `评分 ${s.rating.toFixed(1)}` } });
  }
  if (s.acceptanceRate !== null && s.answers > 0) {
    const drawn = (s.acceptanceRate * s.answers + NEWCOMER.acceptance * NEWCOMER.acceptanceWeight) / (s.answers + NEWCOMER.acceptanceWeight);
    parts.push({
      points: w.acceptance * (drawn - NEWCOMER.acceptance),
      reason: { code: 'acceptance', text: `接单率 ${Math.round(s.acceptanceRate * 100)}%` },
    });
  }
  const score = Math.round((100 + parts.reduce((sum, p) => sum + p.points, 0)) * 10) / 10;
  // the reasons that helped most first, then the neutral ones (distance always shows), then what counted against
  const reasons = [...parts].sort((a, b) => b.points - a.points).map((p) => p.reason);
  return { score, reasons };
}

/**
 * The most `scoreCandidate` can give a volunteer who is neither the resident's paired cadre nor of the resident's
 * grid, at `distanceMeters` or farther from the door: every bonus at its best (a 5-star rating, always accepting —
 * approached only as the record grows —, a party member for a ledger household), no load. The engine walks outward from the door nearest first and stops
 * when this ceiling falls below the k-th best score found so far (weights are never negative, see config).
 */
export function scoreCeiling(distanceMeters: number, ledgerHousehold: boolean, w: MatchWeights = DEFAULT_MATCH_WEIGHTS): number {
  const bonus = (ledgerHousehold ? w.partyMemberForLedger : 0) + (5 - NEWCOMER.rating) * w.perRatingStar + (1 - NEWCOMER.acceptance) * w.acceptance;
  return 100 + bonus - w.perKm * (distanceMeters / 1000);
}

/**
 * Auto-dispatch (自动派单), per place, inherited down the tree: `manual` — suggestions only; `auto` — a new order is
 * offered to the k best candidates at once (first to accept wins), k and the radius widening on a schedule until
 * someone accepts; `pool` — offered in the task hall first, then offered as under `auto` if nobody has taken it in
 * time; `sequential` — one candidate at a time, the next on reject or when the assignee has not accepted in time.
 */
export const DISPATCH_MODES = ['manual', 'auto', 'pool', 'sequential'] as const;
export type DispatchMode = (typeof DISPATCH_MODES)[number];
export const DISPATCH_MODE_NAMES: Record<DispatchMode, string> = {
  manual: '人工派单',
  auto: '自动派单（同时请几位）',
  pool: '先抢单后派单',
  sequential: '逐个派单',
};

/**
 * One wave of offers (同时请几位): up to `k` new people (× the places still open) within `radiusKm` of the door
 * (null: anywhere in the order's county), who have `minutes` to answer before the next wave goes out. Earlier waves'
 * offers stay open: each wave widens the circle of people asked.
 */
export interface OfferWave {
  k: number;
  radiusKm: number | null;
  minutes: number;
}

/**
 * The default schedule (OFFER_WAVES changes it), the one the simulation found best (docs/simulation.md): three people
 * near the door for two minutes — most answers of a notified person come within minutes —, then one more within
 * 5 km, one within 15 km, one within 40 km, then two more anywhere in the order's county every fifteen minutes until
 * someone accepts (people coming on duty are asked as they come). k grows slowly while the radius grows fast, so
 * the ranking's fairness decides who is asked: asking many at once, the first of many to look wins and the work follows who is on duty most (less fair, no shorter wait in the simulation). Each wave's k
 * counts the new people it asks; earlier offers stay open. The timed work runs every minute, so a wave after the first
 * goes out up to a minute after its time.
 */
export const DEFAULT_OFFER_WAVES: readonly OfferWave[] = [
  { k: 3, radiusKm: 2, minutes: 2 },
  { k: 1, radiusKm: 5, minutes: 3 },
  { k: 1, radiusKm: 15, minutes: 5 },
  { k: 1, radiusKm: 40, minutes: 10 },
  { k: 2, radiusKm: null, minutes: 15 },
];

/** The n-th wave (1-based) of a schedule: past its end, the last one again. */
export function offerWave(waves: readonly OfferWave[], n: number): OfferWave {
  return waves[Math.min(Math.max(n, 1), waves.length) - 1]!;
}

/** Dispatch modes that offer an order to several at once. */
export function offersToSeveral(mode: DispatchMode): boolean {
  return mode === 'auto' || mode === 'pool';
}

export interface DispatchSettingsDto {
  regionId: string;
  /** This place's own setting; null: as its parent. */
  mode: DispatchMode | null;
  /** What applies here: its own, or the nearest ancestor's, or `manual`. */
  effectiveMode: DispatchMode;
  /** The place whose setting applies (null: nobody set one, `manual`). */
  inheritedFrom: string | null;
}

export class SetDispatchModeDto {
  /** null: follow the parent place. */
  @ValidateIf((_o: object, v: unknown) => v !== null)
  @IsIn(DISPATCH_MODES, { message: `派单方式须为 ${choiceWords([...DISPATCH_MODES.map((x) => DISPATCH_MODE_NAMES[x]), '随上级（空）'])}` })
  mode!: DispatchMode | null;
}

export type CandidateKind = 'volunteer' | 'squad';

export interface CandidateDto {
  kind: CandidateKind;
  id: string;
  name: string;
  score: number;
  distanceMeters: number | null;
  /** Tasks in hand: accepted, in service, or dispatched to them and awaiting their answer (a squad: orders dispatched to it and not done). */
  activeTasks: number;
  reasons: MatchReason[];
}

export interface CandidateListDto {
  items: CandidateDto[];
}

export class CandidatesQuery {
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}

export class BatchDispatchDto {
  /** Every `pending` order of this place (and below) that the caller may dispatch. */
  @IsUUID('all', { message: '地区编号格式不正确' })
  regionId!: string;
}

export interface BatchAssignedDto {
  orderId: string;
  assigneeId: string;
  assigneeName: string;
  score: number;
  reasons: MatchReason[];
}

export interface BatchDispatchResultDto {
  regionId: string;
  /** `exact`: min-cost assignment; `greedy`: the approximation used for very large batches. */
  method: 'exact' | 'greedy';
  /** Orders considered: the place's pending orders the caller may dispatch (before or after they reached the caller's level). */
  orders: number;
  assigned: BatchAssignedDto[];
  /** Orders considered but left waiting, each with why (nobody available now, everyone who could is at capacity…). */
  unassigned: Array<{ orderId: string; reason: string }>;
  /** Orders of the place still waiting for someone that the batch did not consider, each with why (already dispatched…). */
  skipped: Array<{ orderId: string; reason: string }>;
  /** What happened, in one sentence for the dispatcher (also why nothing was dispatched: 「该区域没有待派的需求」). */
  summary: string;
  totalScore: number;
  /** What best-first (one order at a time) would have done with the same candidates, for comparison. */
  greedy: { assigned: number; totalScore: number };
}
