import { DEMO, UI_TIMEOUT, see, seeAnywhere, screenshot, shown, startE2E, step, tap, type E2E, type Person } from './support/harness';

// Real server, real database, real browser, the same story at two sizes: minutes on a busy 2-core machine.
jest.setTimeout(420_000);

/** A community secretary's PC, and a phone. */
const SIZES = [
  { label: 'desktop', viewport: { width: 1280, height: 800 } },
  { label: 'phone', viewport: { width: 375, height: 812 } },
] as const;

/**
 * Issue 21, item 1 (people, squads, rosters), as the banner's dispatcher lives it at a desk and on a phone: finds an
 * elder of the ledger by tag (独居) and name, builds a squad in 北城社区 with a leader and two more members found by
 * name, and sets a volunteer's weekly roster; every step read back from the database.
 */
describe('managing people in a real browser: 人员 → 小分队 → 排班值班', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const sql = <T>(query: string, params: unknown[] = []) => e2e.database.db.query<T>(query, params);

  /** Volunteers of 北城社区 other than the demo volunteer, to build squads of. */
  const beichengVolunteers = () =>
    sql<Array<{ id: string; name: string }>>(
      `SELECT u.id, u.name FROM app_user u JOIN region g ON g.id = u.region_id JOIN region c ON c.id = g.parent_id
       WHERE c.name = '北城社区' AND 'volunteer' = ANY(u.roles) AND u.phone <> $1
         AND u.name NOT IN (SELECT name FROM app_user GROUP BY name HAVING count(*) > 1)
       ORDER BY u.created_at, u.id`,
      [DEMO.volunteer.phone],
    );

  /** Goes down the place picker (杭锦后旗 › 陕坝镇 › 北城社区). */
  const pickBeicheng = async (who: Person) => {
    const scope = shown(who.page).locator('.manage-kit__scope');
    // a page opened again is the same page (Taro's router keeps it), still where it was left
    if ((await scope.locator('.manage-kit__trail').getByText('北城社区').count()) > 0) return;
    await tap(who.page, '陕坝镇', scope);
    await tap(who.page, '北城社区', scope);
    await scope.locator('.manage-kit__trail').getByText('北城社区').waitFor({ state: 'visible' });
  };

  for (const [i, size] of SIZES.entries()) {
    it(`at ${size.viewport.width}×${size.viewport.height}: finds an elder by tag, builds a squad, sets a roster`, async () => {
      const dispatcher = await e2e.login(DEMO.dispatcher.phone);
      await dispatcher.page.setViewportSize(size.viewport);
      const page = dispatcher.page;

      await step(dispatcher, 'the dispatcher finds the elder living alone by tag and name', async () => {
        await page.goto('/#/pages/manage/people/index');
        await see(page, '杭锦后旗的人员'); // the list starts at the dispatcher's own place
        await tap(page, '独居老人', shown(page).locator('.people__tag-filter'));
        await shown(page).locator('.people__search input').fill(DEMO.resident.name);
        const row = shown(page).locator('.people__row').filter({ hasText: DEMO.resident.name });
        await row.first().waitFor({ state: 'visible' });
        // only people with the tag: every row shows it
        const rows = shown(page).locator('.people__row');
        for (const text of await rows.allInnerTexts()) expect(text).toContain('独居老人');
        await screenshot(page, `manage-people-${size.label}`);
        await row.first().click();
        await see(page, '修改资料');
        await see(page, '包联责任人');
        await see(page, DEMO.gridWorker.name); // her paired grid worker
        // a dispatcher may grant resident, volunteer, grid worker — never dispatcher or admin
        const roles = shown(page).locator('.person__roles');
        await roles.getByText('网格员').waitFor({ state: 'visible' });
        expect(await roles.getByText('调度员').count()).toBe(0);
        await screenshot(page, `manage-person-${size.label}`);
      });

      await step(dispatcher, 'a wrong landline is refused beside the field, before it is sent', async () => {
        await shown(page).locator('.person__landline input').fill('12345');
        await tap(page, '保存', shown(page).locator('.person__form'));
        await shown(page).locator('.person__form .field-error').first().waitFor({ state: 'visible' });
        await shown(page).locator('.person__landline input').fill('');
      });

      const [leader, memberA, memberB] = (await beichengVolunteers()).slice(i * 3, i * 3 + 3);
      expect(memberB).toBeDefined();
      const squadName = `北城社区${size.label === 'desktop' ? '红色' : '绿色'}帮帮团`;

      await step(dispatcher, 'the dispatcher sets up a squad in 北城社区 with its leader', async () => {
        await page.goto('/#/pages/manage/squads/index');
        await see(page, '组建小分队');
        await pickBeicheng(dispatcher);
        await see(page, '北城社区的小分队');
        await shown(page).locator('.squads__name-input input').fill(squadName);
        await tap(page, '送医送药', shown(page).locator('.squads__categories'));
        const search = shown(page).locator('.squads__form .manage-kit__search');
        await search.locator('input').fill(leader!.name);
        const found = search.locator('.manage-kit__found').filter({ hasText: leader!.name });
        await tap(page, '选为负责人', found);
        await see(page, '组建', UI_TIMEOUT);
        await tap(page, '组建', shown(page).locator('.squads__form'));
        await page.waitForURL((u) => u.hash.includes('/pages/manage/squad/index'), { timeout: UI_TIMEOUT });
        await see(page, squadName);
        await see(page, '加入成员');
      });

      await step(dispatcher, 'the dispatcher adds two members found by name', async () => {
        for (const member of [memberA!, memberB!]) {
          const search = shown(page).locator('.squad__add .manage-kit__search');
          await search.locator('input').fill(member.name);
          await tap(page, '加入', search.locator('.manage-kit__found').filter({ hasText: member.name }));
          await seeAnywhere(page, `已加入：${member.name}`);
          await shown(page).locator('.squad__member').filter({ hasText: member.name }).waitFor({ state: 'visible' });
        }
        await see(page, '3 人', UI_TIMEOUT);
        await screenshot(page, `manage-squad-${size.label}`);
      });
      const [squad] = await sql<Array<{ id: string; leader_id: string; categories: string[]; members: string[] }>>(
        `SELECT s.id, s.leader_id, s.categories, array_agg(sm.user_id ORDER BY sm.joined_at) AS members
         FROM squad s JOIN squad_member sm ON sm.squad_id = s.id WHERE s.name = $1 GROUP BY s.id`,
        [squadName],
      );
      expect(squad).toMatchObject({ leader_id: leader!.id, categories: ['medicine_delivery'] });
      expect(new Set(squad!.members)).toEqual(new Set([leader!.id, memberA!.id, memberB!.id]));

      await step(dispatcher, 'a second squad of the same name is refused, and the server says why on the form', async () => {
        await page.goto('/#/pages/manage/squads/index');
        await pickBeicheng(dispatcher);
        await see(page, squadName); // the list has it now
        await shown(page).locator('.squads__name-input input').fill(squadName);
        const search = shown(page).locator('.squads__form .manage-kit__search');
        await search.locator('input').fill(memberA!.name);
        await tap(page, '选为负责人', search.locator('.manage-kit__found').filter({ hasText: memberA!.name }));
        await tap(page, '组建', shown(page).locator('.squads__form'));
        await shown(page).locator('.squads__form .field-error--form').getByText(`「北城社区」已有同名小分队：${squadName}。`).waitFor({ state: 'visible' });
        // Taro's dialog for a conflict sits outside the page
        await page.locator('.taro-modal__foot').getByText('知道了').click();
      });
      expect((await sql<unknown[]>(`SELECT 1 FROM squad WHERE name = $1`, [squadName])).length).toBe(1);

      await step(dispatcher, 'the duty overview of 北城社区, then a volunteer’s roster set for Saturday morning', async () => {
        await page.goto('/#/pages/manage/rosters/index');
        await see(page, '在岗情况');
        await pickBeicheng(dispatcher);
        await see(page, '一周值班表（人数）');
        const row = shown(page).locator('.rosters__row').filter({ hasText: memberA!.name });
        await row.first().waitFor({ state: 'visible' });
        await screenshot(page, `manage-rosters-${size.label}`);
        await row.first().click();
        await see(page, `${memberA!.name}的值班表`);
        const saturday = shown(page).locator('.rosters__day').filter({ hasText: '周六' });
        await tap(page, '+ 上午', saturday);
        await tap(page, '+ 下午', saturday);
        await saturday.locator('.rosters__slot').nth(1).waitFor({ state: 'visible' });
        await screenshot(page, `manage-roster-${size.label}`);
        await tap(page, '保存值班表');
        await seeAnywhere(page, '值班表已保存');
      });
      const [rostered] = await sql<Array<{ roster: unknown }>>(`SELECT roster FROM app_user WHERE id = $1`, [memberA!.id]);
      const saturdays = (rostered!.roster as Array<{ weekday: number; start: string; end: string }>).filter((s) => s.weekday === 6);
      // added to what the seed had rostered
      expect(saturdays).toEqual(
        expect.arrayContaining([
          { weekday: 6, start: '08:00', end: '12:00' },
          { weekday: 6, start: '14:00', end: '18:00' },
        ]),
      );
      const audit = await sql<Array<{ action: string }>>(`SELECT action FROM audit_log WHERE subject_id = $1 AND action = 'user.roster'`, [memberA!.id]);
      expect(audit.length).toBeGreaterThanOrEqual(1);
      expect(dispatcher.problems).toEqual([]);
      await dispatcher.context.close();
    });
  }
});
