import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * On-duty people of a place *with a skill*, in one index: a GIN index over (place, skills) of those on duty
 * (`btree_gin` lets the place sit beside the skills array). A grid- or community-level order asks for everyone on
 * duty in its area who has the order's skill; by place alone (app_user_duty_region_idx) the search read every
 * on-duty person's row to test their skills, about eight rows for each one kept. With this index only the people
 * kept are read (`pnpm bench:match`, docs/benchmarks.md). The engine writes the skill test as `skills @> ARRAY[code]`, the form
 * the index answers. `btree_gin` ships with PostgreSQL (contrib) and is a trusted extension: the database's owner
 * may create it without being a superuser.
 */
export class AddDutySkillsByPlaceIndex1795392600000 implements MigrationInterface {
  name = 'AddDutySkillsByPlaceIndex1795392600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await q.query(`CREATE INDEX app_user_duty_region_skills_idx ON app_user USING gin (region_id, skills) WHERE on_duty`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX app_user_duty_region_skills_idx`);
    // the extension stays: something else may have come to use it
  }
}
