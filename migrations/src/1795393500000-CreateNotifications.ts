import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reaching people (issue 19). The outbox is the order's own timeline: every change someone must hear about already
 * writes its `order_event` in the transaction of the change, so a trigger adds, in that same transaction, one
 * graphile-worker job per statement naming the events it wrote (`order-events`). A rolled-back change adds no job;
 * a committed one cannot lose it. The job finds who must hear what and writes:
 * - `notification`: one thing said to one person (the inbox, 消息中心), unique per (source, kind, recipient) so a
 *   retried job says nothing twice;
 * - `notification_delivery`: per notification and channel, what happened (sent, failed after retries, skipped and
 *   why), unique per (notification, channel) — what the order's timeline shows staff;
 * - `notification_preference`: how a person wants to hear; `subscribe_quota`: WeChat subscription sends left per
 *   person and template (each 允许 is one send); `live_presence`: who has the app open, per API process, so a
 *   person looking at the app is not also texted.
 * graphile-worker's own schema (`graphile_worker`) is migrated by the worker library before these migrations run.
 */
export class CreateNotifications1795393500000 implements MigrationInterface {
  name = 'CreateNotifications1795393500000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification (
        id              bigserial PRIMARY KEY,
        -- a person with a login; or only a phone (a family contact who never logged in: SMS is all they get)
        recipient_id    uuid REFERENCES app_user (id) ON DELETE CASCADE,
        recipient_phone text,
        kind            text NOT NULL,
        order_id        uuid REFERENCES service_order (id) ON DELETE CASCADE,
        -- what caused it: 'e:<order>:<seq>' for an order event, 'near:<order>:<round>:<level>', 'overdue:<order>:<n>'
        source          text NOT NULL,
        title           text NOT NULL,
        body            text NOT NULL,
        urgent          boolean NOT NULL DEFAULT false,
        created_at      timestamptz NOT NULL DEFAULT now(),
        read_at         timestamptz,
        CONSTRAINT notification_recipient_check CHECK (recipient_id IS NOT NULL OR recipient_phone IS NOT NULL)
      )
    `);
    await q.query(`CREATE UNIQUE INDEX notification_once_idx ON notification (source, kind, (COALESCE(recipient_id::text, recipient_phone)))`);
    // the inbox, newest first, and its unread count
    await q.query(`CREATE INDEX notification_inbox_idx ON notification (recipient_id, id DESC) WHERE recipient_id IS NOT NULL`);
    await q.query(`CREATE INDEX notification_unread_idx ON notification (recipient_id) WHERE read_at IS NULL AND recipient_id IS NOT NULL`);
    // an order's timeline, and the SMS cap per phone per day
    await q.query(`CREATE INDEX notification_order_idx ON notification (order_id) WHERE order_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE notification_delivery (
        notification_id bigint NOT NULL REFERENCES notification (id) ON DELETE CASCADE,
        channel         text NOT NULL CHECK (channel IN ('live', 'wechat', 'sms')),
        status          text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'skipped')),
        -- why it was skipped or failed, in words staff understand (无订阅额度、夜间免打扰、本人已关闭…)
        detail          text,
        attempts        integer NOT NULL DEFAULT 0,
        at              timestamptz NOT NULL DEFAULT now(),
        -- the phone an SMS went to (the daily cap counts by it)
        phone           text,
        CONSTRAINT notification_delivery_pkey PRIMARY KEY (notification_id, channel)
      )
    `);
    await q.query(`CREATE INDEX notification_delivery_sms_idx ON notification_delivery (phone, at) WHERE channel = 'sms' AND status = 'sent'`);
    await q.query(`
      CREATE TABLE notification_preference (
        user_id       uuid PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
        channel_order text[] NOT NULL DEFAULT ARRAY['live', 'wechat', 'sms']
                      CHECK (channel_order <@ ARRAY['live', 'wechat', 'sms'] AND cardinality(channel_order) BETWEEN 1 AND 3),
        muted         jsonb NOT NULL DEFAULT '{}',
        sms_opt_in    boolean NOT NULL DEFAULT false,
        updated_at    timestamptz NOT NULL DEFAULT now()
      )
    `);
    await q.query(`
      CREATE TABLE subscribe_quota (
        user_id     uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        template_id text NOT NULL,
        remaining   integer NOT NULL CHECK (remaining >= 0),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT subscribe_quota_pkey PRIMARY KEY (user_id, template_id)
      )
    `);
    await q.query(`
      CREATE TABLE live_presence (
        user_id    uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        -- one API process (its random id for its lifetime): a process that dies leaves rows that go stale
        process_id text NOT NULL,
        sockets    integer NOT NULL CHECK (sockets > 0),
        seen_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT live_presence_pkey PRIMARY KEY (user_id, process_id)
      )
    `);
    // The outbox: one job per statement that wrote order events, in that statement's transaction. A statement-level
    // trigger keeps 点单's group commit (a hundred orders in one INSERT) at one job, not a hundred.
    // And the live signal of each change ("this order changed": ids and places, no personal data), sent by NOTIFY at
    // commit — the open pages of every API process reload at once, without waiting for any job. Its audience: the
    // order's people (resident, requester, the person dispatched to, the current round's assignees, family members
    // with a login); modules/live routes it (staff and the task hall by the places).
    await q.query(`
      CREATE FUNCTION order_events_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        events json;
      BEGIN
        -- history written in bulk (the demo week, an import) is not news: such a transaction sets bangbang.outbox off
        IF current_setting('bangbang.outbox', true) = 'off' THEN
          RETURN NULL;
        END IF;
        SELECT json_agg(json_build_array(order_id, seq)) INTO events FROM new_events;
        IF events IS NULL THEN
          RETURN NULL;
        END IF;
        -- ahead of deliveries and offers: deciding who hears what waits for nothing
        PERFORM graphile_worker.add_job('order-events', json_build_object('events', events), max_attempts := 10, priority := -10);
        PERFORM pg_notify('bangbang_live', json_build_object(
                  't', 'o', 'id', o.id, 'status', o.status, 'seq', e.seq, 'region', o.region_path, 'scope', o.scope_path,
                  'people', array_remove(ARRAY[o.resident_id, o.requester_id, o.dispatched_to_user_id]
                    || ARRAY(SELECT a.volunteer_id FROM order_assignment a WHERE a.order_id = o.id AND a.round = o.round)
                    || ARRAY(SELECT u.id FROM family_contact f JOIN app_user u ON u.phone = f.phone WHERE f.resident_id = o.resident_id), NULL)
                )::text)
        FROM new_events e JOIN service_order o ON o.id = e.order_id;
        RETURN NULL;
      END
      $$
    `);
    await q.query(`
      CREATE TRIGGER order_events_outbox AFTER INSERT ON order_event
      REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION order_events_outbox()
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER order_events_outbox ON order_event`);
    await q.query(`DROP FUNCTION order_events_outbox()`);
    await q.query(`DROP TABLE live_presence`);
    await q.query(`DROP TABLE subscribe_quota`);
    await q.query(`DROP TABLE notification_preference`);
    await q.query(`DROP TABLE notification_delivery`);
    await q.query(`DROP TABLE notification`);
  }
}
