import { DEMO, UI_TIMEOUT, see, seeAnywhere, screenshot, shown, startE2E, step, tap, type E2E } from './support/harness';

// Real server, real database, real browser, two people: minutes on a busy 2-core machine.
jest.setTimeout(300_000);

/**
 * Issue 18, items 1–2, as a new person lives it: a phone nobody has seen logs in with an SMS code (the harness reads
 * it from the fake SMS provider), is sent to 加入帮帮团, finds their grid by searching, says their name and address,
 * lands on the resident home and orders; the grid worker of that grid dispatches the order. Then the newcomer asks
 * to be a volunteer, and the grid worker approves it on the approvals page: only then do they hold the role.
 */
describe('joining in a real browser: 加入 → 点单首页 → 我要当志愿者 → 网格员批准', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const sql = <T>(query: string, params: unknown[] = []) => e2e.database.db.query<T>(query, params);

  it('a brand-new person logs in by SMS code, joins, orders; the grid worker dispatches it; they apply to volunteer and are approved', async () => {
    // the demo grid worker's grid and its community: the newcomer searches the community by name and opens its grids
    const [grid] = await sql<Array<{ id: string; name: string; community: string }>>(
      `SELECT r.id, r.name, c.name AS community FROM app_user u JOIN region r ON r.id = u.region_id JOIN region c ON c.id = r.parent_id WHERE u.phone = $1`,
      [DEMO.gridWorker.phone],
    );
    expect(grid).toBeDefined();
    const phone = `139${String(Date.now() % 100_000_000).padStart(8, '0')}`;
    const name = '新居民马秀英';
    const note = '膝盖疼下不了楼，帮忙去药店买降压药';

    const newcomer = await e2e.login(phone);
    await step(newcomer, 'the newcomer is sent to joining and picks their grid by searching', async () => {
      await newcomer.page.waitForURL((u) => u.hash.includes('/pages/join/index'), { timeout: UI_TIMEOUT });
      await see(newcomer.page, '欢迎加入帮帮团');
      await see(newcomer.page, '您住在哪个网格？');
      await shown(newcomer.page).locator('.place-picker__search input').fill(grid!.community);
      await see(newcomer.page, `“${grid!.community}”的搜索结果`);
      await screenshot(newcomer.page, 'join-search');
      // the community has grids: tapping it opens them
      await tap(newcomer.page, grid!.community, shown(newcomer.page).locator('.place-picker__hits'));
      await see(newcomer.page, '请选择网格');
      await tap(newcomer.page, grid!.name, shown(newcomer.page).locator('.place-picker__chips'));
      await see(newcomer.page, '已选择');
      await tap(newcomer.page, '下一步');
    });

    await step(newcomer, 'the newcomer says their name and address and lands on the resident home', async () => {
      await see(newcomer.page, '您的姓名');
      await see(newcomer.page, grid!.name);
      await shown(newcomer.page).locator('.join__name input').fill(name);
      await shown(newcomer.page).locator('.join__address input').fill('北城社区8号楼1单元302');
      await screenshot(newcomer.page, 'join-profile');
      await tap(newcomer.page, '完成，去点单');
      await newcomer.page.waitForURL((u) => u.hash.includes('/pages/resident/home/index'), { timeout: UI_TIMEOUT });
      await see(newcomer.page, `${name}，您好`);
      await see(newcomer.page, '送医送药');
    });
    const [placed] = await sql<Array<{ id: string; region_id: string; address: string; roles: string[] }>>(
      `SELECT id, region_id, address, roles FROM app_user WHERE phone = $1`,
      [phone],
    );
    expect(placed).toMatchObject({ region_id: grid!.id, address: '北城社区8号楼1单元302', roles: ['resident'] });

    await step(newcomer, 'the newcomer orders at once', async () => {
      await tap(newcomer.page, '送医送药');
      await see(newcomer.page, '提交求助');
      await shown(newcomer.page).locator('.order-new__note textarea').fill(note);
      await tap(newcomer.page, '提交求助');
      await see(newcomer.page, '待接单');
    });

    const gridWorker = await e2e.login(DEMO.gridWorker.phone);
    await step(gridWorker, 'the grid worker of that grid dispatches the newcomer’s order', async () => {
      await see(gridWorker.page, note);
      await tap(gridWorker.page, note);
      await see(gridWorker.page, '推荐人选（由高到低）');
      await see(gridWorker.page, name);
      await tap(gridWorker.page, `派给${DEMO.volunteer.name}`);
      await see(gridWorker.page, '已派单');
    });
    const [dispatched] = await sql<Array<{ status: string; dispatched_to: string }>>(
      `SELECT o.status, v.phone AS dispatched_to FROM service_order o JOIN app_user v ON v.id = o.dispatched_to_user_id WHERE o.resident_id = $1`,
      [placed!.id],
    );
    expect(dispatched).toEqual({ status: 'dispatched', dispatched_to: DEMO.volunteer.phone });

    await step(newcomer, 'the newcomer applies to be a volunteer', async () => {
      await newcomer.page.goto('/#/pages/me/index');
      // a NutUI cell takes the pointer over its title: press the cell itself
      await shown(newcomer.page).locator('.me__volunteer').click();
      await see(newcomer.page, '我能做的服务（可多选）');
      await tap(newcomer.page, '送医送药', shown(newcomer.page).locator('.volunteer-apply__form'));
      await tap(newcomer.page, '周六');
      await tap(newcomer.page, '上午 8–12 点');
      await shown(newcomer.page).locator('.volunteer-apply__note textarea').fill('退休护士，周末有空');
      await screenshot(newcomer.page, 'volunteer-apply');
      await tap(newcomer.page, '提交申请');
      await see(newcomer.page, '我的志愿者申请：待审核');
    });
    const [pending] = await sql<Array<{ status: string; skills: string[]; availability: unknown }>>(
      `SELECT status, skills, availability FROM application WHERE applicant_id = $1`,
      [placed!.id],
    );
    expect(pending).toEqual({ status: 'pending', skills: ['medicine_delivery'], availability: [{ weekday: 6, start: '08:00', end: '12:00' }] });

    await step(gridWorker, 'the grid worker approves it on the approvals page', async () => {
      await gridWorker.page.goto('/#/pages/dispatch/board/index');
      await tap(gridWorker.page, '审核申请');
      await see(gridWorker.page, name);
      await see(gridWorker.page, '退休护士，周末有空');
      await screenshot(gridWorker.page, 'dispatch-applications');
      const card = shown(gridWorker.page).locator('.application-card').filter({ hasText: name });
      await tap(gridWorker.page, '批准', card);
      // Taro's showModal sits outside the page
      await seeAnywhere(gridWorker.page, `批准后${name}将成为志愿者，可以接单。`);
      await gridWorker.page.locator('.taro-modal__foot').getByText('批准', { exact: true }).click();
      await card.waitFor({ state: 'detached' });
    });
    const [approved] = await sql<Array<{ roles: string[]; skills: string[] }>>(`SELECT roles, skills FROM app_user WHERE id = $1`, [placed!.id]);
    expect(approved).toEqual({ roles: ['resident', 'volunteer'], skills: ['medicine_delivery'] });
    const audit = await sql<Array<{ action: string }>>(`SELECT action FROM audit_log WHERE subject_id = $1 AND action = 'application.approve'`, [placed!.id]);
    expect(audit).toHaveLength(1);

    await step(newcomer, 'the newcomer now holds the volunteer role in 我的', async () => {
      await newcomer.page.goto('/#/pages/me/index');
      await see(newcomer.page, '志愿者');
      await see(newcomer.page, '我的身份（点击切换）');
    });
  });
  it('a resident edits their profile and asks to move; the grid worker declines with a reason, which the resident reads', async () => {
    const [home] = await sql<Array<{ community: string }>>(
      `SELECT c.name AS community FROM app_user u JOIN region r ON r.id = u.region_id JOIN region c ON c.id = r.parent_id WHERE u.phone = $1`,
      [DEMO.resident.phone],
    );
    const resident = await e2e.login(DEMO.resident.phone);
    await step(resident, 'the resident changes their address', async () => {
      await see(resident.page, `${DEMO.resident.name}，您好`);
      await resident.page.goto('/#/pages/me/index');
      await shown(resident.page).locator('.me__edit').click();
      await see(resident.page, '所在网格');
      await shown(resident.page).locator('.profile__address input').fill('北城社区3号楼2单元402');
      await tap(resident.page, '保存');
      await seeAnywhere(resident.page, '已保存');
    });
    const [saved] = await sql<Array<{ address: string }>>(`SELECT address FROM app_user WHERE phone = $1`, [DEMO.resident.phone]);
    expect(saved!.address).toBe('北城社区3号楼2单元402');

    await step(resident, 'the resident asks to move to another grid of the community', async () => {
      await tap(resident.page, '申请迁移');
      await shown(resident.page).locator('.profile__moving .place-picker__search input').fill('第二网格');
      await shown(resident.page)
        .locator('.place-picker__hit')
        .filter({ hasText: `${home!.community} › 第二网格` })
        .first()
        .click();
      await see(resident.page, '已选择');
      await shown(resident.page).locator('.profile__moving .profile__input input').fill('北城社区12号楼1单元101');
      await shown(resident.page).locator('.profile__moving textarea').fill('搬到女儿家住');
      await screenshot(resident.page, 'profile-move');
      await tap(resident.page, '提交迁移申请');
      await see(resident.page, '迁移申请：待审核');
    });

    const gridWorker = await e2e.login(DEMO.gridWorker.phone);
    await step(gridWorker, 'the grid worker declines it with a reason', async () => {
      await tap(gridWorker.page, '审核申请');
      const card = shown(gridWorker.page).locator('.application-card').filter({ hasText: DEMO.resident.name });
      await card.waitFor({ state: 'visible' });
      await tap(gridWorker.page, '不通过', card);
      await card.locator('.application-card__reason textarea').fill('请先到社区办理居住登记');
      await tap(gridWorker.page, '确认不通过', card);
      await card.waitFor({ state: 'detached' });
    });

    await step(resident, 'the resident reads why', async () => {
      await resident.page.reload();
      await see(resident.page, '迁移申请：未通过');
      await see(resident.page, '未通过的原因：请先到社区办理居住登记');
    });
    const [after] = await sql<Array<{ address: string; place: string }>>(
      `SELECT u.address, r.name AS place FROM app_user u JOIN region r ON r.id = u.region_id WHERE u.phone = $1`,
      [DEMO.resident.phone],
    );
    expect(after).toEqual({ address: '北城社区3号楼2单元402', place: '第一网格' });
  });
});
