import { DEMO, screenshot, see, shown, startE2E, step, tap, type E2E } from './support/harness';

jest.setTimeout(300_000);

/**
 * Issue 22, item 1, in a real browser: the demo's paired cadre (包联), grid worker 王建军, sees this week's visits
 * with 孙桂兰 (独居·高龄) among them and the missed one flagged on his board, checks in at her door (the phone's
 * location beside her home), records that she needs her medicine fetched — one step, an order on her behalf — and
 * the banner's dispatcher finds that order on her board, its timeline saying a visit found it.
 */
describe('走访: a paired cadre at the door', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('sees this week’s visits, checks in, records a need, and the order appears on the board', async () => {
    const db = e2e.database.db;
    // the demo story may have left her a 送医送药 order open (one open order per service): start from none
    await db.query(
      `UPDATE service_order o SET status = 'cancelled' FROM app_user u
       WHERE u.id = o.resident_id AND u.phone = $1 AND o.category_code = 'medicine_delivery' AND o.status IN ('pending', 'dispatched', 'accepted', 'in_service')`,
      [DEMO.resident.phone],
    );
    const [home] = await db.query<Array<{ lat: number; lng: number }>>(`SELECT location_lat AS lat, location_lng AS lng FROM app_user WHERE phone = $1`, [
      DEMO.resident.phone,
    ]);
    // his phone at her door
    const cadre = await e2e.login(DEMO.gridWorker.phone, { geolocation: { latitude: home!.lat, longitude: home!.lng } });
    const need = `降压药快吃完了，帮忙到卫生院取药 ${Date.now() % 100000}`;

    await step(cadre, 'the board flags the missed visit; 我的走访 lists hers', async () => {
      await see(cadre.page, /逾期未走访 1 户/);
      await screenshot(cadre.page, 'visits-board-flag');
      await tap(cadre.page, '我的走访');
      await see(cadre.page, DEMO.resident.name);
      await see(cadre.page, '独居老人');
      await see(cadre.page, '杭锦后旗陕坝镇北城社区3号楼2单元401');
      await screenshot(cadre.page, 'visits-mine');
      await tap(cadre.page, DEMO.resident.name);
    });

    await step(cadre, 'checks in at her door', async () => {
      await tap(cadre.page, '到门口了，签到');
      await see(cadre.page, /签到 · 距居民家 \d+ 米/);
      await see(cadre.page, '走访记录');
      // the 「已签到」 toast gone before the form's picture
      await cadre.page
        .locator('.taro__toast')
        .first()
        .waitFor({ state: 'hidden', timeout: 5_000 })
        .catch(() => undefined);
      // (a toast that outstayed its time is not part of the screen; a string: the tests are compiled without the DOM's types)
      await cadre.page.evaluate(`document.querySelectorAll('.taro__toast').forEach((el) => { el.style.display = 'none'; })`);
    });

    await step(cadre, 'records how she is; the form refuses a missing choice beside its field', async () => {
      await tap(cadre.page, '提交走访记录');
      await see(cadre.page, '必填');
      await tap(cadre.page, '需要关注');
      await shown(cadre.page).locator('.visit__note textarea').fill('腿脚不便，药快吃完了');
      await tap(cadre.page, '发现需求，代居民下单');
      await tap(cadre.page, '送医送药');
      await shown(cadre.page).locator('.visit__need-description textarea').fill(need);
      await tap(cadre.page, '紧急');
      await screenshot(cadre.page, 'visit-record');
      await tap(cadre.page, '提交记录并代为下单：送医送药');
      await see(cadre.page, /已走访/);
      await see(cadre.page, '查看代下的需求');
    });

    const [visit] = await db.query<Array<{ condition: string; order_id: string; far_check_in: boolean }>>(
      `SELECT v.condition, v.order_id, v.far_check_in FROM visit v JOIN app_user u ON u.id = v.household_id
       WHERE u.phone = $1 AND v.done_at IS NOT NULL ORDER BY v.done_at DESC LIMIT 1`,
      [DEMO.resident.phone],
    );
    expect(visit).toMatchObject({ condition: 'attention', far_check_in: false, order_id: expect.any(String) });
    const [order] = await db.query<Array<{ status: string; channel: string; description: string; urgency: string }>>(
      `SELECT status, channel, description, urgency FROM service_order WHERE id = $1`,
      [visit!.order_id],
    );
    expect(order).toEqual({ status: 'pending', channel: 'walk_in', description: need, urgency: 'urgent' });
    expect(cadre.problems).toEqual([]);

    const dispatcher = await e2e.login(DEMO.dispatcher.phone);
    await step(dispatcher, 'the order waits on the dispatcher’s board, found on a visit', async () => {
      await tap(dispatcher.page, '待接单', shown(dispatcher.page).locator('.nut-tabs'));
      await see(dispatcher.page, need);
      await tap(dispatcher.page, need);
      await see(dispatcher.page, '走访时发现的需求');
    });
    expect(dispatcher.problems).toEqual([]);
  });
});
