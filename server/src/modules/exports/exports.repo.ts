import type { QueryRunner } from 'typeorm';

/**
 * The exports' data access: one statement per ledger, read through a server-side cursor in batches, so that a
 * county's year (hundreds of thousands of orders) never sits in memory — neither here nor in the driver — and, in
 * the export's REPEATABLE READ snapshot, the access log written at the end names exactly the people who went out.
 */

/** Where a ledger's rows come from: the place (`placePath` null: the whole tree), the jurisdiction, the period. */
export interface LedgerScope {
  /** A condition on the given path column for "inside the viewer's jurisdiction", its values appended to params. */
  jurisdiction: (column: string, params: unknown[]) => string;
  placePath: string | null;
  from?: string;
  to?: string;
}

export interface Statement {
  sql: string;
  params: unknown[];
}

function under(column: string, s: LedgerScope, params: unknown[]): string[] {
  const where = [s.jurisdiction(column, params)];
  if (s.placePath !== null) {
    params.push(s.placePath);
    // a path is made of uuids and slashes: no LIKE wildcards can hide in it
    where.push(`${column} LIKE $${params.length} || '%'`);
  }
  return where;
}

function within(column: string, s: LedgerScope, params: unknown[]): string[] {
  const where: string[] = [];
  if (s.from !== undefined) {
    params.push(s.from);
    where.push(`${column} >= $${params.length}`);
  }
  if (s.to !== undefined) {
    params.push(s.to);
    where.push(`${column} < $${params.length}`);
  }
  return where;
}

// ---------- 服务台账: every order of the place and period ----------

export interface ServiceLedgerRow {
  id: string;
  created_at: Date;
  resident_id: string;
  resident_name: string;
  resident_phone: string | null;
  resident_landline: string | null;
  address: string | null;
  region_path: string;
  grid_name: string;
  community_name: string;
  category_name: string;
  urgency: string;
  channel: string;
  description: string;
  status: string;
  escalation_level: string;
  dispatched_to: string | null;
  dispatched_at: Date | null;
  assignees: string | null;
  squads: string | null;
  first_accepted_at: Date | null;
  checked_in_at: Date | null;
  completed_at: Date | null;
  closed_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  service_minutes: number | null;
  rating: number | null;
  rating_comment: string | null;
  escalations: number;
}

function serviceLedgerWhere(s: LedgerScope, params: unknown[]): string {
  return [...under('o.region_path', s, params), ...within('o.created_at', s, params)].join(' AND ');
}

/** Oldest first. The people on an order are those of its current round who did not drop out (as its page shows them). */
export function serviceLedgerQuery(s: LedgerScope): Statement {
  const params: unknown[] = [];
  const where = serviceLedgerWhere(s, params);
  return {
    sql: `SELECT o.id, o.created_at, o.resident_id, u.name AS resident_name, u.phone AS resident_phone, u.landline AS resident_landline,
                 COALESCE(o.address, u.address) AS address, o.region_path, r.name AS grid_name,
                 CASE WHEN r.level = 'grid' THEN COALESCE(pr.name, r.name) ELSE r.name END AS community_name,
                 c.name AS category_name, o.urgency, o.channel, o.description, o.status, o.escalation_level,
                 COALESCE(du.name, ds.name) AS dispatched_to,
                 (SELECT max(e.at) FROM order_event e WHERE e.order_id = o.id AND e.type = 'dispatch') AS dispatched_at,
                 a.assignees, a.squads, o.first_accepted_at, a.checked_in_at, o.completed_at, o.closed_at, o.cancelled_at, o.cancel_reason,
                 a.service_minutes, o.rating, o.rating_comment,
                 (SELECT count(*)::int FROM order_event e WHERE e.order_id = o.id AND e.type = 'escalate') AS escalations
            FROM service_order o
            JOIN app_user u ON u.id = o.resident_id
            JOIN region r ON r.id = o.region_id
            LEFT JOIN region pr ON pr.id = r.parent_id
            JOIN service_category c ON c.code = o.category_code
            LEFT JOIN app_user du ON du.id = o.dispatched_to_user_id
            LEFT JOIN squad ds ON ds.id = o.dispatched_to_squad_id
            LEFT JOIN LATERAL (
              SELECT string_agg(v.name, '、' ORDER BY x.accepted_at) AS assignees,
                     string_agg(DISTINCT q.name, '、') AS squads,
                     min(x.checked_in_at) AS checked_in_at,
                     (sum(x.service_minutes) FILTER (WHERE x.state = 'completed'))::int AS service_minutes
                FROM order_assignment x JOIN app_user v ON v.id = x.volunteer_id LEFT JOIN squad q ON q.id = x.squad_id
               WHERE x.order_id = o.id AND x.round = o.round AND x.state IN ('accepted', 'in_service', 'completed')) a ON true
           WHERE ${where}
           ORDER BY o.created_at, o.id`,
    params,
  };
}

/** The residents of those orders, with what of theirs went out in full; `fullPath`: a condition on their place. */
export function serviceLedgerSubjects(s: LedgerScope, offset: number, full: (column: string, params: unknown[]) => string): Statement {
  const params: unknown[] = new Array<unknown>(offset);
  const where = serviceLedgerWhere(s, params);
  const shown = full('o.region_path', params);
  return {
    sql: `SELECT DISTINCT ON (u.id) u.id,
                 array_remove(ARRAY[CASE WHEN u.phone IS NOT NULL THEN 'phone' END, CASE WHEN u.landline IS NOT NULL THEN 'landline' END,
                                    CASE WHEN COALESCE(o.address, u.address) IS NOT NULL THEN 'address' END], NULL)
            FROM service_order o JOIN app_user u ON u.id = o.resident_id
           WHERE ${where} AND ${shown}
           ORDER BY u.id`,
    params: params.slice(offset),
  };
}

// ---------- 志愿服务时长: the place's volunteers and grid workers, with their completed service in the period ----------

export interface VolunteerHoursRow {
  id: string;
  name: string;
  phone: string | null;
  region_path: string;
  grid_name: string;
  community_name: string;
  roles: string[];
  party_member: boolean;
  squads: string | null;
  orders: number;
  /** Projects attended (项目清单) in the period. */
  projects: number;
  /** Orders' and projects' minutes together: project hours count like service hours. */
  service_minutes: number;
  project_minutes: number;
  ratings: number;
  average_rating: number | null;
  first_at: Date | null;
  last_at: Date | null;
}

function volunteerWhere(s: LedgerScope, params: unknown[]): string {
  // also whoever served in a project (an employed party member through 双报到 need not be a volunteer)
  return [
    ...under('r.path', s, params),
    `(u.roles && ARRAY['volunteer', 'grid_worker']::text[] OR EXISTS (SELECT 1 FROM project_claim pc WHERE pc.user_id = u.id AND pc.status = 'attended'))`,
  ].join(' AND ');
}

/** Everyone who serves under the place (also those who served nothing in the period: the ledger lists them all). */
export function volunteerHoursQuery(s: LedgerScope): Statement {
  const params: unknown[] = [];
  const where = volunteerWhere(s, params);
  const period = within('a.completed_at', s, params);
  const projectPeriod = within('pc.confirmed_at', s, params);
  return {
    sql: `SELECT u.id, u.name, u.phone, r.path AS region_path, r.name AS grid_name,
                 CASE WHEN r.level = 'grid' THEN COALESCE(pr.name, r.name) ELSE r.name END AS community_name,
                 u.roles, u.party_member,
                 (SELECT string_agg(q.name, '、' ORDER BY q.name) FROM squad_member sm JOIN squad q ON q.id = sm.squad_id WHERE sm.user_id = u.id) AS squads,
                 COALESCE(w.orders, 0)::int AS orders, COALESCE(pw.projects, 0)::int AS projects,
                 (COALESCE(w.minutes, 0) + COALESCE(pw.minutes, 0))::int AS service_minutes, COALESCE(pw.minutes, 0)::int AS project_minutes,
                 COALESCE(w.ratings, 0)::int AS ratings, w.average_rating::float8 AS average_rating,
                 LEAST(w.first_at, pw.first_at) AS first_at, GREATEST(w.last_at, pw.last_at) AS last_at
            FROM app_user u
            JOIN region r ON r.id = u.region_id
            LEFT JOIN region pr ON pr.id = r.parent_id
            LEFT JOIN LATERAL (
              SELECT count(*) AS orders, sum(a.service_minutes) AS minutes, count(o.rating) AS ratings, avg(o.rating) AS average_rating,
                     min(a.completed_at) AS first_at, max(a.completed_at) AS last_at
                FROM order_assignment a JOIN service_order o ON o.id = a.order_id
               WHERE a.volunteer_id = u.id AND a.state = 'completed' ${period.map((c) => `AND ${c}`).join(' ')}) w ON true
            -- project hours count like service hours: attended claims, in the period by when attendance was confirmed
            LEFT JOIN LATERAL (
              SELECT count(*) AS projects, sum(pc.minutes) AS minutes, min(pc.confirmed_at) AS first_at, max(pc.confirmed_at) AS last_at
                FROM project_claim pc
               WHERE pc.user_id = u.id AND pc.status = 'attended' ${projectPeriod.map((c) => `AND ${c}`).join(' ')}) pw ON true
           WHERE ${where}
           ORDER BY r.path, COALESCE(w.minutes, 0) + COALESCE(pw.minutes, 0) DESC, u.name, u.id`,
    params,
  };
}

export function volunteerHoursSubjects(s: LedgerScope, offset: number, full: (column: string, params: unknown[]) => string): Statement {
  const params: unknown[] = new Array<unknown>(offset);
  const where = volunteerWhere(s, params);
  const shown = full('r.path', params);
  return {
    sql: `SELECT u.id, array_remove(ARRAY[CASE WHEN u.phone IS NOT NULL THEN 'phone' END], NULL)
            FROM app_user u JOIN region r ON r.id = u.region_id WHERE ${where} AND ${shown}`,
    params: params.slice(offset),
  };
}

// ---------- 重点人员台账: residents with ledger tags or a paired cadre (包联) ----------

export interface HouseholdRow {
  id: string;
  name: string;
  phone: string | null;
  landline: string | null;
  address: string | null;
  region_path: string;
  grid_name: string;
  community_name: string;
  tags: string[];
  cadre_name: string | null;
  cadre_phone: string | null;
  cadre_path: string | null;
  family: Array<{ name: string; relation: string; phone: string }> | null;
  orders: number;
  last_order_at: Date | null;
  created_at: Date;
}

function householdWhere(s: LedgerScope, params: unknown[]): string {
  return [...under('r.path', s, params), `'resident' = ANY(u.roles)`, `(cardinality(u.tags) > 0 OR u.paired_cadre_id IS NOT NULL)`].join(' AND ');
}

export function householdsQuery(s: LedgerScope): Statement {
  const params: unknown[] = [];
  const where = householdWhere(s, params);
  return {
    sql: `SELECT u.id, u.name, u.phone, u.landline, u.address, r.path AS region_path, r.name AS grid_name,
                 CASE WHEN r.level = 'grid' THEN COALESCE(pr.name, r.name) ELSE r.name END AS community_name,
                 u.tags, pc.name AS cadre_name, pc.phone AS cadre_phone, pcr.path AS cadre_path,
                 (SELECT json_agg(json_build_object('name', f.name, 'relation', f.relation, 'phone', f.phone) ORDER BY f.created_at)
                    FROM family_contact f WHERE f.resident_id = u.id) AS family,
                 (SELECT count(*)::int FROM service_order o WHERE o.resident_id = u.id) AS orders,
                 (SELECT max(o.created_at) FROM service_order o WHERE o.resident_id = u.id) AS last_order_at,
                 u.created_at
            FROM app_user u
            JOIN region r ON r.id = u.region_id
            LEFT JOIN region pr ON pr.id = r.parent_id
            LEFT JOIN app_user pc ON pc.id = u.paired_cadre_id
            LEFT JOIN region pcr ON pcr.id = pc.region_id
           WHERE ${where}
           ORDER BY r.path, u.name, u.id`,
    params,
  };
}

export function householdsSubjects(s: LedgerScope, offset: number, full: (column: string, params: unknown[]) => string): Statement {
  const params: unknown[] = new Array<unknown>(offset);
  const where = householdWhere(s, params);
  const shown = full('r.path', params);
  return {
    sql: `SELECT u.id, array_remove(ARRAY[CASE WHEN u.phone IS NOT NULL THEN 'phone' END, CASE WHEN u.landline IS NOT NULL THEN 'landline' END,
                                         CASE WHEN u.address IS NOT NULL THEN 'address' END,
                                         CASE WHEN EXISTS (SELECT 1 FROM family_contact f WHERE f.resident_id = u.id) THEN 'family' END], NULL)
            FROM app_user u JOIN region r ON r.id = u.region_id WHERE ${where} AND ${shown}`,
    params: params.slice(offset),
  };
}

// ---------- the cursor ----------

/**
 * A server-side cursor over a statement, in the runner's transaction (which must be open): rows come `batch` at a
 * time, and PostgreSQL plans it for the first rows (cursor_tuple_fraction), not for sorting everything at once.
 */
export async function openCursor(runner: QueryRunner, name: string, st: Statement): Promise<void> {
  await runner.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${st.sql}`, st.params);
}

export async function fetchCursor<R>(runner: QueryRunner, name: string, batch: number): Promise<R[]> {
  return (await runner.query(`FETCH FORWARD ${batch} FROM ${name}`)) as R[];
}
