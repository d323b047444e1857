import {
  SERVICE_UTC_OFFSET_MINUTES,
  distanceMeters,
  isAvailableNow,
  scoreCandidate,
  scoreCeiling,
  type CandidateDto,
  type MatchWeights,
} from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import type { OrderRow } from '../orders/order-row';
import {
  PLANE_LNG_SCALE,
  everyoneInArea,
  orderFacts,
  peopleInScope,
  reachedFirst,
  historyIn,
  readHistories,
  squadStates,
  walkRound,
  type History,
  type PersonHistory,
  type OrderFacts,
  type Person,
} from './candidates.repo';

/**
 * Candidates for orders (推荐接单人): who could take each now, best first, each with the reasons a dispatcher reads.
 *
 * Hard rules, in SQL: the skill fits (a qualified service: the person has its skill; a general one: anyone — the
 * catalogue's `skillFitsSql`, the task hall's rule too; for a squad, one of its categories); on duty; inside
 * the order's area at its current escalation level; has not rejected this order; does not already hold a place on
 * it. Then, in code: inside a roster slot now (rosters are read in Beijing time) and fewer tasks in hand than the
 * limit. What is left is scored by shared/matching.ts's `scoreCandidate` with the deployment's weights.
 *
 * Fast at region scale (2,000,000 volunteers, `pnpm bench:match`) without changing the answer:
 * - An order whose area is a grid or a community has everyone eligible there scored: when they are at most
 *   SCOPE_FIRST_MAX, one statement for many orders at once (batch dispatch), by the GIN index over (place, skills) of
 *   on-duty people; when more (a general service in a community), one more statement for that order.
 * - A wider area (town, county) is walked outward from the door, nearest first, through the people with the order's
 *   skill only (duty_skill_spot and its GiST index over (skill, point), migration AddDutySkillSpots), in growing rounds. A volunteer not yet reached is farther than
 *   everyone reached, so `scoreCeiling` bounds what they could score; the walk stops when that bound falls below the
 *   k-th best score found. The resident's own grid and paired cadre (their bonuses are not in the ceiling) and anyone
 *   on duty with no location (the walk cannot find them) are fetched and scored separately.
 * - The signals (load, today's tasks, rating and acceptance in the category) are read only for people who could
 *   still make the top k: HISTORY_CHUNK at a time, best ceiling first, one set-based statement a round for every
 *   order being searched and every category (settleAll): a handful of round trips per call, whatever the area.
 * - Every statement runs prepared (candidates.repo.ts): planned once per connection.
 */

/** At most this many eligible people in a grid's or community's area: read with the other orders' in one statement. */
export const SCOPE_FIRST_MAX = 400;
/** The walk's first round; each further round reads four times as many. */
const WALK_FIRST = 200;
/** Past this the walk stops whatever the bound says (the answer may then miss someone very far and very good). */
const WALK_MAX = 51_200;

/**
 * The walk's plane, exactly as the index is built: longitude × cos 42°, latitude, in degrees. Between two points
 * whose latitudes are at most φ, a plane distance d is at least d × 111,195 m × min(1, cos φ / cos 42°) on the
 * ground (the east–west scale shrinks with latitude); PLANE_LAT_MARGIN degrees are added to the door's latitude for
 * the people reached.
 */
const METERS_PER_DEGREE = 111_195;
const PLANE_LAT_MARGIN = 2;

function groundMetersAtLeast(planeDegrees: number, doorLat: number): number {
  const lat = Math.min(89, Math.abs(doorLat) + PLANE_LAT_MARGIN);
  const shrink = Math.min(1, Math.cos((lat * Math.PI) / 180) / PLANE_LNG_SCALE);
  return planeDegrees * METERS_PER_DEGREE * shrink;
}

/** Midnight of today in Beijing time, as an instant: "today's tasks" are counted from it. */
export function startOfServiceDay(now: Date): Date {
  const offset = SERVICE_UTC_OFFSET_MINUTES * 60_000;
  const local = new Date(now.getTime() + offset);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - offset);
}

export interface CandidateOptions {
  weights: MatchWeights;
  maxActiveTasks: number;
  now: Date;
  limit: number;
  /** Squads too (default); batch dispatch assigns people one by one and leaves them out. */
  squads?: boolean;
  /** Tuning (the defaults suit a region's scale): score everyone when the area holds at most this many; else walk. */
  scopeFirstMax?: number;
  /** Tuning: the walk's first round. */
  walkFirst?: number;
  /** Only people at most this far from the door (offers: a wave's radius); people with no location are left out. */
  withinMeters?: number;
  /** People left out (offers: those asked already this round). */
  exclude?: ReadonlySet<string>;
}

/** The week of the fairness term (MatchWeights.perWeekTask): the last 7 days. */
const WEEK_MS = 7 * 24 * 3600_000;

/** Where the day's and the week's counts of tasks start. */
type HistorySince = { today: Date; week: Date };

/** People read at most this many at a time for their history, best ceiling first. */
const HISTORY_CHUNK = 100;

interface Pending {
  p: Person;
  distance: number | null;
  ceiling: number;
}

/**
 * One order's search, branch and bound: people reached are checked against the rules their own row decides (refusals,
 * places held, roster), given the most they could score (everything but their history is known: distance, grid,
 * pairing, party membership), and their history is read only while that ceiling can still beat the k-th best.
 */
class Search {
  readonly scored = new Map<string, CandidateDto>();
  /** People who fit the order but were left out now, and why (batch dispatch says why an order found nobody). */
  readonly excluded: Excluded = { offRoster: 0, atCapacity: 0 };
  private readonly seen = new Set<string>();
  /** Reached, passing the rules, history not read yet: with their distance and ceiling. */
  private pending: Pending[] = [];

  constructor(
    readonly o: OrderRow,
    readonly facts: OrderFacts,
    private readonly opts: CandidateOptions,
  ) {}

  reach(people: readonly Person[]): void {
    const o = this.o;
    const w = this.opts.weights;
    for (const p of people) {
      if (this.seen.has(p.id)) continue;
      this.seen.add(p.id);
      if (this.facts.refusedBy.has(p.id) || this.facts.holders.has(p.id) || this.opts.exclude?.has(p.id)) continue;
      if (!isAvailableNow(p.on_duty, p.roster, this.opts.now)) {
        this.excluded.offRoster += 1;
        continue;
      }
      const distance =
        p.location_lat === null || p.location_lng === null || o.location_lat === null || o.location_lng === null
          ? null
          : distanceMeters({ lat: p.location_lat, lng: p.location_lng }, { lat: o.location_lat, lng: o.location_lng });
      if (this.opts.withinMeters !== undefined && (distance === null || distance > this.opts.withinMeters)) continue;
      // scoreCeiling has the best rating, acceptance and party bonus; the grid and pairing are known here
      const ceiling =
        scoreCeiling(distance ?? 0, this.facts.ledger && p.party_member, w) +
        (p.region_id === o.region_id ? w.sameGrid : 0) +
        (p.id === this.facts.pairedId ? w.pairedCadre : 0);
      this.pending.push({ p, distance, ceiling });
    }
  }

  /**
   * The next people whose history must be read (at most HISTORY_CHUNK, best ceiling first), taken off the pending
   * list; none when nobody pending could beat the k-th best any more (the rest are dropped).
   */
  next(k: number): Pending[] {
    this.pending.sort((a, b) => b.ceiling - a.ceiling);
    // scores are rounded to 0.1: a raw score at the ceiling may show 0.05 higher
    const kth = this.kthBest(k);
    const cut = this.pending.findIndex((x, i) => i >= HISTORY_CHUNK || x.ceiling + 0.05 < kth);
    const chunk = this.pending.splice(0, cut === -1 ? this.pending.length : cut);
    if (chunk.length === 0) this.pending = [];
    return chunk;
  }

  scoreAll(chunk: readonly Pending[], histories: Map<string, PersonHistory>): void {
    for (const x of chunk) this.score(x.p, x.distance, historyIn(histories.get(x.p.id)!, this.o.category_code));
  }

  private score(p: Person, distance: number | null, h: History): void {
    if (h.active >= this.opts.maxActiveTasks) {
      this.excluded.atCapacity += 1;
      return;
    }
    const judged = h.accepted + h.rejected;
    const { score, reasons } = scoreCandidate(
      {
        distanceMeters: distance,
        sameGrid: p.region_id === this.o.region_id,
        pairedCadre: p.id === this.facts.pairedId,
        activeTasks: h.active,
        todayTasks: h.today,
        weekTasks: h.week,
        rating: h.rating,
        ratingCount: h.rated,
        acceptanceRate: judged === 0 ? null : h.accepted / judged,
        answers: judged,
        partyMember: p.party_member,
        ledgerHousehold: this.facts.ledger,
      },
      this.opts.weights,
    );
    this.scored.set(p.id, {
      kind: 'volunteer',
      id: p.id,
      name: p.name,
      score,
      distanceMeters: distance === null ? null : Math.round(distance),
      activeTasks: h.active,
      reasons,
    });
  }

  /** The k-th best score so far (−∞ while fewer than k are scored). */
  kthBest(k: number): number {
    if (this.scored.size < k) return -Infinity;
    return [...this.scored.values()].map((c) => c.score).sort((a, b) => b - a)[k - 1]!;
  }
}

/**
 * Reads the histories the searches still need, best ceilings first, one statement a round for every search and
 * category (a person is read once, whatever the orders' categories), until no search has anyone left who could make
 * its top k.
 */
async function settleAll(m: EntityManager, searches: readonly Search[], k: number, since: HistorySince): Promise<void> {
  const known = new Map<string, PersonHistory>();
  for (;;) {
    const wanted: Array<{ s: Search; chunk: Pending[] }> = [];
    for (const s of searches) {
      const chunk = s.next(k);
      if (chunk.length > 0) wanted.push({ s, chunk });
    }
    if (wanted.length === 0) return;
    const ids = [...new Set(wanted.flatMap((x) => x.chunk.map((c) => c.p.id)))].filter((id) => !known.has(id));
    for (const [id, h] of await readHistories(m, ids, since)) known.set(id, h);
    for (const { s, chunk } of wanted) s.scoreAll(chunk, known);
  }
}

/** Best first; equal scores: nearer first, then by name (a stable order for the same data). */
function byRank(a: CandidateDto, b: CandidateDto): number {
  return b.score - a.score || (a.distanceMeters ?? Infinity) - (b.distanceMeters ?? Infinity) || a.name.localeCompare(b.name, 'zh');
}

/** Walks outward from the door, nearest first, until nobody farther could make the top k. */
async function walk(m: EntityManager, s: Search, k: number, since: HistorySince, opts: CandidateOptions): Promise<void> {
  const o = s.o;
  // the resident's grid and paired cadre carry bonuses the walk's stopping bound leaves out, and people with no
  // location are not in the walk's index: all of them are reached first
  s.reach(await reachedFirst(m, o, s.facts.pairedId, opts.withinMeters !== undefined));
  // each round reads only the people past the previous rounds' (the index skips the nearer ones by itself)
  for (let n = opts.walkFirst ?? WALK_FIRST, read = 0; ; read = n, n *= 4) {
    const rows = await walkRound(m, o, n - read, read);
    s.reach(rows);
    await settleAll(m, [s], k, since);
    if (rows.length < n - read || n >= WALK_MAX) return;
    const reach = groundMetersAtLeast(Math.max(...rows.map((r) => r.plane)), o.location_lat!);
    if (scoreCeiling(reach, s.facts.ledger, opts.weights) + 0.05 < s.kthBest(k)) return;
    // a wave's radius: everyone farther is left out anyway
    if (opts.withinMeters !== undefined && reach > opts.withinMeters) return;
  }
}

/** Squads for each order, nearest first, scored until no farther squad could make the top k. */
async function squadCandidates(m: EntityManager, searches: Search[], k: number, opts: CandidateOptions): Promise<Map<string, CandidateDto[]>> {
  const out = new Map<string, CandidateDto[]>();
  for (const search of searches) {
    // read with the order's facts (orderFacts)
    const list = search.facts.squads.filter((r) => !search.facts.refusedBySquads.has(r.id));
    const found: CandidateDto[] = [];
    const scores = [...search.scored.values()].map((c) => c.score);
    for (let i = 0; i < list.length; i += 1) {
      const c = list[i]!;
      // a squad scores at most 100 − distance (no bonuses; load only subtracts): once the next cannot beat the
      // k-th best of the order (its volunteers included), none farther can
      const kth = [...scores].sort((a, b) => b - a)[k - 1] ?? -Infinity;
      if (c.distance !== null && 100 - opts.weights.perKm * (c.distance / 1000) + 0.05 < kth) break;
      if (c.members === null || c.active === null) {
        // past the nearest ones read with the list: read the rest of this order's squads' state now (rare)
        const rest = list.slice(i).filter((r) => r.members === null);
        const states = await squadStates(
          m,
          rest.map((r) => r.id),
        );
        const state = new Map(states.map((st) => [st.id, st]));
        for (const r of rest) {
          r.active = state.get(r.id)?.active ?? 0;
          r.members = state.get(r.id)?.members ?? [];
        }
      }
      const ready = c.members!.filter((u) => isAvailableNow(u.on_duty, u.roster, opts.now)).length;
      if (ready === 0) continue;
      const { score, reasons } = scoreCandidate(
        {
          distanceMeters: c.distance,
          sameGrid: false,
          pairedCadre: false,
          activeTasks: c.active!,
          todayTasks: 0,
          rating: null,
          ratingCount: 0,
          acceptanceRate: null,
          answers: 0,
          partyMember: false,
          ledgerHousehold: false,
        },
        opts.weights,
      );
      scores.push(score);
      found.push({
        kind: 'squad',
        id: c.id,
        name: c.name,
        score,
        distanceMeters: c.distance === null ? null : Math.round(c.distance),
        activeTasks: c.active!,
        reasons: [{ code: 'members', text: `可出动 ${ready} 人` }, ...reasons],
      });
    }
    out.set(search.o.id, found);
  }
  return out;
}

/**
 * People who fit an order (skill, on duty, area) but are not among its candidates now: outside their roster slot, or
 * with their hands full. Complete when the order has no candidates (everyone reached was then looked at); otherwise a
 * lower bound (the search stops reading people who could not make the top k).
 */
export interface Excluded {
  offRoster: number;
  atCapacity: number;
}

/** Candidates for many orders at once (batch dispatch): the best `opts.limit` of each, keyed by order id. */
export async function findCandidatesForOrders(m: EntityManager, orders: readonly OrderRow[], opts: CandidateOptions): Promise<Map<string, CandidateDto[]>> {
  return (await searchCandidates(m, orders, opts)).candidates;
}

/** As `findCandidatesForOrders`, with who fitted each order but was left out, and why. */
export async function searchCandidates(
  m: EntityManager,
  orders: readonly OrderRow[],
  opts: CandidateOptions,
): Promise<{ candidates: Map<string, CandidateDto[]>; excluded: Map<string, Excluded> }> {
  const result = new Map<string, CandidateDto[]>();
  const excluded = new Map<string, Excluded>();
  if (orders.length === 0) return { candidates: result, excluded };
  const k = opts.limit;
  const since: HistorySince = { today: startOfServiceDay(opts.now), week: new Date(opts.now.getTime() - WEEK_MS) };
  const facts = await orderFacts(m, orders, opts.squads !== false);
  const searches = orders.flatMap((o) => {
    const f = facts.get(o.id);
    return f ? [new Search(o, f, opts)] : [];
  });

  const cap = Math.min(opts.scopeFirstMax ?? SCOPE_FIRST_MAX, 1_000_000);
  // a town or a county holds thousands: walked from the door without counting them first
  const located = (o: OrderRow) => o.location_lat !== null && o.location_lng !== null;
  const wide = (o: OrderRow) => located(o) && (o.escalation_level === 'town' || o.escalation_level === 'county');
  const { counts, people } = await peopleInScope(
    m,
    orders.filter((o) => !wide(o)),
    cap,
  );
  for (const s of searches) {
    if (wide(s.o)) await walk(m, s, k, since, opts);
    else if ((counts.get(s.o.id) ?? 0) <= cap) s.reach(people.get(s.o.id) ?? []);
    // a grid or a community with more (a general service: everyone on duty there, ~1,000 in a community at region
    // scale): all of them too. Walking it instead read past its edge — a nearest-first scan with the area as a filter
    // does not know when the area is used up, and its later rounds ran through the whole region's index looking for
    // more (bench:match: 150–390 ms for one community order in ten, against 15 ms for reading them all).
    else s.reach(await everyoneInArea(m, s.o));
  }
  // the histories of the orders' people, in as few statements as possible
  await settleAll(m, searches, k, since);

  const squads = opts.squads === false ? new Map<string, CandidateDto[]>() : await squadCandidates(m, searches, k, opts);
  for (const s of searches) {
    const all = [...s.scored.values(), ...(squads.get(s.o.id) ?? [])].sort(byRank);
    result.set(s.o.id, all.slice(0, k));
    excluded.set(s.o.id, s.excluded);
  }
  return { candidates: result, excluded };
}

/** Candidates for one order, best first. */
export async function findCandidates(m: EntityManager, o: OrderRow, opts: CandidateOptions): Promise<CandidateDto[]> {
  return (await findCandidatesForOrders(m, [o], opts)).get(o.id) ?? [];
}
