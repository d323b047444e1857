import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Requests a person makes to staff (issue 18, item 2): to become a volunteer (我要当志愿者) or to move to another
 * grid (迁移申请). Nobody grants themself a role or a place: the grid worker or dispatcher of the place decides, once.
 *
 * - One table for both kinds: they share the life cycle (pending → approved / declined, or withdrawn by the person),
 *   the decision's who and when, and the staff's one list. Columns of the other kind stay empty (checked).
 * - `region_id` is the applicant's place when they applied (what staff saw); who may decide is read from the
 *   person's place now and, for a move, the target.
 * - One pending request of each kind per person: a partial unique index, so two quick taps cannot make two.
 * - The staff list is newest first with a keyset on (created_at, id); a person's own list by applicant.
 */
export class CreateApplications1795393200000 implements MigrationInterface {
  name = 'CreateApplications1795393200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE application (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        applicant_id       uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        kind               text NOT NULL CHECK (kind IN ('volunteer', 'move')),
        status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn')),
        region_id          uuid REFERENCES region (id) ON DELETE RESTRICT,
        skills             text[] NOT NULL DEFAULT '{}',
        service_region_id  uuid REFERENCES region (id) ON DELETE RESTRICT,
        availability       jsonb NOT NULL DEFAULT '[]',
        note               text CHECK (char_length(note) <= 500),
        target_region_id   uuid REFERENCES region (id) ON DELETE RESTRICT,
        address            text CHECK (char_length(address) <= 200),
        location_lat       double precision CHECK (location_lat BETWEEN -90 AND 90),
        location_lng       double precision CHECK (location_lng BETWEEN -180 AND 180),
        reason             text CHECK (char_length(reason) <= 500),
        decided_by         uuid REFERENCES app_user (id) ON DELETE SET NULL,
        decided_at         timestamptz,
        decline_reason     text CHECK (char_length(decline_reason) <= 200),
        created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT application_move_has_target CHECK (kind <> 'move' OR (target_region_id IS NOT NULL AND address IS NOT NULL)),
        CONSTRAINT application_decided CHECK ((status IN ('approved', 'declined')) = (decided_at IS NOT NULL)),
        CONSTRAINT application_declined_has_reason CHECK ((status = 'declined') = (decline_reason IS NOT NULL)),
        CONSTRAINT application_location_pair CHECK ((location_lat IS NULL) = (location_lng IS NULL))
      )
    `);
    await q.query(`CREATE UNIQUE INDEX application_one_pending ON application (applicant_id, kind) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX application_created_idx ON application (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX application_applicant_idx ON application (applicant_id, created_at DESC)`);
    await q.query(`CREATE INDEX application_target_idx ON application (target_region_id) WHERE target_region_id IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE application`);
  }
}
