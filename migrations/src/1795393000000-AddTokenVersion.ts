import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Login sessions that can end (issue 18, item 8).
 *
 * - `app_user.token_version`: every token carries the version its person had when it was signed (claim `ver`); the
 *   auth hook, which reads the person on every request anyway, refuses a token whose version is not the person's.
 *   "Log out everywhere" adds one. So does any change of the person's phone or any removal of a role, made by
 *   whichever path (a trigger, so no service can forget it): whoever held a token for the old phone or the old
 *   role logs in again.
 * - `revoked_token`: logging out of ONE token. Tokens carry a random `jti`; logout writes it here until the token
 *   would have expired anyway, and the hook's statement (the same one that reads the person) refuses it. Rows past
 *   `expires_at` mean nothing and are deleted as new ones come in. UNLOGGED is not used: a logout must survive a
 *   crash.
 */
export class AddTokenVersion1795393000000 implements MigrationInterface {
  name = 'AddTokenVersion1795393000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_user ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE FUNCTION app_user_bump_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.token_version := OLD.token_version + 1;
        RETURN NEW;
      END $$`);
    // a new phone, or a role taken away (a role added changes nothing a token could misuse)
    await q.query(`
      CREATE TRIGGER app_user_bump_token_version BEFORE UPDATE OF phone, roles ON app_user
      FOR EACH ROW WHEN (OLD.phone IS DISTINCT FROM NEW.phone OR NOT (OLD.roles <@ NEW.roles))
      EXECUTE FUNCTION app_user_bump_token_version()`);
    await q.query(`
      CREATE TABLE revoked_token (
        jti        uuid PRIMARY KEY,
        user_id    uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL
      )
    `);
    await q.query(`CREATE INDEX revoked_token_expires_idx ON revoked_token (expires_at)`);
    await q.query(`CREATE INDEX revoked_token_user_idx ON revoked_token (user_id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE revoked_token`);
    await q.query(`DROP TRIGGER app_user_bump_token_version ON app_user`);
    await q.query(`DROP FUNCTION app_user_bump_token_version()`);
    await q.query(`ALTER TABLE app_user DROP COLUMN token_version`);
  }
}
