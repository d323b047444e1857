import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * WeChat's content security check on what people write (issue 18, item 13). An order whose text WeChat asked a person
 * to look at (`review`), or that could not be checked because WeChat did not answer (`unchecked`), is written anyway —
 * a request for help is never lost to a checker — and flagged here until staff have looked at it (null: nothing to do).
 */
export class AddContentReview1795393450000 implements MigrationInterface {
  name = 'AddContentReview1795393450000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE service_order ADD COLUMN content_review text CONSTRAINT service_order_content_review_check CHECK (content_review IN ('review', 'unchecked'))`,
    );
    // the few flagged orders, for staff's "to look at" list
    await q.query(`CREATE INDEX service_order_content_review_idx ON service_order (created_at) WHERE content_review IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX service_order_content_review_idx`);
    await q.query(`ALTER TABLE service_order DROP COLUMN content_review`);
  }
}
