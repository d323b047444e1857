import fc from 'fast-check';
import {
  DEFAULT_MATCH_WEIGHTS,
  DEFAULT_OFFER_WAVES,
  offerWave,
  offersToSeveral,
  scoreCandidate,
  scoreCeiling,
  skillFits,
  type CandidateSignals,
  type MatchWeights,
} from '@bangbang/shared';
import { startOfServiceDay } from '../../server/src/modules/matching/candidates';

/** A neutral candidate: nothing for or against them but a distance. */
const base: CandidateSignals = {
  distanceMeters: 0,
  sameGrid: false,
  pairedCadre: false,
  activeTasks: 0,
  todayTasks: 0,
  rating: null,
  ratingCount: 0,
  acceptanceRate: null,
  answers: 0,
  partyMember: false,
  ledgerHousehold: false,
};
const score = (s: Partial<CandidateSignals>, w = DEFAULT_MATCH_WEIGHTS) => scoreCandidate({ ...base, ...s }, w);
const texts = (s: Partial<CandidateSignals>) => score(s).reasons.map((r) => r.text);
const W = DEFAULT_MATCH_WEIGHTS;

describe('scoring a candidate (shared/matching.ts)', () => {
  it('starts from 100 and says where the person is and that their hands are free', () => {
    expect(score({})).toEqual({
      score: 100,
      reasons: [
        { code: 'distance', text: '距离 0 米' },
        { code: 'load', text: '手头没有任务' },
      ],
    });
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
    ['tasks this week', { weekTasks: 2 }, -2 * W.perWeekTask, '近 7 天已接 2 单'],
    // two ratings averaging 4.5, drawn towards a newcomer's 4 by two more: 4.25
    ['a good rating', { rating: 4.5, ratingCount: 2 }, 0.25 * W.perRatingStar, '评分 4.5'],
    // four averaging 2: (8 + 8) ÷ 6
    ['a poor rating', { rating: 2, ratingCount: 4 }, (16 / 6 - 4) * W.perRatingStar, '评分 2.0'],
    // half of ten answers: (5 + 4) ÷ 15 = 60 %, against a newcomer's 80 %
    ['acceptance rate', { acceptanceRate: 0.5, answers: 10 }, -0.2 * W.acceptance, '接单率 50%'],
  ] as const)('weighs %s and says so', (_name, signals, points, text) => {
    expect(score(signals).score).toBeCloseTo(100 + points, 5);
    expect(texts(signals)).toContain(text);
  });

  it('holds a newcomer neither up nor back: no record in the category is 0 points and no reason', () => {
    expect(score({ rating: null, ratingCount: 0, acceptanceRate: null, answers: 0 })).toEqual(score({}));
    expect(score({}).score).toBe(100);
  });

  it('lets a record count as it grows: one 5-star order is less than ten, one refusal less than five', () => {
    const oneFive = score({ rating: 5, ratingCount: 1 }).score;
    const tenFives = score({ rating: 5, ratingCount: 10 }).score;
    expect(oneFive).toBeGreaterThan(100);
    expect(tenFives).toBeGreaterThan(oneFive);
    expect(tenFives).toBeLessThan(100 + W.perRatingStar); // never past 5 stars
    const oneNo = score({ acceptanceRate: 0, answers: 1 }).score;
    const fiveNos = score({ acceptanceRate: 0, answers: 5 }).score;
    expect(oneNo).toBeLessThan(100);
    expect(fiveNos).toBeLessThan(oneNo);
    // always accepting is a little better than a newcomer, never more than the weight's 20 %
    expect(score({ acceptanceRate: 1, answers: 20 }).score).toBeGreaterThan(100);
    expect(score({ acceptanceRate: 1, answers: 20 }).score).toBeLessThanOrEqual(100 + 0.2 * W.acceptance);
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
    const farButRated = { distanceMeters: 5000, rating: 5, ratingCount: 1 };
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

describe('the score ceiling the engine walks by (scoreCeiling)', () => {
  const weight = fc.integer({ min: 0, max: 1000 });
  const weights = fc.record<MatchWeights>({
    perKm: weight,
    sameGrid: weight,
    pairedCadre: weight,
    perActiveTask: weight,
    perTodayTask: weight,
    perWeekTask: weight,
    perRatingStar: weight,
    acceptance: weight,
    partyMemberForLedger: weight,
  });

  it('is never below the score of anyone at that distance or farther who is neither of the grid nor the paired cadre', () => {
    fc.assert(
      fc.property(
        weights,
        fc.integer({ min: 0, max: 50_000 }),
        fc.integer({ min: 0, max: 50_000 }),
        fc.record({
          activeTasks: fc.integer({ min: 0, max: 5 }),
          todayTasks: fc.integer({ min: 0, max: 20 }),
          weekTasks: fc.integer({ min: 0, max: 60 }),
          rating: fc.option(fc.double({ min: 1, max: 5, noNaN: true })),
          ratingCount: fc.integer({ min: 0, max: 100_000 }),
          acceptanceRate: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
          answers: fc.integer({ min: 0, max: 100_000 }),
          partyMember: fc.boolean(),
          ledgerHousehold: fc.boolean(),
        }),
        (w, reach, beyond, s) => {
          const { score } = scoreCandidate({ ...s, distanceMeters: reach + beyond, sameGrid: false, pairedCadre: false }, w);
          // the shown score is rounded to 0.1
          expect(score).toBeLessThanOrEqual(scoreCeiling(reach, s.ledgerHousehold, w) + 0.05 + 1e-9);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is approached: a 5-star party member who always accepts, with a long record and nothing in hand, at that distance', () => {
    const { score } = scoreCandidate(
      {
        distanceMeters: 1200,
        sameGrid: false,
        pairedCadre: false,
        activeTasks: 0,
        todayTasks: 0,
        rating: 5,
        ratingCount: 1_000_000,
        acceptanceRate: 1,
        answers: 1_000_000,
        partyMember: true,
        ledgerHousehold: true,
      },
      W,
    );
    expect(score).toBeCloseTo(scoreCeiling(1200, true, W), 1);
  });
});

describe('offers to several and who may take what (issue 20)', () => {
  it('takes the waves in turn and repeats the last', () => {
    // k grows slowly, the radius fast (the simulation's schedule, docs/simulation.md)
    expect([1, 2, 3, 4, 5, 9].map((n) => offerWave(DEFAULT_OFFER_WAVES, n).k)).toEqual([3, 1, 1, 1, 2, 2]);
    expect([1, 2, 3, 4, 5, 9].map((n) => offerWave(DEFAULT_OFFER_WAVES, n).radiusKm)).toEqual([2, 5, 15, 40, null, null]);
    expect(offerWave(DEFAULT_OFFER_WAVES, 1)).toEqual({ k: 3, radiusKm: 2, minutes: 2 });
    expect(['manual', 'auto', 'pool', 'sequential'].map((m) => offersToSeveral(m as never))).toEqual([false, true, true, false]);
  });

  it('a general service fits anyone, a qualified one only the skill', () => {
    expect(skillFits('general', 'errands', [])).toBe(true);
    expect(skillFits('qualified', 'medicine_delivery', ['errands'])).toBe(false);
    expect(skillFits('qualified', 'medicine_delivery', ['medicine_delivery'])).toBe(true);
  });
});
