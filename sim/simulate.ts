import { generateArrivals, runSimulation, type Metrics } from './engine';
import { BASELINE, DEFAULT_POLICY, POLICIES } from './policies';
import { SCENARIOS, SCENARIO_NAMES, type ScenarioName } from './scenarios';
import { supplyOf, type Supply } from './supply';
import { buildWorld, type World, type WorldConfig } from './world';

/**
 * `pnpm simulate [--scenario county|street|pastoral|all] [--seed N | --seeds 1-5] [--days N] [--each]
 *  [--volunteers N] [--residents N]` — a week in a scenario's world, dispatched by each policy, one table.
 *
 * A model of the dispatch policies, in memory: no database, no server. The same seed prints the same table. The
 * model is described in docs/simulation.md; the behaviour constants are in sim/behaviour.ts, the worlds in
 * sim/scenarios.ts, the policies in sim/policies.ts.
 */

export { POLICIES };

export const DEFAULT_RUN: Pick<WorldConfig, 'days' | 'drainDays'> = { days: 7, drainDays: 2 };

/** Issue 20's "Done means" for the new default policy, on every seed. */
export const TARGETS = { neverServed: 0, medianMinutes: 10, urgentMedianMinutes: 5, p90Minutes: 60, gini: 0.5 };

function intArg(args: string[], name: string): number | null {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} wants a positive whole number`);
  return value;
}

function seedsArg(args: string[]): number[] {
  const i = args.indexOf('--seeds');
  if (i < 0) return [intArg(args, '--seed') ?? 1];
  const m = /^(\d+)-(\d+)$/.exec(args[i + 1] ?? '');
  if (!m || Number(m[1]) < 1 || Number(m[2]) < Number(m[1])) throw new Error('--seeds wants a range like 1-5');
  return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, k) => Number(m[1]) + k);
}

function scenariosArg(args: string[]): ScenarioName[] {
  const i = args.indexOf('--scenario');
  const name = i < 0 ? 'county' : args[i + 1];
  if (name === 'all') return SCENARIO_NAMES;
  if (!SCENARIO_NAMES.includes(name as ScenarioName)) throw new Error(`--scenario wants one of ${SCENARIO_NAMES.join(', ')}, all`);
  return [name as ScenarioName];
}

const minutes = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');

export function formatTable(rows: Metrics[]): string {
  const header = ['policy', 'orders', 'median min', 'urgent median', 'p90 min', 'on time', 'never served', 'Gini', 'mean km', 'by staff'];
  const cells = rows.map((m) => [
    m.policy,
    m.orders.toFixed(0),
    minutes(m.medianMinutes),
    minutes(m.urgentMedianMinutes),
    minutes(m.p90Minutes),
    `${(m.onTimeShare * 100).toFixed(1)} %`,
    Number.isInteger(m.neverServed) ? String(m.neverServed) : m.neverServed.toFixed(1),
    m.gini.toFixed(3),
    m.meanKm.toFixed(2),
    Number.isInteger(m.byStaff) ? String(m.byStaff) : m.byStaff.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

/** The mean of each figure over seeds (one row per policy). */
function meanOf(runs: Metrics[][]): Metrics[] {
  return runs[0]!.map((first, p) => {
    const rows = runs.map((r) => r[p]!);
    const avg = (f: (m: Metrics) => number) => rows.reduce((s, m) => s + f(m), 0) / rows.length;
    return {
      ...first,
      orders: avg((m) => m.orders),
      accepted: avg((m) => m.accepted),
      urgentOrders: avg((m) => m.urgentOrders),
      medianMinutes: avg((m) => m.medianMinutes),
      urgentMedianMinutes: avg((m) => m.urgentMedianMinutes),
      p90Minutes: avg((m) => m.p90Minutes),
      onTimeShare: avg((m) => m.onTimeShare),
      escalations: avg((m) => m.escalations),
      neverServed: avg((m) => m.neverServed),
      neverServedNoShow: avg((m) => m.neverServedNoShow),
      byStaff: avg((m) => m.byStaff),
      noShows: avg((m) => m.noShows),
      gini: avg((m) => m.gini),
      meanKm: avg((m) => m.meanKm),
      maxActive: Math.max(...rows.map((m) => m.maxActive)),
    };
  });
}

export interface TargetCheck {
  name: string;
  holds: boolean;
  /** The worst seed's value. */
  worst: string;
}

/** Issue 20's targets for the default policy against the baseline, each over every seed run. */
export function checkTargets(runs: Array<{ seed: number; baseline: Metrics; fresh: Metrics }>): TargetCheck[] {
  const worst = (f: (m: Metrics) => number) => Math.max(...runs.map((r) => f(r.fresh)));
  const check = (name: string, value: number, limit: number, strictlyBelow: boolean, digits: number): TargetCheck => ({
    name,
    holds: strictlyBelow ? value < limit : value <= limit,
    worst: value.toFixed(digits),
  });
  const worse = new Map<string, number[]>();
  for (const { seed, baseline: b, fresh: f } of runs) {
    const pairs: Array<[string, boolean]> = [
      ['median', f.medianMinutes < b.medianMinutes],
      ['urgent median', f.urgentMedianMinutes < b.urgentMedianMinutes],
      ['p90', f.p90Minutes < b.p90Minutes],
      ['on time', f.onTimeShare > b.onTimeShare],
      ['never served', f.neverServed < b.neverServed || (f.neverServed === 0 && b.neverServed === 0)],
      ['Gini', f.gini < b.gini],
      ['mean km', f.meanKm < b.meanKm],
    ];
    for (const [name, better] of pairs) if (!better) worse.set(name, [...(worse.get(name) ?? []), seed]);
  }
  return [
    check(
      'never served = 0',
      worst((m) => m.neverServed),
      TARGETS.neverServed,
      false,
      0,
    ),
    check(
      'median < 10 min',
      worst((m) => m.medianMinutes),
      TARGETS.medianMinutes,
      true,
      1,
    ),
    check(
      'urgent median < 5 min',
      worst((m) => m.urgentMedianMinutes),
      TARGETS.urgentMedianMinutes,
      true,
      1,
    ),
    check(
      'p90 < 60 min',
      worst((m) => m.p90Minutes),
      TARGETS.p90Minutes,
      true,
      1,
    ),
    check(
      'Gini < 0.5',
      worst((m) => m.gini),
      TARGETS.gini,
      true,
      3,
    ),
    {
      name: 'better than today on every figure',
      holds: worse.size === 0,
      worst: worse.size === 0 ? 'all' : `not: ${[...worse].map(([name, seeds]) => `${name} on seed ${seeds.join(', ')}`).join('; ')}`,
    },
  ];
}

export function formatSupply(world: World, s: Supply): string {
  const w = s.worst;
  const lines = [
    `supply: ${s.availableHoursPerDay.toFixed(0)} volunteer-hours on duty a day for ${s.demandedHoursPerDay.toFixed(0)} needed ` +
      `(${(s.availableHoursPerDay / Math.max(1e-9, s.demandedHoursPerDay)).toFixed(1)}×)`,
  ];
  if (w) {
    lines.push(
      `  tightest: town ${w.town + 1} of ${new Set(world.grids.map((g) => g.town)).size}, ${String(w.hour).padStart(2, '0')}:00–${String(w.hour + 1).padStart(2, '0')}:00: ` +
        `${w.available.toFixed(1)} volunteer-hours on duty for ${w.demanded.toFixed(1)} needed a day`,
    );
  }
  lines.push(
    `  ${s.uncovered.total} of ${s.orders} orders (${(s.uncovered.share * 100).toFixed(1)} %) arrive with nobody on duty who may take them ` +
      `within the radius offers reach in 10 min (${s.uncovered.qualified} qualified, ${s.uncovered.night} at night 22:00–06:00): ` +
      `only a phone call or a grid worker can reach those`,
  );
  const g = s.giniFloor;
  lines.push(
    `  Gini floor: ${g.byArea.toFixed(3)} if each community's orders were split evenly among its own volunteers; ` +
      `${g.chance.toFixed(3)} if every order went to a volunteer drawn at random (${g.tasksPerVolunteer.toFixed(2)} tasks each); ` +
      `the volunteers' hours on duty have a Gini of ${g.dutyHours.toFixed(3)}`,
  );
  return lines.join('\n');
}

export function runScenario(name: ScenarioName, seeds: number[], overrides: Partial<WorldConfig>, each: boolean): { text: string; holds: boolean } {
  const out: string[] = [];
  const runs: Metrics[][] = [];
  const supplies: Array<{ world: World; supply: Supply }> = [];
  let first: World | null = null;
  for (const seed of seeds) {
    const world = buildWorld({ ...DEFAULT_RUN, ...overrides, seed, scenario: name });
    first ??= world;
    const rows = POLICIES.map((p) => runSimulation(world, p).metrics);
    runs.push(rows);
    supplies.push({ world, supply: supplyOf(world, generateArrivals(world)) });
    if (each && seeds.length > 1) out.push(`seed ${seed}\n\n${formatTable(rows)}\n`);
  }
  const w = first!;
  const spec = SCENARIOS[name];
  out.unshift(
    `## ${name}: ${spec.title} — ${w.grids.length} grids, ${w.residents.length} residents, ${w.volunteers.length} volunteers, ` +
      `${w.gridWorkers.length} grid workers; ${w.config.days} days (+${w.config.drainDays} to settle); ` +
      (seeds.length > 1 ? `mean of seeds ${seeds[0]}–${seeds[seeds.length - 1]}` : `seed ${seeds[0]}`) +
      '\n',
  );
  out.push(formatTable(seeds.length > 1 ? meanOf(runs) : runs[0]!));
  const b = POLICIES.indexOf(BASELINE);
  const d = POLICIES.indexOf(DEFAULT_POLICY);
  const checks = checkTargets(runs.map((r, i) => ({ seed: seeds[i]!, baseline: r[b]!, fresh: r[d]! })));
  const holds = checks.every((c) => c.holds);
  out.push(
    `\ntargets (${DEFAULT_POLICY.name}, worst of ${seeds.length === 1 ? 'seed ' + seeds[0] : `seeds ${seeds[0]}–${seeds[seeds.length - 1]}`}): ` +
      checks.map((c) => `${c.name} ${c.holds ? '✓' : '✗'} (${c.worst})`).join(' · '),
  );
  // the supply of the first seed's world (the worlds of other seeds differ little); always shown, needed where missed
  out.push(formatSupply(supplies[0]!.world, supplies[0]!.supply));
  return { text: out.join('\n'), holds };
}

function main(): void {
  const args = process.argv.slice(2);
  const seeds = seedsArg(args);
  const overrides: Partial<WorldConfig> = {};
  const days = intArg(args, '--days');
  if (days !== null) overrides.days = days;
  const volunteers = intArg(args, '--volunteers');
  if (volunteers !== null) overrides.volunteers = volunteers;
  const residents = intArg(args, '--residents');
  if (residents !== null) overrides.residents = residents;
  const started = Date.now();
  for (const name of scenariosArg(args)) {
    console.log(runScenario(name, seeds, overrides, args.includes('--each')).text);
    console.log('');
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    // a bad flag: say which, without a stack trace
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  }
}
