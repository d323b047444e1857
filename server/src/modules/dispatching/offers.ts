import { offerWave, type MatchWeights, type OfferWave } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { findCandidates } from '../matching/candidates';
import { commit, insertOffers, offeredInRound, setAutoDispatchAt, setOfferWave } from '../orders/order.repo';
import type { OrderRow } from '../orders/order-row';
import { countyAbove, recalledFrom } from './dispatching.repo';

/**
 * Offers to several at once (同时请几位，先接先得), the `auto` and `pool` dispatch modes. A waiting order is offered to
 * the k best available volunteers (the matching engine's candidates; squads stay in the dispatchers' suggestions),
 * each told `task.offered` by the notification fan-out of the wave's `offer` event. The first to accept wins: accept
 * is the ordinary transition under the order's row lock, which ends the others' offers in the same transaction
 * (orders/transitions.ts). Nobody accepts before the wave's time is up: the next wave asks k' new people within a
 * wider radius (OFFER_WAVES; the last wave repeats with new people). Earlier offers stay open, so the circle of
 * people asked only grows. With headcount N every wave asks N·k people (the places still open × k) and the first N
 * accepts win.
 *
 * The waves reach by distance across the county, not only inside the area the order has escalated to (三级联动 says
 * which staff answer for an order, not who may be asked to help): a volunteer 300 m away over the grid's edge is as
 * near as one inside it, and a grid has only a few people on duty at a time. Kept inside the grid until its deadline,
 * offers would leave a resident waiting for the two or three people of their grid (`pnpm simulate`: median 13–25
 * minutes instead of 2–6). An order with no location is offered inside its area only (no distance to go by).
 *
 * Timers: the next wave's time is the order's `auto_dispatch_at`, acted on by the minute's timed work
 * (runTimedWork), so a later wave goes out up to a minute after its time; the first wave of an `auto` order goes out
 * as the order is created (the orders service's `onDue`, right after the group commit).
 */

export interface OfferOptions {
  weights: MatchWeights;
  maxActiveTasks: number;
  waves: readonly OfferWave[];
  now: Date;
  /** Collects the orders for which nobody could be asked and nobody is still asked (their staff are alarmed). */
  unmatched?: string[];
}

const MINUTE = 60_000;

/** Sends the next wave of offers for a due order whose row the caller's transaction has locked; answers whether anyone was asked. */
export async function offerNextWave(m: EntityManager, o: OrderRow, opts: OfferOptions): Promise<boolean> {
  // taken, cancelled, or dispatched by a person (who took it over): nothing more to offer
  if (o.status !== 'pending') {
    await setAutoDispatchAt(m, o.id, null);
    return false;
  }
  const n = o.offer_wave + 1;
  const wave = offerWave(opts.waves, n);
  const answerBy = new Date(opts.now.getTime() + wave.minutes * MINUTE);
  // no wave yet in this round (a new order, a new round): nobody asked, no round trip
  const asked = o.offer_wave === 0 ? { all: new Set<string>(), open: 0 } : await offeredInRound(m, o);
  const recalled = await recalledSince(m, o);
  const places = Math.max(1, o.headcount - o.accepted_count);
  const found = await findCandidates(m, await reachOf(m, o), {
    weights: opts.weights,
    maxActiveTasks: opts.maxActiveTasks,
    now: opts.now,
    limit: wave.k * places,
    squads: false,
    exclude: recalled.size === 0 ? asked.all : new Set([...asked.all, ...recalled]),
    ...(wave.radiusKm === null ? {} : { withinMeters: wave.radiusKm * 1000 }),
  });
  // the resident never gets their own order (a volunteer may also be a resident)
  const chosen = found.filter((c) => c.kind === 'volunteer' && c.id !== o.resident_id);
  const people = await insertOffers(
    m,
    o,
    chosen.map((c) => c.id),
    n,
    opts.now,
    answerBy,
  );
  if (people.length === 0) {
    // nobody new within this wave's reach: the next, wider wave at its time; staff alarmed when nobody is asked at all
    if (asked.open === 0) opts.unmatched?.push(o.id);
    await setOfferWave(m, o.id, n, answerBy);
    return false;
  }
  const names = new Map(chosen.map((c) => [c.id, c.name]));
  await commit(
    m,
    o,
    { offer_wave: n, auto_dispatch_at: answerBy },
    {
      type: 'offer',
      actorId: null,
      at: opts.now,
      to: 'pending',
      reason: '同时请几位，先接先得',
      data: {
        wave: n,
        k: wave.k,
        radiusKm: wave.radiusKm,
        people,
        names: people.map((id) => names.get(id) ?? ''),
        // everyone asked in this round so far, this wave included (the task hall's 同时请了 N 位)
        askedCount: asked.all.size + people.length,
        answerBy: answerBy.toISOString(),
      },
    },
  );
  return true;
}

/** Whom staff took the order back from, not to be sent it again by the system; a new order (one event) has nobody. */
export async function recalledSince(m: EntityManager, o: OrderRow): Promise<Set<string>> {
  return o.version > 1 ? recalledFrom(m, o.id) : new Set();
}

/**
 * Where a wave looks: the order's county, searched nearest-first from the door (the wave's radius bounds it; the last
 * wave, with none, is the whole county), or, for an order with no location or already at the county, its own area.
 */
async function reachOf(m: EntityManager, o: OrderRow): Promise<OrderRow> {
  if (o.location_lat === null || o.location_lng === null || o.escalation_level === 'county') return o;
  const county = await countyAbove(m, o.region_path);
  return county === null ? o : { ...o, scope_region_id: county.id, scope_path: county.path, escalation_level: 'county' };
}
