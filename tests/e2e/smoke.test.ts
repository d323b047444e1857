import { see, screenText, screenshot, startE2E, tap, type E2E } from './support/harness';

// A real server, a real browser: minutes, not seconds, on a busy 2-core machine.
jest.setTimeout(180_000);

describe('the H5 mini-program in a real browser (smoke)', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('is served by the API server at /', async () => {
    const res = await fetch(`${e2e.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/<div id="app"|<script/);
  });

  it('opens on the login page, in Chinese', async () => {
    const { page, problems } = await e2e.open();
    await see(page, '有困难？找帮帮团');
    const text = await screenText(page);
    for (const words of ['帮帮团', '手机号', '登录']) expect(text).toContain(words);
    await expect(page.locator('.login__phone input').getAttribute('placeholder')).resolves.toBe('请输入 11 位手机号码');
    await screenshot(page, 'login');
    // a number that is not a mainland mobile is answered on the page, not sent
    await page.locator('.login__phone input').fill('12345');
    await tap(page, '登录');
    await see(page, '请输入 11 位手机号码');
    expect(problems).toEqual([]);
  });
});
