import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Auto-dispatch (自动派单), set per place and inherited down the tree: `manual` (suggestions only), `auto` (a new
 * order goes to the best candidate at once, and to the next on reject or when the assignee does not accept in
 * time), `pool` (offered in the task hall first, dispatched automatically if nobody takes it). An order keeps the
 * mode it was created under; `auto_dispatch_at` is when the system should next dispatch it (null: never).
 */
export class AddDispatchModes1795392400000 implements MigrationInterface {
  name = 'AddDispatchModes1795392400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE region ADD COLUMN dispatch_mode text CHECK (dispatch_mode IN ('manual', 'auto', 'pool'))`);
    // the mode that applies (its own or the nearest ancestor's), kept up to date when a mode is set, so that placing
    // an order — the hot path — reads it with the resident's place instead of walking up the tree
    await q.query(
      `ALTER TABLE region ADD COLUMN effective_dispatch_mode text NOT NULL DEFAULT 'manual' CHECK (effective_dispatch_mode IN ('manual', 'auto', 'pool'))`,
    );
    await q.query(`ALTER TABLE service_order ADD COLUMN dispatch_mode text NOT NULL DEFAULT 'manual' CHECK (dispatch_mode IN ('manual', 'auto', 'pool'))`);
    await q.query(`ALTER TABLE service_order ADD COLUMN auto_dispatch_at timestamptz`);
    await q.query(`CREATE INDEX service_order_auto_dispatch_idx ON service_order (auto_dispatch_at) WHERE auto_dispatch_at IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX service_order_auto_dispatch_idx`);
    await q.query(`ALTER TABLE service_order DROP COLUMN auto_dispatch_at`);
    await q.query(`ALTER TABLE service_order DROP COLUMN dispatch_mode`);
    await q.query(`ALTER TABLE region DROP COLUMN effective_dispatch_mode`);
    await q.query(`ALTER TABLE region DROP COLUMN dispatch_mode`);
  }
}
