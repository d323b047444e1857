import type { EntityManager } from 'typeorm';
import { NotFoundError } from '../../errors';
import { covers, type Jurisdiction } from '../access/jurisdiction';
import { findRegion, type RegionRef } from './region.repo';

/** The one answer for a place that does not exist or lies outside the asker's jurisdiction: which, is not told. */
export function regionNotFound(): NotFoundError {
  return new NotFoundError('地区不存在。');
}

/** The place by id; 404 地区不存在 when there is none, or — given a jurisdiction — when it lies outside it. */
export async function regionOr404(m: Pick<EntityManager, 'query'>, id: string, within?: Jurisdiction): Promise<RegionRef> {
  const region = await findRegion(m, id);
  if (!region || (within !== undefined && !covers(within, region.path))) throw regionNotFound();
  return region;
}
