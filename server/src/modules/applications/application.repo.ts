import type { ApplicationKind, ApplicationStatus, RosterSlot } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { pathCondition, type Jurisdiction } from '../access/jurisdiction';
import { keysetBefore } from '../../db/cursor';
import { updateReturning } from '../../db/returning';

/**
 * Applications' data access (table application, migration 1795393200000). Raw SQL with typed rows: an application
 * is always read with its applicant's name and current place and its target's path (who may decide it), which no
 * entity holds.
 */

export interface ApplicationRow {
  id: string;
  applicant_id: string;
  applicant_name: string;
  applicant_phone: string | null;
  /** The applicant's place now (null: none). */
  applicant_path: string | null;
  kind: ApplicationKind;
  status: ApplicationStatus;
  region_id: string | null;
  skills: string[];
  service_region_id: string | null;
  availability: RosterSlot[];
  note: string | null;
  target_region_id: string | null;
  target_path: string | null;
  address: string | null;
  location_lat: number | null;
  location_lng: number | null;
  reason: string | null;
  decided_by: string | null;
  decider_name: string | null;
  decided_at: string | null;
  decline_reason: string | null;
  /** created_at with its microseconds, as ISO text (the keyset cursor must not lose them). */
  created_at: string;
}

const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const SELECT = `
  SELECT a.id, a.applicant_id, u.name AS applicant_name, u.phone AS applicant_phone, ur.path AS applicant_path,
         a.kind, a.status, a.region_id, a.skills, a.service_region_id, a.availability, a.note,
         a.target_region_id, tr.path AS target_path, a.address, a.location_lat, a.location_lng, a.reason,
         a.decided_by, d.name AS decider_name, ${ISO('a.decided_at')} AS decided_at, a.decline_reason, ${ISO('a.created_at')} AS created_at
    FROM application a
    JOIN app_user u ON u.id = a.applicant_id
    LEFT JOIN region ur ON ur.id = u.region_id
    LEFT JOIN region tr ON tr.id = a.target_region_id
    LEFT JOIN app_user d ON d.id = a.decided_by`;

export interface NewApplication {
  applicantId: string;
  kind: ApplicationKind;
  regionId: string | null;
  skills: string[];
  serviceRegionId: string | null;
  availability: RosterSlot[];
  note: string | null;
  targetRegionId: string | null;
  address: string | null;
  locationLat: number | null;
  locationLng: number | null;
  reason: string | null;
}

/** Inserts a pending application; undefined when the person already has a pending one of that kind (the partial unique index decides, race-free). */
export async function insertApplication(m: Pick<EntityManager, 'query'>, a: NewApplication): Promise<string | undefined> {
  const rows = await m.query<Array<{ id: string }>>(
    `INSERT INTO application (applicant_id, kind, region_id, skills, service_region_id, availability, note, target_region_id, address, location_lat, location_lng, reason)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (applicant_id, kind) WHERE status = 'pending' DO NOTHING RETURNING id`,
    [
      a.applicantId,
      a.kind,
      a.regionId,
      a.skills,
      a.serviceRegionId,
      JSON.stringify(a.availability),
      a.note,
      a.targetRegionId,
      a.address,
      a.locationLat,
      a.locationLng,
      a.reason,
    ],
  );
  return rows[0]?.id;
}

/**
 * The application, null when there is none. `lock` holds its row (the application table only: a lock cannot reach
 * the nullable side of the outer joins) until the transaction ends, so a decision is taken on it as it was read.
 */
export async function findApplication(m: Pick<EntityManager, 'query'>, id: string, { lock = false } = {}): Promise<ApplicationRow | null> {
  if (lock) await m.query(`SELECT 1 FROM application WHERE id = $1 FOR UPDATE`, [id]);
  const [row] = await m.query<ApplicationRow[]>(`${SELECT} WHERE a.id = $1`, [id]);
  return row ?? null;
}

/** A person's own applications, newest first (a person makes few). */
export async function listApplicationsOf(m: Pick<EntityManager, 'query'>, applicantId: string): Promise<ApplicationRow[]> {
  return m.query<ApplicationRow[]>(`${SELECT} WHERE a.applicant_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT 100`, [applicantId]);
}

export interface ApplicationFilter {
  jurisdiction: Jurisdiction;
  status?: ApplicationStatus;
  kind?: ApplicationKind;
  before?: readonly [string, string];
  limit: number;
}

/**
 * One page of the applications staff may decide, newest first: the applicant's place, or a move's target, lies
 * inside the jurisdiction (`limit` rows at most: ask one more than the page to learn whether another follows).
 */
export async function listApplications(m: Pick<EntityManager, 'query'>, f: ApplicationFilter): Promise<ApplicationRow[]> {
  const params: unknown[] = [];
  const where = [`(${pathCondition(f.jurisdiction, 'ur.path', params)} OR ${pathCondition(f.jurisdiction, 'tr.path', params)})`];
  if (f.status !== undefined) {
    params.push(f.status);
    where.push(`a.status = $${params.length}`);
  }
  if (f.kind !== undefined) {
    params.push(f.kind);
    where.push(`a.kind = $${params.length}`);
  }
  if (f.before !== undefined) where.push(keysetBefore(f.before, 'application', 'a', params));
  params.push(f.limit);
  return m.query<ApplicationRow[]>(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY a.created_at DESC, a.id DESC LIMIT $${params.length}`, params);
}

/**
 * Ends a pending application (approved, declined or withdrawn); false when it was no longer pending — the
 * conditional UPDATE, not the read before it, decides who was first.
 */
export async function closeApplication(
  m: Pick<EntityManager, 'query'>,
  id: string,
  to: { status: Exclude<ApplicationStatus, 'pending'>; decidedBy: string | null; declineReason: string | null },
): Promise<boolean> {
  const decided = to.status === 'approved' || to.status === 'declined';
  const rows = await updateReturning<{ id: string }>(
    m,
    `UPDATE application SET status = $2, decided_by = $3, decided_at = CASE WHEN $4::boolean THEN clock_timestamp() END, decline_reason = $5
      WHERE id = $1 AND status = 'pending' RETURNING id`,
    [id, to.status, to.decidedBy, decided, to.declineReason],
  );
  return rows.length === 1;
}
