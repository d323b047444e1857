import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20, items 1 and 2: who may take what, and offers to several at once.
 *
 * 1. A service is `general` (any volunteer of the area may take it) or `qualified` (only those with the skill).
 *    Until now every service needed the exact skill, so an errand waited for the few who had ticked 代购代办 while
 *    hundreds of volunteers nearby could have gone (`pnpm simulate`: 62–78 orders a week never served). The
 *    backfill below gives each starting service its kind and why; a new service is `qualified` until an admin
 *    says otherwise (the safe side: nobody unqualified is sent to a medical or legal need by default).
 *    The walk (duty_skill_spot, AddDutySkillSpots) finds people by skill; for a general service it walks everyone on
 *    duty, so each on-duty located volunteer also gets one row under the skill '*' (ANY_SKILL in the engine).
 *
 * 2. Under `auto` and `pool` an order is offered to the k best candidates at once, in waves (OFFER_WAVES), the first
 *    to accept winning: order_offer keeps who was asked in which wave of which round and how it ended (open, or
 *    accepted / withdrawn when someone else took it / expired when the order stopped waiting otherwise). One row per
 *    person per round: a later wave asks new people, and those asked earlier keep their offer. `offer_wave` on the
 *    order is the last wave sent in its round (0: none), so that widening goes on when a wave found nobody.
 *    `sequential` (today's one-at-a-time auto-dispatch, kept as a setting) is allowed by the dispatch-mode CHECKs, the
 *    timeline's CHECK takes the new event types, and the live signal of an order also reaches the people it
 *    is offered to (they may be outside the order's task-hall area: a general errand offered across a grid border).
 */

/** The starting catalogue's kinds (SeedServiceCatalogue), each with the reason. */
const GENERAL: Array<[code: string, why: string]> = [
  ['errands', '代购代办: shopping and errands, anyone able-bodied can go'],
  ['meal_delivery', '助餐送餐: carrying a meal to the door'],
  ['companionship', '陪伴照顾: company and small help at home, no care work'],
  ['smartphone_lessons', '智能手机教学: any volunteer who uses a phone can teach it'],
  ['paperwork', '帮办代办: queueing and handing in forms for someone (跑腿代办)'],
  ['anti_fraud', '反诈宣传: handing out and explaining the official material'],
  ['harvest_help', '助农抢收: many hands, no trade'],
];
// qualified, and why: medicine_delivery (送医送药: prescriptions and the right drug for an elder — the green medical
// team), home_vaccination, hospital_escort, free_clinic (medical staff), emotional_support (counselling),
// appliance_repair, house_repair (a trade; safety), legal_consultation (a lawyer), haircut (a barber),
// cultural_activity (performers and organisers): the default, nothing to write.

const EVENT_TYPES_BEFORE = ['created', 'dispatch', 'reject', 'accept', 'release', 'check_in', 'complete', 'confirm', 'reopen', 'cancel', 'escalate'];
// every type of shared ORDER_EVENT_TYPES (the other migrations of issue 20 write the same list)
const EVENT_TYPES = [...EVENT_TYPES_BEFORE, 'offer', 'recall', 'urge', 'no_show', 'remind'];
const MODES_BEFORE = ['manual', 'auto', 'pool'];
const MODES = [...MODES_BEFORE, 'sequential'];

const list = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');

/** The live signal's audience (CreateNotifications' order_events_outbox), with `extra` people appended. */
function outboxFunction(extra: string): string {
  return `
    CREATE OR REPLACE FUNCTION order_events_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
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
                  || ARRAY(SELECT u.id FROM family_contact f JOIN app_user u ON u.phone = f.phone WHERE f.resident_id = o.resident_id)${extra}, NULL)
              )::text)
      FROM new_events e JOIN service_order o ON o.id = e.order_id;
      RETURN NULL;
    END
    $$`;
}

/** duty_skill_spot's trigger function (AddDutySkillSpots), with the rows' skills from `skills`. */
function spotSync(skills: string): string {
  return `
    CREATE OR REPLACE FUNCTION duty_skill_spot_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        DELETE FROM duty_skill_spot WHERE user_id = OLD.id;
      END IF;
      IF NEW.on_duty AND NEW.location_lat IS NOT NULL AND NEW.location_lng IS NOT NULL
         AND NEW.roles && ARRAY['volunteer', 'grid_worker']::text[] THEN
        INSERT INTO duty_skill_spot (user_id, skill, pt, path)
        SELECT NEW.id, x.s, point(NEW.location_lng * 0.743144825477394, NEW.location_lat), r.path
        FROM (SELECT DISTINCT unnest(${skills}) AS s) AS x JOIN region r ON r.id = NEW.region_id;
      END IF;
      RETURN NULL;
    END $$`;
}

export class AddOffersAndServiceKinds1795400000000 implements MigrationInterface {
  name = 'AddOffersAndServiceKinds1795400000000';

  public async up(q: QueryRunner): Promise<void> {
    // 1. general vs qualified
    await q.query(`ALTER TABLE service_category ADD COLUMN kind text NOT NULL DEFAULT 'qualified'`);
    await q.query(`ALTER TABLE service_category ADD CONSTRAINT service_category_kind_check CHECK (kind IN ('general', 'qualified'))`);
    await q.query(`UPDATE service_category SET kind = 'general' WHERE code = ANY ($1)`, [GENERAL.map(([code]) => code)]);
    await q.query(spotSync(`NEW.skills || ARRAY['*']`));
    await q.query(`
      INSERT INTO duty_skill_spot (user_id, skill, pt, path)
      SELECT u.id, '*', point(u.location_lng * 0.743144825477394, u.location_lat), r.path
      FROM app_user u JOIN region r ON r.id = u.region_id
      WHERE u.on_duty AND u.location_lat IS NOT NULL AND u.location_lng IS NOT NULL
        AND u.roles && ARRAY['volunteer', 'grid_worker']::text[]
      ON CONFLICT DO NOTHING`);

    // 2. offers
    for (const [table, column] of [
      ['region', 'dispatch_mode'],
      ['region', 'effective_dispatch_mode'],
      ['service_order', 'dispatch_mode'],
    ] as const) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table}_${column}_check`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_check CHECK (${column} IN (${list(MODES)}))`);
    }
    await q.query(`ALTER TABLE order_event DROP CONSTRAINT IF EXISTS order_event_type_check`);
    await q.query(`ALTER TABLE order_event ADD CONSTRAINT order_event_type_check CHECK (type IN (${list(EVENT_TYPES)}))`);
    await q.query(`ALTER TABLE service_order ADD COLUMN offer_wave integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE service_order ADD CONSTRAINT service_order_offer_wave_check CHECK (offer_wave >= 0)`);
    await q.query(`
      CREATE TABLE order_offer (
        order_id     uuid NOT NULL REFERENCES service_order (id) ON DELETE CASCADE,
        round        integer NOT NULL,
        volunteer_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        wave         integer NOT NULL CHECK (wave >= 1),
        offered_at   timestamptz NOT NULL,
        -- the next wave's time: the offer stays open after it, but the person is told to answer by then
        answer_by    timestamptz NOT NULL,
        state        text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'withdrawn', 'accepted', 'expired')),
        closed_at    timestamptz,
        CONSTRAINT order_offer_pkey PRIMARY KEY (order_id, round, volunteer_id)
      )`);
    // "my open offers": the task hall and every request of a serving person
    await q.query(`CREATE INDEX order_offer_open_idx ON order_offer (volunteer_id, order_id) WHERE state = 'open'`);
    // someone who was asked once still sees the order (the race lost: 409, not 404)
    await q.query(`CREATE INDEX order_offer_volunteer_idx ON order_offer (volunteer_id, offered_at)`);
    await q.query(outboxFunction(`\n                  || ARRAY(SELECT f.volunteer_id FROM order_offer f WHERE f.order_id = o.id AND f.round = o.round)`));
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(outboxFunction(''));
    await q.query(`DROP TABLE order_offer`);
    await q.query(`ALTER TABLE service_order DROP COLUMN offer_wave`);
    await q.query(`DELETE FROM order_event WHERE type <> ALL ($1)`, [EVENT_TYPES_BEFORE]);
    await q.query(`ALTER TABLE order_event DROP CONSTRAINT IF EXISTS order_event_type_check`);
    await q.query(`ALTER TABLE order_event ADD CONSTRAINT order_event_type_check CHECK (type IN (${list(EVENT_TYPES_BEFORE)}))`);
    for (const [table, column] of [
      ['region', 'dispatch_mode'],
      ['region', 'effective_dispatch_mode'],
      ['service_order', 'dispatch_mode'],
    ] as const) {
      // sequential was one-at-a-time auto-dispatch: `auto` before this migration
      await q.query(`UPDATE ${table} SET ${column} = 'auto' WHERE ${column} = 'sequential'`);
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table}_${column}_check`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_check CHECK (${column} IN (${list(MODES_BEFORE)}))`);
    }
    await q.query(`DELETE FROM duty_skill_spot WHERE skill = '*'`);
    await q.query(spotSync('NEW.skills'));
    await q.query(`ALTER TABLE service_category DROP COLUMN kind`);
  }
}
