import { DEMO, see, screenshot, startE2E, tap, type E2E } from './support/harness';

/**
 * In a browser there is no WeChat to draw the title bar: Taro's H5 router draws one (app.config's window
 * `navigationStyle: 'default'`), with the page's title and a back button when there is a page to go back to.
 * And nothing is loaded from outside the deployment (an intranet has no CDN).
 */
jest.setTimeout(180_000);

describe('the H5 title bar', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it("shows the page's title, and a back button that goes back, only when there is a page to go back to", async () => {
    const resident = await e2e.login(DEMO.resident.phone);
    const page = resident.page;
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(e2e.url) && !r.url().startsWith('data:')) outside.push(r.url());
    });
    const bar = page.locator('#taro-navigation-bar');
    const title = bar.locator('.taro-navigation-bar-title');
    const back = bar.locator('.taro-navigation-bar-back');

    await see(page, '需要什么帮助');
    await bar.waitFor({ state: 'visible' });
    expect(await title.innerText()).toBe('帮帮团');
    expect(await back.isVisible()).toBe(false);

    await tap(page, '送医送药');
    await see(page, '提交求助');
    await title.filter({ hasText: /^我要求助$/ }).waitFor({ state: 'visible' });
    expect(await back.isVisible()).toBe(true);
    // in the team's red, the whole title at WeChat's size
    // (run in the browser: the cast only gives the tests' TypeScript, which has no DOM library, the type)
    type Styled = { getComputedStyle(e: unknown): { backgroundColor: string; fontSize: string } };
    expect(await bar.evaluate((e) => (globalThis as unknown as Styled).getComputedStyle(e).backgroundColor)).toBe('rgb(200, 16, 46)');
    expect(await title.evaluate((e) => (globalThis as unknown as Styled).getComputedStyle(e).fontSize)).toBe('17px');
    await screenshot(page, 'h5-title-bar');

    await back.click();
    await see(page, '需要什么帮助');
    await title.filter({ hasText: /^帮帮团$/ }).waitFor({ state: 'visible' });
    expect(await back.isVisible()).toBe(false);

    expect(outside).toEqual([]);
    expect(resident.problems).toEqual([]);
  });
});
