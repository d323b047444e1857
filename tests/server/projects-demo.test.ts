import { seedDemoData } from '../../server/src/demo/seed';
import { createTestDatabase, type TestDatabase } from '../support/db';

/** The demo's project list (issue 22): 双报到 party members, a finished project with attendance, an open one. */
describe('demo projects', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await seedDemoData(database.db);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('has two projects in 北城社区, one with confirmed attendance and points, one open for claims', async () => {
    const projects = await database.db.query<
      Array<{ title: string; community: string; status: string; places: number; claimed: number; live: number; future: boolean }>
    >(
      `SELECT p.title, r.name AS community, p.status, p.places, p.claimed, p.starts_at > now() AS future,
              (SELECT count(*)::int FROM project_claim c WHERE c.project_id = p.id AND c.status <> 'cancelled') AS live
         FROM project p JOIN region r ON r.id = p.region_id ORDER BY p.created_at`,
    );
    expect(projects).toEqual([
      { title: '北城社区敬老义诊与理发', community: '北城社区', status: 'closed', places: 4, claimed: 3, live: 3, future: false },
      { title: '北城社区楼道路灯更换', community: '北城社区', status: 'published', places: 6, claimed: 1, live: 1, future: true },
    ]);
    const claims = await database.db.query<Array<{ status: string; minutes: number | null; points: number | null }>>(
      `SELECT c.status, c.minutes, c.points FROM project_claim c JOIN project p ON p.id = c.project_id WHERE p.status = 'closed' ORDER BY c.claimed_at`,
    );
    expect(claims).toEqual([
      { status: 'attended', minutes: 120, points: 20 },
      { status: 'attended', minutes: 120, points: 20 },
      { status: 'absent', minutes: null, points: null },
    ]);
  });

  it('has four 双报到 party members of 北城社区 and the demo employed party member, not yet registered', async () => {
    const regs = await database.db.query<Array<{ community: string; employed: boolean }>>(
      `SELECT r.name AS community, u.employed_party_member AS employed FROM party_registration g JOIN region r ON r.id = g.community_id JOIN app_user u ON u.id = g.user_id`,
    );
    expect(regs).toHaveLength(4);
    expect(regs.every((g) => g.community === '北城社区' && g.employed)).toBe(true);
    const [account] = await database.db.query<Array<{ name: string; roles: string[]; employed_party_member: boolean; registered: boolean; community: string }>>(
      `SELECT u.name, u.roles, u.employed_party_member, c.name AS community,
              EXISTS (SELECT 1 FROM party_registration g WHERE g.user_id = u.id) AS registered
         FROM app_user u JOIN region g ON g.id = u.region_id JOIN region c ON c.id = g.parent_id WHERE u.phone = '13800000006'`,
    );
    expect(account).toEqual({ name: '高志强', roles: ['resident'], employed_party_member: true, registered: false, community: '北城社区' });
  });
});
