import { seedDemoData } from '../../server/src/demo/seed';
import { DEMO_ACCOUNTS } from '../../server/src/demo/accounts';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * The demo's points (issue 22): every confirmed demo order credited the people who served it through the real
 * transition — one ledger row per person and closed round, nothing for an order not (or no longer) confirmed — and
 * the demo volunteer's community has a shop with a pending redemption of his.
 */
describe('demo points', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await seedDemoData(database.db);
  });
  afterAll(async () => {
    await database?.drop();
  });
  const sql = <T>(q: string, p: unknown[] = []) => database.db.query<T[]>(q, p);

  it('credits each person who served a closed round, once, and nothing else', async () => {
    const expected = await sql<{ order_id: string; volunteer_id: string; round: number }>(
      `SELECT a.order_id, a.volunteer_id, a.round FROM order_assignment a JOIN service_order o ON o.id = a.order_id
        WHERE o.status = 'closed' AND a.round = o.round AND a.state = 'completed' ORDER BY 1, 2`,
    );
    const credited = await sql<{ order_id: string; volunteer_id: string; round: number }>(
      `SELECT source_id AS order_id, user_id AS volunteer_id, round FROM points_ledger WHERE kind = 'order' ORDER BY 1, 2`,
    );
    expect(expected.length).toBeGreaterThan(50);
    expect(credited).toEqual(expected);
    // the balances are the ledger's sums
    const drift = await sql<unknown>(
      `SELECT b.user_id FROM points_balance b
        WHERE b.balance <> (SELECT COALESCE(sum(amount), 0) FROM points_ledger l WHERE l.user_id = b.user_id)`,
    );
    expect(drift).toEqual([]);
  });

  it('gives the demo volunteer points, a shop in his community and a towel waiting to be handed over', async () => {
    const [me] = await sql<{ id: string; balance: number }>(
      `SELECT u.id, b.balance FROM app_user u JOIN points_balance b ON b.user_id = u.id WHERE u.phone = $1`,
      [DEMO_ACCOUNTS[3].phone],
    );
    expect(me!.balance).toBeGreaterThan(0);
    const items = await sql<{ name: string; community: string }>(
      `SELECT i.name, c.name AS community FROM points_shop_item i JOIN region c ON c.id = i.community_id ORDER BY i.price`,
    );
    expect(items.map((i) => i.name)).toEqual(['毛巾', '洗衣液', '大米（5斤）', '食用油']);
    expect(new Set(items.map((i) => i.community))).toEqual(new Set(['北城社区']));
    const pending = await sql<{ name: string }>(
      `SELECT i.name FROM points_redemption r JOIN points_shop_item i ON i.id = r.item_id WHERE r.user_id = $1 AND r.status = 'pending'`,
      [me!.id],
    );
    expect(pending).toEqual([{ name: '毛巾' }]);
    const rules = await sql<{ category_code: string | null }>(`SELECT category_code FROM points_rule ORDER BY category_code NULLS FIRST`);
    expect(rules.map((r) => r.category_code)).toEqual([null, 'harvest_help', 'home_vaccination']);
  });
});
