import type { EntityManager } from 'typeorm';

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
