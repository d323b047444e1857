import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 撤回改派 (issue 20, item 5): staff take a dispatch or an accepted order back, before check-in. The order's timeline
 * gains the `recall` event, and a place taken back ends as `recalled`: the staff's decision, not the volunteer's, so
 * unlike `released` and `no_show` it never counts against their reliability (completed ÷ (completed + released +
 * no-shows)). The event CHECK lists every type of ORDER_EVENT_TYPES (shared/orders.ts), so that whichever of issue
 * 20's migrations runs last leaves the same constraint.
 */
const EVENT_TYPES_BEFORE = `'created', 'dispatch', 'reject', 'accept', 'release', 'check_in', 'complete', 'confirm', 'reopen', 'cancel', 'escalate'`;
const EVENT_TYPES = `${EVENT_TYPES_BEFORE}, 'offer', 'recall', 'urge', 'no_show', 'remind'`;
const STATES_BEFORE = `'accepted', 'in_service', 'completed', 'released', 'no_show', 'cancelled'`;

export class AddRecall1795400100000 implements MigrationInterface {
  name = 'AddRecall1795400100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_event DROP CONSTRAINT IF EXISTS order_event_type_check`);
    await q.query(`ALTER TABLE order_event ADD CONSTRAINT order_event_type_check CHECK (type IN (${EVENT_TYPES}))`);
    await q.query(`ALTER TABLE order_assignment DROP CONSTRAINT IF EXISTS order_assignment_state_check`);
    await q.query(`ALTER TABLE order_assignment ADD CONSTRAINT order_assignment_state_check CHECK (state IN (${STATES_BEFORE}, 'recalled'))`);
  }

  // refused by the database while recalls are recorded: neither a place taken back nor its event can be rewritten
  // as something else without lying about what happened
  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_assignment DROP CONSTRAINT order_assignment_state_check`);
    await q.query(`ALTER TABLE order_assignment ADD CONSTRAINT order_assignment_state_check CHECK (state IN (${STATES_BEFORE}))`);
    await q.query(`ALTER TABLE order_event DROP CONSTRAINT order_event_type_check`);
    await q.query(`ALTER TABLE order_event ADD CONSTRAINT order_event_type_check CHECK (type IN (${EVENT_TYPES_BEFORE}))`);
  }
}
