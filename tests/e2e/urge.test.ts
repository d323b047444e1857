import { DEMO, see, seeAnywhere, shown, startE2E, step, tap, type E2E } from './support/harness';

jest.setTimeout(300_000);

/**
 * Issue 20, item 7, in a real browser: a resident who orders the same service again is not given a second order
 * card but shown the first (「您已有一个送医送药的需求正在办理」), taps 催一下 there, and the order shows it was heard;
 * the grid worker's board shows 「催办 1 次」.
 */
describe('a repeat becomes 催一下 on the first order', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('orders, orders the same again, sees the dialog, urges, and the order shows as urged', async () => {
    // the demo story may have left her a 送医送药 order open: the test starts from none
    await e2e.database.db.query(
      `UPDATE service_order o SET status = 'cancelled' FROM app_user u
       WHERE u.id = o.resident_id AND u.phone = $1 AND o.category_code = 'medicine_delivery' AND o.status IN ('pending', 'dispatched', 'accepted', 'in_service')`,
      [DEMO.resident.phone],
    );
    const resident = await e2e.login(DEMO.resident.phone);
    const note = `帮我去医院拿降压药 ${Date.now() % 100000}`;
    await step(resident, 'the first order', async () => {
      await tap(resident.page, '送医送药');
      await see(resident.page, '提交求助');
      await shown(resident.page).locator('.order-new__note textarea').fill(note);
      await tap(resident.page, '提交求助');
      await see(resident.page, '正在为您安排志愿者，请稍等');
    });

    await step(resident, 'the same service again', async () => {
      // the order form of the same service again, afresh (as from the home's tile)
      await resident.page.goto(`${e2e.url}/#/pages/resident/order-new/index?code=medicine_delivery`);
      await resident.page.reload();
      await see(resident.page, '提交求助');
      await shown(resident.page).locator('.order-new__note textarea').fill('药快吃完了，麻烦快点');
      await tap(resident.page, '提交求助');
      // not a second card: the first one, to look at or to urge (Taro's showModal sits outside the page)
      await seeAnywhere(resident.page, /您已有一个送医送药的需求正在办理/);
      await tap(resident.page, '催一下', resident.page.locator('.taro-modal__foot'));
      await seeAnywhere(resident.page, '已催办，工作人员会尽快安排。');
      await tap(resident.page, '知道了', resident.page.locator('.taro-modal__foot'));
      // the first order's page: urged, on its timeline too
      await see(resident.page, '已催办，工作人员会尽快安排');
      await see(resident.page, note);
      await see(resident.page, '催了一下');
      await see(resident.page, '紧急');
    });
    const [row] = await e2e.database.db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM service_order o JOIN app_user u ON u.id = o.resident_id
       WHERE u.phone = $1 AND o.category_code = 'medicine_delivery' AND o.status = 'pending'`,
      [DEMO.resident.phone],
    );
    expect(row?.n).toBe(1);
    expect(resident.problems).toEqual([]);

    // the grid worker's board: the order, and how many times it was urged
    const gridWorker = await e2e.login(DEMO.gridWorker.phone);
    await step(gridWorker, 'the board shows the urge', async () => {
      await see(gridWorker.page, note);
      await see(gridWorker.page, '催办 1 次');
    });
    expect(gridWorker.problems).toEqual([]);
  });
});
