import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { buildTestApp, type TestApp } from '../support/app';
import { buildWorld, type World } from '../support/world';

/**
 * An order's category and places are kept by triggers instead of foreign keys (migration
 * GuardOrderReferencesFromParents): an order cannot point at a category or place that does not exist, and a
 * category or place cannot go while an order points at it — including an order being written at that very moment.
 */
describe("an order's category and places (kept by triggers)", () => {
  let t: TestApp;
  let w: World;
  let path: string;

  beforeAll(async () => {
    t = await buildTestApp({ LOG_LEVEL: 'error' });
    w = await buildWorld(t.app, t.database.db);
    const [r] = await t.database.db.query<Array<{ path: string }>>(`SELECT path FROM region WHERE id = $1`, [w.regions.A1]);
    path = r!.path;
  });
  afterAll(async () => {
    await t.close();
  });

  const insertOrder = (on: { query: (text: string, values: unknown[]) => Promise<unknown> }, o: { category?: string; region?: string; scope?: string } = {}) =>
    // cancelled: references are kept whatever the status, and a resident has one open order per service (issue 20)
    on.query(
      `INSERT INTO service_order (resident_id, requester_id, channel, category_code, description, urgency, region_id, region_path, escalation_level,
         scope_region_id, scope_path, deadline_at, created_at, updated_at, status, cancelled_at)
       VALUES ($1, $1, 'miniapp', $2, '引用检查', 'normal', $3, $4, 'grid', $5, $4, now() + interval '1 hour', now(), now(), 'cancelled', now()) RETURNING id`,
      [w.users.residentA1.id, o.category ?? 'medicine_delivery', o.region ?? w.regions.A1, path, o.scope ?? o.region ?? w.regions.A1],
    );
  const category = async (code: string): Promise<unknown> =>
    t.database.db.query(
      `INSERT INTO service_category (code, name, color, icon, accept_minutes_normal, accept_minutes_urgent) VALUES ($1, $2, 'other', 'star', 60, 30)`,
      [code, `测试服务${code}`],
    );

  it('an order pointing at no category or no place is refused with 23503', async () => {
    await expect(insertOrder(t.database.db, { category: 'no_such_service' })).rejects.toMatchObject({
      code: '23503',
      constraint: 'service_order_category_code_exists',
    });
    await expect(insertOrder(t.database.db, { region: randomUUID() })).rejects.toMatchObject({ code: '23503', constraint: 'service_order_region_id_exists' });
    await expect(insertOrder(t.database.db, { scope: randomUUID() })).rejects.toMatchObject({
      code: '23503',
      constraint: 'service_order_scope_region_id_exists',
    });
    const [row] = (await insertOrder(t.database.db)) as Array<{ id: string }>;
    await expect(t.database.db.query(`UPDATE service_order SET scope_region_id = $2 WHERE id = $1`, [row!.id, randomUUID()])).rejects.toMatchObject({
      code: '23503',
    });
    await expect(t.database.db.query(`UPDATE service_order SET category_code = 'gone_away' WHERE id = $1`, [row!.id])).rejects.toMatchObject({ code: '23503' });
    // escalation moves the scope to a real place: allowed
    await t.database.db.query(`UPDATE service_order SET scope_region_id = $2 WHERE id = $1`, [row!.id, w.regions.A]);
  });

  it('a category or place with orders cannot be deleted (or re-keyed); one without can', async () => {
    await category('ref_used');
    await insertOrder(t.database.db, { category: 'ref_used' });
    await expect(t.database.db.query(`DELETE FROM service_category WHERE code = 'ref_used'`)).rejects.toMatchObject({ code: '23503' });
    await expect(t.database.db.query(`UPDATE service_category SET code = 'ref_renamed' WHERE code = 'ref_used'`)).rejects.toMatchObject({ code: '23503' });
    await category('ref_unused');
    await t.database.db.query(`DELETE FROM service_category WHERE code = 'ref_unused'`);

    // a place of its own, with an order whose scope is there
    const leaf = randomUUID();
    await t.database.db.query(
      `INSERT INTO region (id, parent_id, level, name, path, center_lat, center_lng) VALUES ($1, $2, 'grid', '引用网格', $3, 40.75, 107.4)`,
      [leaf, w.regions.A, `${path.replace(/[^/]+\/$/, '')}${leaf}/`],
    );
    const [row] = (await insertOrder(t.database.db, { scope: leaf })) as Array<{ id: string }>;
    await expect(t.database.db.query(`DELETE FROM region WHERE id = $1`, [leaf])).rejects.toMatchObject({ code: '23503' });
    await t.database.db.query(`UPDATE service_order SET scope_region_id = region_id WHERE id = $1`, [row!.id]);
    await t.database.db.query(`DELETE FROM region WHERE id = $1`, [leaf]);
  });

  it('a deletion waits for an order being written to it, then refuses', async () => {
    await category('ref_racing');
    const writer = new Client({ connectionString: t.database.url });
    const deleter = new Client({ connectionString: t.database.url });
    await writer.connect();
    await deleter.connect();
    try {
      await writer.query('BEGIN');
      await insertOrder(writer, { category: 'ref_racing' }); // not committed yet: invisible to the deleter
      let settled = false;
      const deletion = deleter.query(`DELETE FROM service_category WHERE code = 'ref_racing'`).finally(() => (settled = true));
      deletion.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false); // held back by the order's transaction
      await writer.query('COMMIT');
      await expect(deletion).rejects.toMatchObject({ code: '23503' });
      const left = await t.database.db.query(`SELECT code FROM service_category WHERE code = 'ref_racing'`);
      expect(left).toHaveLength(1);
    } finally {
      await writer.end();
      await deleter.end();
    }
  });
});
