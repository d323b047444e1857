import { DEFAULT_MATCH_WEIGHTS, scoreCandidate, type CandidateSignals } from '@bangbang/shared';
import { startOfServiceDay } from '../../server/src/modules/matching/candidates';

/** A neutral candidate: nothing for or against them but a distance. */
const base: CandidateSignals = {
  distanceMeters: 0,
  sameGrid: false,
  pairedCadre: false,
  activeTasks: 0,
  todayTasks: 0,
  rating: null,
  acceptanceRate: null,
  partyMember: false,
  ledgerHousehold: false,
};
const score = (s: Partial<CandidateSignals>, w = DEFAULT_MATCH_WEIGHTS) => scoreCandidate({ ...base, ...s }, w);
const texts = (s: Partial<CandidateSignals>) => score(s).reasons.map((r) => r.text);
const W = DEFAULT_MATCH_WEIGHTS;

describe('scoring a candidate (shared/matching.ts)', () => {
  it('starts from 100 and says where the person is and that their hands are free', () => {
    expect(score({})).toEqual({ score: 100, reasons: [{ code: 'distance', text: '距离 0 米' }, { code: 'load', text: '手头没有任务' }] });
  });

  it('costs perKm per kilometre, and says the distance in 米 or 公里', () => {
    expect(score({ distanceMeters: 2500 }).score).toBeCloseTo(100 - 2.5 * W.perKm, 5);
    expect(texts({ distanceMeters: 347 })).toContain('距离 350 米');
    expect(texts({ distanceMeters: 1234 })).toContain('距离 1.2 公里');
    // unknown location: no distance reason, no cost
    expect(score({ distanceMeters: null }).reasons.map((r) => r.code)).toEqual(['load']);
  });

  it.each([
    ['sameGrid', { sameGrid: true }, W.sameGrid, '同网格'],
    ['pairedCadre', { pairedCadre: true }, W.pairedCadre, '包联责任人'],
    ['party member for a ledger household', { partyMember: true, ledgerHousehold: true }, W.partyMemberForLedger, '党员联系重点户'],
    ['tasks in hand', { activeTasks: 2 }, -2 * W.perActiveTask, '手头 2 单'],
    ['tasks today', { todayTasks: 1 }, -W.perTodayTask, '今日已接 1 单'],
    ['a good rating', { rating: 4.5 }, 1.5 * W.perRatingStar, '评分 4.5'],
    ['a poor rating', { rating: 2 }, -W.perRatingStar, '评分 2.0'],
    ['acceptance rate', { acceptanceRate: 0.5 }, 0.5 * W.acceptance, '接单率 50%'],
  ] as const)('weighs %s and says so', (_name, signals, points, text) => {
    expect(score(signals).score).toBeCloseTo(100 + points, 5);
    expect(texts(signals)).toContain(text);
  });

  it('gives a party member no extra for a household not on the ledger, nor the household for a non-member', () => {
    expect(score({ partyMember: true }).score).toBe(100);
    expect(score({ ledgerHousehold: true }).score).toBe(100);
  });

  it('lists the reasons that helped most first and what counted against last', () => {
    const { reasons } = score({ pairedCadre: true, sameGrid: true, distanceMeters: 800, activeTasks: 1 });
    expect(reasons.map((r) => r.code)).toEqual(['paired_cadre', 'same_grid', 'distance', 'load']);
  });

  it('follows the deployment’s weights', () => {
    const near = { distanceMeters: 200 };
    const farButRated = { distanceMeters: 5000, rating: 5 };
    expect(score(near).score).toBeGreaterThan(score(farButRated).score);
    const noDistance = { ...W, perKm: 0 };
    expect(score(near, noDistance).score).toBeLessThan(score(farButRated, noDistance).score);
  });

  it('counts "today" from midnight Beijing time', () => {
    // 2026-11-23 01:30 in Beijing is 2026-11-22 17:30 UTC; its day began at 2026-11-22 16:00 UTC
    expect(startOfServiceDay(new Date('2026-11-22T17:30:00Z')).toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(startOfServiceDay(new Date('2026-11-23T15:59:59Z')).toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(startOfServiceDay(new Date('2026-11-23T16:00:00Z')).toISOString()).toBe('2026-11-23T16:00:00.000Z');
  });
});
