import { randomUUID } from 'node:crypto';
import type { LedgerTag, MeDto, RosterSlot, SquadDto, TeamColor } from '@bangbang/shared';
import { demoAccount, DEMO_ACCOUNTS } from './accounts';
import { personName, phoneMaker, type Gender } from './names';
import { addressIn, type DemoCommunity, type DemoGrid, type DemoTree } from './places';
import { apportion, Prng } from './random';
import { rosterFor } from './roster';

/** A service category as read from the catalogue table. */
export interface Category {
  code: string;
  color: string;
}

/** An app_user row as inserted: a person's record (MeDto) with a phone, a home region and a roster. */
export type UserRow = Omit<MeDto, 'phone' | 'regionId' | 'createdAt'> & {
  phone: string;
  regionId: string;
  /** Null: no roster, available whenever on duty. */
  roster: RosterSlot[] | null;
};

/** A squad as inserted, with its members (the leader among them). */
export type SquadRow = Omit<SquadDto, 'memberCount' | 'leaderName' | 'regionName'> & { memberIds: string[] };

export interface DemoPeople {
  users: UserRow[];
  squads: SquadRow[];
}

/** How many people of each kind the demo holds (grid workers: one per grid; dispatchers: the county + each town). */
export const DEMO_VOLUNTEERS = 400;
export const DEMO_RESIDENTS = 1500;

/** The seed of the generator: the same seed, the same people. */
const SEED = 20_230_921;

/** How the volunteers spread over the colour teams (七彩帮帮团); `other`: craftsmen and the like. */
const TEAM_WEIGHTS: Array<[TeamColor, number]> = [
  ['red', 30],
  ['orange', 14],
  ['pink', 14],
  ['purple', 8],
  ['yellow', 6],
  ['green', 12],
  ['blue', 8],
  ['other', 8],
];

/** Ledger profiles (重点人员台账) and how common each is among the residents who are in the ledger. */
const LEDGER_PROFILES: Array<[{ tags: LedgerTag[]; gender?: Gender }, number]> = [
  [{ tags: ['living_alone', 'elderly'] }, 18],
  [{ tags: ['empty_nest', 'elderly'] }, 20],
  [{ tags: ['empty_nest'] }, 8],
  [{ tags: ['elderly'] }, 8],
  [{ tags: ['disabled'] }, 10],
  [{ tags: ['disabled', 'low_income'] }, 6],
  [{ tags: ['low_income'] }, 12],
  [{ tags: ['left_behind_child'] }, 9],
  [{ tags: ['single_mother', 'low_income'], gender: 'female' }, 6],
  [{ tags: ['seriously_ill'] }, 6],
  [{ tags: ['living_alone', 'elderly', 'seriously_ill'] }, 3],
];

interface SquadSpec {
  name: string;
  color: TeamColor;
  /** A town, or a community of it. */
  town: string;
  community?: string;
  size: number;
  /** Preferred categories (those the catalogue has); otherwise every category of the colour. */
  categories?: string[];
  /** 巾帼: women only. */
  women?: boolean;
  /** 暖心服务小分队: led by the full-time grid worker. */
  ledByDemoGridWorker?: boolean;
  withDemoVolunteer?: boolean;
}

/** Ten squads (小分队) across the seven colours, as the articles describe them. */
const SQUADS: SquadSpec[] = [
  { name: '陕坝镇党员先锋志愿服务队', color: 'red', town: '陕坝镇', size: 30, withDemoVolunteer: true },
  { name: '太荣村助农抢收党员服务队', color: 'red', town: '双庙镇', community: '太荣村', size: 14, categories: ['harvest_help', 'errands', 'paperwork'] },
  { name: '陕坝镇青年志愿服务队', color: 'orange', town: '陕坝镇', size: 20 },
  {
    name: '头道桥镇辣妹子巾帼志愿服务队',
    color: 'pink',
    town: '头道桥镇',
    size: 16,
    categories: ['companionship', 'emotional_support', 'house_repair'],
    women: true,
  },
  { name: '陕坝镇乌兰牧骑文化志愿服务队', color: 'purple', town: '陕坝镇', size: 12 },
  { name: '陕坝镇法律援助志愿服务队', color: 'yellow', town: '陕坝镇', size: 8 },
  { name: '双庙镇卫生医疗志愿服务队', color: 'green', town: '双庙镇', size: 12 },
  { name: '头道桥镇科普志愿服务队', color: 'blue', town: '头道桥镇', size: 10 },
  {
    name: '北城社区暖心服务小分队',
    color: 'other',
    town: '陕坝镇',
    community: '北城社区',
    size: 12,
    categories: ['companionship', 'errands', 'meal_delivery', 'medicine_delivery', 'emotional_support'],
    ledByDemoGridWorker: true,
    withDemoVolunteer: true,
  },
  {
    name: '民主社区能工巧匠志愿服务队',
    color: 'other',
    town: '陕坝镇',
    community: '民主社区',
    size: 9,
    categories: ['appliance_repair', 'house_repair', 'haircut'],
  },
];

export const DEMO_SQUADS = SQUADS.length;

const GRID_WORKER_SKILLS = ['paperwork', 'errands', 'companionship', 'anti_fraud', 'smartphone_lessons'];
const DEMO_VOLUNTEER_SKILLS = ['errands', 'meal_delivery', 'medicine_delivery'];

/**
 * The demo population of a tree: an admin, dispatchers, a grid worker per grid, volunteers with skills and rosters,
 * residents with ledger tags and paired cadres, and squads. Skills and squad categories come from `catalogue` (the
 * table), so the demo follows whatever catalogue the database has.
 */
export function buildDemoPeople(tree: DemoTree, catalogue: readonly Category[]): DemoPeople {
  const rng = new Prng(SEED);
  const nextPhone = phoneMaker(rng, new Set(DEMO_ACCOUNTS.map((a) => a.phone)));
  const allCodes = catalogue.map((c) => c.code);
  const codesOf = (color: string): string[] => catalogue.filter((c) => c.color === color).map((c) => c.code);
  const known = (codes: readonly string[]): string[] => codes.filter((c) => allCodes.includes(c));
  const users: UserRow[] = [];
  const person = (p: Pick<UserRow, 'name' | 'phone' | 'roles' | 'regionId'> & Partial<UserRow>): UserRow => {
    const row: UserRow = {
      id: randomUUID(),
      location: null,
      skills: [],
      partyMember: false,
      employedPartyMember: false,
      address: null,
      tags: [],
      pairedCadreId: null,
      onDuty: false,
      roster: null,
      ...p,
    };
    users.push(row);
    return row;
  };
  const fixed = (role: Parameters<typeof demoAccount>[0]) => {
    const a = demoAccount(role);
    return { name: a.name, phone: a.phone };
  };
  const generated = (gender: Gender = rng.chance(0.5) ? 'male' : 'female') => ({ name: personName(rng, gender), phone: nextPhone(), gender });

  const nameAndPhone = ({ name, phone }: { name: string; phone: string }) => ({ name, phone });

  // 1–3 skills, the first (and most others) from the person's own colour team
  const skillsFor = (color: TeamColor): string[] => {
    const own = rng.shuffle(codesOf(color));
    const any = rng.shuffle(allCodes);
    const n = Math.min(
      rng.weighted<number>([
        [1, 30],
        [2, 45],
        [3, 25],
      ]),
      allCodes.length,
    );
    const skills: string[] = own.slice(0, 1);
    while (skills.length < n) {
      const from = rng.chance(0.6) && own.some((c) => !skills.includes(c)) ? own : any;
      const code = from.find((c) => !skills.includes(c));
      if (code === undefined) break;
      skills.push(code);
    }
    return skills;
  };

  // the city's admin and the dispatchers: the county's, then one per town
  person({ ...fixed('admin'), roles: ['admin'], regionId: tree.city.id, partyMember: true });
  person({ ...fixed('dispatcher'), roles: ['dispatcher'], regionId: tree.county.id, partyMember: true, onDuty: true });
  for (const town of tree.towns) person({ ...nameAndPhone(generated()), roles: ['dispatcher'], regionId: town.row.id, partyMember: true, onDuty: true });

  // the demo accounts live in the first grid of the first community
  const demoGrid = tree.grids[0];
  if (!demoGrid) throw new Error('the demo tree has no grid');

  // a full-time grid worker (专职网格员) per grid, most of them party members and volunteers too
  const gridWorkerOf = new Map<DemoGrid, UserRow>();
  for (const grid of tree.grids) {
    const demo = grid === demoGrid;
    const volunteer = demo || rng.chance(0.75);
    const worker = person({
      ...(demo ? fixed('grid_worker') : nameAndPhone(generated())),
      roles: volunteer ? ['grid_worker', 'volunteer'] : ['grid_worker'],
      regionId: grid.row.id,
      location: rng.near(grid.row.center, 150),
      skills: volunteer ? rng.shuffle(known(GRID_WORKER_SKILLS)).slice(0, rng.int(1, 2)) : [],
      partyMember: demo || rng.chance(0.85),
      address: addressIn(grid, rng),
      onDuty: demo || rng.chance(0.6),
      roster: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:30', end: '17:30' })),
    });
    gridWorkerOf.set(grid, worker);
  }

  // volunteers (志愿者), more in the town's communities than in the villages
  const teamOf = new Map<UserRow, TeamColor>();
  const womenVolunteers = new Set<UserRow>();
  const gridOf = new Map<UserRow, DemoGrid>();
  const partyMembersIn = new Map<DemoCommunity, UserRow[]>();
  const perGridVolunteers = apportion(
    DEMO_VOLUNTEERS,
    tree.grids.map((g) => (g.community.rural ? 0.8 : 1.2)),
  );
  tree.grids.forEach((grid, g) => {
    for (let k = 0; k < (perGridVolunteers[g] ?? 0); k++) {
      const demo = grid === demoGrid && k === 0;
      const team: TeamColor = demo ? 'red' : rng.weighted(TEAM_WEIGHTS);
      const party = demo || team === 'red' || rng.chance(0.25);
      const employed = !demo && party && rng.chance(0.4);
      const who = demo ? { ...fixed('volunteer'), gender: 'male' as const } : generated(team === 'pink' ? 'female' : undefined);
      const v = person({
        name: who.name,
        phone: who.phone,
        roles: ['volunteer'],
        regionId: grid.row.id,
        location: rng.near(grid.row.center, 300),
        skills: demo ? (known(DEMO_VOLUNTEER_SKILLS).length > 0 ? known(DEMO_VOLUNTEER_SKILLS) : allCodes.slice(0, 3)) : skillsFor(team),
        partyMember: party,
        // 在职党员: registered with the community they live in (双报到), free in the evenings and at weekends
        employedPartyMember: employed,
        address: addressIn(grid, rng),
        onDuty: demo || rng.chance(0.3),
        roster: demo ? null : rosterFor(rng, employed),
      });
      teamOf.set(v, team);
      if (who.gender === 'female') womenVolunteers.add(v);
      gridOf.set(v, grid);
      if (party) partyMembersIn.set(grid.community, [...(partyMembersIn.get(grid.community) ?? []), v]);
    }
  });

  // residents (居民), a quarter or so in the ledger, most of those paired with a cadre (包联)
  const perGridResidents = apportion(
    DEMO_RESIDENTS,
    tree.grids.map((g) => (g.community.rural ? 0.75 : 1.25)),
  );
  tree.grids.forEach((grid, g) => {
    const worker = gridWorkerOf.get(grid);
    for (let k = 0; k < (perGridResidents[g] ?? 0); k++) {
      if (grid === demoGrid && k === 0) {
        person({
          ...fixed('resident'),
          roles: ['resident'],
          regionId: grid.row.id,
          location: rng.near(grid.row.center, 150),
          address: demoAccount('resident').place,
          tags: ['living_alone', 'elderly'],
          pairedCadreId: worker?.id ?? null,
        });
        continue;
      }
      const profile = rng.chance(grid.community.rural ? 0.3 : 0.22) ? rng.weighted(LEDGER_PROFILES) : undefined;
      let cadre: UserRow | undefined;
      if (profile && rng.chance(0.75)) {
        cadre = rng.chance(0.6) ? worker : undefined;
        cadre ??= rng.pick(partyMembersIn.get(grid.community) ?? (worker ? [worker] : []));
      }
      person({
        ...nameAndPhone(generated(profile?.gender ?? (rng.chance(0.6) ? 'female' : 'male'))),
        roles: ['resident'],
        regionId: grid.row.id,
        location: rng.near(grid.row.center, 300),
        address: addressIn(grid, rng),
        tags: profile?.tags ?? [],
        pairedCadreId: cadre?.id ?? null,
      });
    }
  });

  // squads (小分队): members from the squad's area, its own colour first, then those with matching skills
  const demoGridWorker = gridWorkerOf.get(demoGrid);
  const demoVolunteer = users.find((u) => u.phone === demoAccount('volunteer').phone);
  const leaders = new Set<UserRow>();
  const squads: SquadRow[] = SQUADS.map((spec) => {
    const region = spec.community
      ? tree.communities.find((c) => c.row.name === spec.community && c.town.row.name === spec.town)?.row
      : tree.towns.find((t) => t.row.name === spec.town)?.row;
    if (!region) throw new Error(`no place for squad ${spec.name}`);
    const wanted = spec.categories ? known(spec.categories) : [];
    const categories = wanted.length > 0 ? wanted : codesOf(spec.color);
    const inArea = [...gridOf].filter(([v, grid]) => grid.row.path.startsWith(region.path) && (!spec.women || womenVolunteers.has(v))).map(([v]) => v);
    const score = (v: UserRow) => (teamOf.get(v) === spec.color ? 2 : 0) + (v.skills.some((s) => categories.includes(s)) ? 1 : 0);
    const ranked = rng
      .shuffle(inArea)
      .map((v) => [v, score(v)] as const)
      .sort((a, b) => b[1] - a[1])
      .map(([v]) => v);
    const first = [spec.ledByDemoGridWorker ? demoGridWorker : undefined, spec.withDemoVolunteer ? demoVolunteer : undefined].filter(
      (u): u is UserRow => u !== undefined,
    );
    const members = [...first, ...ranked.filter((v) => !first.includes(v))].slice(0, spec.size);
    // the leader: the grid worker for a 暖心 squad, otherwise a party member of the squad's colour leading no other
    const others = members.filter((m) => !first.includes(m) && !leaders.has(m));
    const leader =
      (spec.ledByDemoGridWorker ? demoGridWorker : undefined) ??
      others.find((m) => m.partyMember && teamOf.get(m) === spec.color) ??
      others.find((m) => m.partyMember) ??
      members[0];
    if (!leader) throw new Error(`no members for squad ${spec.name}`);
    leaders.add(leader);
    return { id: randomUUID(), name: spec.name, color: spec.color, regionId: region.id, leaderId: leader.id, categories, memberIds: members.map((m) => m.id) };
  });

  return { users, squads };
}
