import type { Locator, Page } from 'playwright-core';
import { DEMO, screenshot, see, seeAnywhere, shown, startE2E, step, tap, type E2E } from './support/harness';

// Real server, real database, real browser: minutes on a busy 2-core machine.
jest.setTimeout(300_000);

/** The demo employed party member (在职党员, server/src/demo/accounts.ts): lives in 北城社区, not yet registered. */
const PARTY_MEMBER = { phone: '13800000006', name: '高志强' } as const;
const PROJECT = '北城社区楼道路灯更换';

/**
 * Issue 22, item 2, in a real browser: an employed party member opens 社区项目 from 我的, registers with 北城社区
 * through 双报到 (an empty workplace is refused beside the field first), and claims the open project; the
 * community's dispatcher opens 三张清单 from 管理, goes down to 北城社区, opens the project and confirms the party
 * member attended — the hours and the points land on the claim.
 */
describe('社区项目: 双报到, a claim, attendance confirmed', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const sql = <T>(query: string, params: unknown[] = []) => e2e.database.db.query<T>(query, params);

  /** The screen once the toast (认领成功, 已确认参加) has gone. */
  async function snap(page: Page, name: string, focus?: Locator): Promise<void> {
    await page
      .locator('.taro__toast')
      .first()
      .waitFor({ state: 'hidden', timeout: 5_000 })
      .catch(() => undefined);
    // from the top of the page (a tap lower down may have scrolled it), without a toast that outstayed its time (a
    // string: the tests are compiled without the DOM's types)
    await page.evaluate(
      `window.scrollTo(0, 0); document.querySelectorAll('.taro_page').forEach((el) => { el.scrollTop = 0; });
       document.querySelectorAll('.taro__toast').forEach((el) => { el.style.display = 'none'; })`,
    );
    if (focus) await focus.scrollIntoViewIfNeeded();
    await screenshot(page, name);
  }

  it('an employed party member registers and claims a project; the organiser confirms attendance', async () => {
    const member = await e2e.login(PARTY_MEMBER.phone);
    await step(member, 'the party member opens 社区项目 from 我的', async () => {
      await tap(member.page, '我的');
      await shown(member.page).locator('.me__projects').click();
      await see(member.page, '在职党员请先双报到');
      // living in 北城社区, they see its projects before registering, but may not claim yet
      await see(member.page, PROJECT);
      await tap(member.page, '去双报到');
    });

    await step(member, 'the party member registers (双报到) with 北城社区', async () => {
      await see(member.page, '北城社区');
      await tap(member.page, '双报到', shown(member.page).locator('.party-register__submit'));
      await see(member.page, '请填写工作单位');
      await snap(member.page, 'projects-register');
      await shown(member.page).locator('.party-register__workplace input').fill('杭锦后旗税务局');
      await shown(member.page).locator('.party-register__org input').fill('杭锦后旗税务局机关党支部');
      await tap(member.page, '双报到', shown(member.page).locator('.party-register__submit'));
      await seeAnywhere(member.page, '已双报到');
      await see(member.page, '已双报到：北城社区');
    });

    await step(member, 'the party member claims the open project', async () => {
      await snap(member.page, 'projects-list');
      await tap(member.page, PROJECT);
      await see(member.page, '认领');
      await tap(member.page, '认领');
      await seeAnywhere(member.page, '认领成功');
      await see(member.page, '我已认领');
      await see(member.page, '取消认领');
      await snap(member.page, 'projects-claimed');
    });

    const [registration] = await sql<Array<{ community: string; workplace: string; employed: boolean }>>(
      `SELECT c.name AS community, g.workplace, u.employed_party_member AS employed
         FROM party_registration g JOIN region c ON c.id = g.community_id JOIN app_user u ON u.id = g.user_id
        WHERE u.phone = $1 AND g.ended_at IS NULL`,
      [PARTY_MEMBER.phone],
    );
    expect(registration).toEqual({ community: '北城社区', workplace: '杭锦后旗税务局', employed: true });

    const organiser = await e2e.login(DEMO.dispatcher.phone);
    await step(organiser, 'the dispatcher opens 三张清单 from 管理 and goes down to 北城社区', async () => {
      await tap(organiser.page, '我的');
      await shown(organiser.page).locator('.me__manage').click();
      await shown(organiser.page).locator('.manage-hub__tile--projects').click();
      await tap(organiser.page, '陕坝镇', shown(organiser.page).locator('.manage-kit__places'));
      await tap(organiser.page, '北城社区', shown(organiser.page).locator('.manage-kit__places'));
      await see(organiser.page, '需求清单');
      await see(organiser.page, '资源清单');
      await see(organiser.page, '项目清单');
      await see(organiser.page, PARTY_MEMBER.name);
      await snap(organiser.page, 'manage-three-lists');
    });

    await step(organiser, 'the dispatcher opens the project and confirms the party member attended', async () => {
      await tap(organiser.page, PROJECT);
      await see(organiser.page, '认领（2/6）');
      const row = shown(organiser.page).locator('.manage-project__claim').filter({ hasText: PARTY_MEMBER.name });
      await row.waitFor({ state: 'visible' });
      await row.locator('.manage-project__attended').click();
      await seeAnywhere(organiser.page, '已确认参加');
      await see(organiser.page, '记 3 小时，25 积分');
      await snap(organiser.page, 'manage-project-attendance', row);
    });

    const [claim] = await sql<Array<{ status: string; minutes: number; points: number }>>(
      `SELECT c.status, c.minutes, c.points FROM project_claim c JOIN project p ON p.id = c.project_id JOIN app_user u ON u.id = c.user_id
        WHERE p.title = $1 AND u.phone = $2`,
      [PROJECT, PARTY_MEMBER.phone],
    );
    expect(claim).toEqual({ status: 'attended', minutes: 180, points: 25 });
    expect(member.problems).toEqual([]);
    expect(organiser.problems).toEqual([]);
  });

  it('the dispatcher publishes a project over several days (助农抢收): its last day picked apart from its first', async () => {
    const title = `河套葵花抢收 ${Date.now() % 10000}`;
    const [community] = await sql<Array<{ id: string }>>(`SELECT id FROM region WHERE name = '北城社区'`);
    const organiser = await e2e.login(DEMO.dispatcher.phone);
    await step(organiser, 'a new project of 北城社区: from tomorrow 09:00 to the day after next 12:00', async () => {
      await organiser.page.goto(`${e2e.url}/#/pages/manage/project/index?regionId=${community!.id}&regionName=${encodeURIComponent('北城社区')}`);
      await see(organiser.page, '时间（跨几天的项目，结束选后面的日期）');
      await shown(organiser.page).locator('.manage-project__title input').fill(title);
      await shown(organiser.page).locator('.manage-project__description textarea').fill('三户人家的葵花要赶在下雨前收完');
      await shown(organiser.page).locator('.manage-project__address input').fill('北城社区东边葵花地');
      // the last day: the day after the first, picked in the date picker's columns (year, month, day as needed)
      const first = await shown(organiser.page).locator('.manage-project__date').innerText();
      const next = new Date(new Date(`${first}T00:00:00Z`).getTime() + 24 * 3600_000);
      const [y, m, d] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
      await shown(organiser.page).locator('.manage-project__end-date').click();
      // Taro's H5 picker selects by where a tap lands in a column that is always moving (Playwright never finds it
      // "stable"): a tap at the option's place, after the column has settled
      const pick = async (text: string) => {
        await organiser.page.waitForTimeout(400);
        const box = await organiser.page.getByText(text, { exact: true }).last().boundingBox();
        if (!box) throw new Error(`no ${text} in the picker`);
        await organiser.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      };
      if (String(y) !== first.slice(0, 4)) await pick(`${y}年`);
      if (m !== Number(first.slice(5, 7))) await pick(`${String(m).padStart(2, '0')}月`);
      await pick(`${String(d).padStart(2, '0')}日`);
      await tap(organiser.page, '确定', organiser.page.locator('body'));
      const last = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      await see(organiser.page, last);
      await snap(organiser.page, 'manage-project-days', shown(organiser.page).locator('.manage-project__end-date'));
      await shown(organiser.page).locator('.manage-project__publish').click();
      await seeAnywhere(organiser.page, '已发布');
    });
    const [row] = await sql<Array<{ days: number; start: string; end: string; status: string }>>(
      `SELECT (ends_at AT TIME ZONE 'Asia/Shanghai')::date - (starts_at AT TIME ZONE 'Asia/Shanghai')::date AS days,
              to_char(starts_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') AS start, to_char(ends_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') AS end, status
         FROM project WHERE title = $1`,
      [title],
    );
    expect(row).toEqual({ days: 1, start: '09:00', end: '12:00', status: 'published' });
    expect(organiser.problems).toEqual([]);
  });
});
