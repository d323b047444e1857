import { apiAs, DEMO, UI_TIMEOUT, see, seeAnywhere, screenshot, shown, startE2E, step, tap, type E2E } from './support/harness';

// Real server, real database, real browser: minutes on a busy 2-core machine.
jest.setTimeout(300_000);

/**
 * Issue 18, item 3, as the people in it do it: the grid worker registers an elder who has only a landline, with her
 * daughter's mobile as a family contact, and orders for her (代下单); a volunteer serves it; the daughter logs in
 * with her own phone, finds her mother under 「我的家人」 and confirms the order — not the grid worker who placed it.
 */
describe('an elder without a mobile, her daughter confirming from her own phone', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const sql = <T>(query: string, params: unknown[] = []) => e2e.database.db.query<T>(query, params);

  /** The API as the app calls it, for the steps in the middle (the volunteer's side is covered by flows.test.ts). */
  const api = <T>(phone: string, method: string, path: string, body?: object) => apiAs<T>(e2e.url, phone, method, path, body);

  it('the grid worker registers her with a landline and her daughter, orders for her; the daughter confirms it in the browser', async () => {
    const n = Date.now() % 100000;
    const elder = `其其格${n}`;
    const daughterPhone = `137${String(10000000 + n).slice(-8)}`;

    const gridWorker = await e2e.login(DEMO.gridWorker.phone);
    await step(gridWorker, 'the grid worker registers the elder', async () => {
      await see(gridWorker.page, '登记居民');
      await tap(gridWorker.page, '登记居民');
      await see(gridWorker.page, '没有手机的老人也可以登记');
      const form = shown(gridWorker.page);
      await form.locator('.register-person__name input').fill(elder);
      // a grid worker's place is their grid: already chosen
      await form.locator('.register-person__place--picked').waitFor({ state: 'visible' });
      await form.locator('.register-person__address input').fill('幸福社区5排3号');
      await form.locator('.register-person__landline input').fill('0478-8123456');
      await tap(gridWorker.page, '独居老人');
      await tap(gridWorker.page, '+ 添加一位家属');
      await form.locator('.register-person__family-name input').fill('其其格的女儿');
      await form.locator('.register-person__family-phone input').fill(daughterPhone);
      await screenshot(gridWorker.page, 'dispatch-register-person');
      await tap(gridWorker.page, '保存登记');
      await see(gridWorker.page, `已登记：${elder}`);
      await see(gridWorker.page, /0478-8123456/);
    });
    const [registered] = await sql<Array<{ id: string; phone: string | null; landline: string; tags: string[] }>>(
      `SELECT id, phone, landline, tags FROM app_user WHERE name = $1`,
      [elder],
    );
    expect(registered).toMatchObject({ phone: null, landline: '0478-8123456', tags: ['living_alone'] });
    const contacts = await sql<Array<{ phone: string; relation: string }>>(`SELECT phone, relation FROM family_contact WHERE resident_id = $1`, [
      registered!.id,
    ]);
    expect(contacts).toEqual([{ phone: daughterPhone, relation: 'child' }]);

    await step(gridWorker, 'the grid worker orders for her (代下单)', async () => {
      await tap(gridWorker.page, `为${elder}代下单`);
      await see(gridWorker.page, '为这位居民下单');
      await see(gridWorker.page, elder);
      await tap(gridWorker.page, '送医送药');
      await tap(gridWorker.page, '提交：送医送药');
      await see(gridWorker.page, '派单');
    });
    const [order] = await sql<Array<{ id: string; requester_id: string; channel: string }>>(
      `SELECT o.id, o.requester_id, o.channel FROM service_order o WHERE o.resident_id = $1`,
      [registered!.id],
    );
    expect(order).toBeDefined();

    // the middle steps through the API: dispatched to the demo volunteer, who accepts, checks in and completes
    const volunteer = await sql<Array<{ id: string }>>(`SELECT id FROM app_user WHERE phone = $1`, [DEMO.volunteer.phone]);
    await sql(`UPDATE app_user SET skills = array_append(skills, 'medicine_delivery') WHERE id = $1 AND NOT ('medicine_delivery' = ANY (skills))`, [
      volunteer[0]!.id,
    ]);
    await api(DEMO.gridWorker.phone, 'POST', `/orders/${order!.id}/dispatch`, { assigneeId: volunteer[0]!.id });
    await api(DEMO.volunteer.phone, 'POST', `/orders/${order!.id}/accept`, {});
    await api(DEMO.volunteer.phone, 'POST', `/orders/${order!.id}/check-in`, {});
    await api(DEMO.volunteer.phone, 'POST', `/orders/${order!.id}/complete`, { note: '药已送到，老人说谢谢' });
    // the grid worker who placed it may not confirm it for her
    const refused = await fetch(`${e2e.url}/api/v1/orders/${order!.id}/confirm`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${((await (await fetch(`${e2e.url}/api/v1/auth/dev-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: DEMO.gridWorker.phone }) })).json()) as { token: string }).token}`,
      },
      body: JSON.stringify({ resolved: true, rating: 5 }),
    });
    expect(refused.status).toBe(403);

    const daughter = await e2e.login(daughterPhone);
    await step(daughter, 'the daughter finds her mother under 我的家人 and confirms the order', async () => {
      // she lives elsewhere and has no grid of her own: joining shows her mother first, and lets her go to her
      await daughter.page.waitForURL((u) => u.hash.includes('/pages/join/index'), { timeout: UI_TIMEOUT });
      await see(daughter.page, '您是这些居民的家属联系人');
      await see(daughter.page, '1 个待确认');
      await screenshot(daughter.page, 'family-join');
      await tap(daughter.page, '先看家人的需求');
      await see(daughter.page, '我的家人（查看并确认家人的需求）');
      await see(daughter.page, '1 个待确认');
      await screenshot(daughter.page, 'family-me');
      await see(daughter.page, `${elder}（我是子女）`);
      // the whole cell takes the tap
      await shown(daughter.page).locator('.me__family', { hasText: elder }).click();
      await see(daughter.page, '送医送药');
      await tap(daughter.page, '送医送药');
      await see(daughter.page, '服务已完成，请您确认并评价');
      await see(daughter.page, '药已送到，老人说谢谢');
      await screenshot(daughter.page, 'family-order-completed');
      await tap(daughter.page, '确认并评价');
      await seeAnywhere(daughter.page, '服务满意吗？');
      await tap(daughter.page, '确定', daughter.page.locator('.order-actions__dialog'));
      await see(daughter.page, '服务已完成，感谢您的评价');
    });
    const [closed] = await sql<Array<{ status: string; rating: number }>>(`SELECT status, rating FROM service_order WHERE id = $1`, [order!.id]);
    expect(closed).toEqual({ status: 'closed', rating: 5 });
    const [event] = await sql<Array<{ actor_phone: string; data: { by: string } }>>(
      `SELECT u.phone AS actor_phone, e.data FROM order_event e JOIN app_user u ON u.id = e.actor_id WHERE e.order_id = $1 AND e.type = 'confirm'`,
      [order!.id],
    );
    expect(event).toMatchObject({ actor_phone: daughterPhone, data: { by: 'family' } });
    for (const p of [gridWorker, daughter]) expect(p.problems).toEqual([]);
  });
});
