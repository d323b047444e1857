import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Nearest first *by skill* (就近 + 技能): one row per on-duty volunteer and skill, with their location on the
 * matching plane, under a GiST index over (skill, point) (`btree_gist` puts the skill beside the point), so a town-
 * or county-level order walks outward from the door through only the people who have its skill.
 *
 * Why: the GiST index of AddMatchingIndexes knew where on-duty people were, not what they could do; about one in
 * eight has a given skill, so a walk read eight table rows for each one it kept, and the slow calls were those rows
 * read cold (`pnpm bench:match`, docs/benchmarks.md). Here the walk reads its people from the index alone (an index-only scan:
 * the user id and the place's path are included, so people outside the order's area are passed over in the index
 * too) and then only the rows it keeps.
 *
 * The table is derived data, like an index: kept by a trigger on app_user in the same transaction as the change
 * (going on or off duty, skills, location, roles, place), never written by the application, and so it has no
 * entity. A place's path never changes once made, so a copy of it stays true.
 * A person is in it when on duty, located, and a volunteer or grid worker — the walk's hard rules that the row
 * itself decides. The plane is the one of AddMatchingIndexes: longitude × cos 42°, latitude.
 */
export class AddDutySkillSpots1795392700000 implements MigrationInterface {
  name = 'AddDutySkillSpots1795392700000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await q.query(`
      CREATE TABLE duty_skill_spot (
        user_id uuid  NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        skill   text  NOT NULL,
        pt      point NOT NULL,
        -- their place's path (paths never change): the area is checked in the index, before any row is read
        path    text  NOT NULL,
        PRIMARY KEY (user_id, skill)
      )`);
    await q.query(`
      CREATE FUNCTION duty_skill_spot_sync() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          DELETE FROM duty_skill_spot WHERE user_id = OLD.id;
        END IF;
        IF NEW.on_duty AND NEW.location_lat IS NOT NULL AND NEW.location_lng IS NOT NULL
           AND NEW.roles && ARRAY['volunteer', 'grid_worker']::text[] THEN
          INSERT INTO duty_skill_spot (user_id, skill, pt, path)
          SELECT NEW.id, x.s, point(NEW.location_lng * 0.743144825477394, NEW.location_lat), r.path
          FROM (SELECT DISTINCT unnest(NEW.skills) AS s) AS x JOIN region r ON r.id = NEW.region_id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER duty_skill_spot_insert AFTER INSERT ON app_user
      FOR EACH ROW EXECUTE FUNCTION duty_skill_spot_sync()`);
    // only the columns the rows depend on, and only when they changed: a name or a roster edit costs nothing here
    await q.query(`
      CREATE TRIGGER duty_skill_spot_update AFTER UPDATE OF on_duty, skills, location_lat, location_lng, roles, region_id ON app_user
      FOR EACH ROW WHEN (OLD.on_duty IS DISTINCT FROM NEW.on_duty OR OLD.skills IS DISTINCT FROM NEW.skills
                         OR OLD.location_lat IS DISTINCT FROM NEW.location_lat OR OLD.location_lng IS DISTINCT FROM NEW.location_lng
                         OR OLD.roles IS DISTINCT FROM NEW.roles OR OLD.region_id IS DISTINCT FROM NEW.region_id)
      EXECUTE FUNCTION duty_skill_spot_sync()`);
    await q.query(`
      INSERT INTO duty_skill_spot (user_id, skill, pt, path)
      SELECT u.id, x.s, point(u.location_lng * 0.743144825477394, u.location_lat), r.path
      FROM app_user u JOIN region r ON r.id = u.region_id CROSS JOIN LATERAL (SELECT DISTINCT unnest(u.skills) AS s) AS x
      WHERE u.on_duty AND u.location_lat IS NOT NULL AND u.location_lng IS NOT NULL
        AND u.roles && ARRAY['volunteer', 'grid_worker']::text[]`);
    await q.query(`CREATE INDEX duty_skill_spot_knn_idx ON duty_skill_spot USING gist (skill, pt) INCLUDE (user_id, path)`);
    // the walk no longer reads the location-only index
    await q.query(`DROP INDEX IF EXISTS app_user_duty_geo_idx`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX app_user_duty_geo_idx ON app_user USING gist (point(location_lng * 0.743144825477394, location_lat))
       WHERE on_duty AND location_lat IS NOT NULL`,
    );
    await q.query(`DROP TRIGGER duty_skill_spot_update ON app_user`);
    await q.query(`DROP TRIGGER duty_skill_spot_insert ON app_user`);
    await q.query(`DROP FUNCTION duty_skill_spot_sync()`);
    await q.query(`DROP TABLE duty_skill_spot`);
    // the extension stays: something else may have come to use it
  }
}
