import type { ClaimStatus, ProjectDto, ProjectStatus } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { keysetBefore } from '../../db/cursor';
import { updateReturning } from '../../db/returning';

/**
 * The project list's and 双报到's data access (tables project, project_claim, project_source_order and
 * party_registration, migration 1795401100000). Raw SQL with typed rows: a project is always read with its
 * community's name and path (who may manage it) and a claim with its person's name.
 */

type Db = Pick<EntityManager, 'query'>;

const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

// ---------- 双报到 ----------

export interface RegistrationRow {
  id: string;
  user_id: string;
  user_name: string;
  user_phone: string | null;
  community_id: string;
  community_name: string;
  community_path: string;
  workplace: string;
  workplace_party_org: string | null;
  registered_by: string | null;
  registrar_name: string | null;
  created_at: string;
  updated_at: string;
}

const REGISTRATION = `
  SELECT g.id, g.user_id, u.name AS user_name, u.phone AS user_phone, g.community_id, c.name AS community_name, c.path AS community_path,
         g.workplace, g.workplace_party_org, g.registered_by, rb.name AS registrar_name,
         ${ISO('g.created_at')} AS created_at, ${ISO('g.updated_at')} AS updated_at
    FROM party_registration g
    JOIN app_user u ON u.id = g.user_id
    JOIN region c ON c.id = g.community_id
    LEFT JOIN app_user rb ON rb.id = g.registered_by`;

/** The person's active registration, null when they have none. `lock`: hold its row (the table only) until the end. */
export async function activeRegistration(m: Db, userId: string, { lock = false } = {}): Promise<RegistrationRow | null> {
  if (lock) await m.query(`SELECT 1 FROM party_registration WHERE user_id = $1 AND ended_at IS NULL FOR UPDATE`, [userId]);
  const [row] = await m.query<RegistrationRow[]>(`${REGISTRATION} WHERE g.user_id = $1 AND g.ended_at IS NULL`, [userId]);
  return row ?? null;
}

export interface RegistrationFields {
  communityId: string;
  workplace: string;
  workplacePartyOrg: string | null;
  registeredBy: string;
}

/**
 * Records the person's 双报到, or changes their active one: one statement, the partial unique index deciding
 * between the two (two quick taps make one registration, never two).
 */
export async function upsertRegistration(m: Db, userId: string, f: RegistrationFields): Promise<void> {
  await m.query(
    `INSERT INTO party_registration (user_id, community_id, workplace, workplace_party_org, registered_by)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id) WHERE ended_at IS NULL
     DO UPDATE SET community_id = EXCLUDED.community_id, workplace = EXCLUDED.workplace,
                   workplace_party_org = EXCLUDED.workplace_party_org, registered_by = EXCLUDED.registered_by, updated_at = clock_timestamp()`,
    [userId, f.communityId, f.workplace, f.workplacePartyOrg, f.registeredBy],
  );
}

/** Ends the person's active registration; false when there was none. */
export async function endRegistration(m: Db, userId: string): Promise<boolean> {
  const rows = await updateReturning<{ id: string }>(
    m,
    `UPDATE party_registration SET ended_at = clock_timestamp(), updated_at = clock_timestamp() WHERE user_id = $1 AND ended_at IS NULL RETURNING id`,
    [userId],
  );
  return rows.length > 0;
}

/** 在职党员 is what 双报到 is for: recording one marks the person as an (employed) party member. */
export async function markEmployedPartyMember(m: Db, userId: string): Promise<{ before: { partyMember: boolean; employedPartyMember: boolean } }> {
  const [before] = await m.query<Array<{ party_member: boolean; employed_party_member: boolean }>>(
    `SELECT party_member, employed_party_member FROM app_user WHERE id = $1 FOR UPDATE`,
    [userId],
  );
  await m.query(`UPDATE app_user SET party_member = true, employed_party_member = true WHERE id = $1`, [userId]);
  return { before: { partyMember: before?.party_member ?? false, employedPartyMember: before?.employed_party_member ?? false } };
}

/** One page of the active registrations with communities under `path`, newest first. */
export async function listRegistrations(m: Db, path: string | null, before: readonly [string, string] | undefined, limit: number): Promise<RegistrationRow[]> {
  const params: unknown[] = [];
  const where = ['g.ended_at IS NULL'];
  if (path !== null) {
    params.push(path);
    where.push(`c.path LIKE $${params.length} || '%'`);
  }
  if (before !== undefined) where.push(keysetBefore(before, 'party_registration', 'g', params));
  params.push(limit);
  return m.query<RegistrationRow[]>(`${REGISTRATION} WHERE ${where.join(' AND ')} ORDER BY g.created_at DESC, g.id DESC LIMIT $${params.length}`, params);
}

// ---------- projects ----------

export interface ProjectRow {
  id: string;
  region_id: string;
  region_name: string;
  region_path: string;
  title: string;
  description: string;
  address: string;
  starts_at: string;
  ends_at: string;
  places: number;
  claimed: number;
  skills: string[];
  credit_minutes: number;
  points_base: number;
  points_per_hour: number;
  status: ProjectStatus;
  created_by: string | null;
  creator_name: string | null;
  created_at: string;
}

const PROJECT = `
  SELECT p.id, p.region_id, r.name AS region_name, r.path AS region_path, p.title, p.description, p.address,
         ${ISO('p.starts_at')} AS starts_at, ${ISO('p.ends_at')} AS ends_at, p.places, p.claimed, p.skills, p.credit_minutes,
         p.points_base, p.points_per_hour, p.status, p.created_by, cb.name AS creator_name, ${ISO('p.created_at')} AS created_at
    FROM project p
    JOIN region r ON r.id = p.region_id
    LEFT JOIN app_user cb ON cb.id = p.created_by`;

/** What an organiser sets on a project: the answer's fields, with the hours credited in minutes as stored. */
export type ProjectFields = Pick<
  ProjectDto,
  'title' | 'description' | 'address' | 'startsAt' | 'endsAt' | 'places' | 'skills' | 'pointsBase' | 'pointsPerHour' | 'status'
> & { creditMinutes: number };

export async function insertProject(m: Db, regionId: string, createdBy: string, f: ProjectFields): Promise<string> {
  const [row] = await m.query<Array<{ id: string }>>(
    `INSERT INTO project (region_id, title, description, address, starts_at, ends_at, places, skills, credit_minutes, points_base, points_per_hour, status, created_by, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $12 = 'published' THEN clock_timestamp() END) RETURNING id`,
    [
      regionId,
      f.title,
      f.description,
      f.address,
      f.startsAt,
      f.endsAt,
      f.places,
      f.skills,
      f.creditMinutes,
      f.pointsBase,
      f.pointsPerHour,
      f.status,
      createdBy,
    ],
  );
  return row!.id;
}

/** Writes the project's fields as given (the caller has checked them against the locked row). */
export async function updateProject(m: Db, id: string, f: ProjectFields): Promise<void> {
  await m.query(
    `UPDATE project SET title = $2, description = $3, address = $4, starts_at = $5, ends_at = $6, places = $7, skills = $8, credit_minutes = $9,
            points_base = $10, points_per_hour = $11, status = $12, updated_at = clock_timestamp(),
            published_at = CASE WHEN $12 = 'published' AND published_at IS NULL THEN clock_timestamp() ELSE published_at END
      WHERE id = $1`,
    [id, f.title, f.description, f.address, f.startsAt, f.endsAt, f.places, f.skills, f.creditMinutes, f.pointsBase, f.pointsPerHour, f.status],
  );
}

/** The project, null when there is none. `lock` holds its row (the project table only) until the transaction ends. */
export async function findProject(m: Db, id: string, { lock = false } = {}): Promise<ProjectRow | null> {
  if (lock) await m.query(`SELECT 1 FROM project WHERE id = $1 FOR UPDATE`, [id]);
  const [row] = await m.query<ProjectRow[]>(`${PROJECT} WHERE p.id = $1`, [id]);
  return row ?? null;
}

export interface ProjectFilter {
  /** Communities under this path (null: everywhere). */
  path: string | null;
  /** Exactly these communities (the claimant's view). */
  regionIds?: readonly string[];
  statuses?: readonly ProjectStatus[];
  orderId?: string;
  before?: readonly [string, string];
  limit: number;
}

/** Projects newest first (by when they were made), keyset-paged on (created_at, id). */
export async function listProjects(m: Db, f: ProjectFilter): Promise<ProjectRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (f.path !== null) {
    params.push(f.path);
    where.push(`r.path LIKE $${params.length} || '%'`);
  }
  if (f.regionIds !== undefined) {
    params.push([...f.regionIds]);
    where.push(`p.region_id = ANY($${params.length}::uuid[])`);
  }
  if (f.statuses !== undefined) {
    params.push([...f.statuses]);
    where.push(`p.status = ANY($${params.length}::text[])`);
  }
  if (f.orderId !== undefined) {
    params.push(f.orderId);
    where.push(`EXISTS (SELECT 1 FROM project_source_order s WHERE s.project_id = p.id AND s.order_id = $${params.length})`);
  }
  if (f.before !== undefined) where.push(keysetBefore(f.before, 'project', 'p', params));
  params.push(f.limit);
  return m.query<ProjectRow[]>(
    `${PROJECT} WHERE ${where.length > 0 ? where.join(' AND ') : 'TRUE'} ORDER BY p.created_at DESC, p.id DESC LIMIT $${params.length}`,
    params,
  );
}

// ---------- claims ----------

export interface ClaimRow {
  id: string;
  project_id: string;
  user_id: string;
  user_name: string;
  user_phone: string | null;
  status: ClaimStatus;
  claimed_at: string;
  confirmed_at: string | null;
  minutes: number | null;
  points: number | null;
}

const CLAIM = `
  SELECT c.id, c.project_id, c.user_id, u.name AS user_name, u.phone AS user_phone, c.status, ${ISO('c.claimed_at')} AS claimed_at,
         ${ISO('c.confirmed_at')} AS confirmed_at, c.minutes, c.points
    FROM project_claim c JOIN app_user u ON u.id = c.user_id`;

/** Every claim of a project, live ones first, then by when they were made. */
export async function claimsOf(m: Db, projectId: string): Promise<ClaimRow[]> {
  return m.query<ClaimRow[]>(`${CLAIM} WHERE c.project_id = $1 ORDER BY (c.status = 'cancelled'), c.claimed_at, c.id`, [projectId]);
}

/** Each project's claim by this person: the live one, else the latest cancelled one. */
export async function claimsBy(m: Db, userId: string, projectIds: readonly string[]): Promise<Map<string, ClaimRow>> {
  if (projectIds.length === 0) return new Map();
  const rows = await m.query<ClaimRow[]>(
    `${CLAIM.replace('SELECT', 'SELECT DISTINCT ON (c.project_id)')}
      WHERE c.user_id = $1 AND c.project_id = ANY($2::uuid[])
      ORDER BY c.project_id, (c.status = 'cancelled'), c.claimed_at DESC`,
    [userId, [...projectIds]],
  );
  return new Map(rows.map((r) => [r.project_id, r]));
}

export async function findClaim(m: Db, id: string): Promise<ClaimRow | null> {
  const [row] = await m.query<ClaimRow[]>(`${CLAIM} WHERE c.id = $1`, [id]);
  return row ?? null;
}

/**
 * Takes one of the project's places for the person, race-free: the claim row first (the partial unique index
 * refuses a second live claim of the same person — a concurrent one waits for the first to commit, then conflicts),
 * then the conditional UPDATE of the counter (a place is taken only while `claimed < places`, the project is
 * published and has not started; the row lock of the UPDATE serialises concurrent claimers, each re-reading the
 * counter). The caller's transaction is rolled back when either fails, so a refused claim leaves no row behind.
 */
export async function insertClaim(m: Db, projectId: string, userId: string): Promise<string | undefined> {
  const rows = await m.query<Array<{ id: string }>>(
    `INSERT INTO project_claim (project_id, user_id) VALUES ($1, $2) ON CONFLICT (project_id, user_id) WHERE status <> 'cancelled' DO NOTHING RETURNING id`,
    [projectId, userId],
  );
  return rows[0]?.id;
}

/** One place more taken; false when there is none left, or the project is no longer open for claims at `now`. */
export async function takePlace(m: Db, projectId: string, now: Date): Promise<boolean> {
  const rows = await updateReturning<{ id: string }>(
    m,
    `UPDATE project SET claimed = claimed + 1 WHERE id = $1 AND status = 'published' AND claimed < places AND starts_at > $2 RETURNING id`,
    [projectId, now],
  );
  return rows.length === 1;
}

/** Cancels the person's live claim (only while it is `claimed`) and frees its place; false when there was none. */
export async function cancelClaim(m: Db, projectId: string, userId: string, now: Date): Promise<string | undefined> {
  const rows = await updateReturning<{ id: string }>(
    m,
    `UPDATE project_claim SET status = 'cancelled', cancelled_at = $3 WHERE project_id = $1 AND user_id = $2 AND status = 'claimed' RETURNING id`,
    [projectId, userId, now],
  );
  if (rows.length === 0) return undefined;
  await m.query(`UPDATE project SET claimed = claimed - 1 WHERE id = $1`, [projectId]);
  return rows[0]!.id;
}

/** Confirms a claim once (still `claimed`): attended with minutes and points, or absent. False when already confirmed. */
export async function confirmClaim(
  m: Db,
  claimId: string,
  to: { attended: boolean; minutes: number | null; points: number | null; by: string; at: Date },
): Promise<boolean> {
  const rows = await updateReturning<{ id: string }>(
    m,
    `UPDATE project_claim SET status = $2, minutes = $3, points = $4, confirmed_by = $5, confirmed_at = $6
      WHERE id = $1 AND status = 'claimed' RETURNING id`,
    [claimId, to.attended ? 'attended' : 'absent', to.minutes, to.points, to.by, to.at],
  );
  return rows.length === 1;
}

// ---------- demands turned into projects ----------

export interface SourceOrderRow {
  project_id: string;
  id: string;
  description: string;
  category_name: string;
  resident_name: string;
}

export async function sourceOrdersOf(m: Db, projectIds: readonly string[]): Promise<SourceOrderRow[]> {
  if (projectIds.length === 0) return [];
  return m.query<SourceOrderRow[]>(
    `SELECT s.project_id, o.id, o.description, c.name AS category_name, u.name AS resident_name
       FROM project_source_order s
       JOIN service_order o ON o.id = s.order_id
       JOIN service_category c ON c.code = o.category_code
       JOIN app_user u ON u.id = o.resident_id
      WHERE s.project_id = ANY($1::uuid[])
      ORDER BY o.created_at`,
    [[...projectIds]],
  );
}

/** Links the order to the project; false when the order already belongs to a project (each order at most one). */
export async function linkSourceOrder(m: Db, projectId: string, orderId: string): Promise<boolean> {
  const rows = await m.query<Array<{ order_id: string }>>(
    `INSERT INTO project_source_order (project_id, order_id) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING RETURNING order_id`,
    [projectId, orderId],
  );
  return rows.length === 1;
}

/** An order's place path and status, as the link needs them (null: no such order). */
export async function orderForLink(m: Db, orderId: string): Promise<{ region_path: string; status: string } | null> {
  const [row] = await m.query<Array<{ region_path: string; status: string }>>(`SELECT region_path, status FROM service_order WHERE id = $1`, [orderId]);
  return row ?? null;
}

// ---------- the three lists ----------

export interface ThreeListsRow {
  open: number;
  overdue: number;
  by_category: Array<{ categoryName: string; count: number }>;
  volunteers: number;
  grid_workers: number;
  squads: number;
  party_members: number;
  employed_party_members: number;
}

/**
 * The counts of a community (its path, `$1`): open demands (and those past their deadline at `now`) by service, and
 * who can help — volunteers and grid workers whose place is in it, its squads, its party members and those who
 * reported to it through 双报到 (whether or not they live in it).
 */
export async function threeListCounts(m: Db, communityId: string, path: string, now: Date): Promise<ThreeListsRow> {
  const [row] = await m.query<ThreeListsRow[]>(
    `WITH o AS (SELECT o.category_code, o.deadline_at FROM service_order o
                 WHERE o.region_path LIKE $1 || '%' AND o.status IN ('pending', 'dispatched', 'accepted', 'in_service')),
          people AS (SELECT u.roles, u.party_member, u.employed_party_member FROM app_user u JOIN region r ON r.id = u.region_id WHERE r.path LIKE $1 || '%')
     SELECT (SELECT count(*)::int FROM o) AS open,
            (SELECT count(*)::int FROM o WHERE o.deadline_at <= $3) AS overdue,
            (SELECT COALESCE(json_agg(json_build_object('categoryName', c.name, 'count', x.n) ORDER BY x.n DESC, c.sort_order), '[]')
               FROM (SELECT category_code, count(*)::int AS n FROM o GROUP BY category_code) x JOIN service_category c ON c.code = x.category_code) AS by_category,
            (SELECT count(*)::int FROM people WHERE 'volunteer' = ANY(roles)) AS volunteers,
            (SELECT count(*)::int FROM people WHERE 'grid_worker' = ANY(roles)) AS grid_workers,
            (SELECT count(*)::int FROM squad q JOIN region r ON r.id = q.region_id WHERE r.path LIKE $1 || '%') AS squads,
            (SELECT count(*)::int FROM people WHERE party_member) AS party_members,
            (SELECT count(*)::int FROM party_registration g WHERE g.community_id = $2 AND g.ended_at IS NULL) AS employed_party_members`,
    [path, communityId, now],
  );
  return row!;
}

/** The communities a person belongs to for projects: their 双报到 community and the community of their place. */
export async function communitiesOf(m: Db, userId: string): Promise<string[]> {
  const rows = await m.query<Array<{ id: string }>>(
    `SELECT g.community_id AS id FROM party_registration g WHERE g.user_id = $1 AND g.ended_at IS NULL
     UNION
     SELECT CASE WHEN r.level = 'grid' THEN r.parent_id ELSE r.id END FROM app_user u JOIN region r ON r.id = u.region_id
      WHERE u.id = $1 AND r.level IN ('grid', 'community')`,
    [userId],
  );
  return rows.map((r) => r.id);
}
