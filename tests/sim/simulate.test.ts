import { runSimulation, type SimRecord } from '../../sim/engine';
import { POLICIES } from '../../sim/simulate';
import { LEVELS, buildWorld, insideArea, isAvailableAt, type WorldConfig } from '../../sim/world';

/** The dispatch simulation (sim/): a small county for a day — no database, no timing assertions. */
const SMALL: WorldConfig = { seed: 7, days: 1, drainDays: 2, residents: 300, volunteers: 80 };

describe('pnpm simulate', () => {
  it.each(POLICIES.map((p) => [p.name, p] as const))('%s is deterministic for a seed', (_name, policy) => {
    const a = runSimulation(buildWorld(SMALL), policy);
    const b = runSimulation(buildWorld(SMALL), policy);
    expect(a.metrics).toEqual(b.metrics);
    expect(a.records).toEqual(b.records);
    const other = runSimulation(buildWorld({ ...SMALL, seed: 8 }), policy);
    expect(other.records).not.toEqual(a.records);
  });

  it.each(POLICIES.map((p) => [p.name, p] as const))('%s conserves orders and keeps the hard rules', (_name, policy) => {
    const world = buildWorld(SMALL);
    const { metrics, orders, records } = runSimulation(world, policy);
    expect(metrics.orders).toBeGreaterThan(0);
    expect(metrics.accepted + metrics.neverServed + metrics.stillOpen).toBe(metrics.orders);
    expect(records.filter((r) => r.kind === 'create')).toHaveLength(metrics.orders);
    expect(records.filter((r) => r.kind === 'escalate')).toHaveLength(metrics.escalations);

    const byOrder = new Map<number, SimRecord[]>();
    for (const r of records) byOrder.set(r.order, [...(byOrder.get(r.order) ?? []), r]);
    for (const order of orders) {
      const own = byOrder.get(order.id) ?? [];
      const accepts = own.filter((r) => r.kind === 'accept');
      expect(accepts.length).toBeLessThanOrEqual(1);
      expect(accepts.length === 1).toBe(order.status === 'accepted');
      // the level in force when each dispatch happened, from the order's own escalations
      let level = 0;
      const refused = new Set<number>();
      let lastDispatch: { volunteer: number; level: string } | null = null;
      for (const r of own) {
        if (r.kind === 'escalate') level = LEVELS.indexOf(r.level);
        if (r.kind === 'dispatch') {
          const v = world.volunteers[r.volunteer]!;
          expect(r.level).toBe(LEVELS[level]);
          expect(v.skills.has(order.category.code)).toBe(true);
          expect(isAvailableAt(v, r.t)).toBe(true);
          expect(insideArea(world, v.grid, order.grid, r.level)).toBe(true);
          expect(refused.has(v.id)).toBe(false);
          lastDispatch = { volunteer: r.volunteer, level: r.level };
        }
        if (r.kind === 'reject' || r.kind === 'timeout') refused.add(r.volunteer);
        if (r.kind === 'accept') {
          const v = world.volunteers[r.volunteer]!;
          expect(lastDispatch?.volunteer).toBe(r.volunteer);
          expect(v.skills.has(order.category.code)).toBe(true);
          // inside the area at the level it was dispatched at (escalation only widens it)
          expect(insideArea(world, v.grid, order.grid, lastDispatch!.level as (typeof LEVELS)[number])).toBe(true);
          expect(r.t - order.createdAt).toBeGreaterThanOrEqual(0);
        }
      }
    }
    expect(records.filter((r) => r.kind === 'accept')).toHaveLength(metrics.accepted);
  });
});
