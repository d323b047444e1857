import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The project list (项目清单) and 在职党员「双报到」 (issue 22, item 2).
 *
 * - `party_registration`: an employed party member (在职党员) reports to the community where they live — the
 *   community (a region of level `community`), their workplace (单位) and optionally its party organisation. One
 *   active registration per person (a partial unique index); ending it keeps the row (who reported where, and when).
 * - `project`: a community's project (民生实事): place, start and end, places needed (名额), skills, the hours credited
 *   per attendance (`credit_minutes`) and the points rule (base + per hour: read by the points ledger, not here).
 *   `claimed` counts the live claims; the CHECK `claimed <= places` makes overbooking impossible whatever the code
 *   does, and claiming is a conditional UPDATE of that counter (see projects.repo.ts).
 * - `project_claim`: one person's claim of a place (认领): claimed → attended / absent (the organiser confirms, with
 *   the minutes served and the points the rule gives) or cancelled. One live claim per person and project (a partial
 *   unique index: a cancelled claim may be made again).
 * - `project_source_order`: the residents' demands (orders) a project was made from — each order at most once, so the
 *   order shows its one project and the project its orders.
 */
export class CreateProjects1795401100000 implements MigrationInterface {
  name = 'CreateProjects1795401100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE party_registration (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id             uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        community_id        uuid NOT NULL REFERENCES region (id) ON DELETE RESTRICT,
        workplace           text NOT NULL CHECK (char_length(workplace) BETWEEN 1 AND 100),
        workplace_party_org text CHECK (char_length(workplace_party_org) BETWEEN 1 AND 100),
        registered_by       uuid REFERENCES app_user (id) ON DELETE SET NULL,
        created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
        ended_at            timestamptz
      )
    `);
    await q.query(`CREATE UNIQUE INDEX party_registration_one_active ON party_registration (user_id) WHERE ended_at IS NULL`);
    await q.query(`CREATE INDEX party_registration_community_idx ON party_registration (community_id, created_at DESC, id DESC) WHERE ended_at IS NULL`);

    await q.query(`
      CREATE TABLE project (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        region_id        uuid NOT NULL REFERENCES region (id) ON DELETE RESTRICT,
        title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 60),
        description      text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
        address          text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 200),
        starts_at        timestamptz NOT NULL,
        ends_at          timestamptz NOT NULL,
        places           integer NOT NULL CHECK (places BETWEEN 1 AND 500),
        claimed          integer NOT NULL DEFAULT 0,
        skills           text[] NOT NULL DEFAULT '{}',
        credit_minutes   integer NOT NULL CHECK (credit_minutes BETWEEN 0 AND 1440),
        points_base      integer NOT NULL DEFAULT 0 CHECK (points_base BETWEEN 0 AND 10000),
        points_per_hour  integer NOT NULL DEFAULT 0 CHECK (points_per_hour BETWEEN 0 AND 10000),
        status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'closed', 'cancelled')),
        created_by       uuid REFERENCES app_user (id) ON DELETE SET NULL,
        created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at     timestamptz,
        CONSTRAINT project_claimed_within_places CHECK (claimed BETWEEN 0 AND places),
        CONSTRAINT project_period CHECK (ends_at > starts_at)
      )
    `);
    await q.query(`CREATE INDEX project_region_idx ON project (region_id, starts_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE project_claim (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id    uuid NOT NULL REFERENCES project (id) ON DELETE CASCADE,
        user_id       uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        status        text NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'cancelled', 'attended', 'absent')),
        claimed_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
        cancelled_at  timestamptz,
        confirmed_at  timestamptz,
        confirmed_by  uuid REFERENCES app_user (id) ON DELETE SET NULL,
        -- the service time credited (attended) and the points the project's rule gave for it
        minutes       integer CHECK (minutes BETWEEN 0 AND 1440),
        points        integer CHECK (points >= 0),
        CONSTRAINT project_claim_confirmed CHECK ((status IN ('attended', 'absent')) = (confirmed_at IS NOT NULL)),
        CONSTRAINT project_claim_credit CHECK ((status = 'attended') = (minutes IS NOT NULL AND points IS NOT NULL))
      )
    `);
    await q.query(`CREATE UNIQUE INDEX project_claim_one_live ON project_claim (project_id, user_id) WHERE status <> 'cancelled'`);
    // the hours of a person (我的, 志愿服务时长) and of a place (统计) read attended claims by person and by time
    await q.query(`CREATE INDEX project_claim_attended_idx ON project_claim (user_id, confirmed_at) WHERE status = 'attended'`);

    await q.query(`
      CREATE TABLE project_source_order (
        project_id  uuid NOT NULL REFERENCES project (id) ON DELETE CASCADE,
        order_id    uuid NOT NULL REFERENCES service_order (id) ON DELETE CASCADE,
        PRIMARY KEY (order_id),
        CONSTRAINT project_source_order_pair UNIQUE (project_id, order_id)
      )
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE project_source_order`);
    await q.query(`DROP TABLE project_claim`);
    await q.query(`DROP TABLE project`);
    await q.query(`DROP TABLE party_registration`);
  }
}
