import type { LedgerTag, Role } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { pathCondition, type Jurisdiction } from '../access/jurisdiction';
import { keysetBefore } from '../../db/cursor';
import { User } from './user.entity';

/**
 * People's data access (table app_user). Whole people are read and changed through TypeORM's repository (the
 * entity hydrates every column); what needs a join with the place tree or a decision made by the database (the
 * list's keyset, an insert that a taken phone skips) is raw SQL with the row's type beside it.
 */

/** A person's id and the path of their home place (null: they have none), as the privacy presenter takes them. */
export interface UserPlaceRow {
  id: string;
  path: string | null;
}

/** The person's id and home place; undefined when there is no such person. */
export async function findUserPlace(m: EntityManager, id: string): Promise<UserPlaceRow | undefined> {
  const [row] = await m.query<UserPlaceRow[]>(`SELECT u.id, r.path FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = $1`, [id]);
  return row;
}

/** The person, null when there is none; `lock` holds their row until the transaction ends. */
export async function findUser(m: EntityManager, id: string, { lock = false } = {}): Promise<User | null> {
  return m.getRepository(User).findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
}

/** The person with this phone, null when there is none; `lock` holds their row until the transaction ends. */
export async function findUserByPhone(m: EntityManager, phone: string, { lock = false } = {}): Promise<User | null> {
  return m.getRepository(User).findOne({ where: { phone }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
}

/** A person known to exist. */
export async function getUser(m: EntityManager, id: string): Promise<User> {
  return m.getRepository(User).findOneByOrFail({ id });
}

/** The people with these ids, in no particular order (an unknown id is left out). */
export async function findUsers(m: EntityManager, ids: readonly string[]): Promise<User[]> {
  return m
    .getRepository(User)
    .createQueryBuilder('u')
    .where('u.id IN (:...ids)', { ids: [...ids] })
    .getMany();
}

export interface NewUser {
  name: string;
  /** Null: a resident without a mobile (reached by landline or family contacts). */
  phone: string | null;
  landline?: string | null;
  roles: Role[];
  regionId: string | null;
  skills: string[];
  partyMember: boolean;
  employedPartyMember: boolean;
  address: string | null;
  tags: LedgerTag[];
  pairedCadreId: string | null;
  locationLat: number | null;
  locationLng: number | null;
}

/** Registers the person; undefined when the phone is already registered (the unique phone decides, race-free). */
export async function insertUser(m: EntityManager, u: NewUser): Promise<string | undefined> {
  const inserted = await m.query<Array<{ id: string }>>(
    `INSERT INTO app_user (name, phone, roles, region_id, skills, party_member, employed_party_member, address, tags, paired_cadre_id, location_lat, location_lng, landline)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (phone) DO NOTHING RETURNING id`,
    [
      u.name,
      u.phone,
      u.roles,
      u.regionId,
      u.skills,
      u.partyMember,
      u.employedPartyMember,
      u.address,
      u.tags,
      u.pairedCadreId,
      u.locationLat,
      u.locationLng,
      u.landline ?? null,
    ],
  );
  return inserted[0]?.id;
}

/** Changes the fields given (a taken phone fails with PostgreSQL's 23505). */
export async function updateUser(m: EntityManager, id: string, changes: Partial<User>): Promise<void> {
  await m.getRepository(User).update({ id }, changes);
}

/** Who the people list shows: everything is optional but the jurisdiction and the page size. */
export interface UserListFilter {
  jurisdiction: Jurisdiction;
  /** Only people of this place and below (its path). */
  regionPath?: string;
  role?: Role;
  /** Only people carrying this ledger tag. */
  tag?: LedgerTag;
  /** A name containing it, or a phone or landline starting with its digits. */
  q?: string;
  /** Keyset: only people created before this (created_at as ISO text, id). */
  before?: readonly [string, string];
  limit: number;
}

/**
 * One page of people inside the jurisdiction, newest first, as ids and home places (`limit` rows at most: ask one
 * more than the page to learn whether another follows).
 */
export async function listUserPlaces(m: EntityManager, f: UserListFilter): Promise<UserPlaceRow[]> {
  const params: unknown[] = [];
  const where: string[] = [pathCondition(f.jurisdiction, 'r.path', params)];
  if (f.regionPath !== undefined) {
    params.push(f.regionPath);
    where.push(`r.path LIKE $${params.length} || '%'`);
  }
  if (f.role !== undefined) {
    params.push(f.role);
    where.push(`$${params.length} = ANY(u.roles)`);
  }
  if (f.tag !== undefined) {
    params.push(f.tag);
    where.push(`$${params.length} = ANY(u.tags)`);
  }
  if (f.q !== undefined) {
    params.push(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, `${f.q.replace(/\D/g, '')}%`);
    // a phone's or a landline's digits (a landline is stored with or without its dash)
    where.push(
      `(u.name ILIKE $${params.length - 1} OR ($${params.length} <> '%' AND (u.phone LIKE $${params.length} OR replace(u.landline, '-', '') LIKE $${params.length})))`,
    );
  }
  if (f.before !== undefined) {
    where.push(keysetBefore(f.before, 'app_user', 'u', params));
  }
  params.push(f.limit);
  return m.query<UserPlaceRow[]>(
    `SELECT u.id, r.path FROM app_user u LEFT JOIN region r ON r.id = u.region_id
     WHERE ${where.join(' AND ')} ORDER BY u.created_at DESC, u.id DESC LIMIT $${params.length}`,
    params,
  );
}

/** What the duty overview (在岗情况) filters on; the time is the service's local time (Beijing), as rosters are read. */
export interface DutyFilter {
  jurisdiction: Jurisdiction;
  regionPath?: string;
  /** on_duty: switched 上岗; available: on duty and inside a roster slot now (or with no roster). */
  state: 'all' | 'on_duty' | 'available';
  /** ISO weekday 1–7 and "HH:MM" of now in Beijing time, for `available`. */
  weekday: number;
  hhmm: string;
  before?: readonly [string, string];
  limit: number;
}

/** A volunteer or grid worker as the duty overview reads them. */
export interface DutyRow {
  id: string;
  name: string;
  roles: Role[];
  region_id: string | null;
  region_name: string | null;
  skills: string[];
  on_duty: boolean;
  roster: Array<{ weekday: number; start: string; end: string }> | null;
  created_at: string;
}

/**
 * One page of the volunteers and grid workers inside the jurisdiction (newest first, keyset like the people list).
 * `available` is decided here, in SQL, by the rule of `isAvailableNow` (shared/duty.ts): on duty, and no roster or a
 * slot of today holding now — so a page is a page of available people, not a page filtered afterwards.
 */
export async function listDutyPeople(m: EntityManager, f: DutyFilter): Promise<DutyRow[]> {
  const params: unknown[] = [];
  const where: string[] = [pathCondition(f.jurisdiction, 'r.path', params), `u.roles && ARRAY['volunteer', 'grid_worker']::text[]`];
  if (f.regionPath !== undefined) {
    params.push(f.regionPath);
    where.push(`r.path LIKE $${params.length} || '%'`);
  }
  if (f.state !== 'all') where.push('u.on_duty');
  if (f.state === 'available') {
    params.push(f.weekday, f.hhmm);
    const [wd, now] = [`$${params.length - 1}`, `$${params.length}`];
    where.push(
      `(u.roster IS NULL OR jsonb_array_length(u.roster) = 0 OR EXISTS (
         SELECT 1 FROM jsonb_array_elements(u.roster) s WHERE (s->>'weekday')::int = ${wd} AND s->>'start' <= ${now} AND ${now} < s->>'end'))`,
    );
  }
  if (f.before !== undefined) where.push(keysetBefore(f.before, 'app_user', 'u', params));
  params.push(f.limit);
  return m.query<DutyRow[]>(
    `SELECT u.id, u.name, u.roles, u.region_id, r.name AS region_name, u.skills, u.on_duty, u.roster, u.created_at::text AS created_at
     FROM app_user u LEFT JOIN region r ON r.id = u.region_id
     WHERE ${where.join(' AND ')} ORDER BY u.created_at DESC, u.id DESC LIMIT $${params.length}`,
    params,
  );
}
