import type { DataSource, EntityManager } from 'typeorm';
import { AdvisoryLock } from '../db/locks';
import { Region } from '../modules/regions/region.entity';
import { DEMO_PLACES, type DemoPlace } from './places';

export interface SeedResult {
  seeded: boolean;
  places: number;
}

async function insertTree(m: EntityManager, places: DemoPlace[], parent: Region | null): Promise<number> {
  let count = 0;
  for (const place of places) {
    const repo = m.getRepository(Region);
    const id = (await m.query<Array<{ id: string }>>('SELECT gen_random_uuid() AS id'))[0]!.id;
    const row = repo.create({
      id,
      parentId: parent?.id ?? null,
      level: place.level,
      name: place.name,
      path: `${parent?.path ?? '/'}${id}/`,
      centerLat: place.center.lat,
      centerLng: place.center.lng,
    });
    await repo.insert(row);
    count += 1 + (await insertTree(m, place.children ?? [], row));
  }
  return count;
}

/**
 * Fills an empty database with the demo place tree, so a first start shows something real.
 * "Empty" means no place at all: a database someone has started using is never touched.
 * Several processes starting at once: the transaction-scoped advisory lock lets exactly one of them seed.
 */
export async function seedDemoData(ds: DataSource): Promise<SeedResult> {
  return ds.transaction(async (m) => {
    await m.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.DemoSeed]);
    const [{ exists }] = await m.query<[{ exists: boolean }]>('SELECT EXISTS (SELECT 1 FROM region) AS exists');
    if (exists) return { seeded: false, places: 0 };
    const places = await insertTree(m, DEMO_PLACES, null);
    return { seeded: true, places };
  });
}
