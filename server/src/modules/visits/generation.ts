import { DEFAULT_VISIT_FREQUENCIES, LEDGER_TAGS, VISIT_FREQUENCIES, visitPeriodOf, type VisitFrequency } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { generateBatch, type PeriodParam } from './visits.repo';

/**
 * 走访任务的生成: for every ledger household, one visit in the current period of its frequency (ISO week, calendar
 * month or quarter, Beijing calendar), due at the period's end. Set-based — one INSERT … SELECT per batch of
 * households, walked in id order — so a region's hundreds of thousands of households are a few hundred statements,
 * not a loop of inserts; each batch commits alone (a crash half-way leaves the rest for the next run). Exactly once
 * per household and period with any number of processes: UNIQUE (household_id, period) and ON CONFLICT DO NOTHING.
 * The instant is the caller's (the injected Clock), never the database's now().
 */

export interface Generated {
  /** Ledger households read. */
  households: number;
  /** Visits made now (0 when this period's were all made already). */
  created: number;
}

/** Frequencies by rank (1: the most frequent), the order the statement compares them in. */
export const FREQUENCY_RANK: Record<VisitFrequency, number> = {
  weekly: VISIT_FREQUENCIES.indexOf('weekly') + 1,
  monthly: VISIT_FREQUENCIES.indexOf('monthly') + 1,
  quarterly: VISIT_FREQUENCIES.indexOf('quarterly') + 1,
};

export const GENERATION_BATCH = 5000;

/** `db`: the pool (each batch its own statement and commit) or a transaction's manager (the demo seed). */
export async function generateVisits(db: Pick<EntityManager, 'query'>, now: Date, batch = GENERATION_BATCH): Promise<Generated> {
  const periods: PeriodParam[] = VISIT_FREQUENCIES.map((f) => {
    const p = visitPeriodOf(f, now);
    return { rank: FREQUENCY_RANK[f], frequency: f, key: p.key, dueAt: p.end };
  });
  const defaults = LEDGER_TAGS.map((tag) => ({ tag, rank: FREQUENCY_RANK[DEFAULT_VISIT_FREQUENCIES[tag]] }));
  let after: string | null = null;
  const total: Generated = { households: 0, created: 0 };
  for (;;) {
    const r = await generateBatch(db, { after, batch, at: now, periods, defaults });
    total.households += r.scanned;
    total.created += r.created;
    if (r.scanned < batch || r.last === null) return total;
    after = r.last;
  }
}
