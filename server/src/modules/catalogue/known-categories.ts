import type { EntityManager } from 'typeorm';
import { fieldError } from '../../errors';
import { countKnownCategories } from './catalogue.repo';

/** 400 naming `field` unless every code is a service of the catalogue (skills, squad categories, …). */
export async function assertKnownCategories(m: EntityManager, codes: readonly string[] | undefined, field: string): Promise<void> {
  if (!codes || codes.length === 0) return;
  const known = await countKnownCategories(m, codes);
  if (known !== codes.length) throw fieldError(field, '含有不存在的服务类别');
}
