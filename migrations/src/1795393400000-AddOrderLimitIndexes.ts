import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-account limits on 点单 (issue 18, item 7): at most N orders still waiting for help per resident, at most M
 * orders a person placed for themself in 24 hours, at most K proxy orders (代下单) a staff member placed in 24 hours.
 * The counts are made by the statement that writes the order (orders/order.repo.ts), so they must be index probes:
 *
 * - a resident's orders still waiting for help (a completed order awaiting confirmation does not count: an elder who
 *   never confirms must not be locked out);
 * - a staff member's proxy orders by time (one's own orders are found by `service_order_resident_idx`).
 */
export class AddOrderLimitIndexes1795393400000 implements MigrationInterface {
  name = 'AddOrderLimitIndexes1795393400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX service_order_open_resident_idx ON service_order (resident_id) WHERE status IN ('pending', 'dispatched', 'accepted', 'in_service')`,
    );
    await q.query(`CREATE INDEX service_order_proxy_requester_idx ON service_order (requester_id, created_at) WHERE requester_id <> resident_id`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX service_order_proxy_requester_idx`);
    await q.query(`DROP INDEX service_order_open_resident_idx`);
  }
}
