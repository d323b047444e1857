import { offersToSeveral, type MatchWeights, type OfferWave } from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { findCandidates } from '../matching/candidates';
import { commit, loadOrder, setAutoDispatchAt } from '../orders/order.repo';
import type { OrderRow } from '../orders/order-row';
import { takeDueForAutoDispatch } from './dispatching.repo';
import { offerNextWave, recalledSince } from './offers';

/**
 * Auto-dispatch (自动派单). Under `auto` and `pool` the order is offered to several people at once, in waves
 * (offers.ts). Under `sequential` — this file — the system dispatches it to the best candidate of the matching
 * engine, one at a time, with the same row lock, state machine and events as a person dispatching (the events'
 * actor is null: the system).
 *
 * An order under auto-dispatch carries `auto_dispatch_at`, the moment the system should next act on it: at once
 * for a new `auto` or `sequential` order or one that was rejected, released or reopened; after the task-hall
 * window for `pool`; the next wave's time while offered;
 * `acceptMinutes` after a dispatch (if the assignee has not accepted by then, the order goes to the next candidate,
 * and their silence counts as a refusal on the timeline, so they are not chosen again). No candidate now: it waits
 * in the task hall and is tried again `acceptMinutes` later (escalation may bring new people).
 */

export interface AutoDispatchOptions {
  weights: MatchWeights;
  maxActiveTasks: number;
  acceptMinutes: number;
  /** Offers to several (auto, pool): the waves (OFFER_WAVES). */
  waves: readonly OfferWave[];
  now: Date;
  /** Collects the orders that were due and for which nobody could be found (their staff are alarmed). */
  unmatched?: string[];
}

const MINUTE = 60_000;

/** The options from the app's configuration, at `now`. */
export function autoDispatchOptions(
  app: { config: { matchWeights: MatchWeights; maxActiveTasks: number; autoDispatchAcceptMinutes: number; offerWaves: readonly OfferWave[] } },
  now: Date,
): AutoDispatchOptions {
  const c = app.config;
  return { weights: c.matchWeights, maxActiveTasks: c.maxActiveTasks, acceptMinutes: c.autoDispatchAcceptMinutes, waves: c.offerWaves, now };
}

/**
 * Acts on one order whose row the caller's transaction has locked, if it is due: the next wave of offers (auto,
 * pool) or the next single dispatch (sequential). Answers whether it dispatched or offered.
 */
export async function autoDispatchLocked(m: EntityManager, o: OrderRow, opts: AutoDispatchOptions): Promise<boolean> {
  if (o.auto_dispatch_at === null || o.auto_dispatch_at > opts.now) return false;
  return offersToSeveral(o.dispatch_mode) ? offerNextWave(m, o, opts) : dispatchNextLocked(m, o, opts);
}

/** Sequential (逐个派单): the due order goes to the best candidate, the previous assignee's silence a refusal. */
async function dispatchNextLocked(m: EntityManager, order: OrderRow, opts: AutoDispatchOptions): Promise<boolean> {
  let o = order;
  if (o.status !== 'pending' && o.status !== 'dispatched') {
    await setAutoDispatchAt(m, o.id, null);
    return false;
  }
  if (o.status === 'dispatched') {
    // the assignee's time to accept is up: back to waiting, their silence on the timeline as a refusal
    await commit(
      m,
      o,
      { status: 'pending', dispatched_to_user_id: null, dispatched_to_squad_id: null },
      {
        type: 'reject',
        actorId: null,
        at: opts.now,
        to: 'pending',
        reason: '超时未接单，自动改派',
        data: { userId: o.dispatched_to_user_id, squadId: o.dispatched_to_squad_id, timeout: true },
      },
    );
    o = (await loadOrder(m, o.id))!;
  }
  const next = new Date(opts.now.getTime() + opts.acceptMinutes * MINUTE);
  const [best] = await findCandidates(m, o, {
    weights: opts.weights,
    maxActiveTasks: opts.maxActiveTasks,
    now: opts.now,
    limit: 1,
    exclude: await recalledSince(m, o),
  });
  if (!best) {
    opts.unmatched?.push(o.id);
    await setAutoDispatchAt(m, o.id, next);
    return false;
  }
  await commit(
    m,
    o,
    {
      status: 'dispatched',
      dispatched_to_user_id: best.kind === 'volunteer' ? best.id : null,
      dispatched_to_squad_id: best.kind === 'squad' ? best.id : null,
      auto_dispatch_at: next,
    },
    {
      type: 'dispatch',
      actorId: null,
      at: opts.now,
      to: 'dispatched',
      reason: '自动派单',
      data: {
        auto: true,
        ...(best.kind === 'volunteer' ? { assigneeId: best.id, assigneeName: best.name } : { squadId: best.id, squadName: best.name }),
        score: best.score,
        reasons: best.reasons.map((r) => r.text),
      },
    },
  );
  return true;
}

/** Locks the order in the caller's transaction and acts on it if it is due (after creating, rejecting, releasing…). */
export async function autoDispatchIfDue(m: EntityManager, id: string, opts: AutoDispatchOptions): Promise<boolean> {
  const o = await loadOrder(m, id, true);
  return o ? autoDispatchLocked(m, o, opts) : false;
}

/**
 * The sweep: every due order, a few per transaction, taken FOR UPDATE SKIP LOCKED so that two API processes never
 * dispatch one order twice (a row another sweeper or a request holds is skipped; one just changed no longer matches).
 */
export async function autoDispatchDue(db: DataSource, opts: AutoDispatchOptions, batch = 20): Promise<number> {
  let dispatched = 0;
  for (;;) {
    const { taken, done } = await db.transaction(async (m) => {
      const due = await takeDueForAutoDispatch(m, opts.now, batch);
      let n = 0;
      for (const id of due) {
        const o = await loadOrder(m, id);
        if (o && (await autoDispatchLocked(m, o, opts))) n += 1;
      }
      return { taken: due.length, done: n };
    });
    dispatched += done;
    if (taken < batch) return dispatched;
  }
}
