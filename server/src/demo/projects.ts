import { projectPoints } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { creditPoints } from '../modules/points/ledger';
import { demoAccount, DEMO_ACCOUNTS } from './accounts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Where the 双报到 party members of the demo work (工作单位 and its party organisation). */
const WORKPLACES: ReadonlyArray<readonly [string, string | null]> = [
  ['杭锦后旗税务局', '杭锦后旗税务局机关党支部'],
  ['杭锦后旗人民医院', '杭锦后旗人民医院党总支'],
  ['陕坝镇中心小学', null],
  ['杭锦后旗供电公司', '杭锦后旗供电公司第二党支部'],
];

/** A Beijing wall-clock hour on the day `days` from `now` (the demo's projects start at sensible local times). */
function beijing(now: Date, days: number, hour: number): Date {
  const d = new Date(now.getTime() + 8 * HOUR + days * DAY);
  d.setUTCHours(hour, 0, 0, 0);
  return new Date(d.getTime() - 8 * HOUR);
}

/**
 * The project list of the demo community (北城社区, where the demo grid worker works): four residents who reported
 * to it through 在职党员「双报到」, the demo employed party member (13800000006, not yet registered: registering
 * is what to try as them), a finished project with claims and confirmed attendance (hours and points on the
 * claims), and one open for claims. Made by the demo dispatcher. Returns how many projects.
 */
export async function seedDemoProjects(m: EntityManager, now: Date): Promise<number> {
  const [place] = await m.query<Array<{ community_id: string; community_path: string }>>(
    `SELECT c.id AS community_id, c.path AS community_path FROM app_user u JOIN region g ON g.id = u.region_id JOIN region c ON c.id = g.parent_id WHERE u.phone = $1`,
    [demoAccount('grid_worker').phone],
  );
  const [dispatcher] = await m.query<Array<{ id: string }>>(`SELECT id FROM app_user WHERE phone = $1`, [demoAccount('dispatcher').phone]);
  if (!place || !dispatcher) return 0;
  const fixed = DEMO_ACCOUNTS.map((a) => a.phone);
  // residents of the community without ledger tags: people at work, not those the ledger looks after
  const residents = await m.query<Array<{ id: string }>>(
    `SELECT u.id FROM app_user u JOIN region g ON g.id = u.region_id
      WHERE g.path LIKE $1 || '%' AND u.roles = ARRAY['resident']::text[] AND cardinality(u.tags) = 0 AND NOT (u.phone = ANY($2))
      ORDER BY u.phone LIMIT 5`,
    [place.community_path, fixed],
  );
  if (residents.length < 5) return 0;
  const [account, ...members] = residents;
  const demo = DEMO_ACCOUNTS.find((a) => a.phone === '13800000006')!;
  // the demo employed party member: one of the community's residents, given the account's phone and name
  await m.query(`UPDATE app_user SET name = $2, phone = $3, party_member = true, employed_party_member = true WHERE id = $1`, [
    account!.id,
    demo.name,
    demo.phone,
  ]);
  for (const [i, member] of members.entries()) {
    const [workplace, org] = WORKPLACES[i % WORKPLACES.length]!;
    await m.query(`UPDATE app_user SET party_member = true, employed_party_member = true WHERE id = $1`, [member.id]);
    await m.query(
      `INSERT INTO party_registration (user_id, community_id, workplace, workplace_party_org, registered_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $1, $5, $5)`,
      [member.id, place.community_id, workplace, org, new Date(now.getTime() - (20 - i) * DAY)],
    );
  }
  const insert = async (p: {
    title: string;
    description: string;
    address: string;
    startsAt: Date;
    hours: number;
    places: number;
    skills: string[];
    status: string;
    createdAt: Date;
  }): Promise<string> => {
    const [row] = await m.query<Array<{ id: string }>>(
      `INSERT INTO project (region_id, title, description, address, starts_at, ends_at, places, skills, credit_minutes, points_base, points_per_hour, status,
                            created_by, created_at, updated_at, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 10, 5, $10, $11, $12, $12, $12) RETURNING id`,
      [
        place.community_id,
        p.title,
        p.description,
        p.address,
        p.startsAt,
        new Date(p.startsAt.getTime() + p.hours * HOUR),
        p.places,
        p.skills,
        p.hours * 60,
        p.status,
        dispatcher.id,
        p.createdAt,
      ],
    );
    return row!.id;
  };
  // finished last week: three claimed, two came (2 hours each, 10 + 5 × 2 = 20 points), one did not
  const done = await insert({
    title: '北城社区敬老义诊与理发',
    description: '为社区 60 岁以上老人量血压、测血糖，义务理发。需要会理发或有医护经验的志愿者。',
    address: '北城社区党群服务中心一楼',
    startsAt: beijing(now, -6, 9),
    hours: 2,
    places: 4,
    skills: ['haircut'],
    status: 'closed',
    createdAt: new Date(now.getTime() - 12 * DAY),
  });
  const confirmedAt = beijing(now, -6, 12);
  for (const [i, member] of members.slice(0, 3).entries()) {
    const attended = i < 2;
    const points = attended ? projectPoints({ pointsBase: 10, pointsPerHour: 5 }, 120) : null;
    const [claim] = await m.query<Array<{ id: string }>>(
      `INSERT INTO project_claim (project_id, user_id, status, claimed_at, confirmed_at, confirmed_by, minutes, points) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [done, member.id, attended ? 'attended' : 'absent', new Date(now.getTime() - (10 - i) * DAY), confirmedAt, dispatcher.id, attended ? 120 : null, points],
    );
    // the attended ones earned the project's points, through the ledger as the organiser's confirmation credits them
    if (points !== null) {
      await creditPoints(m, {
        userId: member.id,
        amount: points,
        kind: 'project',
        sourceId: claim!.id,
        regionId: place.community_id,
        note: '北城社区敬老义诊与理发',
        at: confirmedAt,
        minutes: 120,
      });
    }
  }
  await m.query(`UPDATE project SET claimed = 3 WHERE id = $1`, [done]);
  // open for claims: starts in three days, one place taken
  const open = await insert({
    title: '北城社区楼道路灯更换',
    description: '3 号楼至 8 号楼楼道路灯老化，居民反映晚上上下楼看不清。需要懂电工的党员志愿者一起更换，社区提供灯具和梯子。',
    address: '北城社区 3 号楼至 8 号楼',
    startsAt: beijing(now, 3, 9),
    hours: 3,
    places: 6,
    skills: ['appliance_repair', 'house_repair'],
    status: 'published',
    createdAt: new Date(now.getTime() - 2 * DAY),
  });
  await m.query(`INSERT INTO project_claim (project_id, user_id, claimed_at) VALUES ($1, $2, $3)`, [open, members[3]!.id, new Date(now.getTime() - DAY)]);
  await m.query(`UPDATE project SET claimed = 1 WHERE id = $1`, [open]);
  return 2;
}
