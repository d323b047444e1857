import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail (issue 18): every change to people, roles, places, squads, the catalogue, dispatch settings and
 * every admin grant is recorded in the transaction that makes it — who (`actor_id`, null for the command line),
 * when, what (`action` and its subject), the state before and after as JSON, and from which address.
 *
 * No foreign keys: a row must outlive what it describes, and the subject may be a category code or a place as well
 * as a person. Read newest first, by actor or by subject, so those are the indexes.
 */
export class CreateAuditLog1795392900000 implements MigrationInterface {
  name = 'CreateAuditLog1795392900000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_id      uuid,
        action        text NOT NULL,
        subject_type  text NOT NULL,
        subject_id    text NOT NULL,
        before        jsonb,
        after         jsonb,
        ip            text
      )
    `);
    await q.query(`CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, created_at DESC)`);
    await q.query(`CREATE INDEX audit_log_subject_idx ON audit_log (subject_id, created_at DESC)`);
    // the access log is now read by actor (viewer) as well as by subject
    await q.query(`CREATE INDEX access_log_viewer_idx ON access_log (viewer_id, created_at DESC)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX access_log_viewer_idx`);
    await q.query(`DROP TABLE audit_log`);
  }
}
