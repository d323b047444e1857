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

/** What one export (导出台账) took out: which ledger, of which place and period, how many rows, and whether it finished. */
export interface ExportLogEntry {
  kind: string;
  format: string;
  regionId: string | null;
  from: string | null;
  to: string | null;
  rows: number;
  /** False when the download stopped before the last row (the person closed it, or the network dropped). */
  complete: boolean;
}

/**
 * Writes an export to access_log: one row for the export itself (no single subject, `export` says what and how
 * many), and one row per person whose full phone or address went out — chosen by `subjects`, a query answering
 * `(subject uuid, fields text[])` with its values in `params` from $3 on — so that "who saw this resident's phone"
 * finds the export too. One statement, on the caller's manager (the export's own transaction and snapshot).
 */
export async function writeExportLog(
  m: Pick<EntityManager, 'query'>,
  viewerId: string,
  entry: ExportLogEntry,
  subjects?: { sql: string; params: unknown[] },
): Promise<void> {
  // the export's own row at the moment it is written (the rows of its people: the transaction's start), so that
  // 查看记录, newest first, shows what was exported above whom it showed
  const summary = `INSERT INTO access_log (viewer_id, subject_id, fields, reason, export, created_at)
                   VALUES ($1, NULL, '{}', 'export', $2::jsonb, clock_timestamp()) RETURNING id`;
  if (subjects === undefined) {
    await m.query(summary, [viewerId, JSON.stringify(entry)]);
    return;
  }
  await m.query(
    `WITH s AS (${summary})
     INSERT INTO access_log (viewer_id, subject_id, fields, reason, export)
     SELECT $1, x.subject, x.fields, 'export', jsonb_build_object('kind', $2::jsonb -> 'kind', 'of', (SELECT id FROM s))
       FROM (${subjects.sql}) AS x(subject, fields) WHERE cardinality(x.fields) > 0`,
    [viewerId, JSON.stringify(entry), ...subjects.params],
  );
}
