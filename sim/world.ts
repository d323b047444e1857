import { isAvailableNow, type RosterSlot } from '../shared/src';
import { rosterFor } from '../server/src/demo/roster';
import { buildDemoTree } from '../server/src/demo/places';
import { Prng } from '../server/src/demo/random';

/**
 * The simulated county: the demo place tree (杭锦后旗: three towns, eight communities and villages, forty grids, the
 * same coordinates as the demo data), with residents and volunteers generated from a seed. Everything is in memory;
 * ids are small integers so that every run with a seed is the same (the demo tree's UUIDs are not used).
 */

export interface Point {
  lat: number;
  lng: number;
}

/**
 * The service catalogue as migrations/src/1795392200000-SeedServiceCatalogue.ts seeds it (code, colour team, accept
 * deadlines normal/urgent in minutes), with how often residents order each (a weight; the article's everyday needs —
 * medicine, errands, meals, paperwork — first) and how often an order of it is urgent.
 */
export interface SimCategory {
  code: string;
  color: string;
  normal: number;
  urgent: number;
  weight: number;
  urgentShare: number;
}

export const SIM_CATEGORIES: SimCategory[] = [
  { code: 'medicine_delivery', color: 'green', normal: 120, urgent: 30, weight: 16, urgentShare: 0.25 },
  { code: 'errands', color: 'red', normal: 240, urgent: 60, weight: 16, urgentShare: 0.1 },
  { code: 'meal_delivery', color: 'red', normal: 60, urgent: 20, weight: 14, urgentShare: 0.1 },
  { code: 'home_vaccination', color: 'green', normal: 1440, urgent: 240, weight: 2, urgentShare: 0.05 },
  { code: 'hospital_escort', color: 'green', normal: 240, urgent: 60, weight: 6, urgentShare: 0.3 },
  { code: 'companionship', color: 'pink', normal: 1440, urgent: 240, weight: 8, urgentShare: 0.05 },
  { code: 'emotional_support', color: 'pink', normal: 1440, urgent: 120, weight: 4, urgentShare: 0.15 },
  { code: 'appliance_repair', color: 'other', normal: 1440, urgent: 240, weight: 6, urgentShare: 0.1 },
  { code: 'house_repair', color: 'other', normal: 1440, urgent: 240, weight: 3, urgentShare: 0.1 },
  { code: 'legal_consultation', color: 'yellow', normal: 1440, urgent: 240, weight: 2, urgentShare: 0.05 },
  { code: 'free_clinic', color: 'green', normal: 2880, urgent: 480, weight: 1, urgentShare: 0 },
  { code: 'haircut', color: 'other', normal: 1440, urgent: 480, weight: 5, urgentShare: 0 },
  { code: 'harvest_help', color: 'red', normal: 720, urgent: 120, weight: 2, urgentShare: 0.2 },
  { code: 'paperwork', color: 'red', normal: 1440, urgent: 240, weight: 8, urgentShare: 0.05 },
  { code: 'anti_fraud', color: 'blue', normal: 2880, urgent: 480, weight: 2, urgentShare: 0 },
  { code: 'smartphone_lessons', color: 'orange', normal: 2880, urgent: 480, weight: 5, urgentShare: 0 },
  { code: 'cultural_activity', color: 'purple', normal: 2880, urgent: 480, weight: 2, urgentShare: 0 },
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

export interface WorldConfig {
  seed: number;
  /** Days residents order on. */
  days: number;
  /** Extra days simulated after the last order so every order is settled (accepted or given up). */
  drainDays: number;
  residents: number;
  volunteers: number;
}

export interface World {
  config: WorldConfig;
  grids: Grid[];
  residents: Resident[];
  volunteers: Volunteer[];
  /** Volunteers by skill (ascending id). */
  bySkill: Map<string, Volunteer[]>;
  /** Minutes simulated (orders days + drain days). */
  horizon: number;
}

/** Minute 0 of the simulation: Monday 2026-11-23 00:00 Beijing time. */
export const SIM_START_MS = Date.UTC(2026, 10, 22, 16, 0);
export const SLOT_MINUTES = 5;

export function buildWorld(config: WorldConfig): World {
  const rng = new Prng(config.seed * 7919 + 17);
  const tree = buildDemoTree();
  const townIndex = new Map(tree.towns.map((t, i) => [t, i]));
  const communityIndex = new Map(tree.communities.map((c, i) => [c, i]));
  const grids: Grid[] = tree.grids.map((g, id) => ({
    id,
    community: communityIndex.get(g.community)!,
    town: townIndex.get(g.community.town)!,
    center: g.row.center,
    rural: g.community.rural,
  }));
  // town grids are denser than village grids; households and volunteers follow
  const gridWeights = grids.map((g) => [g.id, g.rural ? 0.7 : 1.2] as const);
  // volunteers are not spread evenly: some grids have an active team, some hardly anyone
  const volunteerWeights = grids.map((g) => [g.id, (g.rural ? 0.7 : 1.2) * (0.4 + 1.2 * rng.next())] as const);

  const slots = Math.ceil(((config.days + config.drainDays) * 1440) / SLOT_MINUTES);
  const volunteers: Volunteer[] = [];
  for (let id = 0; id < config.volunteers; id++) {
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
    const employed = rng.chance(0.35);
    const roster = rosterFor(rng, employed);
    // the duty switch: on most days they switch on at some point of the morning and off in the evening
    const keenness = 0.55 + 0.4 * rng.next();
    const available = new Uint8Array(slots);
    for (let day = 0; day < config.days + config.drainDays; day++) {
      if (!rng.chance(keenness)) continue;
      const on = day * 1440 + rng.int(6 * 12, 10 * 12) * SLOT_MINUTES; // 06:00–10:00
      const off = day * 1440 + rng.int(17 * 12, 22 * 12) * SLOT_MINUTES; // 17:00–22:00
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
      location: rng.near(g.center, 450),
      skills: new Set(skills),
      partyMember: rng.chance(0.3),
      roster,
      reluctance: -0.05 + 0.15 * rng.next(),
      quality: 3.5 + 1.5 * rng.next(),
      available,
    });
  }

  const residents: Resident[] = [];
  for (let id = 0; id < config.residents; id++) {
    const grid = rng.weighted(gridWeights);
    const ledger = rng.chance(0.2);
    const cadres = volunteers.filter((v) => v.grid === grid && v.partyMember);
    const pairedCadre = ledger && cadres.length > 0 ? rng.pick(cadres).id : null;
    residents.push({ id, grid, location: rng.near(grids[grid]!.center, 400), ledger, pairedCadre });
  }

  const bySkill = new Map<string, Volunteer[]>(SIM_CATEGORIES.map((c) => [c.code, volunteers.filter((v) => v.skills.has(c.code))]));
  return { config, grids, residents, volunteers, bySkill, horizon: (config.days + config.drainDays) * 1440 };
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
