import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { DEMO, H5_DIR, see, screenText, screenshot, startE2E, tap, type E2E } from './support/harness';

/**
 * Reloads `page` with Content-Security-Policy violations reported as console errors, and collects them and every
 * console error (a page that fails to start logs one, e.g. `$RefreshReg$ is not defined` of a development build).
 */
async function reloadWatching(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on('console', (m) => {
    // the browser asks for /favicon.ico on its own; the page has none
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) seen.push(`${m.text()} ${m.location().url}`);
  });
  await page.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  });
  await page.reload();
  return seen;
}

/** Waits for `text` on the page; when it never shows, fails with what the page reported instead. */
async function rendersText(page: Page, text: string, reported: string[]): Promise<void> {
  try {
    await see(page, text);
  } catch (err) {
    throw new Error(`the page did not render 「${text}」; it reported: ${JSON.stringify(reported)}\n${(err as Error).message}`, { cause: err });
  }
}

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
    // with the security headers on
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves a production build: no React Refresh hooks, which only a dev server defines', () => {
    const js = path.join(H5_DIR, 'js');
    const dev = readdirSync(js).filter((f) => f.endsWith('.js') && readFileSync(path.join(js, f), 'utf8').includes('$RefreshReg$'));
    expect(dev).toEqual([]);
  });

  it('renders its text under the Content-Security-Policy, with no violation and no console error', async () => {
    const { page, problems } = await e2e.open();
    const reported = await reloadWatching(page);
    await rendersText(page, '有困难？找帮帮团', [...problems, ...reported]);
    await page.waitForLoadState('networkidle').catch(() => undefined);
    expect([...problems, ...reported]).toEqual([]);

    // a logged-in home too: icons, images and the API calls on the same origin
    const resident = await e2e.login(DEMO.resident.phone);
    const after = await reloadWatching(resident.page);
    await rendersText(resident.page, `${DEMO.resident.name}，您好`, [...resident.problems, ...after]);
    await see(resident.page, '送医送药');
    await resident.page.waitForLoadState('networkidle').catch(() => undefined);
    expect([...resident.problems, ...after]).toEqual([]);
  });

  it('opens on the login page, in Chinese', async () => {
    const { page, problems } = await e2e.open();
    await see(page, '有困难？找帮帮团');
    const text = await screenText(page);
    for (const words of ['帮帮团', '手机号', '验证码', '获取验证码', '登录']) expect(text).toContain(words);
    await expect(page.locator('.login__phone input').getAttribute('placeholder')).resolves.toBe('请输入 11 位手机号码');
    await screenshot(page, 'login');
    // a number that is not a mainland mobile is answered on the page, not sent
    await page.locator('.login__phone input').fill('12345');
    await tap(page, '登录');
    await see(page, '请输入 11 位手机号码');
    expect(problems).toEqual([]);
  });
});
