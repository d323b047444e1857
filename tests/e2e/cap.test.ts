import { callApi, DEMO, devToken, see, seeAnywhere, shown, startE2E, step, tap, type E2E } from './support/harness';

// Real server, real database, real browser: minutes on a busy 2-core machine.
jest.setTimeout(300_000);

/**
 * Issue 20, item 6, as the volunteer meets it: with MATCH_MAX_ACTIVE_TASKS (3) orders in hand, 接单 in the task hall
 * is refused with the reason in words, and the order stays free for someone else.
 */
describe('a volunteer at the cap taps 接单 in the hall', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const sql = <T>(query: string, params: unknown[] = []) => e2e.database.db.query<T>(query, params);

  const tokenOf = (phone: string) => devToken(e2e.url, phone);
  const api = (token: string, method: string, path: string, body?: object) => callApi(e2e.url, token, method, path, body);

  it('is told 「您手上已有 3 个未完成的任务…」 and nothing is taken', async () => {
    // the demo volunteer, available now, and residents of his grid with a phone to log in with
    await sql(`UPDATE app_user SET on_duty = true, roster = NULL WHERE phone = $1`, [DEMO.volunteer.phone]);
    const [volunteer] = await sql<Array<{ id: string; skill: string; region_id: string }>>(
      `SELECT id, skills[1] AS skill, region_id FROM app_user WHERE phone = $1`,
      [DEMO.volunteer.phone],
    );
    const residents = await sql<Array<{ phone: string }>>(
      `SELECT phone FROM app_user WHERE region_id = $1 AND roles = '{resident}' AND phone IS NOT NULL ORDER BY phone LIMIT 4`,
      [volunteer!.region_id],
    );
    expect(residents).toHaveLength(4);
    const held = async () =>
      (
        await sql<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM order_assignment WHERE volunteer_id = $1 AND state IN ('accepted', 'in_service')`, [
          volunteer!.id,
        ])
      )[0]!.n;

    const run = Date.now() % 100000;
    const place = async (phone: string, description: string): Promise<string> => {
      const res = await api(await tokenOf(phone), 'POST', '/orders', { categoryCode: volunteer!.skill, description, urgency: 'normal' });
      expect(res.status).toBe(201);
      return (res.json as { id: string }).id;
    };
    // up to the cap through the API, as if taken on other days
    const volunteerToken = await tokenOf(DEMO.volunteer.phone);
    for (let i = 0; (await held()) < 3; i += 1) {
      const id = await place(residents[i]!.phone, `已接的需求 ${run}-${i}`);
      expect((await api(volunteerToken, 'POST', `/orders/${id}/accept`, {})).status).toBe(200);
    }
    const inHand = await held();
    const description = `满额测试 ${run}`;
    const id = await place(residents[3]!.phone, description);

    const v = await e2e.login(DEMO.volunteer.phone);
    const acceptButton = shown(v.page).locator('.staff-card', { hasText: description }).locator('.volunteer-hall__accept');
    await step(v, 'the hall offers the order', async () => {
      await see(v.page, description);
      await acceptButton.waitFor({ state: 'visible' });
    });
    await step(v, 'he taps 接单 and is refused with the reason', async () => {
      await acceptButton.click();
      await seeAnywhere(v.page, `您手上已有 ${inHand} 个未完成的任务，请先完成或退单后再接新的。`);
      await tap(v.page, '知道了', v.page.locator('body'));
    });
    const [row] = await sql<Array<{ status: string; accepted_count: number }>>(`SELECT status, accepted_count FROM service_order WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'pending', accepted_count: 0 });
    expect(await held()).toBe(inHand);
    await v.context.close();
  });
});
