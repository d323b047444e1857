import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The task hall lists an order under way that is short of people: staff took back the place of someone who accepted
 * and did not come while the others already serve (撤回, issue 20), and the place is filled from the hall
 * (server/src/modules/tasks/task.repo.ts, `hallOrders`). The hall's partial index covers those orders too; its
 * predicate is the query's word for word, so the planner can prove it.
 */
export class HallOffersFreedPlaces1795401500000 implements MigrationInterface {
  name = 'HallOffersFreedPlaces1795401500000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX service_order_pool_idx`);
    await q.query(
      `CREATE INDEX service_order_pool_idx ON service_order (scope_path, category_code)
       WHERE status = 'pending' OR (status = 'in_service' AND accepted_count < headcount)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX service_order_pool_idx`);
    await q.query(`CREATE INDEX service_order_pool_idx ON service_order (scope_path, category_code) WHERE status = 'pending'`);
  }
}
