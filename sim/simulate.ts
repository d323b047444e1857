import { runSimulation, type Metrics } from './engine';
import { engine, engineBatch, nearestAvailable, type Policy } from './policies';
import { buildWorld, type WorldConfig } from './world';

/**
 * `pnpm simulate [--seed N] [--days N] [--volunteers N] [--residents N]` — a week in a county, dispatched three ways, one table.
 *
 * A model of the dispatch policies, in memory: no database, no server. The county is the demo place tree; the
 * residents' orders, the volunteers' rosters and duty switches and their answers are drawn from the seed, so the same
 * seed prints the same table. See sim/engine.ts for the behaviour model and README ("Simulation") for the results.
 */

export const DEFAULT_WORLD: Omit<WorldConfig, 'seed' | 'days'> = { drainDays: 2, residents: 1500, volunteers: 400 };

export const POLICIES: Policy[] = [nearestAvailable, engine, engineBatch(5)];

function argValue(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} wants a positive whole number`);
  return value;
}

export function formatTable(rows: Metrics[]): string {
  const header = ['policy', 'orders', 'median min', 'p90 min', 'on time', 'escalations', 'never served', 'Gini', 'mean km'];
  const cells = rows.map((m) => [
    m.policy,
    String(m.orders),
    m.medianMinutes.toFixed(1),
    m.p90Minutes.toFixed(1),
    `${(m.onTimeShare * 100).toFixed(1)} %`,
    String(m.escalations),
    String(m.neverServed),
    m.gini.toFixed(3),
    m.meanKm.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const seed = argValue(args, '--seed', 1);
  const days = argValue(args, '--days', 7);
  const volunteers = argValue(args, '--volunteers', DEFAULT_WORLD.volunteers);
  const residents = argValue(args, '--residents', DEFAULT_WORLD.residents);
  const world = buildWorld({ seed, days, ...DEFAULT_WORLD, volunteers, residents });
  const rows = POLICIES.map((p) => runSimulation(world, p).metrics);
  console.log(
    `seed ${seed}, ${days} days (+${DEFAULT_WORLD.drainDays} to settle), ${world.grids.length} grids, ${world.residents.length} residents, ${world.volunteers.length} volunteers\n`,
  );
  console.log(formatTable(rows));
}

if (require.main === module) main();
