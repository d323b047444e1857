import { BEHAVIOUR } from './behaviour';
import type { Arrival } from './engine';
import { OFFER_SCHEDULE } from './policies';
import { SLOT_MINUTES, isAvailableAt, type World } from './world';
import { distanceMeters } from '../shared/src';
import { gini } from './gini';

/** The Gini of a Poisson spread with mean λ: E|X−Y| / 2λ for X, Y independent Poisson(λ). */
export function poissonGini(lambda: number): number {
  if (lambda <= 0) return 0;
  const p: number[] = [];
  let term = Math.exp(-lambda);
  for (let k = 0; k < 60 + 10 * lambda; k++) {
    p.push(term);
    term *= lambda / (k + 1);
  }
  let e = 0;
  for (let i = 0; i < p.length; i++) for (let j = 0; j < p.length; j++) e += p[i]! * p[j]! * Math.abs(i - j);
  return e / (2 * lambda);
}

/**
 * The supply arithmetic of a world, whatever the policy: how many volunteer-hours are on duty against how many the
 * orders need, per town (苏木/街道) and hour of the day, and how many orders arrive when nobody who may take them is
 * on duty near enough. It says why a target cannot be reached by any dispatch policy.
 */
export interface Supply {
  /** Volunteer-hours on duty per day, over the whole world. */
  availableHoursPerDay: number;
  /** Volunteer-hours the orders need per day (service + travel at the scenario's speed). */
  demandedHoursPerDay: number;
  /** The worst town-hour: on duty vs needed (per day, averaged over the days). */
  worst: { town: number; hour: number; available: number; demanded: number } | null;
  /** Orders arriving when nobody on duty may take them within the widest offer radius reached in 10 minutes. */
  uncovered: { total: number; share: number; qualified: number; night: number };
  orders: number;
  /**
   * How low the Gini of tasks per volunteer can go: `byArea` if each community's (嘎查's) orders were split exactly
   * evenly among its own volunteers (lower needs volunteers to travel to other communities); `chance` if every order
   * went to a volunteer drawn uniformly (a Poisson spread at the mean tasks per volunteer); `dutyHours`: the Gini of
   * the volunteers' hours on duty — work offered only to people on duty follows it unless the ranking leans against it.
   */
  giniFloor: { byArea: number; chance: number; tasksPerVolunteer: number; dutyHours: number };
}

export function supplyOf(world: World, arrivals: Arrival[]): Supply {
  const days = world.config.days;
  const towns = new Set(world.grids.map((g) => g.town)).size;
  const available = Array.from({ length: towns }, () => new Array<number>(24).fill(0));
  const demanded = Array.from({ length: towns }, () => new Array<number>(24).fill(0));
  const slotsPerDay = 1440 / SLOT_MINUTES;
  for (const v of world.volunteers) {
    const town = world.grids[v.grid]!.town;
    for (let slot = 0; slot < days * slotsPerDay; slot++) {
      if (v.available[slot] === 1) available[town]![Math.floor(((slot % slotsPerDay) * SLOT_MINUTES) / 60)]! += SLOT_MINUTES / 60 / days;
    }
  }
  const serviceHours = (BEHAVIOUR.serviceMinutes[0] + BEHAVIOUR.serviceMinutes[1]) / 2 / 60;
  const radius = Math.max(...OFFER_SCHEDULE.filter((s) => s.after <= 10).map((s) => s.radiusKm)) * 1000;
  let uncovered = 0;
  let uncoveredQualified = 0;
  let uncoveredNight = 0;
  for (const a of arrivals) {
    const town = world.grids[a.resident.grid]!.town;
    const hour = Math.floor((a.t % 1440) / 60);
    let nearest = Infinity;
    for (const v of world.volunteers) {
      if ((a.category.qualified && !v.skills.has(a.category.code)) || !isAvailableAt(v, a.t)) continue;
      nearest = Math.min(nearest, distanceMeters(v.location, a.resident.location));
    }
    const travelKm = Number.isFinite(nearest) ? nearest / 1000 : 0;
    demanded[town]![hour]! += (serviceHours + (2 * travelKm) / world.scenario.speedKmh) / days;
    if (nearest > radius) {
      uncovered++;
      if (a.category.qualified) uncoveredQualified++;
      if (hour < 6 || hour >= 22) uncoveredNight++;
    }
  }
  let worst: Supply['worst'] = null;
  for (let town = 0; town < towns; town++) {
    for (let hour = 0; hour < 24; hour++) {
      const d = demanded[town]![hour]!;
      const av = available[town]![hour]!;
      if (d > 0 && (!worst || av / d < worst.available / worst.demanded)) worst = { town, hour, available: av, demanded: d };
    }
  }
  const communities = Math.max(...world.grids.map((g) => g.community)) + 1;
  const ordersIn = new Array<number>(communities).fill(0);
  const volunteersIn = new Array<number>(communities).fill(0);
  for (const a of arrivals) ordersIn[world.grids[a.resident.grid]!.community]!++;
  for (const v of world.volunteers) volunteersIn[world.grids[v.grid]!.community]!++;
  const even = world.volunteers.map((v) => {
    const c = world.grids[v.grid]!.community;
    return ordersIn[c]! / volunteersIn[c]!;
  });
  const tasksPerVolunteer = arrivals.length / Math.max(1, world.volunteers.length);
  const sum = (m: number[][]) => m.reduce((s, row) => s + row.reduce((x, y) => x + y, 0), 0);
  return {
    availableHoursPerDay: sum(available),
    demandedHoursPerDay: sum(demanded),
    worst,
    uncovered: {
      total: uncovered,
      share: arrivals.length === 0 ? 0 : uncovered / arrivals.length,
      qualified: uncoveredQualified,
      night: uncoveredNight,
    },
    orders: arrivals.length,
    giniFloor: {
      byArea: gini(even),
      chance: poissonGini(tasksPerVolunteer),
      tasksPerVolunteer,
      dutyHours: gini(world.volunteers.map((v) => v.available.subarray(0, days * slotsPerDay).reduce((s, x) => s + x, 0))),
    },
  };
}
