import 'reflect-metadata';
import { LEDGER_TAGS, isMainlandMobile } from '@bangbang/shared';
import { createDataSource, initializeDataSource } from '../../server/src/db/data-source';
import { entities } from '../../server/src/entities';
import { DEMO_ACCOUNTS, demoAccount, demoAccountsInDatabase, formatDemoAccounts } from '../../server/src/demo/accounts';
import { buildDemoPeople, type Category } from '../../server/src/demo/people';
import { buildDemoTree, DEMO_PLACE_COUNTS, DEMO_PLACE_TOTAL } from '../../server/src/demo/places';
import { replayOrderEvents, type OrderEventDto, type OrderStatus } from '@bangbang/shared';
import { DEMO_ORDERS } from '../../server/src/demo/orders';
import { DEMO_VISIT_ORDERS } from '../../server/src/demo/visits';
import { seedDemoData, type SeedResult } from '../../server/src/demo/seed';
import { REGION_LEVELS } from '../../server/src/modules/regions/region.entity';
import { createTestDatabase, type TestDatabase } from '../support/db';

interface Place {
  id: string;
  parent_id: string | null;
  level: string;
  name: string;
  path: string;
  center_lat: number;
  center_lng: number;
}

interface Person {
  id: string;
  name: string;
  phone: string;
  roles: string[];
  region_id: string;
  location_lat: number | null;
  location_lng: number | null;
  skills: string[];
  party_member: boolean;
  employed_party_member: boolean;
  address: string | null;
  tags: string[];
  paired_cadre_id: string | null;
  on_duty: boolean;
  roster: Array<{ weekday: unknown; start: unknown; end: unknown }> | null;
}

interface Squad {
  id: string;
  name: string;
  color: string;
  region_id: string;
  leader_id: string;
  categories: string[];
  members: string[];
}

const NOTHING: SeedResult = { seeded: false, places: 0, people: 0, squads: 0, orders: 0, ms: 0 };
const GRIDS = 40;
const PEOPLE = { grid_worker: GRIDS, volunteerOnly: 400, resident: 1500, dispatcher: 4, admin: 1 };
const TOTAL_PEOPLE = GRIDS + 400 + 1500 + 4 + 1;

/** Metres between two points (haversine). */
function metres(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lng - a.lng) * rad) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}
const centre = (p: Place) => ({ lat: p.center_lat, lng: p.center_lng });
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

describe('demo data on an empty database', () => {
  let database: TestDatabase;
  let result: SeedResult;
  let places: Place[];
  let placeById: Map<string, Place>;
  let people: Person[];
  let personById: Map<string, Person>;
  let squads: Squad[];
  let catalogue: Category[];

  const regionOf = (p: Person) => placeById.get(p.region_id)!;
  const communityOf = (p: Person) => placeById.get(regionOf(p).parent_id!)!;
  const withRole = (role: string) => people.filter((p) => p.roles.includes(role));

  beforeAll(async () => {
    database = await createTestDatabase();
    result = await seedDemoData(database.db);
    places = await database.db.query<Place[]>('SELECT id, parent_id, level, name, path, center_lat, center_lng FROM region');
    placeById = new Map(places.map((p) => [p.id, p]));
    people = await database.db.query<Person[]>(
      `SELECT id, name, phone, roles, region_id, location_lat, location_lng, skills, party_member, employed_party_member,
              address, tags, paired_cadre_id, on_duty, roster FROM app_user`,
    );
    personById = new Map(people.map((p) => [p.id, p]));
    squads = await database.db.query<Squad[]>(
      `SELECT s.id, s.name, s.color, s.region_id, s.leader_id, s.categories, array_agg(m.user_id) AS members
       FROM squad s LEFT JOIN squad_member m ON m.squad_id = s.id GROUP BY s.id`,
    );
    catalogue = await database.db.query<Category[]>('SELECT code, color FROM service_category');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('seeds once and a second call does nothing', async () => {
    // how long it takes is printed at start-up (a figure, not a test: these machines are shared and noisy)
    expect(result).toMatchObject({ seeded: true, places: DEMO_PLACE_TOTAL, people: TOTAL_PEOPLE, squads: 10, orders: DEMO_ORDERS });
    expect(result.ms).toBeGreaterThan(0);
    expect(await seedDemoData(database.db)).toEqual(NOTHING);
    const [n] = await database.db.query<[{ places: number; people: number; squads: number }]>(
      'SELECT (SELECT count(*) FROM region)::int AS places, (SELECT count(*) FROM app_user)::int AS people, (SELECT count(*) FROM squad)::int AS squads',
    );
    expect(n).toEqual({ places: DEMO_PLACE_TOTAL, people: TOTAL_PEOPLE, squads: 10 });
  });

  it('has a consistent place tree: 1 city, 1 banner, 3 towns, 8 communities, 40 grids, centres near their parents', () => {
    expect(DEMO_PLACE_COUNTS).toEqual({ city: 1, county: 1, town: 3, community: 8, grid: GRIDS });
    expect(DEMO_PLACE_TOTAL).toBe(53);
    expect(places).toHaveLength(53);
    for (const level of REGION_LEVELS) expect(places.filter((p) => p.level === level)).toHaveLength(DEMO_PLACE_COUNTS[level]);
    // the furthest a place may be from its parent's centre
    const reach: Record<string, number> = { county: 60_000, town: 20_000, community: 5_000, grid: 600 };
    for (const p of places) {
      expect(p.center_lat).toBeGreaterThan(37);
      expect(p.center_lat).toBeLessThan(53); // Inner Mongolia
      expect(p.center_lng).toBeGreaterThan(97);
      expect(p.center_lng).toBeLessThan(126);
      if (p.parent_id === null) {
        expect(p.level).toBe('city');
        expect(p.path).toBe(`/${p.id}/`);
        continue;
      }
      const parent = placeById.get(p.parent_id)!;
      expect(REGION_LEVELS.indexOf(p.level as never)).toBe(REGION_LEVELS.indexOf(parent.level as never) + 1);
      expect(p.path).toBe(`${parent.path}${p.id}/`);
      expect(metres(centre(p), centre(parent))).toBeLessThan(reach[p.level]!);
    }
    // every town has communities, every community grids
    for (const p of places.filter((x) => x.level !== 'grid')) expect(places.some((c) => c.parent_id === p.id)).toBe(true);
    expect(places.find((p) => p.level === 'city')!.name).toBe('巴彦淖尔市');
    expect(places.find((p) => p.level === 'county')!.name).toBe('杭锦后旗');
    expect(places.filter((p) => p.level === 'town').map((p) => p.name)).toContain('陕坝镇');
  });

  it('has the people per role, each in a place of the right level', () => {
    expect(people).toHaveLength(TOTAL_PEOPLE);
    expect(withRole('grid_worker')).toHaveLength(PEOPLE.grid_worker);
    expect(people.filter((p) => p.roles.includes('volunteer') && !p.roles.includes('grid_worker'))).toHaveLength(PEOPLE.volunteerOnly);
    expect(withRole('resident')).toHaveLength(PEOPLE.resident);
    expect(withRole('dispatcher')).toHaveLength(PEOPLE.dispatcher);
    expect(withRole('admin')).toHaveLength(PEOPLE.admin);
    for (const p of people) {
      const level = regionOf(p).level;
      if (p.roles.includes('admin')) expect(level).toBe('city');
      else if (p.roles.includes('dispatcher')) expect(['county', 'town']).toContain(level);
      else expect(level).toBe('grid');
    }
    // one grid worker per grid
    expect(new Set(withRole('grid_worker').map((p) => p.region_id)).size).toBe(GRIDS);
    const dispatcherLevels = withRole('dispatcher').map((p) => regionOf(p).level);
    expect(dispatcherLevels.filter((l) => l === 'county')).toHaveLength(1);
    expect(
      new Set(
        withRole('dispatcher')
          .filter((p) => regionOf(p).level === 'town')
          .map((p) => p.region_id),
      ).size,
    ).toBe(3);
    // people in grids live near them
    for (const p of people.filter((x) => regionOf(x).level === 'grid')) {
      expect(metres({ lat: p.location_lat!, lng: p.location_lng! }, centre(regionOf(p)))).toBeLessThan(400);
      expect(p.address).toMatch(new RegExp(`^杭锦后旗.+${communityOf(p).name}`));
    }
  });

  it('gives everyone a unique valid mobile number and a Chinese name', () => {
    expect(people.every((p) => isMainlandMobile(p.phone))).toBe(true);
    expect(new Set(people.map((p) => p.phone)).size).toBe(people.length);
    expect(people.every((p) => /^[\u4e00-\u9fff]{2,5}$/.test(p.name))).toBe(true);
    // common surnames, not one name repeated
    expect(new Set(people.map((p) => p.name)).size).toBeGreaterThan(people.length / 3);
  });

  it('gives volunteers 1–3 catalogue skills, a party-member share, rosters and duty', () => {
    const codes = new Set(catalogue.map((c) => c.code));
    const volunteers = people.filter((p) => p.roles.includes('volunteer') && !p.roles.includes('grid_worker'));
    for (const v of volunteers) {
      expect(v.skills.length).toBeGreaterThanOrEqual(1);
      expect(v.skills.length).toBeLessThanOrEqual(3);
      expect(new Set(v.skills).size).toBe(v.skills.length);
      for (const s of v.skills) expect(codes.has(s)).toBe(true);
      if (v.employed_party_member) expect(v.party_member).toBe(true);
    }
    // every colour team is represented among the skills
    for (const color of new Set(catalogue.map((c) => c.color))) {
      expect(volunteers.some((v) => v.skills.some((s) => catalogue.find((c) => c.code === s)!.color === color))).toBe(true);
    }
    const share = (f: (v: Person) => boolean) => volunteers.filter(f).length / volunteers.length;
    expect(share((v) => v.party_member)).toBeGreaterThan(0.35);
    expect(share((v) => v.party_member)).toBeLessThan(0.65);
    expect(share((v) => v.employed_party_member)).toBeGreaterThan(0.05);
    expect(share((v) => v.on_duty)).toBeGreaterThan(0.15);
    expect(share((v) => v.on_duty)).toBeLessThan(0.5);
    expect(share((v) => v.roster === null)).toBeGreaterThan(0.1);
    expect(share((v) => v.roster?.some((s) => Number(s.weekday) <= 5 && minutes(String(s.start)) < 12 * 60) ?? false)).toBeGreaterThan(0.1);
    expect(share((v) => v.roster?.some((s) => Number(s.weekday) >= 6 || minutes(String(s.start)) >= 18 * 60) ?? false)).toBeGreaterThan(0.1);
  });

  it('keeps every roster well-formed: weekday 1–7, HH:MM, start before end', () => {
    const rosters = people.map((p) => p.roster).filter((r) => r !== null);
    expect(rosters.length).toBeGreaterThan(200);
    for (const roster of rosters) {
      expect(Array.isArray(roster)).toBe(true);
      expect(roster.length).toBeGreaterThan(0);
      for (const slot of roster) {
        expect(Object.keys(slot).sort()).toEqual(['end', 'start', 'weekday']);
        expect(Number.isInteger(slot.weekday)).toBe(true);
        expect(slot.weekday).toBeGreaterThanOrEqual(1);
        expect(slot.weekday).toBeLessThanOrEqual(7);
        expect(slot.start).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
        expect(slot.end).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
        expect(minutes(String(slot.start))).toBeLessThan(minutes(String(slot.end)));
      }
    }
  });

  it('keeps a ledger for a realistic minority of residents, most paired with a cadre of their community', () => {
    const residents = withRole('resident');
    const tagged = residents.filter((r) => r.tags.length > 0);
    expect(tagged.length / residents.length).toBeGreaterThanOrEqual(0.2);
    expect(tagged.length / residents.length).toBeLessThanOrEqual(0.3);
    for (const tag of LEDGER_TAGS) expect(tagged.some((r) => r.tags.includes(tag))).toBe(true);
    const paired = residents.filter((r) => r.paired_cadre_id !== null);
    expect(paired.length).toBeGreaterThan(tagged.length / 2);
    for (const r of paired) {
      const cadre = personById.get(r.paired_cadre_id!)!;
      expect(cadre.roles.includes('grid_worker') || (cadre.roles.includes('volunteer') && cadre.party_member)).toBe(true);
      expect(communityOf(cadre).id).toBe(communityOf(r).id);
    }
  });

  it('has 10 squads across the seven colours, each led by a member, with 8–30 members from its area', () => {
    expect(squads).toHaveLength(10);
    expect(new Set(squads.map((s) => s.color))).toEqual(new Set(['red', 'orange', 'pink', 'purple', 'yellow', 'green', 'blue', 'other']));
    const codes = new Set(catalogue.map((c) => c.code));
    for (const s of squads) {
      const region = placeById.get(s.region_id)!;
      expect(['community', 'town']).toContain(region.level);
      expect(s.members).toContain(s.leader_id);
      expect(s.members.length).toBeGreaterThanOrEqual(8);
      expect(s.members.length).toBeLessThanOrEqual(30);
      expect(s.categories.length).toBeGreaterThan(0);
      for (const c of s.categories) expect(codes.has(c)).toBe(true);
      // mostly its colour's services (the 巾帼 team of article 000 also repairs a roof)
      if (s.color !== 'other') {
        const own = s.categories.filter((c) => catalogue.find((x) => x.code === c)!.color === s.color);
        expect(own.length).toBeGreaterThan(s.categories.length / 2);
      }
      for (const id of s.members) {
        const member = personById.get(id)!;
        expect(member.roles).toContain('volunteer');
        expect(regionOf(member).path.startsWith(region.path)).toBe(true);
      }
    }
    expect(new Set(squads.map((s) => s.leader_id)).size).toBe(10); // ten different leaders
    const warm = squads.find((s) => s.name.includes('暖心服务小分队'))!;
    expect(personById.get(warm.leader_id)!.roles).toContain('grid_worker');
  });

  it('has two weeks of orders made by the real lifecycle: every timeline replays to its order, the demo resident has one of each', async () => {
    const orders = await database.db.query<Array<{ id: string; status: OrderStatus; resident_id: string; escalation_level: string }>>(
      'SELECT id, status, resident_id, escalation_level FROM service_order',
    );
    // and the one a need found on a visit made (走访, demo/visits.ts)
    expect(orders).toHaveLength(DEMO_ORDERS + DEMO_VISIT_ORDERS);
    const events = await database.db.query<
      Array<{ order_id: string; seq: number; type: OrderEventDto['type']; from_status: OrderStatus | null; to_status: OrderStatus }>
    >('SELECT order_id, seq, type, from_status, to_status FROM order_event ORDER BY order_id, seq');
    for (const o of orders) {
      const timeline = events.filter((e) => e.order_id === o.id).map((e) => ({ seq: e.seq, type: e.type, fromStatus: e.from_status, toStatus: e.to_status }));
      expect({ id: o.id, status: replayOrderEvents(timeline) }).toEqual({ id: o.id, status: o.status });
    }
    const statuses = new Set(orders.map((o) => o.status));
    for (const s of ['pending', 'accepted', 'in_service', 'completed', 'closed', 'cancelled'] as const) expect(statuses).toContain(s);
    // old orders nobody took went up the levels
    expect(orders.some((o) => o.escalation_level !== 'grid')).toBe(true);
    const resident = people.find((p) => p.phone === demoAccount('resident').phone)!;
    expect(
      orders
        .filter((o) => o.resident_id === resident.id)
        .map((o) => o.status)
        .sort(),
    ).toEqual(['accepted', 'closed', 'pending']);
  });

  it('holds one demo account per role, as printed at start-up', async () => {
    const byPhone = new Map(people.map((p) => [p.phone, p]));
    for (const a of DEMO_ACCOUNTS) {
      const p = byPhone.get(a.phone)!;
      expect(p).toBeDefined();
      expect(p.name).toBe(a.name);
      expect(p.roles).toContain(a.role);
    }
    const [admin, dispatcher, gridWorker, volunteer, resident] = DEMO_ACCOUNTS.map((a) => byPhone.get(a.phone)!);
    expect(regionOf(admin!).level).toBe('city');
    expect(regionOf(dispatcher!).level).toBe('county');
    expect(volunteer!.on_duty).toBe(true);
    expect(volunteer!.skills.length).toBeGreaterThan(0);
    expect(volunteer!.party_member).toBe(true);
    expect(resident!.tags).toEqual(expect.arrayContaining(['living_alone', 'elderly']));
    expect(resident!.paired_cadre_id).toBe(gridWorker!.id);
    expect(squads.some((s) => s.leader_id === gridWorker!.id)).toBe(true);
    expect(squads.filter((s) => s.members.includes(volunteer!.id))).toHaveLength(2);

    expect(await demoAccountsInDatabase(database.db)).toEqual([...DEMO_ACCOUNTS]);
    const printed = formatDemoAccounts(DEMO_ACCOUNTS);
    expect(printed).toContain('POST /api/v1/auth/dev-login');
    for (const a of DEMO_ACCOUNTS) expect(printed).toContain(a.phone);
  });

  it('generates the same people every time (a seeded generator)', () => {
    const strip = () => {
      const tree = buildDemoTree();
      const { users, squads: s } = buildDemoPeople(tree, catalogue);
      const names = new Map(users.map((u) => [u.id, u.name]));
      return {
        places: tree.rows.map((r) => [r.level, r.name, r.center]),
        users: users.map(({ id: _id, regionId: _r, pairedCadreId, ...rest }) => ({ ...rest, cadre: pairedCadreId && names.get(pairedCadreId) })),
        squads: s.map((q) => [q.name, names.get(q.leaderId), q.memberIds.map((m) => names.get(m))]),
      };
    };
    const [a, b] = [strip(), strip()];
    expect(a).toEqual(b);
    // and the database holds exactly these people, but for one resident of 北城社区 who became the demo employed
    // party member (demo/projects.ts: the account's phone and name on a generated resident)
    const key = (u: { name: string; phone: string }) => `${u.phone} ${u.name}`;
    const generated = new Set(a.users.map(key));
    const stored = new Set(people.map(key));
    expect([...stored].filter((k) => !generated.has(k))).toEqual(['13800000006 高志强']);
    expect([...generated].filter((k) => !stored.has(k))).toHaveLength(1);
  });
});

describe('demo data guarantees', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });
  const count = async (table: string) => (await database.db.query<[{ n: number }]>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

  it('never touches a database that has a place', async () => {
    await database.db.query(`INSERT INTO region (level, name, path) VALUES ('city', '包头市', '/x/')`);
    expect(await seedDemoData(database.db)).toEqual(NOTHING);
    expect(await count('region')).toBe(1);
    expect(await count('app_user')).toBe(0);
    expect(await demoAccountsInDatabase(database.db)).toEqual([]);
  });

  it('never touches a database that has a person (e.g. someone logged in before demo data was enabled)', async () => {
    await database.db.query(`INSERT INTO app_user (name, phone) VALUES ('居民0001', '13800000001')`);
    expect(await seedDemoData(database.db)).toEqual(NOTHING);
    expect(await count('region')).toBe(0);
    expect(await count('app_user')).toBe(1);
    // the phone of the demo admin, but not the demo admin
    expect(await demoAccountsInDatabase(database.db)).toEqual([]);
  });

  it('is seeded by exactly one of several processes starting at once', async () => {
    const others = await Promise.all(
      [1, 2, 3].map(() => initializeDataSource(createDataSource({ url: database.url, entities, poolSize: 2 }), () => undefined)),
    );
    try {
      const results = await Promise.all([database.db, ...others].map((ds) => seedDemoData(ds)));
      expect(results.filter((r) => r.seeded)).toHaveLength(1);
      expect(results.filter((r) => !r.seeded)).toEqual([NOTHING, NOTHING, NOTHING]);
      expect(await count('region')).toBe(DEMO_PLACE_TOTAL);
      expect(await count('app_user')).toBe(TOTAL_PEOPLE);
      expect(await count('squad')).toBe(10);
    } finally {
      await Promise.all(others.map((ds) => ds.destroy()));
    }
  });

  it('leaves nothing half-written when a step fails', async () => {
    await database.db.query(`CREATE FUNCTION fail_demo() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`);
    await database.db.query(`CREATE TRIGGER fail_demo BEFORE INSERT ON squad_member FOR EACH STATEMENT EXECUTE FUNCTION fail_demo()`);
    await expect(seedDemoData(database.db)).rejects.toThrow('boom');
    expect(await count('region')).toBe(0);
    expect(await count('app_user')).toBe(0);
    expect(await count('squad')).toBe(0);
  });
});
