import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People (residents, volunteers, grid workers, dispatchers, admins), the service catalogue, squads (小分队, the
 * seven colour teams 七彩帮帮团) and the record of who saw whose full phone number or address (privacy: residents
 * are vulnerable people, every unmasked view is accounted for).
 */
export class CreatePeopleAndCatalogue1795392100000 implements MigrationInterface {
  name = 'CreatePeopleAndCatalogue1795392100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_category (
        code                  text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
        name                  text NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 40),
        color                 text NOT NULL CHECK (color IN ('red', 'orange', 'pink', 'purple', 'yellow', 'green', 'blue', 'other')),
        icon                  text NOT NULL CHECK (char_length(icon) BETWEEN 1 AND 40),
        accept_minutes_normal integer NOT NULL CHECK (accept_minutes_normal BETWEEN 1 AND 10080),
        accept_minutes_urgent integer NOT NULL CHECK (accept_minutes_urgent BETWEEN 1 AND 10080),
        multi_person          boolean NOT NULL DEFAULT false,
        sort_order            integer NOT NULL DEFAULT 0,
        active                boolean NOT NULL DEFAULT true,
        created_at            timestamptz NOT NULL DEFAULT now(),
        updated_at            timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT service_category_urgent_faster CHECK (accept_minutes_urgent <= accept_minutes_normal)
      )
    `);
    await q.query(`
      CREATE TABLE app_user (
        id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name                   text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 40),
        -- unique when known; a person who first arrives through WeChat login has no phone until they bind one
        phone                  text UNIQUE CHECK (phone ~ '^1[3-9][0-9]{9}$'),
        roles                  text[] NOT NULL DEFAULT '{resident}'
                               CHECK (cardinality(roles) >= 1 AND roles <@ ARRAY['resident', 'volunteer', 'grid_worker', 'dispatcher', 'admin']),
        region_id              uuid REFERENCES region(id) ON DELETE RESTRICT,
        location_lat           double precision CHECK (location_lat BETWEEN -90 AND 90),
        location_lng           double precision CHECK (location_lng BETWEEN -180 AND 180),
        skills                 text[] NOT NULL DEFAULT '{}',
        party_member           boolean NOT NULL DEFAULT false,
        employed_party_member  boolean NOT NULL DEFAULT false,
        address                text CHECK (char_length(address) <= 200),
        tags                   text[] NOT NULL DEFAULT '{}'
                               CHECK (tags <@ ARRAY['living_alone', 'empty_nest', 'elderly', 'disabled', 'low_income', 'left_behind_child', 'single_mother', 'seriously_ill']),
        paired_cadre_id        uuid REFERENCES app_user(id) ON DELETE SET NULL,
        wechat_openid          text UNIQUE,
        on_duty                boolean NOT NULL DEFAULT false,
        roster                 jsonb,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT app_user_location_pair CHECK ((location_lat IS NULL) = (location_lng IS NULL))
      )
    `);
    await q.query(`CREATE INDEX app_user_region_idx ON app_user (region_id)`);
    await q.query(`CREATE INDEX app_user_roles_idx ON app_user USING gin (roles)`);
    await q.query(`CREATE INDEX app_user_created_idx ON app_user (created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE squad (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
        color       text NOT NULL CHECK (color IN ('red', 'orange', 'pink', 'purple', 'yellow', 'green', 'blue', 'other')),
        region_id   uuid NOT NULL REFERENCES region(id) ON DELETE RESTRICT,
        leader_id   uuid NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
        categories  text[] NOT NULL DEFAULT '{}',
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT squad_region_name_unique UNIQUE (region_id, name)
      )
    `);
    await q.query(`
      CREATE TABLE squad_member (
        squad_id   uuid NOT NULL REFERENCES squad(id) ON DELETE CASCADE,
        user_id    uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        joined_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (squad_id, user_id)
      )
    `);
    await q.query(`CREATE INDEX squad_member_user_idx ON squad_member (user_id)`);
    await q.query(`
      CREATE TABLE access_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        viewer_id   uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        subject_id  uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        fields      text[] NOT NULL,
        reason      text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )
    `);
    await q.query(`CREATE INDEX access_log_subject_idx ON access_log (subject_id, created_at DESC)`);
    // Rate-limit counters shared by every API process (an in-memory counter per process would let a client
    // multiply its allowance by the number of processes). UNLOGGED: losing them in a crash is harmless.
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit (
        key       text PRIMARY KEY,
        count     integer NOT NULL,
        reset_at  timestamptz NOT NULL
      )
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit`);
    await q.query(`DROP TABLE access_log`);
    await q.query(`DROP TABLE squad_member`);
    await q.query(`DROP TABLE squad`);
    await q.query(`DROP TABLE app_user`);
    await q.query(`DROP TABLE service_category`);
  }
}
