import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A reopened order (问题未解决) waits again for someone to accept it, with the service's accept window counted from
 * the reopening: `deadline_at` becomes that round's deadline, `reopened_at` says when the wait began (the board's
 * 已等待 and the responsible person's alarm count from it, not from the first order), and `first_deadline_at` keeps
 * the first round's deadline, which the statistics' 按时接单 compares the first acceptance with.
 *
 * Orders reopened before this migration get both from their last `reopen` event; one still waiting gets its round's
 * deadline counted from that reopening (before, it showed as overdue from the moment it was reopened).
 */
export class ReopenStartsANewWait1795401300000 implements MigrationInterface {
  name = 'ReopenStartsANewWait1795401300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE service_order ADD COLUMN reopened_at timestamptz, ADD COLUMN first_deadline_at timestamptz`);
    await q.query(
      `UPDATE service_order o
       SET reopened_at = r.at, first_deadline_at = o.deadline_at,
           deadline_at = CASE WHEN o.status IN ('pending', 'dispatched') AND o.first_accepted_at IS NOT NULL
                              THEN GREATEST(o.deadline_at, r.at + make_interval(mins => CASE WHEN o.urgency = 'urgent' THEN c.accept_minutes_urgent ELSE c.accept_minutes_normal END))
                              ELSE o.deadline_at END
       FROM (SELECT order_id, max(at) AS at FROM order_event WHERE type = 'reopen' GROUP BY order_id) r, service_category c
       WHERE r.order_id = o.id AND c.code = o.category_code AND o.round > 1`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE service_order SET deadline_at = first_deadline_at WHERE first_deadline_at IS NOT NULL`);
    await q.query(`ALTER TABLE service_order DROP COLUMN reopened_at, DROP COLUMN first_deadline_at`);
  }
}
