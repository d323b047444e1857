import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 兜底 from the first minutes (issue 20): every minute the timed work looks for new orders nobody has accepted yet
 * whose responsible person has not been alarmed (notifications.repo.ts `waitingForResponsible`). This partial index
 * holds only the orders still waiting with nobody on them, by deadline: the sweep reads those inside their first
 * window and never the millions of orders served.
 */
export class AddUnacceptedOrderIndex1795400400000 implements MigrationInterface {
  name = 'AddUnacceptedOrderIndex1795400400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX service_order_unaccepted_idx ON service_order (deadline_at) WHERE status IN ('pending', 'dispatched') AND accepted_count = 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX service_order_unaccepted_idx`);
  }
}
