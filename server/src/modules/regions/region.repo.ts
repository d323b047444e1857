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

/** A place found by name or distance, with its ancestors' names (top first, itself last). */
export interface RegionHitRow {
  id: string;
  level: RegionLevel;
  name: string;
  path_names: string[];
  path_ids: string[];
  selectable: boolean;
  distance: number | null;
}

// The names of a place's ancestors and itself, read from its path (`/id/id/…/`) in order: no scan of the tree.
const PATH_NAMES = `ARRAY(SELECT a.name FROM unnest(string_to_array(trim(both '/' from r.path), '/')::uuid[]) WITH ORDINALITY AS p(id, n)
                          JOIN region a ON a.id = p.id ORDER BY p.n)`;
const PATH_IDS = `string_to_array(trim(both '/' from r.path), '/')`;
// A person is placed in a grid, or in a community/village that has no grids.
const SELECTABLE = `(r.level = 'grid' OR (r.level = 'community' AND NOT EXISTS (SELECT 1 FROM region c WHERE c.parent_id = r.id)))`;

/** Places whose name contains `q` (LIKE wildcards in it are taken literally): selectable ones first, then by depth and name. */
export async function searchRegions(m: Pick<EntityManager, 'query'>, q: string, limit: number): Promise<RegionHitRow[]> {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return m.query<RegionHitRow[]>(
    `SELECT r.id, r.level, r.name, ${PATH_NAMES} AS path_names, ${PATH_IDS} AS path_ids, ${SELECTABLE} AS selectable, NULL::float8 AS distance
       FROM region r WHERE r.name ILIKE $1
      ORDER BY ${SELECTABLE} DESC, strpos(r.name, $2) = 1 DESC, length(r.path) DESC, r.name, r.id LIMIT $3`,
    [pattern, q, limit],
  );
}

/** The grids whose centre is nearest to the point, with the distance in metres (haversine on a 6,371 km sphere). */
export async function nearestGrids(m: Pick<EntityManager, 'query'>, lat: number, lng: number, limit: number): Promise<RegionHitRow[]> {
  return m.query<RegionHitRow[]>(
    `SELECT id, level, name, path_names, ${PATH_IDS} AS path_ids, true AS selectable, distance FROM (
       SELECT r.id, r.level, r.name, r.path,
              2 * 6371000 * asin(least(1, sqrt(power(sin(radians(r.center_lat - $1) / 2), 2)
                + cos(radians($1)) * cos(radians(r.center_lat)) * power(sin(radians(r.center_lng - $2) / 2), 2)))) AS distance
         FROM region r WHERE r.level = 'grid' AND r.center_lat IS NOT NULL
        ORDER BY distance, r.id LIMIT $3) r
     CROSS JOIN LATERAL (SELECT ${PATH_NAMES} AS path_names) n
     ORDER BY distance, id`,
    [lat, lng, limit],
  );
}

/** The place and whether a person may be placed there (a grid, or a community with no grids); null when there is none. */
export async function findPlaceable(
  m: Pick<EntityManager, 'query'>,
  id: string,
): Promise<(RegionRef & { selectable: boolean; parent_id: string | null }) | null> {
  const [row] = await m.query<Array<RegionRef & { selectable: boolean; parent_id: string | null }>>(
    `SELECT r.id, r.name, r.level, r.path, r.parent_id, ${SELECTABLE} AS selectable FROM region r WHERE r.id = $1`,
    [id],
  );
  return row ?? null;
}

/** The place's full name, 「盟市 › 旗县 › … › 网格」; null for an unknown id. */
export async function placeLabels(m: Pick<EntityManager, 'query'>, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await m.query<Array<{ id: string; path_names: string[] }>>(
    `SELECT r.id, ${PATH_NAMES} AS path_names FROM region r WHERE r.id = ANY($1::uuid[])`,
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, r.path_names.join(' › ')]));
}

/** Renames the place and/or sets its centre (both coordinates, or neither); answers it as stored. */
export async function updateRegionRecord(
  m: EntityManager,
  id: string,
  patch: { name?: string; center?: { lat: number; lng: number } | null },
): Promise<Region> {
  const repo = m.getRepository(Region);
  const set: Partial<Pick<Region, 'name' | 'centerLat' | 'centerLng'>> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.center !== undefined) {
    set.centerLat = patch.center?.lat ?? null;
    set.centerLng = patch.center?.lng ?? null;
  }
  if (Object.keys(set).length > 0) await repo.update({ id }, set);
  return repo.findOneByOrFail({ id });
}

/**
 * The dispatch mode in effect (派单方式) at `path` and every place below it: a place's own setting, else its nearest
 * ancestor's, else manual. Run after a setting changes and after a grid moves under another community.
 */
export async function refreshEffectiveDispatchMode(m: Pick<EntityManager, 'query'>, path: string): Promise<void> {
  await m.query(
    `UPDATE region d SET effective_dispatch_mode = COALESCE(
       (SELECT a.dispatch_mode FROM region a
        WHERE a.id = ANY (string_to_array(trim(BOTH '/' FROM d.path), '/')::uuid[]) AND a.dispatch_mode IS NOT NULL
        ORDER BY length(a.path) DESC LIMIT 1), 'manual')
     WHERE d.path LIKE $1 || '%'`,
    [path],
  );
}
