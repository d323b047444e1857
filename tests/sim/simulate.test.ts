import { DEFAULT_MAX_ACTIVE_TASKS } from '@bangbang/shared';
import { runSimulation, type SimRecord } from '../../sim/engine';
import { BASELINE, POLICIES, issue20 } from '../../sim/policies';
import { formatTable } from '../../sim/simulate';
import { LEVELS, buildWorld, insideArea, isAvailableAt, type WorldConfig } from '../../sim/world';

/** The dispatch simulation (sim/): small worlds for a day or two — no database, no timing assertions. */
const COUNTY: WorldConfig = { seed: 7, days: 2, drainDays: 2, scenario: 'county', residents: 300, volunteers: 80 };
const PASTORAL: WorldConfig = { seed: 3, days: 1, drainDays: 2, scenario: 'pastoral', residents: 6000, volunteers: 120 };
const WORLDS = [
  ['county', COUNTY],
  ['pastoral', PASTORAL],
] as const;

function byOrder(records: SimRecord[]): Map<number, SimRecord[]> {
  const out = new Map<number, SimRecord[]>();
  for (const r of records) if ('order' in r) out.set(r.order, [...(out.get(r.order) ?? []), r]);
  return out;
}

describe('pnpm simulate', () => {
  it('prints the same table for the same seed, another for another seed', () => {
    const table = (config: WorldConfig) => formatTable(POLICIES.map((p) => runSimulation(buildWorld(config), p).metrics));
    const a = table(COUNTY);
    expect(table(COUNTY)).toBe(a);
    expect(table({ ...COUNTY, seed: 8 })).not.toBe(a);
    const one = runSimulation(buildWorld(PASTORAL), issue20);
    expect(runSimulation(buildWorld(PASTORAL), issue20).records).toEqual(one.records);
  });

  describe.each(WORLDS)('%s', (_name, config) => {
    const world = buildWorld(config);
    const runs = POLICIES.map((p) => [p.name, p, runSimulation(world, p)] as const);

    it.each(runs)('%s: every order ends accepted or never served, counted once', (_p, _policy, { metrics, orders, records }) => {
      expect(metrics.orders).toBeGreaterThan(0);
      for (const o of orders) expect(['accepted', 'never_served']).toContain(o.status);
      expect(metrics.accepted + metrics.neverServed).toBe(metrics.orders);
      expect(records.filter((r) => r.kind === 'create')).toHaveLength(metrics.orders);
      expect(records.filter((r) => r.kind === 'never_served')).toHaveLength(metrics.neverServed);
    });

    it.each(runs)('%s: a qualified service is only ever taken with the skill', (_p, policy, { orders, records }) => {
      for (const r of records) {
        if (r.kind !== 'accept') continue;
        const order = orders[r.order]!;
        const v = world.volunteers[r.volunteer]!;
        if (order.category.qualified || !policy.general) expect(v.skills.has(order.category.code)).toBe(true);
      }
    });

    it.each(runs)('%s: the first accept wins and withdraws every other offer', (_p, _policy, { orders, records }) => {
      for (const [id, own] of byOrder(records)) {
        const live = new Set<number>();
        let holder: number | null = null;
        for (const r of own) {
          if (r.kind === 'offer' || r.kind === 'dispatch') {
            expect(holder).toBeNull();
            live.add(r.volunteer);
          }
          if (r.kind === 'decline' || r.kind === 'timeout' || r.kind === 'withdraw') live.delete(r.volunteer);
          if (r.kind === 'accept') {
            expect(holder).toBeNull(); // never two people on one order
            holder = r.volunteer;
            live.delete(r.volunteer);
          }
          if (r.kind === 'staff_take') {
            expect(holder).toBeNull();
            holder = -1;
          }
          // the others' offers go at the moment of the accept, before anything else happens to the order
          if (holder !== null && r.kind !== 'withdraw' && r.kind !== 'accept' && r.kind !== 'staff_take') expect(live.size).toBe(0);
          if (r.kind === 'no_show') holder = null;
        }
        expect(holder !== null).toBe(orders[id]!.status === 'accepted' || own.some((r) => r.kind === 'never_served' && r.reason === 'no_show'));
      }
    });

    it.each(runs)('%s: the cap on tasks in hand holds where the policy enforces it', (_p, policy, { metrics }) => {
      if (policy.capOnAccept) expect(metrics.maxActive).toBeLessThanOrEqual(DEFAULT_MAX_ACTIVE_TASKS);
    });

    it.each(runs)('%s: the responsible person is only there with 兜底, no-shows only noticed when handled', (_p, policy, { records }) => {
      if (!policy.responsible) expect(records.some((r) => r.kind === 'alarm' || r.kind === 'staff_take')).toBe(false);
      if (!policy.noShowHandling) expect(records.some((r) => r.kind === 'remind' || r.kind === 'no_show')).toBe(false);
      if (policy.noShowHandling) expect(records.some((r) => r.kind === 'never_served' && r.reason === 'no_show')).toBe(false);
    });

    it('the baseline is today: one at a time, the skill, the area of the escalation level, nobody responsible', () => {
      const { orders, records } = runSimulation(world, BASELINE);
      expect(records.some((r) => r.kind === 'offer' || r.kind === 'alarm' || r.kind === 'staff_take')).toBe(false);
      for (const [id, own] of byOrder(records)) {
        const order = orders[id]!;
        let level = 0;
        let outstanding: number | null = null;
        for (const r of own) {
          if (r.kind === 'escalate') level = LEVELS.indexOf(r.level);
          if (r.kind === 'dispatch') {
            expect(outstanding).toBeNull();
            outstanding = r.volunteer;
            const v = world.volunteers[r.volunteer]!;
            expect(v.skills.has(order.category.code)).toBe(true);
            expect(isAvailableAt(v, r.t)).toBe(true);
            expect(insideArea(world, v.grid, order.grid, LEVELS[level]!)).toBe(true);
          }
          if ((r.kind === 'decline' || r.kind === 'timeout' || r.kind === 'withdraw') && r.volunteer === outstanding) outstanding = null;
          if (r.kind === 'timeout') expect(r.t - own.find((x) => x.kind === 'dispatch' && x.volunteer === r.volunteer)!.t).toBeCloseTo(5);
          if (r.kind === 'accept') {
            expect(r.via === 'dispatch' ? r.volunteer === outstanding : r.via === 'hall').toBe(true);
            outstanding = null;
          }
        }
      }
    });
  });

  it('the new default serves every order of a small county, faster than today', () => {
    const world = buildWorld(COUNTY);
    const today = runSimulation(world, BASELINE).metrics;
    const fresh = runSimulation(world, issue20).metrics;
    expect(fresh.neverServed).toBe(0);
    expect(fresh.medianMinutes).toBeLessThan(today.medianMinutes);
    expect(fresh.neverServed).toBeLessThan(today.neverServed);
  });
});
