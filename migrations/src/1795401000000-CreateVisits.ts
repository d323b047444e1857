import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 22, item 1: 走访 — visit plans for ledger households and the visits the job queue makes of them.
 *
 * - `visit_plan`: a frequency per (place, ledger tag). A household takes, for each of its tags, the plan of the
 *   nearest place above it that has one (else the built-in default, shared/src/visits.ts), and of those the most
 *   frequent. Few rows (a county's eight, a few overrides), read by a join on the path.
 * - `visit`: one per household and period — UNIQUE (household_id, period) is what makes generation exactly once
 *   however many processes run it (INSERT … ON CONFLICT DO NOTHING). `period` is the period's key (2026-W50,
 *   2026-12, 2026-Q4, Beijing calendar); `due_at` the first instant after it. The assignee (the paired cadre, else a
 *   grid worker) is decided when the visit is made. `order_id` is the order a need found at the door became. No
 *   foreign key to service_order: an order row's writes must not take FOR KEY SHARE locks from here (see
 *   GuardOrderReferencesFromParents); people and orders are never deleted by the application.
 * - `escalation_level`: a missed visit's alarms so far (1 the assignee, 2 the community, 3 the town, 4 the county),
 *   moved on by a conditional UPDATE, so two sweepers never alarm a level twice.
 */
export class CreateVisits1795401000000 implements MigrationInterface {
  name = 'CreateVisits1795401000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE visit_plan (
        region_id   uuid NOT NULL REFERENCES region(id) ON DELETE CASCADE,
        tag         text NOT NULL CHECK (tag IN ('living_alone', 'empty_nest', 'elderly', 'disabled', 'low_income', 'left_behind_child', 'single_mother', 'seriously_ill')),
        frequency   text NOT NULL CHECK (frequency IN ('weekly', 'monthly', 'quarterly')),
        updated_by  uuid,
        updated_at  timestamptz NOT NULL,
        PRIMARY KEY (region_id, tag)
      )
    `);
    await q.query(`
      CREATE TABLE visit (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        household_id       uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        period             text NOT NULL CHECK (period ~ '^\\d{4}-(W\\d{2}|Q[1-4]|\\d{2})$'),
        frequency          text NOT NULL CHECK (frequency IN ('weekly', 'monthly', 'quarterly')),
        region_id          uuid NOT NULL,
        assignee_id        uuid,
        due_at             timestamptz NOT NULL,
        created_at         timestamptz NOT NULL,
        checked_in_at      timestamptz,
        check_in_lat       double precision,
        check_in_lng       double precision,
        check_in_distance  double precision,
        far_check_in       boolean NOT NULL DEFAULT false,
        done_at            timestamptz,
        done_by            uuid,
        condition          text CHECK (condition IN ('good', 'attention', 'urgent')),
        note               text CHECK (char_length(note) <= 500),
        order_id           uuid,
        escalation_level   smallint NOT NULL DEFAULT 0,
        escalated_at       timestamptz,
        CONSTRAINT visit_once_per_period UNIQUE (household_id, period),
        CONSTRAINT visit_done_has_condition CHECK ((done_at IS NULL) = (condition IS NULL))
      )
    `);
    // 我的走访: a person's visits, newest period first
    await q.query(`CREATE INDEX visit_assignee_idx ON visit (assignee_id, due_at DESC)`);
    // the missed-visit sweep and the board's flag: only visits not yet done
    await q.query(`CREATE INDEX visit_open_due_idx ON visit (due_at) WHERE done_at IS NULL`);
    // coverage by place over a window of due times
    await q.query(`CREATE INDEX visit_due_region_idx ON visit (due_at, region_id)`);
    // generation walks the ledger households in id order, a batch at a time: the few among all people
    await q.query(`CREATE INDEX app_user_ledger_idx ON app_user (id) WHERE cardinality(tags) > 0`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX app_user_ledger_idx`);
    await q.query(`DROP TABLE visit`);
    await q.query(`DROP TABLE visit_plan`);
  }
}
