import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20, items 3 and 6: nobody waits unnoticed.
 *
 * - `service_order.responsible_id` (兜底责任人): the person answerable for the order from the first minute — the
 *   paired cadre (包联) of a ledger household, otherwise a grid worker of the resident's grid — set by the INSERT
 *   that creates the order. No foreign key, for the reason of GuardOrderReferencesFromParents: every order of a grid
 *   points at the same one or two grid workers, and a foreign key check would take FOR KEY SHARE on those rows from
 *   every concurrent order write (MultiXacts on the hot path). People are never deleted by the application; the
 *   order is presented with a LEFT JOIN, so a vanished person reads as nobody.
 * - `app_user_staff_place_idx`: creation looks up the staff of the resident's place (and the places above) for
 *   every order: the partial index holds only grid workers and dispatchers, a handful per place, where the plain
 *   region index would walk every resident of the grid.
 * - `order_assignment.reminded_at`: when a volunteer who accepted but has not checked in was reminded (提醒上门);
 *   the no-show sweep returns the order to the pool a grace period after it. The partial index holds only places
 *   accepted and not yet checked in — the few the sweep reads every minute.
 * - The event types of issue 20 (offer, recall, urge, no_show, remind) allowed on the timeline: the constraint is
 *   dropped and added again with the whole list, so that whichever of issue 20's migrations runs last agrees.
 */
export class AddResponsibleAndNoShows1795400200000 implements MigrationInterface {
  name = 'AddResponsibleAndNoShows1795400200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE service_order ADD COLUMN responsible_id uuid`);
    await q.query(`CREATE INDEX app_user_staff_place_idx ON app_user (region_id) WHERE roles && ARRAY['grid_worker', 'dispatcher']::text[]`);
    // the overdue list per place and the alarms: open orders by who answers for them
    await q.query(
      `CREATE INDEX service_order_responsible_idx ON service_order (responsible_id) WHERE status IN ('pending', 'dispatched') AND responsible_id IS NOT NULL`,
    );
    await q.query(`ALTER TABLE order_assignment ADD COLUMN reminded_at timestamptz`);
    await q.query(`CREATE INDEX order_assignment_awaiting_check_in_idx ON order_assignment (accepted_at) WHERE state = 'accepted'`);
    await q.query(`ALTER TABLE order_event DROP CONSTRAINT IF EXISTS order_event_type_check`);
    await q.query(`
      ALTER TABLE order_event ADD CONSTRAINT order_event_type_check
      CHECK (type IN ('created', 'dispatch', 'reject', 'accept', 'release', 'check_in', 'complete', 'confirm', 'reopen', 'cancel', 'escalate',
                      'offer', 'recall', 'urge', 'no_show', 'remind'))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_event DROP CONSTRAINT IF EXISTS order_event_type_check`);
    await q.query(`
      ALTER TABLE order_event ADD CONSTRAINT order_event_type_check
      CHECK (type IN ('created', 'dispatch', 'reject', 'accept', 'release', 'check_in', 'complete', 'confirm', 'reopen', 'cancel', 'escalate'))`);
    await q.query(`DROP INDEX order_assignment_awaiting_check_in_idx`);
    await q.query(`ALTER TABLE order_assignment DROP COLUMN reminded_at`);
    await q.query(`DROP INDEX service_order_responsible_idx`);
    await q.query(`DROP INDEX app_user_staff_place_idx`);
    await q.query(`ALTER TABLE service_order DROP COLUMN responsible_id`);
  }
}
