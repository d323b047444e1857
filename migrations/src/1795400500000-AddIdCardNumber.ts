import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 身份证号 (issue 21, item 2): the ledgers staff import from Excel identify a resident without a mobile by their ID-card
 * number, so a re-import updates that person instead of registering them twice. Stored as written (18 characters,
 * upper-case X), never shown in full (shared `maskIdCard`). Unique among the people who have one: a partial unique
 * index, which also finds a person by it.
 */
export class AddIdCardNumber1795400500000 implements MigrationInterface {
  name = 'AddIdCardNumber1795400500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_user ADD COLUMN id_card text CONSTRAINT app_user_id_card_check CHECK (id_card ~ '^[0-9]{17}[0-9X]$')`);
    await q.query(`CREATE UNIQUE INDEX app_user_id_card_key ON app_user (id_card) WHERE id_card IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX app_user_id_card_key`);
    await q.query(`ALTER TABLE app_user DROP COLUMN id_card`);
  }
}
