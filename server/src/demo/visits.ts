import { DEFAULT_VISIT_FREQUENCIES, LEDGER_TAGS, visitPeriodOf } from '@bangbang/shared';
import type { EntityManager } from 'typeorm';
import { actorOf } from '../modules/auth/actor';
import { createOrder } from '../modules/orders/creation';
import { loadViewer } from '../modules/orders/standing';
import { User } from '../modules/users/user.entity';
import { generateVisits } from '../modules/visits/generation';
import { markOrderFromVisit } from '../modules/visits/visits.repo';
import { DEMO_ACCOUNTS } from './accounts';
import { DEMO_COUNTY } from './places';

/** Orders the demo's visits made (a need found at the door): counted beside the demo's own orders. */
export const DEMO_VISIT_ORDERS = 1;

const DAY = 24 * 3600_000;
const MINUTE = 60_000;

/** What a done visit's record says, by condition (a pick by the visit's id: any will do). */
const NOTES = {
  good: ['身体状况良好，家中整洁，生活能自理', '精神不错，子女上周回来看过', '血压正常，按时吃药，没有其他需要'],
  attention: ['血压偏高，已提醒按时服药，下周再来看看', '天冷了家里暖气不太热，已联系物业', '腿脚不便，最近很少出门，需要多来看看'],
} as const;

/** The needs a visit found (the one order a visit made), tried in order until the household has none of it open. */
const FOUND_NEEDS: ReadonlyArray<readonly [string, string]> = [
  ['haircut', '卧床不便出门，走访时老人提出想理发'],
  ['smartphone_lessons', '走访时老人提出想学用微信和孙子视频'],
  ['appliance_repair', '走访时发现电视没有信号，需要上门修理'],
];

/**
 * The demo county's 走访: its visit plan set explicitly by the county (the defaults, so 管理 → 走访计划 shows them as
 * the county's own), and a week of visits made by the real generation — last week's (and any earlier period's
 * ended since) all done with records but one, missed in the demo grid (the hourly job alarms 王建军 on its first
 * run); this week's about a third done, the rest due, the demo resident 孙桂兰's still to do (the demo's paired cadre,
 * grid worker 王建军, checks in at her door). One done visit found a need and made an order on the household's
 * behalf, as the API does.
 */
export async function seedDemoVisits(m: EntityManager, now: Date): Promise<number> {
  const [county] = await m.query<Array<{ id: string }>>(`SELECT id FROM region WHERE level = 'county' AND name = $1`, [DEMO_COUNTY.name]);
  if (!county) return 0;
  await m.query(`INSERT INTO visit_plan (region_id, tag, frequency, updated_at) SELECT $1, t, f, $4 FROM unnest($2::text[], $3::text[]) AS x(t, f)`, [
    county.id,
    [...LEDGER_TAGS],
    LEDGER_TAGS.map((t) => DEFAULT_VISIT_FREQUENCIES[t]),
    now,
  ]);
  const lastWeek = new Date(now.getTime() - 7 * DAY);
  await generateVisits(m, lastWeek);
  await generateVisits(m, now);

  const [cadre] = await m.query<Array<{ id: string; region_id: string }>>(`SELECT id, region_id FROM app_user WHERE phone = $1`, [DEMO_ACCOUNTS[2].phone]);
  const [resident] = await m.query<Array<{ id: string }>>(`SELECT id FROM app_user WHERE phone = $1`, [DEMO_ACCOUNTS[4].phone]);
  if (!cadre || !resident) return 0;
  // the one missed: a household of the demo grid whose period ended, not the demo resident's
  const [missed] = await m.query<Array<{ id: string }>>(
    `SELECT id FROM visit WHERE region_id = $1 AND due_at <= $2 AND household_id <> $3 ORDER BY due_at DESC, id LIMIT 1`,
    [cadre.region_id, now, resident.id],
  );
  // done with a record: every ended visit but the missed one, at a door a day to five days before its end
  const pick = `abs(hashtext(v.id::text))`;
  const record = (doneAt: string) => `checked_in_at = ${doneAt}, done_at = ${doneAt} + interval '25 minutes', done_by = v.assignee_id,
       check_in_lat = u.location_lat, check_in_lng = u.location_lng, check_in_distance = CASE WHEN u.location_lat IS NULL THEN NULL ELSE ${pick} % 60 END,
       far_check_in = u.location_lat IS NULL,
       condition = CASE WHEN ${pick} % 6 = 0 THEN 'attention' ELSE 'good' END,
       note = CASE WHEN ${pick} % 6 = 0 THEN ($2::text[])[1 + ${pick} % 3] ELSE ($3::text[])[1 + ${pick} % 3] END`;
  await m.query(
    `UPDATE visit v SET ${record(`v.due_at - make_interval(hours => 24 + ${pick} % 96)`)}
     FROM app_user u WHERE u.id = v.household_id AND v.due_at <= $1 AND v.id IS DISTINCT FROM $4`,
    [now, NOTES.attention, NOTES.good, missed?.id ?? null],
  );
  // this week's: about a third done already, between the week's start and now
  const weekStart = visitPeriodOf('weekly', now).start;
  const sinceStart = Math.max(0, Math.floor((now.getTime() - weekStart.getTime()) / MINUTE) - 30);
  await m.query(
    `UPDATE visit v SET ${record(`$5::timestamptz - make_interval(mins => 30 + ${pick} % greatest($6::int, 1))`)}
     FROM app_user u WHERE u.id = v.household_id AND v.due_at > $1 AND ${pick} % 3 = 0 AND v.household_id <> $4 AND $6::int > 0`,
    [now, NOTES.attention, NOTES.good, resident.id, now, sinceStart],
  );

  // a need found at the door became an order: on a visit done by the demo's paired cadre, else any done one
  const [found] = await m.query<Array<{ id: string; household_id: string; done_at: Date; assignee_id: string }>>(
    `SELECT id, household_id, done_at, assignee_id FROM visit WHERE done_at IS NOT NULL AND assignee_id IS NOT NULL AND household_id <> $2
     ORDER BY assignee_id = $1 DESC, done_at DESC, id LIMIT 1`,
    [cadre.id, resident.id],
  );
  if (found) {
    const visitor = await m.getRepository(User).findOne({ where: { id: found.assignee_id }, relations: { region: true } });
    if (visitor) {
      const viewer = await loadViewer(m, actorOf(visitor), found.done_at);
      viewer.follows.add(found.household_id);
      for (const [categoryCode, description] of FOUND_NEEDS) {
        try {
          const order = await createOrder(
            m,
            viewer,
            { residentId: found.household_id, categoryCode, description, urgency: 'normal', channel: 'walk_in' },
            undefined,
          );
          await markOrderFromVisit(m, order.id, found.id);
          await m.query(`UPDATE visit SET order_id = $2, condition = 'attention' WHERE id = $1`, [found.id, order.id]);
          break;
        } catch {
          // the household has this service open already: the next need
        }
      }
    }
  }
  const [{ count }] = await m.query<[{ count: number }]>(`SELECT count(*)::int AS count FROM visit`);
  return count;
}
