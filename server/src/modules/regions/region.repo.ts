import type { RegionLevel } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { Region } from './region.entity';

/**
 * The place tree's data access, the only SQL on `region` outside the migrations and the statements that read a
 * place together with their own work. References (`RegionRef`) in raw SQL: the other modules look places up on
 * their paths; whole places (`Region`, for presenting and creating one) through TypeORM's repository.
 */

/** A place of the tree (盟市 → 旗县 → 苏木乡镇/街道 → 嘎查村/社区 → 网格) as the other modules need it. */
export interface RegionRef {
  id: string;
  name: string;
  level: string;
  path: string;
}

/**
 * The one lookup of a place by id (filters, batch dispatch, stats): null when there is none. Callers decide what
 * "not found" means for them (usually 404 地区不存在, also for a place outside the caller's jurisdiction).
 */
export async function findRegion(m: Pick<EntityManager, 'query'>, id: string): Promise<RegionRef | null> {
  const [region] = await m.query<RegionRef[]>(`SELECT id, name, level, path FROM region WHERE id = $1`, [id]);
  return region ?? null;
}

/** The places with these ids, in no particular order (an unknown id is left out). */
export async function findRegions(m: EntityManager, ids: readonly string[]): Promise<Region[]> {
  if (ids.length === 0) return [];
  return m
    .getRepository(Region)
    .createQueryBuilder('r')
    .where('r.id IN (:...ids)', { ids: [...ids] })
    .getMany();
}

/**
 * The whole place (to present it, or to add a child under it): null when there is none. `lock` holds it until the
 * transaction ends, so that a child is made under the parent as it was read.
 */
export async function findRegionRecord(m: EntityManager, id: string, { lock = false } = {}): Promise<Region | null> {
  return m.getRepository(Region).findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
}

/** The children of a place by name, or the roots (cities) without one. */
export async function listChildRegions(m: EntityManager, parentId: string | undefined): Promise<Region[]> {
  return m
    .getRepository(Region)
    .createQueryBuilder('r')
    .where(parentId === undefined ? 'r.parent_id IS NULL' : 'r.parent_id = :parentId', { parentId })
    .orderBy('r.name', 'ASC')
    .getMany();
}

/** True when the parent already has a child of that name. */
export async function hasChildNamed(m: EntityManager, parentId: string, name: string): Promise<boolean> {
  return m.getRepository(Region).existsBy({ parentId, name });
}

export interface NewRegion {
  id: string;
  parentId: string | null;
  level: RegionLevel;
  name: string;
  path: string;
  centerLat: number | null;
  centerLng: number | null;
  effectiveDispatchMode: Region['effectiveDispatchMode'];
}

/** Inserts the place and answers it as stored. */
export async function insertRegion(m: EntityManager, region: NewRegion): Promise<Region> {
  const repo = m.getRepository(Region);
  await repo.insert(repo.create(region));
  return repo.findOneByOrFail({ id: region.id });
}
