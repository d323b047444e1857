import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SMS one-time codes (短信验证码, issue 18 item 1): logging in by phone in H5, and binding or changing the phone of
 * the account one is logged in to.
 *
 * - Only an HMAC of the code is kept (keyed by the server's secret): a copy of the table gives no code away.
 * - A code lives 5 minutes (`expires_at`), allows 5 wrong tries (`attempts`), and works once (`used_at`, also set
 *   when the code dies: too many tries, a newer code for the same phone, the SMS provider failing).
 * - The per-phone limits (one code per 60 s, 10 a day) are counted from these rows, under an advisory lock per
 *   phone, so every API process sees the same count. Rows older than a day are deleted as new codes are issued.
 */
export class CreatePhoneCode1795393100000 implements MigrationInterface {
  name = 'CreatePhoneCode1795393100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE phone_code (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        phone       text NOT NULL CHECK (phone ~ '^1[3-9][0-9]{9}$'),
        purpose     text NOT NULL CHECK (purpose IN ('login', 'bind')),
        code_hash   text NOT NULL,
        attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz
      )
    `);
    await q.query(`CREATE INDEX phone_code_phone_idx ON phone_code (phone, created_at DESC)`);
    await q.query(`CREATE INDEX phone_code_created_idx ON phone_code (created_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE phone_code`);
  }
}
