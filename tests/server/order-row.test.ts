import 'reflect-metadata';
import type { Pool } from 'pg';
import { ORDER_SELECT } from '../../server/src/modules/orders/order.repo';
import { SERVICE_ORDER_COLUMNS, type JoinedOrderFields } from '../../server/src/modules/orders/order-row';
import { ServiceOrder } from '../../server/src/modules/orders/order.entity';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * service_order is described three times: by its migrations (what the database has), by its entity (what TypeORM
 * and the drift test of the migrations read) and by OrderRow (what the orders module's SQL answers). The compiler
 * ties OrderRow to SERVICE_ORDER_COLUMNS; this ties that list to the other two, and to what the one select of
 * orders really returns.
 */
describe('the three descriptions of service_order agree', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  const sorted = (names: readonly string[]) => [...names].sort();
  const JOINED: JoinedOrderFields[] = [
    'category_name',
    'category_kind',
    'accept_minutes_normal',
    'accept_minutes_urgent',
    'region_name',
    'community_name',
    'resident_name',
    'resident_phone',
    'resident_landline',
    'resident_confirms',
    'responsible_name',
    'responsible_phone',
  ];

  it("OrderRow's table columns are exactly the migrated table's and the entity's", async () => {
    const table = await database.db.query<Array<{ column_name: string }>>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'service_order'`,
    );
    const entity = database.db.getMetadata(ServiceOrder).columns.map((c) => c.databaseName);
    expect(sorted(SERVICE_ORDER_COLUMNS)).toEqual(sorted(table.map((c) => c.column_name)));
    expect(sorted(SERVICE_ORDER_COLUMNS)).toEqual(sorted(entity));
  });

  it('the select every order read goes through answers exactly the fields of OrderRow', async () => {
    const pool = (database.db.driver as unknown as { master: Pool }).master;
    const { fields } = await pool.query(`${ORDER_SELECT} LIMIT 0`);
    expect(sorted(fields.map((f) => f.name))).toEqual(sorted([...SERVICE_ORDER_COLUMNS, ...JOINED]));
  });
});
