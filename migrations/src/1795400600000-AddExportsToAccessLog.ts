import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exports (导出台账, issue 21) are written to the access log: who took out which ledger, of which place and period,
 * how many rows. One row per export carries that (`export`, with no single subject: a county's service ledger names
 * thousands of residents); beside it, one row per person whose full phone or address went out, as for any other
 * full view, so "who saw this resident's phone" still finds the export. `subject_id` becomes optional for the
 * export's own row only (the CHECK).
 */
export class AddExportsToAccessLog1795400600000 implements MigrationInterface {
  name = 'AddExportsToAccessLog1795400600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_log ADD COLUMN export jsonb`);
    await q.query(`ALTER TABLE access_log ALTER COLUMN subject_id DROP NOT NULL`);
    await q.query(`ALTER TABLE access_log ADD CONSTRAINT access_log_subject_or_export CHECK (subject_id IS NOT NULL OR export IS NOT NULL)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM access_log WHERE subject_id IS NULL`);
    await q.query(`ALTER TABLE access_log DROP CONSTRAINT access_log_subject_or_export`);
    await q.query(`ALTER TABLE access_log ALTER COLUMN subject_id SET NOT NULL`);
    await q.query(`ALTER TABLE access_log DROP COLUMN export`);
  }
}
