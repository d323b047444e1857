import { visitPeriodLabel, visitPeriodOf } from '@bangbang/shared';

/**
 * 走访 periods by the Beijing calendar (UTC+8 all year): ISO weeks (Monday first, week 1 holds the year's first
 * Thursday), calendar months and quarters, each with its first instant and the first instant after it (the due time).
 */

const utc = (iso: string) => new Date(iso);

describe('visitPeriodOf', () => {
  it('turns the week at Monday 00:00 Beijing, which is Sunday 16:00 UTC', () => {
    expect(visitPeriodOf('weekly', utc('2026-12-13T15:59:59.999Z'))).toEqual({
      frequency: 'weekly',
      key: '2026-W50',
      start: utc('2026-12-06T16:00:00.000Z'),
      end: utc('2026-12-13T16:00:00.000Z'),
    });
    expect(visitPeriodOf('weekly', utc('2026-12-13T16:00:00.000Z')).key).toBe('2026-W51');
  });

  it('numbers weeks by ISO 8601 across the turn of the year', () => {
    // 2026 began on a Thursday: 53 weeks; 2027-01-01 (Friday) is still in 2026-W53
    expect(visitPeriodOf('weekly', utc('2027-01-01T04:00:00Z')).key).toBe('2026-W53');
    expect(visitPeriodOf('weekly', utc('2027-01-04T04:00:00Z')).key).toBe('2027-W01');
    // 2026-01-01 (Thursday) is in 2026-W01; 2025-12-29 (Monday) too
    expect(visitPeriodOf('weekly', utc('2025-12-29T04:00:00Z')).key).toBe('2026-W01');
    // 2021-01-03 (Sunday) belongs to 2020-W53
    expect(visitPeriodOf('weekly', utc('2021-01-03T04:00:00Z')).key).toBe('2020-W53');
  });

  it('months and quarters by the Beijing date: 16:00 UTC on the last day is already the next one', () => {
    expect(visitPeriodOf('monthly', utc('2026-12-31T15:59:59Z'))).toMatchObject({ key: '2026-12', end: utc('2026-12-31T16:00:00.000Z') });
    expect(visitPeriodOf('monthly', utc('2026-12-31T16:00:00Z'))).toMatchObject({ key: '2027-01', start: utc('2026-12-31T16:00:00.000Z') });
    expect(visitPeriodOf('monthly', utc('2028-02-15T00:00:00Z'))).toMatchObject({ key: '2028-02', end: utc('2028-02-29T16:00:00.000Z') });
    expect(visitPeriodOf('quarterly', utc('2027-03-31T15:59:59Z'))).toMatchObject({ key: '2027-Q1', end: utc('2027-03-31T16:00:00.000Z') });
    expect(visitPeriodOf('quarterly', utc('2027-03-31T16:00:00Z'))).toMatchObject({ key: '2027-Q2', start: utc('2027-03-31T16:00:00.000Z') });
    expect(visitPeriodOf('quarterly', utc('2026-11-01T00:00:00Z'))).toMatchObject({ key: '2026-Q4', start: utc('2026-09-30T16:00:00.000Z') });
  });
});

describe('visitPeriodLabel', () => {
  it('names periods in Chinese', () => {
    expect(visitPeriodLabel('2026-W05')).toBe('2026年第5周');
    expect(visitPeriodLabel('2026-12')).toBe('2026年12月');
    expect(visitPeriodLabel('2027-Q2')).toBe('2027年第二季度');
  });
});
