import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { creditPoints } from '../../server/src/modules/points/ledger';
import { tempDir, waitFor } from '../support/tmp';
import { pngBytes } from './support/png';
import { DEMO, screenshot, see, seeAnywhere, shown, startE2E, step, tap, type E2E } from './support/harness';

jest.setTimeout(300_000);

/**
 * Issue 22, item 3, in a real browser: the demo volunteer opens 我的积分 from 我的 and sees his balance and history,
 * redeems 洗衣液 in his community's 积分超市, and the banner's dispatcher confirms the handover (核销) in 管理 →
 * 兑换核销; each step read back from the database.
 */
describe('a volunteer redeems points and staff confirm the handover', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const sql = <T>(q: string, p: unknown[] = []) => e2e.database.db.query<T[]>(q, p);

  it('sees points, redeems an item, and the dispatcher hands it over', async () => {
    // his confirmed demo orders earned him some points; a project (双报到) more, through the same ledger
    const [me] = await sql<{ id: string; region_id: string }>(`SELECT id, region_id FROM app_user WHERE phone = $1`, [DEMO.volunteer.phone]);
    await e2e.database.db.transaction((m) =>
      creditPoints(m, { userId: me!.id, amount: 200, kind: 'project', sourceId: randomUUID(), regionId: me!.region_id, note: '清理小区楼道', at: new Date() }),
    );
    const [{ balance }] = (await sql<{ balance: number }>(`SELECT balance FROM points_balance WHERE user_id = $1`, [me!.id])) as [{ balance: number }];

    const volunteer = await e2e.login(DEMO.volunteer.phone);
    await step(volunteer, '我的积分 from 我的', async () => {
      await tap(volunteer.page, '我的');
      await shown(volunteer.page).locator('.me__points').click();
      await see(volunteer.page, `积分余额 ${balance} 分`);
      await see(volunteer.page, '参加项目 · 清理小区楼道');
      await see(volunteer.page, '+200');
      // the demo's towel waits to be collected
      await see(volunteer.page, '待领取的兑换');
      await screenshot(volunteer.page, 'points-mine');
    });

    await step(volunteer, 'redeems 洗衣液 in the 积分超市', async () => {
      await tap(volunteer.page, '积分超市');
      await see(volunteer.page, '北城社区 · 积分超市');
      await see(volunteer.page, `我的积分：${balance} 分`);
      await screenshot(volunteer.page, 'points-shop');
      const item = shown(volunteer.page).locator('.points-item').filter({ hasText: '洗衣液' });
      await tap(volunteer.page, '兑换', item);
      await seeAnywhere(volunteer.page, '用 80 积分兑换「洗衣液」？兑换后请到北城社区领取。');
      await tap(volunteer.page, '兑换', volunteer.page.locator('.taro-modal__foot'));
      await seeAnywhere(volunteer.page, /请到北城社区领取「洗衣液」/);
      await tap(volunteer.page, '知道了', volunteer.page.locator('.taro-modal__foot'));
      await see(volunteer.page, `我的积分：${balance - 80} 分`);
    });
    const [pending] = await sql<{ id: string; status: string; price: number }>(
      `SELECT r.id, r.status, r.price FROM points_redemption r JOIN points_shop_item i ON i.id = r.item_id WHERE r.user_id = $1 AND i.name = '洗衣液'`,
      [me!.id],
    );
    expect(pending).toMatchObject({ status: 'pending', price: 80 });
    expect(volunteer.problems).toEqual([]);

    const dispatcher = await e2e.login(DEMO.dispatcher.phone);
    await step(dispatcher, '管理 → 兑换核销 → 核销', async () => {
      await dispatcher.page.goto(`${e2e.url}/#/pages/me/index`);
      await shown(dispatcher.page).locator('.me__manage').click();
      await shown(dispatcher.page).locator('.manage-hub__tile--redemptions').click();
      const card = shown(dispatcher.page)
        .locator('.manage-redemption')
        .filter({ hasText: `${DEMO.volunteer.name} · 洗衣液` });
      await card.waitFor({ state: 'visible' });
      await screenshot(dispatcher.page, 'manage-redemptions');
      await tap(dispatcher.page, '核销', card);
      await seeAnywhere(dispatcher.page, `确认已把「洗衣液」交给${DEMO.volunteer.name}？`);
      await tap(dispatcher.page, '已交付', dispatcher.page.locator('.taro-modal__foot'));
      await card.waitFor({ state: 'detached' });
    });
    const [handed] = await sql<{ status: string; decider: string }>(
      `SELECT r.status, d.name AS decider FROM points_redemption r JOIN app_user d ON d.id = r.decided_by WHERE r.id = $1`,
      [pending!.id],
    );
    expect(handed).toEqual({ status: 'handed_over', decider: DEMO.dispatcher.name });
    expect(dispatcher.problems).toEqual([]);

    await step(volunteer, '爱心榜 of his grid and community', async () => {
      await volunteer.page.goto(`${e2e.url}/#/pages/points/ranking/index`);
      await volunteer.page.reload();
      await see(volunteer.page, /本月爱心榜/);
      await see(volunteer.page, `${DEMO.volunteer.name}（我）`);
      await tap(volunteer.page, '本社区');
      await see(volunteer.page, '北城社区 · 本月爱心榜');
      await screenshot(volunteer.page, 'points-ranking');
    });

    await step(volunteer, 'the history shows the redemption', async () => {
      await volunteer.page.goto(`${e2e.url}/#/pages/points/index/index`);
      await volunteer.page.reload();
      await see(volunteer.page, '积分兑换 · 洗衣液');
      await see(volunteer.page, '-80');
    });
  });

  it('the dispatcher puts an item on the shelf with a picture, and the volunteer sees it in the shop', async () => {
    const name = `挂面 2 斤 ${Date.now() % 10000}`;
    const picture = path.join(tempDir('e2e-shop'), 'rice.png');
    writeFileSync(picture, pngBytes());

    const dispatcher = await e2e.login(DEMO.dispatcher.phone);
    await step(dispatcher, '管理 → 积分超市: picks 北城社区 and puts 挂面 on the shelf with a photo', async () => {
      await dispatcher.page.goto(`${e2e.url}/#/pages/me/index`);
      await shown(dispatcher.page).locator('.me__manage').click();
      await shown(dispatcher.page).locator('.manage-hub__tile--shop-items').click();
      await shown(dispatcher.page).locator('.place-picker__search input').fill('北城社区');
      await tap(dispatcher.page, '北城社区', shown(dispatcher.page).locator('.place-picker__hits'));
      await see(dispatcher.page, '上架新商品');
      await shown(dispatcher.page).locator('.manage-shop-items__name input').fill(name);
      await shown(dispatcher.page).locator('.manage-shop-items__price input').fill('120');
      await shown(dispatcher.page).locator('.manage-shop-items__stock input').fill('10');
      const chooser = dispatcher.page.waitForEvent('filechooser');
      await tap(dispatcher.page, '＋ 拍照/选图');
      await (await chooser).setFiles(picture);
      // uploaded and shown before the item is sent
      await shown(dispatcher.page).locator('.manage-shop-items__picture img').waitFor({ state: 'visible' });
      await screenshot(dispatcher.page, 'manage-shop-item-picture');
      await shown(dispatcher.page).locator('.manage-shop-items__submit').click();
      await seeAnywhere(dispatcher.page, '已上架');
      const card = shown(dispatcher.page).locator('.manage-shop-item').filter({ hasText: name });
      await card.locator('.manage-shop-item__picture img').waitFor({ state: 'visible' });
    });
    const [item] = await sql<{ picture_url: string | null; price: number; stock: number }>(
      `SELECT picture_url, price, stock FROM points_shop_item WHERE name = $1`,
      [name],
    );
    expect(item).toMatchObject({ price: 120, stock: 10 });
    expect(item!.picture_url).toMatch(/^\/api\/v1\/uploads\/[\w.-]+$/);
    expect(dispatcher.problems).toEqual([]);

    const volunteer = await e2e.login(DEMO.volunteer.phone);
    await step(volunteer, 'the 积分超市 shows the new item with its picture', async () => {
      await volunteer.page.goto(`${e2e.url}/#/pages/points/shop/index`);
      const shelf = shown(volunteer.page).locator('.points-item').filter({ hasText: name });
      await shelf.waitFor({ state: 'visible' });
      const img = shelf.locator('.points-item__picture img');
      await img.waitFor({ state: 'visible' });
      // the picture really loads (served by the uploads route), not a broken image
      await waitFor(() => img.evaluate((el: { complete: boolean; naturalWidth: number }) => el.complete && el.naturalWidth > 0), 10_000, 'the picture to load');
    });
    expect(volunteer.problems).toEqual([]);
  });
});
