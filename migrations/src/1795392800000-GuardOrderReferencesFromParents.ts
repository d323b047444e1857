import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders point at a service category and at places (their resident's place and the scope they have escalated to)
 * without foreign keys; the same integrity is kept by triggers, from the other side.
 *
 * Why: a foreign key check locks the row it finds (FOR KEY SHARE). Every order points at one of a handful of
 * categories and at a place shared by thousands of orders, so concurrent order writes — group-committed batches,
 * several API processes — lock the same few rows at once, and PostgreSQL must record each set of lockers as a
 * MultiXact on those rows: about a fifth of what creating an order cost (`pnpm bench:orders`, docs/benchmarks.md). The rows
 * pointed at are never deleted by the application (categories are switched off, places stay), so the check is
 * moved to the rare side:
 *   - writing an order (insert, or changing one of these columns): a plain existence check, no lock;
 *   - deleting (or re-keying) a category or a place: the guard first locks service_order in SHARE mode, which waits
 *     for every order write in progress and holds new ones back until its transaction ends, then refuses if any
 *     order still points there. An order write that began before sees the row it checked committed-deleted only
 *     after the guard refused, and one that begins after waits for the deletion and then finds nothing: no order
 *     can end up pointing at nothing.
 * Both refuse with SQLSTATE 23503 (foreign_key_violation), as the foreign keys did.
 */
export class GuardOrderReferencesFromParents1795392800000 implements MigrationInterface {
  name = 'GuardOrderReferencesFromParents1795392800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE service_order DROP CONSTRAINT service_order_category_code_fkey`);
    await q.query(`ALTER TABLE service_order DROP CONSTRAINT service_order_region_id_fkey`);
    await q.query(`ALTER TABLE service_order DROP CONSTRAINT service_order_scope_region_id_fkey`);

    await q.query(`
      CREATE FUNCTION service_order_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM service_category WHERE code = NEW.category_code) THEN
          RAISE foreign_key_violation USING MESSAGE = format('service_order.category_code %L is not a service category', NEW.category_code),
            CONSTRAINT = 'service_order_category_code_exists', TABLE = 'service_order', COLUMN = 'category_code';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM region WHERE id = NEW.region_id) THEN
          RAISE foreign_key_violation USING MESSAGE = format('service_order.region_id %s is not a place', NEW.region_id),
            CONSTRAINT = 'service_order_region_id_exists', TABLE = 'service_order', COLUMN = 'region_id';
        END IF;
        IF NEW.scope_region_id IS DISTINCT FROM NEW.region_id AND NOT EXISTS (SELECT 1 FROM region WHERE id = NEW.scope_region_id) THEN
          RAISE foreign_key_violation USING MESSAGE = format('service_order.scope_region_id %s is not a place', NEW.scope_region_id),
            CONSTRAINT = 'service_order_scope_region_id_exists', TABLE = 'service_order', COLUMN = 'scope_region_id';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER service_order_references_exist BEFORE INSERT OR UPDATE OF category_code, region_id, scope_region_id ON service_order
      FOR EACH ROW EXECUTE FUNCTION service_order_references_exist()`);

    await q.query(`
      CREATE FUNCTION service_order_keep_parents() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- every order write in progress finishes first, and none starts until this transaction ends
        LOCK TABLE service_order IN SHARE MODE;
        IF TG_TABLE_NAME = 'service_category' THEN
          IF EXISTS (SELECT 1 FROM service_order WHERE category_code = OLD.code) THEN
            RAISE foreign_key_violation USING MESSAGE = format('service category %L still has orders', OLD.code),
              CONSTRAINT = 'service_order_category_code_exists', TABLE = 'service_category';
          END IF;
        ELSIF EXISTS (SELECT 1 FROM service_order WHERE region_id = OLD.id OR scope_region_id = OLD.id) THEN
          RAISE foreign_key_violation USING MESSAGE = format('place %s still has orders', OLD.id),
            CONSTRAINT = 'service_order_region_id_exists', TABLE = 'region';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER service_category_keeps_orders BEFORE DELETE OR UPDATE OF code ON service_category
      FOR EACH ROW EXECUTE FUNCTION service_order_keep_parents()`);
    await q.query(`
      CREATE TRIGGER region_keeps_orders BEFORE DELETE OR UPDATE OF id ON region
      FOR EACH ROW EXECUTE FUNCTION service_order_keep_parents()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER region_keeps_orders ON region`);
    await q.query(`DROP TRIGGER service_category_keeps_orders ON service_category`);
    await q.query(`DROP FUNCTION service_order_keep_parents()`);
    await q.query(`DROP TRIGGER service_order_references_exist ON service_order`);
    await q.query(`DROP FUNCTION service_order_references_exist()`);
    await q.query(
      `ALTER TABLE service_order ADD CONSTRAINT service_order_category_code_fkey FOREIGN KEY (category_code) REFERENCES service_category(code) ON DELETE RESTRICT`,
    );
    await q.query(`ALTER TABLE service_order ADD CONSTRAINT service_order_region_id_fkey FOREIGN KEY (region_id) REFERENCES region(id) ON DELETE RESTRICT`);
    await q.query(
      `ALTER TABLE service_order ADD CONSTRAINT service_order_scope_region_id_fkey FOREIGN KEY (scope_region_id) REFERENCES region(id) ON DELETE RESTRICT`,
    );
  }
}
