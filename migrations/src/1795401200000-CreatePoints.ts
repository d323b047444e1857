import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Points (积分, issue 22 item 3): work that is recognised and redeemed in the community's points shop (积分超市).
 *
 * - `points_rule`: how many points a confirmed order earns — a base, per hour of service (check-in → complete), a
 *   bonus for a good rating — one default row (category_code NULL) and per-service overrides. Projects carry their
 *   own rule (the projects module) and credit through the same ledger.
 * - `points_ledger`: append-only. Every credit and debit is a row with the balance after it; a trigger refuses
 *   UPDATE, DELETE and TRUNCATE, so history is never rewritten — a mistake is corrected by a new row. The key
 *   (kind, source_id, user_id, round) makes crediting idempotent: a confirmation retried or replayed credits once,
 *   a reversal reverses once, and a new round of an order (reopened, served and confirmed again) is a new key.
 * - `points_balance`: one row per person, changed only under its row lock or by a conditional UPDATE; the CHECK
 *   balance >= 0 is the last guard against a concurrent redemption spending the same points twice.
 * - `points_month`: points earned and service minutes per person and month (Beijing time), kept in the same
 *   transaction as the ledger: the 爱心榜 of a community of thousands reads one row per person instead of
 *   summing the ledger.
 * - `points_shop_item` and `points_redemption`: the community's shop (stock CHECK >= 0) and redemptions, pending
 *   until staff hand the item over (核销) or it is cancelled (points and stock come back through new rows).
 */
export class CreatePoints1795401200000 implements MigrationInterface {
  name = 'CreatePoints1795401200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE points_rule (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- NULL: the default rule, for every service without its own
        category_code      text REFERENCES service_category(code) ON DELETE CASCADE,
        base               integer NOT NULL CHECK (base BETWEEN 0 AND 1000),
        per_hour           integer NOT NULL CHECK (per_hour BETWEEN 0 AND 1000),
        good_rating_bonus  integer NOT NULL CHECK (good_rating_bonus BETWEEN 0 AND 1000),
        good_rating_min    integer NOT NULL CHECK (good_rating_min BETWEEN 1 AND 5),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT points_rule_one_per_service UNIQUE NULLS NOT DISTINCT (category_code)
      )
    `);
    // the default: 10 for coming, 10 an hour, 5 more for five stars
    await q.query(`INSERT INTO points_rule (category_code, base, per_hour, good_rating_bonus, good_rating_min) VALUES (NULL, 10, 10, 5, 5)`);
    await q.query(`
      CREATE TABLE points_balance (
        user_id       uuid PRIMARY KEY REFERENCES app_user(id) ON DELETE RESTRICT,
        balance       integer NOT NULL DEFAULT 0 CHECK (balance >= 0),
        earned_total  integer NOT NULL DEFAULT 0,
        minutes_total integer NOT NULL DEFAULT 0,
        updated_at    timestamptz NOT NULL DEFAULT now()
      )
    `);
    await q.query(`
      CREATE TABLE points_ledger (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id        uuid NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
        kind           text NOT NULL CHECK (kind IN ('order', 'order_reversal', 'project', 'project_reversal', 'redeem', 'redeem_cancel', 'adjust')),
        source_id      uuid NOT NULL,
        round          integer NOT NULL DEFAULT 0,
        amount         integer NOT NULL CHECK (amount <> 0 OR shortfall > 0),
        balance_after  integer NOT NULL CHECK (balance_after >= 0),
        -- a reversal larger than the balance: what could not be taken back (the balance stops at zero)
        shortfall      integer NOT NULL DEFAULT 0 CHECK (shortfall >= 0),
        -- service minutes this row counts for (negative on a reversal): the 爱心榜's hours
        minutes        integer NOT NULL DEFAULT 0,
        -- where the points were earned or spent (the order's grid, the project's or shop's community)
        region_id      uuid REFERENCES region(id) ON DELETE SET NULL,
        note           text CHECK (char_length(note) <= 200),
        created_at     timestamptz NOT NULL,
        CONSTRAINT points_ledger_once UNIQUE (kind, source_id, user_id, round)
      )
    `);
    await q.query(`CREATE INDEX points_ledger_user_idx ON points_ledger (user_id, id DESC)`);
    await q.query(`
      CREATE FUNCTION points_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'points_ledger is append-only: add a correcting row instead of changing one';
      END
      $$
    `);
    await q.query(`CREATE TRIGGER points_ledger_no_update BEFORE UPDATE OR DELETE ON points_ledger FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only()`);
    await q.query(`CREATE TRIGGER points_ledger_no_truncate BEFORE TRUNCATE ON points_ledger FOR EACH STATEMENT EXECUTE FUNCTION points_ledger_append_only()`);
    await q.query(`
      CREATE TABLE points_month (
        user_id  uuid NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
        -- the first day of the month, in Beijing time
        month    date NOT NULL,
        earned   integer NOT NULL DEFAULT 0,
        minutes  integer NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, month)
      )
    `);
    await q.query(`CREATE INDEX points_month_month_idx ON points_month (month, earned DESC)`);
    await q.query(`
      CREATE TABLE points_shop_item (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        community_id  uuid NOT NULL REFERENCES region(id) ON DELETE RESTRICT,
        name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 40),
        price         integer NOT NULL CHECK (price BETWEEN 1 AND 100000),
        stock         integer NOT NULL CHECK (stock >= 0),
        active        boolean NOT NULL DEFAULT true,
        picture_url   text CHECK (char_length(picture_url) <= 500),
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT points_shop_item_name_unique UNIQUE (community_id, name)
      )
    `);
    await q.query(`
      CREATE TABLE points_redemption (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        item_id        uuid NOT NULL REFERENCES points_shop_item(id) ON DELETE RESTRICT,
        user_id        uuid NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
        community_id   uuid NOT NULL REFERENCES region(id) ON DELETE RESTRICT,
        -- the price paid (an item's price may change later)
        price          integer NOT NULL CHECK (price > 0),
        status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'handed_over', 'cancelled')),
        created_at     timestamptz NOT NULL,
        decided_at     timestamptz,
        decided_by     uuid REFERENCES app_user(id) ON DELETE SET NULL,
        cancel_reason  text CHECK (char_length(cancel_reason) <= 200),
        CONSTRAINT points_redemption_decided CHECK ((status = 'pending') = (decided_at IS NULL))
      )
    `);
    await q.query(`CREATE INDEX points_redemption_user_idx ON points_redemption (user_id, created_at DESC)`);
    await q.query(`CREATE INDEX points_redemption_community_idx ON points_redemption (community_id, status, created_at DESC)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE points_redemption`);
    await q.query(`DROP TABLE points_shop_item`);
    await q.query(`DROP TABLE points_month`);
    await q.query(`DROP TABLE points_ledger`);
    await q.query(`DROP FUNCTION points_ledger_append_only()`);
    await q.query(`DROP TABLE points_balance`);
    await q.query(`DROP TABLE points_rule`);
  }
}
