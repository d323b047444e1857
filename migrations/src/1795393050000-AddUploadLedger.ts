import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every uploaded photo gets a row (issue 18, item 7): who uploaded it, when, and how many bytes.
 *
 * - Per-account daily limits (count and bytes) are counted here, so every API process sees the same totals. A
 *   photo is reserved before its bytes are read (at the largest size allowed) and settled at its real size after,
 *   under a per-person advisory lock: a burst of concurrent uploads cannot pass the limit together.
 * - A photo no order refers to 24 hours after its upload is deleted by the periodic sweep (uploads/cleanup.ts);
 *   one an order refers to is marked `kept` and never looked at again.
 */
export class AddUploadLedger1795393050000 implements MigrationInterface {
  name = 'AddUploadLedger1795393050000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE upload (
        id          uuid PRIMARY KEY,
        owner_id    uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        -- the file's name once stored (<id>.<ext>); null while its bytes are arriving
        name        text UNIQUE,
        bytes       bigint NOT NULL CHECK (bytes >= 0),
        kept        boolean NOT NULL DEFAULT false,
        created_at  timestamptz NOT NULL DEFAULT now()
      )
    `);
    await q.query(`CREATE INDEX upload_owner_created_idx ON upload (owner_id, created_at)`);
    await q.query(`CREATE INDEX upload_unkept_created_idx ON upload (created_at) WHERE NOT kept`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE upload`);
  }
}
