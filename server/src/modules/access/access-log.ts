import type { EntityManager } from 'typeorm';

/** One full view of someone's personal data: whose, which fields, and why the viewer was allowed to see them. */
export interface AccessLogEntry {
  subject: string;
  fields: readonly string[];
  reason: string;
}

/**
 * The one writer of access_log (who saw whose full phone/address, when, why): one statement for any number of
 * views, on the caller's manager so that the record commits (or not) with the read it records.
 */
export async function writeAccessLog(m: Pick<EntityManager, 'query'>, viewerId: string, entries: readonly AccessLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await m.query(
    `INSERT INTO access_log (viewer_id, subject_id, fields, reason)
     SELECT $1, s, string_to_array(f, ','), r FROM unnest($2::uuid[], $3::text[], $4::text[]) AS t(s, f, r)`,
    [viewerId, entries.map((e) => e.subject), entries.map((e) => e.fields.join(',')), entries.map((e) => e.reason)],
  );
}
