import { performance } from 'node:perf_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import { AdvisoryLock } from '../db/locks';
import { buildDemoPeople, type Category, type DemoPeople } from './people';
import { seedDemoOrders } from './orders';
import { seedDemoVisits } from './visits';
import { seedDemoProjects } from './projects';
import { seedDemoPoints } from './points';
import { buildDemoTree, type PlaceRow } from './places';

export interface SeedResult {
  seeded: boolean;
  places: number;
  people: number;
  squads: number;
  /** Orders of the last two weeks, made through the real lifecycle. */
  orders: number;
  /** How long the seed took (generation and inserts), in milliseconds; 0 when nothing was seeded. */
  ms: number;
}

const NOTHING: SeedResult = { seeded: false, places: 0, people: 0, squads: 0, orders: 0, ms: 0 };

async function insertPlaces(m: EntityManager, rows: PlaceRow[]): Promise<void> {
  // one statement: the parent of each row is in the same statement, and the foreign key is checked at its end
  await m.query(
    `INSERT INTO region (id, parent_id, level, name, path, center_lat, center_lng)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[])`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.parentId),
      rows.map((r) => r.level),
      rows.map((r) => r.name),
      rows.map((r) => r.path),
      rows.map((r) => r.center.lat),
      rows.map((r) => r.center.lng),
    ],
  );
}

async function insertPeople(m: EntityManager, { users, squads }: DemoPeople): Promise<void> {
  // Per-row arrays (roles, skills, tags) and the jsonb roster do not fit unnest's flat arrays: the rows go as one
  // JSON document that jsonb_to_recordset turns back into typed columns (JSON arrays become text[]).
  await m.query(
    `INSERT INTO app_user (id, name, phone, roles, region_id, location_lat, location_lng, skills, party_member,
                           employed_party_member, address, tags, paired_cadre_id, on_duty, roster)
     SELECT id, name, phone, roles, region_id, lat, lng, skills, party_member, employed_party_member, address, tags,
            paired_cadre_id, on_duty, roster
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, name text, phone text, roles text[], region_id uuid,
          lat float8, lng float8, skills text[], party_member boolean, employed_party_member boolean, address text,
          tags text[], paired_cadre_id uuid, on_duty boolean, roster jsonb)`,
    [
      JSON.stringify(
        users.map((u) => ({
          id: u.id,
          name: u.name,
          phone: u.phone,
          roles: u.roles,
          region_id: u.regionId,
          lat: u.location?.lat ?? null,
          lng: u.location?.lng ?? null,
          skills: u.skills,
          party_member: u.partyMember,
          employed_party_member: u.employedPartyMember,
          address: u.address,
          tags: u.tags,
          paired_cadre_id: u.pairedCadreId,
          on_duty: u.onDuty,
          roster: u.roster,
        })),
      ),
    ],
  );
  await m.query(
    `INSERT INTO squad (id, name, color, region_id, leader_id, categories)
     SELECT id, name, color, region_id, leader_id, categories
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, name text, color text, region_id uuid, leader_id uuid, categories text[])`,
    [JSON.stringify(squads.map((s) => ({ id: s.id, name: s.name, color: s.color, region_id: s.regionId, leader_id: s.leaderId, categories: s.categories })))],
  );
  const members = squads.flatMap((s) => s.memberIds.map((userId) => [s.id, userId] as const));
  await m.query(`INSERT INTO squad_member (squad_id, user_id) SELECT * FROM unnest($1::uuid[], $2::uuid[])`, [
    members.map(([squadId]) => squadId),
    members.map(([, userId]) => userId),
  ]);
}

/**
 * Fills an empty database with demo data shaped like the source articles, so a first start shows something real:
 * the place tree 巴彦淖尔市 → 杭锦后旗 → towns → communities/villages → grids, its grid workers, volunteers,
 * residents (with the ledger), dispatchers, an admin and squads; the demo accounts (`DEMO_ACCOUNTS`) among them.
 *
 * "Empty" means no place and no person at all: a database someone has started using is never touched.
 * Several processes starting at once: the transaction-scoped advisory lock lets exactly one of them seed.
 * One transaction: a failure leaves nothing half-written.
 */
export async function seedDemoData(ds: DataSource): Promise<SeedResult> {
  let started = 0;
  const result = await ds.transaction(async (m): Promise<SeedResult> => {
    await m.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.DemoSeed]);
    // a week of history, not news: its order events tell nobody anything (the outbox trigger, CreateNotifications)
    await m.query(`SELECT set_config('bangbang.outbox', 'off', true)`);
    const [{ used }] = await m.query<[{ used: boolean }]>('SELECT EXISTS (SELECT 1 FROM region) OR EXISTS (SELECT 1 FROM app_user) AS used');
    if (used) return NOTHING;
    started = performance.now();
    const catalogue = await m.query<Category[]>('SELECT code, color FROM service_category WHERE active ORDER BY sort_order, code');
    const tree = buildDemoTree();
    const people = buildDemoPeople(tree, catalogue);
    await insertPlaces(m, tree.rows);
    await insertPeople(m, people);
    const orders = await seedDemoOrders(m, new Date());
    await seedDemoVisits(m, new Date());
    await seedDemoProjects(m, new Date());
    await seedDemoPoints(m, new Date());
    return {
      seeded: true,
      places: tree.rows.length,
      people: people.users.length,
      squads: people.squads.length,
      orders,
      ms: 0,
    };
  });
  // measured up to the commit (the lock wait excluded)
  return result.seeded ? { ...result, ms: Math.round(performance.now() - started) } : result;
}
