import 'reflect-metadata';
import { demoAccount } from '../../server/src/demo/accounts';
import { seedDemoData } from '../../server/src/demo/seed';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * The demo's 走访 (demo/visits.ts): the county's plan, a week of visits made by the real generation — ended ones
 * done with records but one missed in the demo grid, this week's partly done, the demo resident's still to do for
 * the demo's paired cadre — and one order a visit found.
 */

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemoData(database.db);
});

afterAll(async () => {
  await database.drop();
});

it('holds the county’s plan and a week of visits: done, due, one missed, one need turned into an order', async () => {
  const q = <T>(sql: string, params: unknown[] = []) => database.db.query<T[]>(sql, params);
  const [plans] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM visit_plan p JOIN region r ON r.id = p.region_id WHERE r.name = '杭锦后旗'`);
  expect(plans!.n).toBe(8);
  const now = new Date();
  const [figures] = await q<{ ended: number; ended_done: number; current: number; current_done: number }>(
    `SELECT count(*) FILTER (WHERE due_at <= $1)::int AS ended, count(*) FILTER (WHERE due_at <= $1 AND done_at IS NOT NULL)::int AS ended_done,
            count(*) FILTER (WHERE due_at > $1)::int AS current, count(*) FILTER (WHERE due_at > $1 AND done_at IS NOT NULL)::int AS current_done
     FROM visit`,
    [now],
  );
  expect(figures!.ended).toBeGreaterThan(50);
  expect(figures!.ended_done).toBe(figures!.ended - 1);
  expect(figures!.current).toBeGreaterThan(50);
  expect(figures!.current_done).toBeLessThan(figures!.current);
  // the one missed: in the demo grid, 王建军's
  const [gridWorker] = await q<{ id: string; region_id: string }>(`SELECT id, region_id FROM app_user WHERE phone = $1`, [demoAccount('grid_worker').phone]);
  const missed = await q<{ region_id: string }>(`SELECT region_id FROM visit WHERE due_at <= $1 AND done_at IS NULL`, [now]);
  expect(missed).toEqual([{ region_id: gridWorker!.region_id }]);
  // 孙桂兰's this week: to do, by her paired cadre
  const [resident] = await q<{ id: string }>(`SELECT id FROM app_user WHERE phone = $1`, [demoAccount('resident').phone]);
  const hers = await q<{ period: string; assignee_id: string; done_at: Date | null }>(
    `SELECT period, assignee_id, done_at FROM visit WHERE household_id = $1 AND due_at > $2`,
    [resident!.id, now],
  );
  expect(hers).toEqual([{ period: expect.stringMatching(/^\d{4}-W\d{2}$/), assignee_id: gridWorker!.id, done_at: null }]);
  // one visit found a need: its order names the visit
  const found = await q<{ visit: string; visit_id: string; channel: string }>(
    `SELECT v.id AS visit, e.data ->> 'visitId' AS visit_id, o.channel FROM visit v JOIN service_order o ON o.id = v.order_id
     JOIN order_event e ON e.order_id = o.id AND e.seq = 1`,
  );
  expect(found).toHaveLength(1);
  expect(found[0]).toEqual({ visit: found[0]!.visit, visit_id: found[0]!.visit, channel: 'walk_in' });
  // records say how the household was
  const [recorded] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM visit WHERE done_at IS NOT NULL AND (condition IS NULL OR note IS NULL)`);
  expect(recorded!.n).toBe(0);
});
