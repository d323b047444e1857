import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';

/**
 * A small place tree and one person per role, inside and outside each other's jurisdiction:
 *
 *   测试市 (city)
 *   └ 测试旗 (county)
 *     ├ 一号镇 (town T)      ─ 甲社区 (community A) ─ 甲一网格 (A1), 甲二网格 (A2)
 *     │                       └ 乙社区 (community B) ─ 乙一网格 (B1)
 *     └ 二号镇 (town T2)     ─ 丙社区 (community X) ─ 丙一网格 (X1)
 */
export interface World {
  regions: Record<'city' | 'county' | 'T' | 'T2' | 'A' | 'B' | 'X' | 'A1' | 'A2' | 'B1' | 'X1', string>;
  users: Record<
    'admin' | 'countyAdmin' | 'dispatcherT' | 'dispatcherT2' | 'gridWorkerA1' | 'gridWorkerX1' | 'volunteerA1' | 'residentA1' | 'residentA2' | 'residentX1',
    { id: string; phone: string; token: string }
  >;
}

export async function buildWorld(app: FastifyInstance, db: DataSource): Promise<World> {
  const ids: Record<string, string> = {};
  const paths: Record<string, string> = {};
  const place = async (key: string, name: string, level: string, parent?: string) => {
    const id = randomUUID();
    const path = `${parent ? paths[parent] : '/'}${id}/`;
    await db.query(`INSERT INTO region (id, parent_id, level, name, path, center_lat, center_lng) VALUES ($1, $2, $3, $4, $5, 40.75, 107.4)`, [
      id,
      parent ? ids[parent] : null,
      level,
      name,
      path,
    ]);
    ids[key] = id;
    paths[key] = path;
  };
  await place('city', '测试市', 'city');
  await place('county', '测试旗', 'county', 'city');
  await place('T', '一号镇', 'town', 'county');
  await place('T2', '二号镇', 'town', 'county');
  await place('A', '甲社区', 'community', 'T');
  await place('B', '乙社区', 'community', 'T');
  await place('X', '丙社区', 'community', 'T2');
  await place('A1', '甲一网格', 'grid', 'A');
  await place('A2', '甲二网格', 'grid', 'A');
  await place('B1', '乙一网格', 'grid', 'B');
  await place('X1', '丙一网格', 'grid', 'X');

  let n = 0;
  const person = async (name: string, roles: string[], region: string | null, extra: { address?: string; skills?: string[] } = {}) => {
    n += 1;
    const phone = `139${String(10000000 + n).slice(-8)}`;
    const [row] = await db.query<Array<{ id: string }>>(
      `INSERT INTO app_user (name, phone, roles, region_id, address, skills, location_lat, location_lng)
       VALUES ($1, $2, $3, $4, $5, $6, 40.751, 107.401) RETURNING id`,
      [name, phone, roles, region ? ids[region] : null, extra.address ?? null, extra.skills ?? []],
    );
    return { id: row!.id, phone, token: app.jwt.sign({ sub: row!.id }) };
  };
  const users = {
    admin: await person('总管理员', ['admin'], null),
    countyAdmin: await person('旗管理员', ['admin'], 'county'),
    dispatcherT: await person('一号镇调度', ['dispatcher'], 'T'),
    dispatcherT2: await person('二号镇调度', ['dispatcher'], 'T2'),
    gridWorkerA1: await person('甲一网格员', ['grid_worker', 'volunteer'], 'A1'),
    gridWorkerX1: await person('丙一网格员', ['grid_worker'], 'X1'),
    volunteerA1: await person('甲一志愿者', ['volunteer'], 'A1', { skills: ['medicine_delivery'] }),
    residentA1: await person('甲一居民', ['resident'], 'A1', { address: '甲社区3号楼2单元401' }),
    residentA2: await person('甲二居民', ['resident'], 'A2', { address: '甲社区9号楼1单元101' }),
    residentX1: await person('丙一居民', ['resident'], 'X1', { address: '丙社区5排7号' }),
  };
  return { regions: ids, users };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
