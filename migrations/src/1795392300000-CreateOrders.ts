import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders (点单 → 派单 → 接单 → 签到 → 完成 → 评价): the order itself, the people on it (one row per person per
 * round, so a reopened order keeps who served it before), and its timeline. Race safety lives here as much as in
 * code: an order's row is locked for every change, a person can hold one place per round (partial unique index),
 * places never exceed the headcount (CHECK), an idempotency key is unique per requester, and events are numbered
 * per order (PRIMARY KEY (order_id, seq)) so two writers can never both append "the next" event.
 */
export class CreateOrders1795392300000 implements MigrationInterface {
  name = 'CreateOrders1795392300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_order (
        id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        resident_id             uuid NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
        -- the resident, or the grid worker / dispatcher who ordered for them (代下单)
        requester_id            uuid NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
        channel                 text NOT NULL CHECK (channel IN ('miniapp', 'phone', 'walk_in')),
        category_code           text NOT NULL REFERENCES service_category(code) ON DELETE RESTRICT,
        description             text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 500),
        address                 text CHECK (char_length(address) <= 200),
        location_lat            double precision CHECK (location_lat BETWEEN -90 AND 90),
        location_lng            double precision CHECK (location_lng BETWEEN -180 AND 180),
        preferred_start         timestamptz,
        preferred_end           timestamptz,
        urgency                 text NOT NULL CHECK (urgency IN ('normal', 'urgent')),
        headcount               integer NOT NULL DEFAULT 1 CHECK (headcount BETWEEN 1 AND 50),
        accepted_count          integer NOT NULL DEFAULT 0,
        status                  text NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'dispatched', 'accepted', 'in_service', 'completed', 'closed', 'cancelled')),
        -- the resident's place (copied: orders are listed and counted by place prefix)
        region_id               uuid NOT NULL REFERENCES region(id) ON DELETE RESTRICT,
        region_path             text NOT NULL,
        -- 三级联动: the level the order has reached, and the place at that level whose volunteers see it
        escalation_level        text NOT NULL CHECK (escalation_level IN ('grid', 'community', 'town', 'county')),
        scope_region_id         uuid NOT NULL REFERENCES region(id) ON DELETE RESTRICT,
        scope_path              text NOT NULL,
        escalate_at             timestamptz,
        deadline_at             timestamptz NOT NULL,
        dispatched_to_user_id   uuid REFERENCES app_user(id) ON DELETE SET NULL,
        dispatched_to_squad_id  uuid REFERENCES squad(id) ON DELETE SET NULL,
        round                   integer NOT NULL DEFAULT 1 CHECK (round >= 1),
        -- the number of events written: the seq of the next one is version + 1
        version                 integer NOT NULL DEFAULT 1,
        first_accepted_at       timestamptz,
        completed_at            timestamptz,
        closed_at               timestamptz,
        cancelled_at            timestamptz,
        cancel_reason           text,
        far_check_in            boolean NOT NULL DEFAULT false,
        rating                  smallint CHECK (rating BETWEEN 1 AND 5),
        rating_comment          text CHECK (char_length(rating_comment) <= 300),
        idempotency_key         text CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
        request_hash            text,
        created_at              timestamptz NOT NULL,
        updated_at              timestamptz NOT NULL,
        CONSTRAINT service_order_location_pair CHECK ((location_lat IS NULL) = (location_lng IS NULL)),
        CONSTRAINT service_order_preferred_order CHECK (preferred_end > preferred_start),
        CONSTRAINT service_order_places CHECK (accepted_count BETWEEN 0 AND headcount),
        CONSTRAINT service_order_one_dispatch CHECK (dispatched_to_user_id IS NULL OR dispatched_to_squad_id IS NULL),
        CONSTRAINT service_order_idempotency_key UNIQUE (requester_id, idempotency_key)
      )
    `);
    // lists and statistics by place: a prefix of the path, newest first
    await q.query(`CREATE INDEX service_order_region_idx ON service_order (region_path text_pattern_ops, created_at)`);
    await q.query(`CREATE INDEX service_order_created_idx ON service_order (created_at, id)`);
    await q.query(`CREATE INDEX service_order_resident_idx ON service_order (resident_id, created_at)`);
    // partial: most orders are dispatched to nobody, and ordering should not pay for indexing a NULL
    await q.query(`CREATE INDEX service_order_dispatched_user_idx ON service_order (dispatched_to_user_id) WHERE dispatched_to_user_id IS NOT NULL`);
    await q.query(`CREATE INDEX service_order_dispatched_squad_idx ON service_order (dispatched_to_squad_id) WHERE dispatched_to_squad_id IS NOT NULL`);
    // the task hall: open orders by the place whose volunteers see them
    await q.query(`CREATE INDEX service_order_pool_idx ON service_order (scope_path, category_code) WHERE status = 'pending'`);
    // the escalation sweep: orders waiting for someone, by when they are due to move up
    await q.query(
      `CREATE INDEX service_order_escalate_idx ON service_order (escalate_at) WHERE status IN ('pending', 'dispatched') AND escalate_at IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE order_assignment (
        id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id              uuid NOT NULL REFERENCES service_order(id) ON DELETE CASCADE,
        round                 integer NOT NULL,
        volunteer_id          uuid NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
        squad_id              uuid REFERENCES squad(id) ON DELETE SET NULL,
        state                 text NOT NULL CHECK (state IN ('accepted', 'in_service', 'completed', 'released', 'no_show', 'cancelled')),
        accepted_at           timestamptz NOT NULL,
        checked_in_at         timestamptz,
        completed_at          timestamptz,
        ended_at              timestamptz,
        end_reason            text,
        check_in_lat          double precision,
        check_in_lng          double precision,
        check_in_distance_m   double precision,
        check_in_far          boolean NOT NULL DEFAULT false,
        service_minutes       integer CHECK (service_minutes >= 0),
        note                  text,
        photo_urls            text[] NOT NULL DEFAULT '{}'
      )
    `);
    // one place per person per round, enforced by the database whatever the code does
    await q.query(
      `CREATE UNIQUE INDEX order_assignment_one_place ON order_assignment (order_id, round, volunteer_id) WHERE state IN ('accepted', 'in_service', 'completed')`,
    );
    await q.query(`CREATE INDEX order_assignment_order_idx ON order_assignment (order_id)`);
    await q.query(`CREATE INDEX order_assignment_volunteer_idx ON order_assignment (volunteer_id, accepted_at)`);

    await q.query(`
      CREATE TABLE order_event (
        order_id     uuid NOT NULL REFERENCES service_order(id) ON DELETE CASCADE,
        seq          integer NOT NULL,
        type         text NOT NULL
                     CHECK (type IN ('created', 'dispatch', 'reject', 'accept', 'release', 'check_in', 'complete', 'confirm', 'reopen', 'cancel', 'escalate')),
        -- null: the system (the escalation sweep)
        actor_id     uuid REFERENCES app_user(id) ON DELETE SET NULL,
        at           timestamptz NOT NULL,
        from_status  text,
        to_status    text NOT NULL,
        reason       text,
        data         jsonb NOT NULL DEFAULT '{}',
        -- numbered per order: two writers can never both append "the next" event
        CONSTRAINT order_event_pkey PRIMARY KEY (order_id, seq)
      )
    `);
    // escalations are counted in the statistics; no other event type is looked up by type
    await q.query(`CREATE INDEX order_event_escalate_idx ON order_event (at) WHERE type = 'escalate'`);
    // the matching engine leaves out whoever declined the order, and weighs each person's declines per category
    await q.query(`CREATE INDEX order_event_reject_actor_idx ON order_event (actor_id) WHERE type = 'reject'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE order_event`);
    await q.query(`DROP TABLE order_assignment`);
    await q.query(`DROP TABLE service_order`);
  }
}
