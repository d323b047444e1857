import type { EntityManager } from 'typeorm';

/** One audit row as written: the change, its subject and the state before and after. */
export interface AuditRowIn {
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  before: unknown;
  after: unknown;
  ip: string | null;
}

export interface AuditRowOut {
  id: string;
  /** created_at with its microseconds (the keyset cursor must not lose them). */
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  /** The subject's name now (a person's, place's, squad's or category's); null when it is gone. */
  subject_name: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  ip: string | null;
}

export interface AccessRowOut {
  id: string;
  at: string;
  viewer_id: string;
  viewer_name: string;
  /** Null on an export's own row (it names no single person). */
  subject_id: string | null;
  subject_name: string | null;
  fields: string[];
  reason: string;
  /** An export's own row: what went out (access-log.ts ExportLogEntry); null on the rows of people. */
  export: { kind: string; format: string; regionId: string | null; from: string | null; to: string | null; rows: number; complete: boolean } | null;
  export_region_name: string | null;
}

/** Filters of both logs; `scopePath`: only what was done by people whose place lies under it (a regional admin). */
export interface LogFilter {
  actorId?: string;
  subjectId?: string;
  from?: string;
  to?: string;
  before?: [string, string];
  scopePath?: string;
  limit: number;
}

const SUBJECT_NAME = `CASE l.subject_type
    WHEN 'user' THEN (SELECT name FROM app_user WHERE id::text = l.subject_id)
    WHEN 'region' THEN (SELECT name FROM region WHERE id::text = l.subject_id)
    WHEN 'squad' THEN (SELECT name FROM squad WHERE id::text = l.subject_id)
    WHEN 'category' THEN (SELECT name FROM service_category WHERE code = l.subject_id)
    WHEN 'order' THEN (SELECT c.name FROM service_order o JOIN service_category c ON c.code = o.category_code WHERE o.id::text = l.subject_id)
    WHEN 'application' THEN (SELECT u.name FROM application ap JOIN app_user u ON u.id = ap.applicant_id WHERE ap.id::text = l.subject_id)
    WHEN 'project' THEN (SELECT title FROM project WHERE id::text = l.subject_id)
  END`;
const AT = `to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** On the caller's manager, so that the row commits (or not) with the change it records. */
export async function insertAudit(m: Pick<EntityManager, 'query'>, row: AuditRowIn): Promise<void> {
  await m.query(`INSERT INTO audit_log (actor_id, action, subject_type, subject_id, before, after, ip) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)`, [
    row.actorId,
    row.action,
    row.subjectType,
    row.subjectId,
    json(row.before),
    json(row.after),
    row.ip,
  ]);
}

function json(v: unknown): string | null {
  return v === null || v === undefined ? null : JSON.stringify(v);
}

function where(f: LogFilter, actorColumn: string, idCast: string, params: unknown[]): string {
  const conds: string[] = [];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    conds.push(sql(params.length));
  };
  if (f.actorId !== undefined) add((n) => `${actorColumn} = $${n}::uuid`, f.actorId);
  if (f.subjectId !== undefined) add((n) => `l.subject_id::text = $${n}`, f.subjectId);
  if (f.from !== undefined) add((n) => `l.created_at >= $${n}::timestamptz`, f.from);
  if (f.to !== undefined) add((n) => `l.created_at < $${n}::timestamptz`, f.to);
  if (f.before !== undefined) {
    params.push(f.before[0], f.before[1]);
    conds.push(`(l.created_at, l.id) < ($${params.length - 1}::timestamptz, $${params.length}${idCast})`);
  }
  // a path is made of uuids and slashes: no LIKE wildcards can hide in it
  if (f.scopePath !== undefined) add((n) => `ar.path LIKE $${n} || '%'`, f.scopePath);
  return conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '';
}

/** Newest first, keyset-paged on (created_at, id). */
export async function listAudit(m: EntityManager, f: LogFilter): Promise<AuditRowOut[]> {
  const params: unknown[] = [];
  const cond = where(f, 'l.actor_id', '::uuid', params);
  params.push(f.limit);
  return m.query(
    `SELECT l.id, ${AT} AS at, l.actor_id, a.name AS actor_name, l.action, l.subject_type, l.subject_id, ${SUBJECT_NAME} AS subject_name, l.before, l.after, l.ip
       FROM audit_log l LEFT JOIN app_user a ON a.id = l.actor_id LEFT JOIN region ar ON ar.id = a.region_id
     ${cond}
     ORDER BY l.created_at DESC, l.id DESC LIMIT $${params.length}`,
    params,
  );
}

export async function listAccess(m: EntityManager, f: LogFilter): Promise<AccessRowOut[]> {
  const params: unknown[] = [];
  const cond = where(f, 'l.viewer_id', '::bigint', params);
  params.push(f.limit);
  return m.query(
    `SELECT l.id::text AS id, ${AT} AS at, l.viewer_id, a.name AS viewer_name, l.subject_id, s.name AS subject_name, l.fields, l.reason,
            CASE WHEN l.subject_id IS NULL THEN l.export END AS export,
            CASE WHEN l.subject_id IS NULL THEN (SELECT name FROM region WHERE id::text = l.export ->> 'regionId') END AS export_region_name
       FROM access_log l JOIN app_user a ON a.id = l.viewer_id LEFT JOIN app_user s ON s.id = l.subject_id LEFT JOIN region ar ON ar.id = a.region_id
     ${cond}
     ORDER BY l.created_at DESC, l.id DESC LIMIT $${params.length}`,
    params,
  );
}
