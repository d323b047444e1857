import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Prng } from '../../server/src/demo/random';

/**
 * A generated place tree with a history of orders written straight into the tables (no API: hundreds of orders in
 * every shape — waiting, taken, served and rated, cancelled before or after the deadline, escalated — in a few
 * statements), for the statistics by place and the exports. Seeded: the same tree for the same seed.
 *
 *   a city › a county › 2–4 towns › 1–3 communities each › 0–3 grids each
 * Residents live in grids, in communities without grids, and a few directly in a community that has grids or in a
 * town (their orders are the place's own: 「本级」).
 */
export interface LedgerTree {
  cityId: string;
  countyId: string;
  /** Every place, with its parent (null for the city). */
  places: Array<{ id: string; parentId: string | null; level: string; name: string; path: string }>;
  volunteerIds: string[];
  orderCount: number;
}

export const TREE_FROM = new Date('2026-10-01T00:00:00+08:00');
export const TREE_TO = new Date('2026-12-01T00:00:00+08:00');

export async function generateLedgerTree(db: DataSource, seed: number): Promise<LedgerTree> {
  const rng = new Prng(seed);
  const places: LedgerTree['places'] = [];
  const place = async (parent: LedgerTree['places'][number] | null, level: string, name: string) => {
    const id = randomUUID();
    const p = { id, parentId: parent?.id ?? null, level, name: `${name}-${seed}`, path: `${parent?.path ?? '/'}${id}/` };
    await db.query(`INSERT INTO region (id, parent_id, level, name, path, center_lat, center_lng) VALUES ($1, $2, $3, $4, $5, 40.75, 107.4)`, [
      p.id,
      p.parentId,
      p.level,
      p.name,
      p.path,
    ]);
    places.push(p);
    return p;
  };
  const city = await place(null, 'city', '生成市');
  const county = await place(city, 'county', '生成旗');
  const homes: Array<LedgerTree['places'][number]> = [];
  for (let t = 0; t < rng.int(2, 4); t++) {
    const town = await place(county, 'town', `镇${t}`);
    if (rng.chance(0.5)) homes.push(town);
    for (let c = 0; c < rng.int(1, 3); c++) {
      const community = await place(town, 'community', `社区${t}${c}`);
      const grids = rng.int(0, 3);
      if (grids === 0 || rng.chance(0.4)) homes.push(community);
      for (let g = 0; g < grids; g++) homes.push(await place(community, 'grid', `网格${t}${c}${g}`));
    }
  }

  let phone = 15500000000 + (seed % 1000) * 10000;
  const person = async (name: string, roles: string[], regionId: string) => {
    phone += 1;
    const [row] = await db.query<Array<{ id: string }>>(`INSERT INTO app_user (name, phone, roles, region_id) VALUES ($1, $2, $3, $4) RETURNING id`, [
      name,
      String(phone),
      roles,
      regionId,
    ]);
    return row!.id;
  };
  const volunteerIds = [await person('生成志愿者甲', ['volunteer'], county.id), await person('生成志愿者乙', ['volunteer'], county.id)];

  const orders: unknown[][] = [];
  const assignments: unknown[][] = [];
  const escalations: unknown[][] = [];
  const span = TREE_TO.getTime() - TREE_FROM.getTime();
  for (const home of homes) {
    for (let r = 0; r < rng.int(1, 3); r++) {
      const resident = await person(`居民${home.name}${r}`, ['resident'], home.id);
      for (let k = 0; k < rng.int(0, 5); k++) {
        const id = randomUUID();
        // a few orders fall outside the period: the period must leave them out
        const created = new Date(TREE_FROM.getTime() - 5 * 86400_000 + rng.next() * (span + 10 * 86400_000));
        const deadline = new Date(created.getTime() + 60 * 60_000);
        const fate = rng.int(0, 5);
        let status = 'pending';
        let accepted: Date | null = null;
        let completed: Date | null = null;
        let closed: Date | null = null;
        let cancelled: Date | null = null;
        let rating: number | null = null;
        if (fate >= 2) accepted = new Date(created.getTime() + rng.int(1, 120) * 60_000);
        if (fate === 1) cancelled = new Date(created.getTime() + rng.int(1, 120) * 60_000);
        if (fate === 2) status = 'accepted';
        if (fate >= 3) {
          completed = new Date(accepted!.getTime() + rng.int(10, 200) * 60_000);
          status = 'completed';
        }
        if (fate >= 4) {
          closed = new Date(completed!.getTime() + 60_000);
          status = 'closed';
          rating = rng.chance(0.8) ? rng.int(1, 5) : null;
        }
        if (fate === 1) status = 'cancelled';
        orders.push([
          id,
          resident,
          home.id,
          home.path,
          home.level === 'grid' ? 'grid' : 'community',
          status,
          created,
          deadline,
          accepted,
          completed,
          closed,
          cancelled,
          rating,
        ]);
        if (accepted !== null) {
          const minutes = completed === null ? null : rng.int(10, 180);
          assignments.push([id, volunteerIds[rng.int(0, 1)], completed === null ? 'accepted' : 'completed', accepted, completed, minutes]);
        }
        for (let e = 0; e < rng.int(0, 2) - (rng.chance(0.5) ? 1 : 0); e++) escalations.push([id, e + 2, new Date(created.getTime() + (e + 1) * 60_000)]);
      }
    }
  }
  await db.transaction(async (m) => {
    // history, not news: nobody is to be told about these events (the outbox trigger)
    await m.query(`SELECT set_config('bangbang.outbox', 'off', true)`);
    // several open orders of one service per resident: marked as knowing repeats (the one-open-order rule, issue 20)
    for (const o of orders) {
      await m.query(
        `INSERT INTO service_order (id, resident_id, requester_id, channel, category_code, description, urgency, region_id, region_path,
                                    escalation_level, scope_region_id, scope_path, status, created_at, updated_at, deadline_at,
                                    first_accepted_at, completed_at, closed_at, cancelled_at, rating, accepted_count, repeat_of)
         VALUES ($1, $2, $2, 'phone', 'errands', '生成的需求', 'normal', $3, $4, $5, $3, $4, $6, $7, $7, $8, $9, $10, $11, $12, $13,
                 CASE WHEN $9::timestamptz IS NULL THEN 0 ELSE 1 END, $1)`,
        o,
      );
      await m.query(`INSERT INTO order_event (order_id, seq, type, at, to_status) VALUES ($1, 1, 'created', $2, 'pending')`, [o[0], o[6]]);
    }
    for (const a of assignments) {
      await m.query(
        `INSERT INTO order_assignment (order_id, round, volunteer_id, state, accepted_at, completed_at, service_minutes) VALUES ($1, 1, $2, $3, $4, $5, $6)`,
        a,
      );
    }
    for (const e of escalations) {
      await m.query(`INSERT INTO order_event (order_id, seq, type, at, to_status) VALUES ($1, $2, 'escalate', $3, 'pending')`, e);
    }
  });
  return { cityId: city.id, countyId: county.id, places, volunteerIds, orderCount: orders.length };
}
