import path from 'node:path';
import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { pngBytes } from './support/png';
import { tempDir } from '../support/tmp';
import { DEMO, UI_TIMEOUT, see, seeAnywhere, screenshot, shown, startE2E, step, tap, type E2E, type Person } from './support/harness';

// Real server, real database, real browser, several people at once: minutes on a busy 2-core machine.
jest.setTimeout(300_000);

/**
 * The product end to end, as the people in the issue use it, each on a phone of their own (a browser context at
 * 375×812): what they see is asserted, not only what the API answers. Screens of each role are saved into
 * docs/screenshots/ for the README.
 */
describe('帮帮团 in a real browser: 点单 → 派单 → 接单 → 签到 → 完成 → 评价', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const sql = <T>(query: string, params: unknown[] = []) => e2e.database.db.query<T>(query, params);

  /** Volunteers of the demo are on duty only inside their weekly roster; the suite runs at any hour. */
  async function availableAnyTime(phone: string): Promise<void> {
    await sql(`UPDATE app_user SET on_duty = true, roster = NULL WHERE phone = $1`, [phone]);
  }

  it('a resident orders in three taps; the staff see it with the engine’s suggestions and dispatch it; the volunteer accepts, checks in and completes with a photo; the resident confirms and rates', async () => {
    await availableAnyTime(DEMO.volunteer.phone);
    const [resident, gridWorker, volunteer, dispatcher] = await Promise.all([
      e2e.login(DEMO.resident.phone),
      e2e.login(DEMO.gridWorker.phone),
      e2e.login(DEMO.volunteer.phone, { geolocation: { latitude: 40.8967, longitude: 107.1478 } }),
      e2e.login(DEMO.dispatcher.phone),
    ]);

    // 点单: the home's big tiles (tap 1: the service), 提交求助 (tap 2)
    const note = `帮我去医院拿降压药 ${Date.now() % 100000}`;
    await step(resident, 'the resident orders', async () => {
      await see(resident.page, `${DEMO.resident.name}，您好`);
      await see(resident.page, '送医送药');
      await screenshot(resident.page, 'resident-home');
      await tap(resident.page, '送医送药');
      await see(resident.page, '提交求助');
      await shown(resident.page).locator('.order-new__note textarea').fill(note);
      await screenshot(resident.page, 'resident-order-new');
      await tap(resident.page, '提交求助');
      // the order's own page: its status and where it is
      await see(resident.page, '正在为您安排志愿者，请稍等');
      await see(resident.page, '待接单');
    });

    // 派单: the grid worker's board lists it; its page shows the engine's candidates with their reasons
    await step(gridWorker, 'the grid worker dispatches', async () => {
      await gridWorker.page.reload();
      await see(gridWorker.page, note);
      await screenshot(gridWorker.page, 'dispatch-board');
      await tap(gridWorker.page, note);
      await see(gridWorker.page, '推荐人选（由高到低）');
      await see(gridWorker.page, DEMO.volunteer.name);
      await see(gridWorker.page, '同网格');
      await screenshot(gridWorker.page, 'dispatch-candidates');
      await tap(gridWorker.page, `派给${DEMO.volunteer.name}`);
      await see(gridWorker.page, '已派单');
    });

    // the banner's dispatcher sees the order of her jurisdiction on her board too, and the figures as charts
    await step(dispatcher, 'the dispatcher sees it and the statistics', async () => {
      await tap(dispatcher.page, '已派单', shown(dispatcher.page).locator('.nut-tabs'));
      await see(dispatcher.page, note);
      await screenshot(dispatcher.page, 'dispatcher-board');
      await tap(dispatcher.page, '统计');
      await see(dispatcher.page, '各状态需求');
      await see(dispatcher.page, '服务居民（人）');
      // the charts are drawn (a canvas per chart, not an empty box)
      await shown(dispatcher.page).locator('canvas').first().waitFor({ state: 'visible' });
      expect(await shown(dispatcher.page).locator('canvas').count()).toBeGreaterThanOrEqual(3);
      await screenshot(dispatcher.page, 'dispatch-stats');
    });

    // 接单 → 签到 → 完成: from 我的任务; the resident's phone is shown once the order is his
    await step(volunteer, 'the volunteer accepts, checks in and completes', async () => {
      await see(volunteer.page, '附近待接的需求（由近到远）');
      await screenshot(volunteer.page, 'volunteer-hall');
      await tap(volunteer.page, '我的任务');
      await see(volunteer.page, note);
      await tap(volunteer.page, note);
      await see(volunteer.page, '接单后可查看居民的电话和详细地址。');
      await tap(volunteer.page, '接单');
      await see(volunteer.page, DEMO.resident.phone);
      await see(volunteer.page, '拨打电话');
      await screenshot(volunteer.page, 'volunteer-task');
      await tap(volunteer.page, '到达签到');
      await see(volunteer.page, '完成服务');
      await tap(volunteer.page, '完成服务');
      await shown(volunteer.page).locator('.volunteer-task__note textarea').fill('药已送到，叮嘱按时服用');
      const photo = path.join(tempDir('e2e-photo'), 'door.png');
      writeFileSync(photo, pngBytes());
      const chooser = volunteer.page.waitForEvent('filechooser');
      await tap(volunteer.page, '＋ 拍照/选图');
      await (await chooser).setFiles(photo);
      // the photo is uploaded and shown before the completion is sent
      await shown(volunteer.page).locator('.staff-photo img').first().waitFor({ state: 'visible' });
      await screenshot(volunteer.page, 'volunteer-complete');
      await tap(volunteer.page, '提交完成');
      await see(volunteer.page, '待确认');
      await see(volunteer.page, '药已送到，叮嘱按时服用');
    });
    const stored = await sql<Array<{ photo_urls: string[] }>>(
      `SELECT a.photo_urls FROM order_assignment a JOIN service_order o ON o.id = a.order_id WHERE o.description = $1`,
      [note],
    );
    expect(stored[0]?.photo_urls).toEqual([expect.stringMatching(/^\/api\/v1\/uploads\/[0-9a-f-]{36}\.png$/)]);
    const served = await fetch(`${e2e.url}${stored[0]!.photo_urls[0]}`);
    expect(served.headers.get('content-type')).toBe('image/png');

    // 评价: the resident's page follows the order live; the volunteer's note and photo are there
    await step(resident, 'the resident confirms and rates', async () => {
      await see(resident.page, '服务已完成，请您确认并评价', 30_000);
      await see(resident.page, '药已送到，叮嘱按时服用');
      await shown(resident.page).locator('.resident-order__photo').first().waitFor({ state: 'visible' });
      await screenshot(resident.page, 'resident-order-completed');
      await tap(resident.page, '确认并评价');
      await seeAnywhere(resident.page, '服务满意吗？');
      await tap(resident.page, '确定', resident.page.locator('.order-actions__dialog'));
      await see(resident.page, '服务已完成，感谢您的评价');
      await see(resident.page, '已完成');
      await see(resident.page, '我的评价');
    });
    // the volunteer's record counts the service the resident just confirmed
    await step(volunteer, 'the volunteer reads the service record', async () => {
      await volunteer.page.goto(`${e2e.url}/#/pages/volunteer/record/index`);
      await see(volunteer.page, '服务时长（小时）');
      await see(volunteer.page, '已完成的服务');
      await see(volunteer.page, note);
      await screenshot(volunteer.page, 'volunteer-record');
    });
    const [closed] = await sql<Array<{ status: string; rating: number }>>(`SELECT status, rating FROM service_order WHERE description = $1`, [note]);
    expect(closed).toEqual({ status: 'closed', rating: 5 });
    for (const p of [resident, gridWorker, volunteer, dispatcher]) expect(p.problems).toEqual([]);
    await Promise.all([resident, gridWorker, volunteer, dispatcher].map((p) => p.context.close()));
  });

  it('a grid worker orders on behalf of an elderly resident picked from the ledger (代下单)', async () => {
    const [elder] = await sql<Array<{ name: string; phone: string }>>(
      `SELECT r.name, r.phone FROM app_user r JOIN app_user g ON g.region_id = r.region_id AND g.phone = $1
        WHERE 'resident' = ANY(r.roles) AND 'elderly' = ANY(r.tags) AND r.phone <> $2 ORDER BY r.name LIMIT 1`,
      [DEMO.gridWorker.phone, DEMO.resident.phone],
    );
    expect(elder).toBeDefined();
    const gridWorker = await e2e.login(DEMO.gridWorker.phone);
    await step(gridWorker, 'the proxy order', async () => {
      await tap(gridWorker.page, '代居民下单');
      await see(gridWorker.page, '选择要代为下单的居民（重点人员在前）。');
      await shown(gridWorker.page).locator('.proxy-order__search input').fill(elder!.name);
      const card = shown(gridWorker.page).locator('.proxy-order__resident', { hasText: elder!.name }).first();
      await card.waitFor({ state: 'visible' });
      expect(await card.innerText()).toContain('高龄老人');
      await screenshot(gridWorker.page, 'dispatch-proxy-ledger');
      await card.click();
      await see(gridWorker.page, '为这位居民下单');
      await tap(gridWorker.page, '助餐送餐', shown(gridWorker.page).locator('.service-tiles'));
      await shown(gridWorker.page).locator('.proxy-order__note textarea').fill('老人来电：中午送一份午饭');
      await tap(gridWorker.page, '提交：助餐送餐');
      // the new order's page: the elder's order, placed by phone, waiting for someone
      await see(gridWorker.page, '老人来电：中午送一份午饭');
      await see(gridWorker.page, elder!.name);
      await see(gridWorker.page, '待接单');
      await screenshot(gridWorker.page, 'dispatch-proxy-order');
    });
    const [order] = await sql<Array<{ channel: string; requester: string; resident: string }>>(
      `SELECT o.channel, q.name AS requester, r.name AS resident FROM service_order o
         JOIN app_user q ON q.id = o.requester_id JOIN app_user r ON r.id = o.resident_id
        WHERE o.description = '老人来电：中午送一份午饭'`,
    );
    expect(order).toEqual({ channel: 'phone', requester: DEMO.gridWorker.name, resident: elder!.name });
    expect(gridWorker.problems).toEqual([]);
    await gridWorker.context.close();
  });

  it('two volunteers press 接单 on the same order at once: one gets it, the other is told 「该需求已被接单」', async () => {
    // a second volunteer of the same grid with a skill in common, on duty like the first
    const [other] = await sql<Array<{ name: string; phone: string; skill: string }>>(
      `SELECT v.name, v.phone, s.skill FROM app_user v JOIN app_user l ON l.region_id = v.region_id AND l.phone = $1
         CROSS JOIN LATERAL unnest(v.skills) AS s(skill)
        WHERE 'volunteer' = ANY(v.roles) AND v.phone <> l.phone AND NOT ('grid_worker' = ANY(v.roles)) AND s.skill = ANY(l.skills)
        ORDER BY v.name LIMIT 1`,
      [DEMO.volunteer.phone],
    );
    expect(other).toBeDefined();
    await availableAnyTime(DEMO.volunteer.phone);
    await availableAnyTime(other!.phone);
    const [category] = await sql<Array<{ name: string }>>(`SELECT name FROM service_category WHERE code = $1`, [other!.skill]);
    // the resident's order, placed as the app does
    const login = await fetch(`${e2e.url}/api/v1/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: DEMO.resident.phone }),
    });
    const { token } = (await login.json()) as { token: string };
    const description = `抢单测试 ${Date.now() % 100000}`;
    const created = await fetch(`${e2e.url}/api/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ categoryCode: other!.skill, description, urgency: 'urgent' }),
    });
    expect(created.status).toBe(201);

    const [first, second] = await Promise.all([e2e.login(DEMO.volunteer.phone), e2e.login(other!.phone)]);
    // the button itself: NutUI's <taro-button-core> takes the pointer over the text inside it
    const acceptButton = (p: Page) => shown(p).locator('.staff-card', { hasText: description }).locator('.volunteer-hall__accept');
    await Promise.all(
      [first, second].map((p) =>
        step(p, 'the hall shows the order', async () => {
          await see(p.page, description);
          await see(p.page, category!.name);
          await acceptButton(p.page).waitFor({ state: 'visible' });
        }),
      ),
    );
    await screenshot(second.page, 'volunteer-hall-race');
    // both press at the same moment
    await Promise.all([acceptButton(first.page).click(), acceptButton(second.page).click()]);

    // the winner's hall opens the task, now showing the resident's phone; the loser is told in a dialog
    const outcome = (p: Person): Promise<'won' | 'lost'> =>
      Promise.race([seeAnywhere(p.page, '该需求已被接单').then(() => 'lost' as const), see(p.page, DEMO.resident.phone).then(() => 'won' as const)]);
    const results = await Promise.all([first, second].map((p) => step(p, 'the race outcome', () => outcome(p))));
    const loser = results[0] === 'lost' ? first : second; // before sorting: sort() reorders in place
    expect([...results].sort()).toEqual(['lost', 'won']);
    await screenshot(loser.page, 'volunteer-race-lost');
    // the loser's hall no longer offers it; the dialog (Taro's showModal) sits outside the page
    await tap(loser.page, '知道了', loser.page.locator('body'));
    await shown(loser.page).getByText(description).waitFor({ state: 'hidden' });
    const [row] = await sql<Array<{ holders: number }>>(
      `SELECT count(*)::int AS holders FROM order_assignment a JOIN service_order o ON o.id = a.order_id WHERE o.description = $1 AND a.state = 'accepted'`,
      [description],
    );
    expect(row!.holders).toBe(1);
    await Promise.all([first, second].map((p) => p.context.close()));
  });

  it('a person with several roles switches between them in 我的 and is remembered (网格员 ⇄ 志愿者)', async () => {
    const gridWorker = await e2e.login(DEMO.gridWorker.phone);
    await step(gridWorker, 'the role switch', async () => {
      // a grid worker's home is the dispatch board
      await see(gridWorker.page, '一键派单');
      await tap(gridWorker.page, '我的');
      await see(gridWorker.page, '我的身份（点击切换）');
      await screenshot(gridWorker.page, 'me-roles');
      // the whole cell is the button (NutUI's cell takes the pointer over its title)
      await shown(gridWorker.page).locator('.me__role--volunteer').click();
      // the volunteer's home: the task hall with the duty switch
      await see(gridWorker.page, '附近待接的需求（由近到远）');
      await gridWorker.page.reload();
      await see(gridWorker.page, '附近待接的需求（由近到远）');
      // and back
      await gridWorker.page.goto(`${e2e.url}/#/pages/me/index`);
      await shown(gridWorker.page).locator('.me__role--grid_worker').click();
      await see(gridWorker.page, '一键派单');
    });
    expect(gridWorker.problems).toEqual([]);
    await gridWorker.context.close();
  });

  it('the elder-friendly mode (适老化): switched on in 我的, it enlarges the text, and is remembered after a reload', async () => {
    const resident = await e2e.login(DEMO.resident.phone);
    const tileFontSize = () =>
      shown(resident.page)
        .locator('.resident-home__tile-name')
        .first()
        // a function, not a string: a string is evaluated as an expression and never called with the element
        .evaluate((el) => parseFloat(String((globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(el).fontSize)));
    await step(resident, 'the elder mode', async () => {
      await see(resident.page, '送医送药');
      const before = await tileFontSize();
      await resident.page.goto(`${e2e.url}/#/pages/me/index`);
      await see(resident.page, '适老化模式');
      await shown(resident.page).locator('.me__elder .nut-switch').click();
      await shown(resident.page).locator('.app-page--elder').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await screenshot(resident.page, 'me-elder-mode');
      await resident.page.goto(`${e2e.url}/#/pages/resident/home/index`);
      await resident.page.reload();
      await see(resident.page, '送医送药');
      const after = await tileFontSize();
      expect(after).toBeGreaterThan(before * 1.15);
      // fewer choices: the first services, the rest one tap away
      await see(resident.page, /更多服务（共 \d+ 项）/);
      await screenshot(resident.page, 'resident-home-elder');
    });
    expect(resident.problems).toEqual([]);
    await resident.context.close();
  });
});
