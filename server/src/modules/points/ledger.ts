import { MAX_CREDITED_MINUTES, orderPoints, type PointsKind } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { addToMonth, changeBalance, creditsOf, entryExists, insertEntry, lockBalance, ruleFor, type NewEntry } from './points.repo';

/**
 * The points ledger (积分台账): the only writer of credits and their reversals. Every function runs in the caller's
 * transaction (`m`), so points move with the change that earns them — an order's confirmation, a project's
 * attendance — or not at all. Rows are never changed: a reversal is a new row.
 *
 * Idempotent: a row's key is (kind, source, person, round). A confirmation retried or replayed credits nothing the
 * second time, a reversal reverses once; an order reopened and confirmed again is its next round, credited anew.
 */

/** What one credit or reversal did. */
export interface Applied {
  userId: string;
  /** False: this key was already in the ledger (a replay); nothing changed. */
  applied: boolean;
  amount: number;
  balanceAfter: number;
  shortfall: number;
}

interface Entry extends Omit<NewEntry, 'shortfall'> {
  /** How the points earned (the 爱心榜) move, and in which month: credits add, reversals take back from the credit's month. */
  earned: number;
  earnedMonthOf: Date;
}

/**
 * Appends one row under the person's balance lock. A negative amount larger than the balance (a reversal of
 * points already spent) takes the balance to zero and records the rest as `shortfall` — see docs/points.md.
 */
async function append(m: Pick<EntityManager, 'query'>, e: Entry): Promise<Applied> {
  const balance = await lockBalance(m, e.userId);
  if (await entryExists(m, e)) return { userId: e.userId, applied: false, amount: 0, balanceAfter: balance, shortfall: 0 };
  const amount = e.amount < 0 ? -Math.min(-e.amount, balance) : e.amount;
  const shortfall = amount - e.amount;
  const after = await changeBalance(m, e.userId, amount, e.earned, e.minutes, e.at);
  // under the row lock the balance cannot have moved: the floor above already kept it >= 0
  if (after === undefined) throw new Error('points balance moved under its lock');
  await insertEntry(m, { ...e, amount, shortfall }, after);
  if (e.earned !== 0 || e.minutes !== 0) await addToMonth(m, e.userId, e.earnedMonthOf, e.earned, e.minutes);
  return { userId: e.userId, applied: true, amount, balanceAfter: after, shortfall };
}

/** The kinds that credit earned points, each with the kind that reverses it. */
export type CreditKind = 'order' | 'project';
const REVERSAL: Record<CreditKind, PointsKind> = { order: 'order_reversal', project: 'project_reversal' };

export interface CreditInput {
  userId: string;
  /** Points to credit (> 0; 0 writes nothing). */
  amount: number;
  kind: CreditKind;
  /** The order's or the project claim's id. */
  sourceId: string;
  /** Where the points were earned (the order's grid, the project's community); null: unknown. */
  regionId: string | null;
  /** What it was for, as the person reads it in their history (the service's or project's name). */
  note: string | null;
  /** When (the injected Clock's now). */
  at: Date;
  /** Service minutes it counts for (the 爱心榜's hours; a project's hours); default 0. */
  minutes?: number;
  /** An order's round (reopened and confirmed again: the next round); default 0. */
  round?: number;
}

/**
 * Credits points in the caller's transaction: once per (kind, sourceId, userId, round) — called again with the
 * same key it changes nothing and answers `applied: false`. The projects module calls it from its attendance
 * confirmation (`kind: 'project'`, `sourceId`: the claim).
 */
export async function creditPoints(m: Pick<EntityManager, 'query'>, c: CreditInput): Promise<Applied> {
  if (!Number.isInteger(c.amount) || c.amount < 0) throw new Error('creditPoints: amount must be a whole number >= 0');
  const round = c.round ?? 0;
  const minutes = c.minutes ?? 0;
  // a rule of 0 points writes nothing: the ledger records points, and the hours are the orders' own record
  if (c.amount === 0) return { userId: c.userId, applied: false, amount: 0, balanceAfter: 0, shortfall: 0 };
  return append(m, {
    userId: c.userId,
    kind: c.kind,
    sourceId: c.sourceId,
    round,
    amount: c.amount,
    minutes,
    regionId: c.regionId,
    note: c.note,
    at: c.at,
    earned: c.amount,
    earnedMonthOf: c.at,
  });
}

/**
 * Reverses exactly what a source's round credited, to each person it credited: once (a second call finds the
 * reversal's key taken). Points already spent are not clawed below zero: the balance stops at zero and the row
 * records the shortfall. Points earned (the 爱心榜) go down by the whole credit, in the month it was credited.
 */
export async function reverseCredits(
  m: Pick<EntityManager, 'query'>,
  r: { kind: CreditKind; sourceId: string; round?: number; at: Date; note?: string },
): Promise<Applied[]> {
  const round = r.round ?? 0;
  const credits = await creditsOf(m, r.kind, r.sourceId, round);
  const done: Applied[] = [];
  // in the order of the people's ids (creditsOf sorts them): two reversals never wait on each other in a circle
  for (const c of credits) {
    done.push(
      await append(m, {
        userId: c.user_id,
        kind: REVERSAL[r.kind],
        sourceId: r.sourceId,
        round,
        amount: -c.amount,
        minutes: -c.minutes,
        regionId: c.region_id,
        note: r.note ?? c.note,
        at: r.at,
        earned: -c.amount,
        earnedMonthOf: c.created_at,
      }),
    );
  }
  return done;
}

/** A confirmed order, as orders/transitions.ts hands it over (the order's row is locked by the caller). */
export interface ConfirmedOrder {
  orderId: string;
  round: number;
  categoryCode: string;
  categoryName: string;
  regionId: string;
  rating: number | null;
  at: Date;
  /** The people who served this round to the end (completed), with their minutes (check-in → complete). */
  served: ReadonlyArray<{ userId: string; minutes: number | null }>;
}

/**
 * 确认: credits each person who served the round by the service's rule (or the default): the base, per hour of
 * their own service, the bonus for a good rating. Called by orders/transitions.ts's confirm in its transaction.
 */
export async function creditConfirmedOrder(m: Pick<EntityManager, 'query'>, o: ConfirmedOrder): Promise<Applied[]> {
  const rule = await ruleFor(m, o.categoryCode);
  if (!rule) return [];
  const values = { base: rule.base, perHour: rule.per_hour, goodRatingBonus: rule.good_rating_bonus, goodRatingMin: rule.good_rating_min };
  const people = [...o.served].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const done: Applied[] = [];
  for (const p of people) {
    // the hours counted are those the points count (at most MAX_CREDITED_MINUTES)
    const minutes = Math.min(p.minutes ?? 0, MAX_CREDITED_MINUTES);
    done.push(
      await creditPoints(m, {
        userId: p.userId,
        amount: orderPoints(values, minutes, o.rating),
        kind: 'order',
        sourceId: o.orderId,
        round: o.round,
        regionId: o.regionId,
        note: o.categoryName,
        at: o.at,
        minutes,
      }),
    );
  }
  return done;
}

/** 问题未解决 after confirmation: what the closed round credited is taken back (see `reverseCredits`). */
export async function reverseReopenedOrder(m: Pick<EntityManager, 'query'>, o: { orderId: string; round: number; at: Date }): Promise<Applied[]> {
  return reverseCredits(m, { kind: 'order', sourceId: o.orderId, round: o.round, at: o.at });
}
