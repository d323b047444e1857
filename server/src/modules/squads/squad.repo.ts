import type { SquadDto } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { pathCondition, type Jurisdiction } from '../access/jurisdiction';
import type { UserPlaceRow } from '../users/user.repo';
import { SquadMember } from './squad.entity';

/**
 * Squads' data access (tables squad, squad_member). Raw SQL with typed rows: a squad is always read with its
 * place's path (for jurisdiction) and its member count, which no entity holds; membership checks use TypeORM.
 */

/** A squad as read: its columns, its place's path and how many members it has. */
export interface SquadRow {
  id: string;
  name: string;
  color: SquadDto['color'];
  region_id: string;
  leader_id: string;
  categories: string[];
  member_count: number;
  path: string;
  leader_name: string;
  region_name: string;
}

const SQUAD_SELECT = `
  SELECT s.id, s.name, s.color, s.region_id, s.leader_id, s.categories, r.path, r.name AS region_name, l.name AS leader_name,
         (SELECT count(*)::int FROM squad_member sm WHERE sm.squad_id = s.id) AS member_count
  FROM squad s JOIN region r ON r.id = s.region_id JOIN app_user l ON l.id = s.leader_id`;

export async function findSquad(m: EntityManager, id: string): Promise<SquadRow | undefined> {
  const [row] = await m.query<SquadRow[]>(`${SQUAD_SELECT} WHERE s.id = $1`, [id]);
  return row;
}

/** Holds the squad's row until the transaction ends (membership and leader changes take turns). */
export async function lockSquad(m: EntityManager, id: string): Promise<void> {
  await m.query(`SELECT 1 FROM squad WHERE id = $1 FOR UPDATE`, [id]);
}

/**
 * The squads inside the jurisdiction or with `memberId` among their members, by name (at most 500: a place has
 * a handful); with `regionPath`, only those of that place and below.
 */
export async function listSquads(m: EntityManager, f: { jurisdiction: Jurisdiction; memberId: string; regionPath?: string }): Promise<SquadRow[]> {
  const params: unknown[] = [];
  const inScope = pathCondition(f.jurisdiction, 'r.path', params);
  params.push(f.memberId);
  const where = [`(${inScope} OR EXISTS (SELECT 1 FROM squad_member sm WHERE sm.squad_id = s.id AND sm.user_id = $${params.length}))`];
  if (f.regionPath !== undefined) {
    params.push(f.regionPath);
    where.push(`r.path LIKE $${params.length} || '%'`);
  }
  return m.query<SquadRow[]>(`${SQUAD_SELECT} WHERE ${where.join(' AND ')} ORDER BY s.name LIMIT 500`, params);
}

/** True when the person is a member of the squad. */
export async function isSquadMember(m: EntityManager, squadId: string, userId: string): Promise<boolean> {
  return m.getRepository(SquadMember).existsBy({ squadId, userId });
}

/** The members' ids and home places, in the order they joined. */
export async function listMemberPlaces(m: EntityManager, squadId: string): Promise<UserPlaceRow[]> {
  return m.query<UserPlaceRow[]>(
    `SELECT u.id, r.path FROM squad_member sm JOIN app_user u ON u.id = sm.user_id LEFT JOIN region r ON r.id = u.region_id
     WHERE sm.squad_id = $1 ORDER BY sm.joined_at, u.id`,
    [squadId],
  );
}

export interface NewSquad {
  name: string;
  color: SquadDto['color'];
  regionId: string;
  leaderId: string;
  categories: string[];
}

/** Sets up the squad; undefined when its place already has a squad of that name (the unique constraint decides). */
export async function insertSquad(m: EntityManager, s: NewSquad): Promise<string | undefined> {
  const inserted = await m.query<Array<{ id: string }>>(
    `INSERT INTO squad (name, color, region_id, leader_id, categories) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (region_id, name) DO NOTHING RETURNING id`,
    [s.name, s.color, s.regionId, s.leaderId, s.categories],
  );
  return inserted[0]?.id;
}

/** True when the place already has a squad of that name. */
export async function isSquadNameTaken(m: EntityManager, regionId: string, name: string): Promise<boolean> {
  const taken = await m.query<unknown[]>(`SELECT 1 FROM squad WHERE region_id = $1 AND name = $2`, [regionId, name]);
  return taken.length > 0;
}

/** Changes the fields given (the others stay). */
export async function updateSquad(
  m: EntityManager,
  id: string,
  patch: { name?: string; color?: SquadDto['color']; leaderId?: string; categories?: string[] },
): Promise<void> {
  await m.query(
    `UPDATE squad SET name = coalesce($2, name), color = coalesce($3, color), leader_id = coalesce($4, leader_id),
            categories = coalesce($5, categories), updated_at = now() WHERE id = $1`,
    [id, patch.name ?? null, patch.color ?? null, patch.leaderId ?? null, patch.categories ?? null],
  );
}

/** Makes the person a member of a new squad (its leader). */
export async function insertLeader(m: EntityManager, squadId: string, userId: string): Promise<void> {
  await m.query(`INSERT INTO squad_member (squad_id, user_id) VALUES ($1, $2)`, [squadId, userId]);
}

/** Adds the person; false when they are a member already. */
export async function addSquadMember(m: EntityManager, squadId: string, userId: string): Promise<boolean> {
  const added = await m.query<unknown[]>(`INSERT INTO squad_member (squad_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING user_id`, [
    squadId,
    userId,
  ]);
  return added.length > 0;
}

/** Removes the person; false when they were no member. */
export async function removeSquadMember(m: EntityManager, squadId: string, userId: string): Promise<boolean> {
  const removed = await m.query<[unknown[], number]>(`DELETE FROM squad_member WHERE squad_id = $1 AND user_id = $2`, [squadId, userId]);
  return removed[1] !== 0;
}
