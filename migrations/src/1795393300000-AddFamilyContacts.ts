import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People without a mobile (issue 18, item 3). An 80-year-old with only a landline, or with no phone at all, is
 * registered by staff and reached through a fixed-line number (`app_user.landline`) or through family contacts
 * (子女、监护人…: `family_contact`). A family contact logs in with their own mobile; a person whose phone equals a
 * family contact's phone follows that resident's orders — so the order visibility check probes
 * `family_contact (phone, resident_id)` on every order request: the phone index serves it (one indexed probe), and
 * the unique (resident_id, phone) serves a resident's list and refuses the same contact twice.
 */
export class AddFamilyContacts1795393300000 implements MigrationInterface {
  name = 'AddFamilyContacts1795393300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_user ADD COLUMN landline text`);
    await q.query(`ALTER TABLE app_user ADD CONSTRAINT app_user_landline_check CHECK (landline ~ '^0[0-9]{2,3}-?[0-9]{7,8}$')`);
    await q.query(`
      CREATE TABLE family_contact (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        resident_id  uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 40),
        relation     text NOT NULL CHECK (relation IN ('child', 'spouse', 'guardian', 'relative', 'other')),
        phone        text NOT NULL CHECK (phone ~ '^1[3-9][0-9]{9}$'),
        created_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT family_contact_resident_phone_key UNIQUE (resident_id, phone)
      )
    `);
    await q.query(`CREATE INDEX family_contact_phone_idx ON family_contact (phone)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE family_contact`);
    await q.query(`ALTER TABLE app_user DROP COLUMN landline`);
  }
}
