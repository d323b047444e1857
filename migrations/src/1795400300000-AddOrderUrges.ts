import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every order event type (shared/orders.ts ORDER_EVENT_TYPES): each helper of issue 20 widens the CHECK to all of them, so the merges agree. */
const ALL_EVENT_TYPES = `'created', 'dispatch', 'reject', 'accept', 'release', 'check_in', 'complete', 'confirm', 'reopen', 'cancel', 'escalate', 'offer', 'recall', 'urge', 'no_show', 'remind'`;
// down: every type but this migration's (other migrations of issue 20 may still need theirs; each undoes its own)
const WITHOUT_URGE = `'created', 'dispatch', 'reject', 'accept', 'release', 'check_in', 'complete', 'confirm', 'reopen', 'cancel', 'escalate', 'offer', 'recall', 'no_show', 'remind'`;

/**
 * A repeat is a nudge, not a duplicate (issue 20, item 7).
 *
 * - At most one open order (pending … in service) per resident and service: a partial unique index, so that two
 *   identical 点单 at the same moment — in one group-committed batch or in two — make one order. The creation
 *   statements insert with ON CONFLICT DO NOTHING, so the repeat is skipped without failing the batch's other orders.
 *   `repeat_of` names the open order a staff member knowingly placed a second one beside (two different repairs):
 *   such an order is outside the index. No foreign key: orders are never deleted, and a key's trigger would cost
 *   every order written on the hot path (see GuardOrderReferencesFromParents).
 * - 催一下: how many times the resident urged the order and when last (the board shows 「催办 N 次」; the interval
 *   between two urges is counted from the last).
 * - The `urge` event on the timeline.
 */
export class AddOrderUrges1795400300000 implements MigrationInterface {
  name = 'AddOrderUrges1795400300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE service_order ADD COLUMN urge_count integer NOT NULL DEFAULT 0 CHECK (urge_count >= 0)`);
    await q.query(`ALTER TABLE service_order ADD COLUMN last_urged_at timestamptz`);
    await q.query(`ALTER TABLE service_order ADD COLUMN repeat_of uuid`);
    await q.query(
      `CREATE UNIQUE INDEX service_order_one_open_per_service_idx ON service_order (resident_id, category_code)
       WHERE status IN ('pending', 'dispatched', 'accepted', 'in_service') AND repeat_of IS NULL`,
    );
    await q.query(`ALTER TABLE order_event DROP CONSTRAINT IF EXISTS order_event_type_check`);
    await q.query(`ALTER TABLE order_event ADD CONSTRAINT order_event_type_check CHECK (type IN (${ALL_EVENT_TYPES}))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM order_event WHERE type = 'urge'`);
    await q.query(`ALTER TABLE order_event DROP CONSTRAINT IF EXISTS order_event_type_check`);
    await q.query(`ALTER TABLE order_event ADD CONSTRAINT order_event_type_check CHECK (type IN (${WITHOUT_URGE}))`);
    await q.query(`DROP INDEX service_order_one_open_per_service_idx`);
    await q.query(`ALTER TABLE service_order DROP COLUMN repeat_of`);
    await q.query(`ALTER TABLE service_order DROP COLUMN last_urged_at`);
    await q.query(`ALTER TABLE service_order DROP COLUMN urge_count`);
  }
}
