import { Region } from '../modules/regions/region.entity';

/** Every entity, listed explicitly (no globs), so what TypeORM knows is what this file says. */
export const entities = [Region];
