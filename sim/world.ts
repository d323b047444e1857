import { isAvailableNow, type RosterSlot } from '../shared/src';
import { rosterFor } from '../server/src/demo/roster';
import { buildDemoTree } from '../server/src/demo/places';
import { Prng } from '../server/src/demo/random';
import { BEHAVIOUR } from './behaviour';
import { SCENARIOS, type ScenarioName, type ScenarioSpec } from './scenarios';

/**
 * A simulated world of a scenario (scenarios.ts): places, residents, volunteers and the grid workers responsible for
 * them, generated from a seed. Everything is in memory; ids are small integers so that every run with a seed is the
 * same.
 */

export interface Point {
  lat: number;
  lng: number;
}

/**
 * The service catalogue as migrations/src/1795392200000-SeedServiceCatalogue.ts seeds it (code, colour team, accept
 * deadlines normal/urgent in minutes), with how often residents order each (a weight; the article's everyday needs —
 * medicine, errands, meals, paperwork — first), how often an order of it is urgent, and whether it is *qualified*
 * (needs the skill: medicine, vaccination, clinic, legal, repairs, haircut, counselling — issue 20) or *general* (any
 * volunteer of the area may take it: errands, meals, escort, companionship, harvest, paperwork, lessons…).
 */
export interface SimCategory {
  code: string;
  color: string;
  normal: number;
  urgent: number;
  weight: number;
  urgentShare: number;
  qualified: boolean;
}

export const SIM_CATEGORIES: SimCategory[] = [
  { code: 'medicine_delivery', color: 'green', normal: 120, urgent: 30, weight: 16, urgentShare: 0.25, qualified: true },
  { code: 'errands', color: 'red', normal: 240, urgent: 60, weight: 16, urgentShare: 0.1, qualified: false },
  { code: 'meal_delivery', color: 'red', normal: 60, urgent: 20, weight: 14, urgentShare: 0.1, qualified: false },
  { code: 'home_vaccination', color: 'green', normal: 1440, urgent: 240, weight: 2, urgentShare: 0.05, qualified: true },
  { code: 'hospital_escort', color: 'green', normal: 240, urgent: 60, weight: 6, urgentShare: 0.3, qualified: false },
  { code: 'companionship', color: 'pink', normal: 1440, urgent: 240, weight: 8, urgentShare: 0.05, qualified: false },
  { code: 'emotional_support', color: 'pink', normal: 1440, urgent: 120, weight: 4, urgentShare: 0.15, qualified: true },
  { code: 'appliance_repair', color: 'other', normal: 1440, urgent: 240, weight: 6, urgentShare: 0.1, qualified: true },
  { code: 'house_repair', color: 'other', normal: 1440, urgent: 240, weight: 3, urgentShare: 0.1, qualified: true },
  { code: 'legal_consultation', color: 'yellow', normal: 1440, urgent: 240, weight: 2, urgentShare: 0.05, qualified: true },
  { code: 'free_clinic', color: 'green', normal: 2880, urgent: 480, weight: 1, urgentShare: 0, qualified: true },
  { code: 'haircut', color: 'other', normal: 1440, urgent: 480, weight: 5, urgentShare: 0, qualified: true },
  { code: 'harvest_help', color: 'red', normal: 720, urgent: 120, weight: 2, urgentShare: 0.2, qualified: false },
  { code: 'paperwork', color: 'red', normal: 1440, urgent: 240, weight: 8, urgentShare: 0.05, qualified: false },
  { code: 'anti_fraud', color: 'blue', normal: 2880, urgent: 480, weight: 2, urgentShare: 0, qualified: false },
  { code: 'smartphone_lessons', color: 'orange', normal: 2880, urgent: 480, weight: 5, urgentShare: 0, qualified: false },
  { code: 'cultural_activity', color: 'purple', normal: 2880, urgent: 480, weight: 2, urgentShare: 0, qualified: false },
];

/** Levels an order's area widens through, as the server escalates it. */
export const LEVELS = ['grid', 'community', 'town', 'county'] as const;
export type Level = (typeof LEVELS)[number];

export interface Grid {
  id: number;
  community: number;
  town: number;
  center: Point;
  rural: boolean;
}

export interface Resident {
  id: number;
  grid: number;
  location: Point;
  /** On the ledger (独居、高龄…). */
  ledger: boolean;
  /** Their paired cadre (包联责任人), a volunteer of their grid; null when none. */
  pairedCadre: number | null;
  /** The grid worker responsible for them (the grid's, or in pastoral areas their paired one). */
  gridWorker: number;
}

export interface Volunteer {
  id: number;
  grid: number;
  location: Point;
  skills: Set<string>;
  partyMember: boolean;
  roster: RosterSlot[] | null;
  /** Their own disposition to say no (added to the behaviour model's reject probability): −0.05 … +0.10. */
  reluctance: number;
  /** The stars they tend to get (3.5–5). */
  quality: number;
  /** Available (on duty and inside a roster slot) per 5-minute slot of the horizon. */
  available: Uint8Array;
}

/** A grid worker (网格员): responsible for their grid's orders (兜底) in their working hours. */
export interface GridWorker {
  id: number;
  grid: number;
  location: Point;
  kind: 'office' | 'herder';
}

export interface WorldConfig {
  seed: number;
  /** Days residents order on. */
  days: number;
  /** Extra days simulated after the last order so every order is settled (accepted or given up). */
  drainDays: number;
  scenario?: ScenarioName;
  /** Overrides of the scenario's numbers (tests use small worlds). */
  residents?: number;
  volunteers?: number;
}

export interface World {
  config: WorldConfig;
  scenario: ScenarioSpec;
  grids: Grid[];
  residents: Resident[];
  volunteers: Volunteer[];
  gridWorkers: GridWorker[];
  /** Volunteers by skill (ascending id). */
  bySkill: Map<string, Volunteer[]>;
  /** Minutes simulated (orders days + drain days). */
  horizon: number;
}

/** Minute 0 of the simulation: Monday 2026-11-23 00:00 Beijing time. */
export const SIM_START_MS = Date.UTC(2026, 10, 22, 16, 0);
export const SLOT_MINUTES = 5;

function generatedGrids(spec: ScenarioSpec, rng: Prng): Grid[] {
  if (spec.tree === 'demo') {
    const tree = buildDemoTree();
    const townIndex = new Map(tree.towns.map((t, i) => [t, i]));
    const communityIndex = new Map(tree.communities.map((c, i) => [c, i]));
    return tree.grids.map((g, id) => ({
      id,
      community: communityIndex.get(g.community)!,
      town: townIndex.get(g.community.town)!,
      center: g.row.center,
      rural: g.community.rural,
    }));
  }
  const t = spec.tree;
  const grids: Grid[] = [];
  let community = 0;
  for (let town = 0; town < t.towns; town++) {
    const townCenter = t.townSpreadKm > 0 ? rng.near(t.center, t.townSpreadKm * 1000) : t.center;
    for (let c = 0; c < t.communitiesPerTown; c++, community++) {
      const communityCenter = rng.near(townCenter, t.communitySpreadKm * 1000);
      for (let g = 0; g < t.gridsPerCommunity; g++) {
        grids.push({ id: grids.length, community, town, center: rng.near(communityCenter, t.gridSpreadKm * 1000), rural: t.rural });
      }
    }
  }
  return grids;
}

export function buildWorld(config: WorldConfig): World {
  const spec = SCENARIOS[config.scenario ?? 'county'];
  const rng = new Prng(config.seed * 7919 + 17);
  const grids = generatedGrids(spec, rng);
  // town grids are denser than village grids; households and volunteers follow
  const gridWeights = grids.map((g) => [g.id, g.rural ? 0.7 : 1.2] as const);
  // volunteers are not spread evenly: some grids have an active team, some hardly anyone
  const volunteerWeights = grids.map((g) => [g.id, (g.rural ? 0.7 : 1.2) * (0.4 + 1.2 * rng.next())] as const);

  const slots = Math.ceil(((config.days + config.drainDays) * 1440) / SLOT_MINUTES);
  const volunteers: Volunteer[] = [];
  const volunteerCount = config.volunteers ?? spec.volunteers;
  for (let id = 0; id < volunteerCount; id++) {
    const grid = rng.weighted(volunteerWeights);
    const g = grids[grid]!;
    // 1–3 skills, as in the demo data, but drawn by what residents ask for: a 帮帮团 recruits for the everyday
    // services (medicine, errands, meals, paperwork) far more than for haircuts or legal advice
    const n = rng.weighted<number>([
      [1, 30],
      [2, 45],
      [3, 25],
    ]);
    const skills: string[] = [];
    while (skills.length < n) {
      const code = rng.weighted(SIM_CATEGORIES.filter((c) => !skills.includes(c.code)).map((c) => [c.code, c.weight + 2] as const));
      skills.push(code);
    }
    const employed = rng.chance(spec.employedShare);
    const roster = rosterFor(rng, employed);
    // the duty switch: on most days they switch on at some point of the morning and off in the evening
    const keenness = spec.keenness[0] + spec.keenness[1] * rng.next();
    const available = new Uint8Array(slots);
    for (let day = 0; day < config.days + config.drainDays; day++) {
      if (!rng.chance(keenness)) continue;
      const on = day * 1440 + rng.int(spec.dutyOn[0] * 12, spec.dutyOn[1] * 12) * SLOT_MINUTES;
      const off = day * 1440 + rng.int(spec.dutyOff[0] * 12, spec.dutyOff[1] * 12) * SLOT_MINUTES;
      // a break of an hour or two in the middle of the day, now and then
      const breakStart = rng.chance(0.4) ? day * 1440 + rng.int(11 * 12, 14 * 12) * SLOT_MINUTES : -1;
      const breakEnd = breakStart + rng.int(12, 24) * SLOT_MINUTES;
      for (let t = on; t < off; t += SLOT_MINUTES) {
        if (t >= breakStart && t < breakEnd) continue;
        if (isAvailableNow(true, roster, new Date(SIM_START_MS + t * 60_000))) available[t / SLOT_MINUTES] = 1;
      }
    }
    volunteers.push({
      id,
      grid,
      location: rng.near(g.center, spec.homeSpreadM + 50),
      skills: new Set(skills),
      partyMember: rng.chance(0.3),
      roster,
      reluctance: -0.05 + 0.15 * rng.next(),
      quality: 3.5 + 1.5 * rng.next(),
      available,
    });
  }

  const cadresByGrid = new Map<number, Volunteer[]>();
  for (const v of volunteers) if (v.partyMember) cadresByGrid.set(v.grid, [...(cadresByGrid.get(v.grid) ?? []), v]);

  const gridWorkers: GridWorker[] = [];
  const workersByGrid: number[][] = grids.map(() => []);
  // a separate stream, so that adding grid workers left the county's volunteers and residents as they were
  const staffRng = new Prng(config.seed * 31_337 + 5);
  for (const g of grids) {
    for (let i = 0; i < spec.gridWorkers.perGrid; i++) {
      workersByGrid[g.id]!.push(gridWorkers.length);
      gridWorkers.push({ id: gridWorkers.length, grid: g.id, location: staffRng.near(g.center, spec.homeSpreadM), kind: spec.gridWorkers.kind });
    }
  }

  const residents: Resident[] = [];
  const residentCount = config.residents ?? spec.residents;
  for (let id = 0; id < residentCount; id++) {
    const grid = rng.weighted(gridWeights);
    const ledger = rng.chance(spec.ledgerShare);
    const cadres = cadresByGrid.get(grid) ?? [];
    const pairedCadre = ledger && cadres.length > 0 ? rng.pick(cadres).id : null;
    const location = rng.near(grids[grid]!.center, spec.homeSpreadM);
    residents.push({ id, grid, location, ledger, pairedCadre, gridWorker: staffRng.pick(workersByGrid[grid]!) });
  }

  const bySkill = new Map<string, Volunteer[]>(SIM_CATEGORIES.map((c) => [c.code, volunteers.filter((v) => v.skills.has(c.code))]));
  return { config, scenario: spec, grids, residents, volunteers, gridWorkers, bySkill, horizon: (config.days + config.drainDays) * 1440 };
}

/** Whether a volunteer living in `volunteerGrid` is inside the area of an order from `orderGrid` at `level`. */
export function insideArea(world: World, volunteerGrid: number, orderGrid: number, level: Level): boolean {
  const v = world.grids[volunteerGrid]!;
  const o = world.grids[orderGrid]!;
  switch (level) {
    case 'grid':
      return v.id === o.id;
    case 'community':
      return v.community === o.community;
    case 'town':
      return v.town === o.town;
    case 'county':
      return true;
  }
}

export function isAvailableAt(v: Volunteer, minute: number): boolean {
  return v.available[Math.floor(minute / SLOT_MINUTES)] === 1;
}

/** Minute of the day (Beijing time) and ISO weekday (1 = Monday) of a simulation minute. */
export function clockOf(minute: number): { minuteOfDay: number; weekday: number } {
  const day = Math.floor(minute / 1440);
  return { minuteOfDay: minute - day * 1440, weekday: (day % 7) + 1 };
}

export function isAwake(minute: number): boolean {
  const h = clockOf(minute).minuteOfDay / 60;
  return h >= BEHAVIOUR.awakeHours[0] && h < BEHAVIOUR.awakeHours[1];
}

/** Whether a grid worker is at work (reachable as the responsible person) at a minute. */
export function gridWorkerAtWork(w: GridWorker, minute: number): boolean {
  const { minuteOfDay, weekday } = clockOf(minute);
  if (w.kind === 'herder') return minuteOfDay >= BEHAVIOUR.herderHours.start && minuteOfDay < BEHAVIOUR.herderHours.end;
  const o = BEHAVIOUR.officeHours;
  return o.weekdays.includes(weekday) && minuteOfDay >= o.start && minuteOfDay < o.end;
}
