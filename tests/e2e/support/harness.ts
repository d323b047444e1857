import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { TEST_JWT_SECRET } from '../../support/app';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { startFakeSms, type FakeSms } from '../../support/fake-sms';
import { exitOf, startServerProcess, type StartedServer } from '../../support/server-process';
import { tempDir } from '../../support/tmp';
import { CHROMIUM_ARGS, findChromium } from './chromium';

/**
 * The end-to-end harness: the real server as a child process (exactly as `pnpm start` runs it, serving the H5
 * build at `/`) on a fresh database of the test run's PostgreSQL, filled with the demo data at start; the system
 * Chromium driven by playwright-core; one browser context per person, at a phone's size.
 */

const REPO = path.resolve(__dirname, '..', '..', '..');
/** The H5 build to serve: `pnpm build`'s output, or E2E_H5_DIR (a copy kept aside while the app is being rebuilt). */
export const H5_DIR = process.env.E2E_H5_DIR ? path.resolve(process.env.E2E_H5_DIR) : path.join(REPO, 'miniapp', 'dist', 'h5');
export const SCREENSHOT_DIR = path.join(REPO, 'docs', 'screenshots');

/** The phone the screens are designed for (and the committed screenshots' size). */
export const PHONE = { width: 375, height: 812 } as const;

/** The demo accounts (README): the same names and phones on every seed. */
export const DEMO = {
  admin: { phone: '13800000001', name: '赵振华' },
  dispatcher: { phone: '13800000002', name: '张秀兰' },
  gridWorker: { phone: '13800000003', name: '王建军' },
  volunteer: { phone: '13800000004', name: '李海龙' },
  resident: { phone: '13800000005', name: '孙桂兰' },
} as const;

/** How long a person-visible change may take to show (a request, a re-render) on a loaded 2-core machine. */
export const UI_TIMEOUT = 20_000;

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors in the page and failed requests to the API: printed when a step fails. */
  problems: string[];
  /**
   * When the page's live connection brought news (an order changed, a notification): Date.now() of each frame, pings
   * left out. A page may reload after news; a reload with no news before it is a poll.
   */
  pushes: number[];
}

export interface Where {
  geolocation: { latitude: number; longitude: number };
}

export interface E2E {
  url: string;
  server: StartedServer;
  database: TestDatabase;
  browser: Browser;
  /**
   * A new browser context (a phone of its own), logged in through the login page as `phone`. `where`: the phone's
   * position (geolocation granted), e.g. at the resident's door for check-in.
   */
  login(phone: string, where?: Where): Promise<Person>;
  /** A new browser context at `route` (the login page by default), not logged in. */
  open(route?: string, where?: Where): Promise<Person>;
  /** The fake Tencent Cloud SMS the server sends its codes to (every message: phone and code). */
  sms: FakeSms;
  /**
   * The next SMS code sent to `phone` after `sentBefore` messages (default: the count now, so call this before the
   * tap that sends it, or pass the count taken before); waits for it.
   */
  smsCodeFor(phone: string, sentBefore?: number): Promise<string>;
  close(): Promise<void>;
}

/** The last H5 build; `pnpm test` builds it before jest runs (`pnpm build`). */
function requireH5Build(): void {
  if (!existsSync(path.join(H5_DIR, 'index.html'))) {
    throw new Error(`No H5 build at ${H5_DIR}: run \`pnpm build\` (or \`pnpm --filter @bangbang/miniapp build:h5\`) before the browser tests.`);
  }
}

export async function startE2E(): Promise<E2E> {
  requireH5Build();
  const executablePath = findChromium();
  // the run's PostgreSQL (global-setup), a migrated database of our own: the server finds it empty and seeds the demo
  const database = await createTestDatabase();
  // SMS codes go to a fake Tencent Cloud SMS on loopback, through the server's real SDK
  const sms = await startFakeSms();
  let server: StartedServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  try {
    server = await startServerProcess({
      ...sms.env,
      DATABASE_URL: database.url,
      DATA_DIR: tempDir('e2e-data'),
      PORT: '0',
      NODE_ENV: 'test', // dev-login exists (it does outside production)
      // the job queue runs as in production: the notifications behind the live pages, the minute's timed work
      JOB_CONCURRENCY: '2',
      JWT_SECRET: TEST_JWT_SECRET,
      DEMO_DATA: 'true',
      H5_DIR,
      LOG_LEVEL: 'warn',
    });
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (err) {
    await browser?.close().catch(() => undefined);
    if (server) {
      server.child.kill('SIGTERM');
      await exitOf(server.child);
    }
    await sms.close();
    await database.drop();
    throw err;
  }
  const started = server;
  const url = started.url;
  const launched = browser;

  const open = async (route = '/pages/index/index', where?: Where): Promise<Person> => {
    const located: BrowserContextOptions = where ? { geolocation: where.geolocation, permissions: ['geolocation'] } : {};
    const context = await launched.newContext({
      ...located,
      viewport: PHONE,
      screen: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      baseURL: url,
    });
    contexts.push(context);
    context.setDefaultTimeout(UI_TIMEOUT);
    const page = await context.newPage();
    const problems: string[] = [];
    const pushes: number[] = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        if (typeof payload === 'string' && /"type":"(order|notification)"/.test(payload)) pushes.push(Date.now());
      }),
    );
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 500 && r.url().includes('/api/')) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    await page.goto(`/#${route}`);
    return { context, page, problems, pushes };
  };

  const smsCodeFor = async (phone: string, sentBefore = sms.sent.length): Promise<string> => {
    const deadline = Date.now() + UI_TIMEOUT;
    for (;;) {
      const found = sms.sent.slice(sentBefore).find((m) => m.phone === phone);
      if (found) return found.code;
      if (Date.now() > deadline) throw new Error(`no SMS code reached ${phone} within ${UI_TIMEOUT} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const login = async (phone: string, where?: Where): Promise<Person> => {
    const person = await open(undefined, where);
    const { page } = person;
    // the flows log the same person in again within a minute: their earlier codes are aged past the per-phone
    // limits (60 s, 10 a day), which tests/server/sms-login.test.ts tests
    await database.db.query(`UPDATE phone_code SET created_at = created_at - interval '1 day' WHERE phone = $1`, [phone]);
    // and every browser here is 127.0.0.1: the per-address count of codes starts again (a flow logs in many people)
    await database.db.query(`DELETE FROM rate_limit WHERE key LIKE '%/api/v1/auth/sms-code:%'`);
    await page.locator('.login__phone input').fill(phone);
    const sentBefore = sms.sent.length;
    await page.locator('.login__send').click();
    const code = await smsCodeFor(phone, sentBefore);
    await page.locator('.login__code input').fill(code);
    await page.locator('.login__submit').click();
    // the login page leaves for the home of the person's role
    await page.waitForURL((u) => !u.hash.startsWith('#/pages/index/index'), { timeout: UI_TIMEOUT });
    // and has drawn it (the reLaunch done): a test that goes to another page at once is not sent back home
    await shown(page).locator('.login__card').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined);
    return person;
  };

  return {
    url,
    server: started,
    database,
    browser: launched,
    open,
    login,
    sms,
    smsCodeFor,
    close: async () => {
      for (const c of contexts) await c.close().catch(() => undefined);
      await launched.close().catch(() => undefined);
      started.child.kill('SIGTERM');
      await exitOf(started.child);
      await sms.close();
      await database.drop();
    },
  };
}

/** The page being shown (Taro's H5 router keeps the pages under it in the DOM, hidden). */
export function shown(page: Page): Locator {
  return page.locator('.taro_page.taro_page_show').last();
}

/** Waits until `text` is visible on the page being shown. */
export async function see(page: Page, text: string | RegExp, timeout = UI_TIMEOUT): Promise<Locator> {
  const found = shown(page).getByText(text).first();
  await found.waitFor({ state: 'visible', timeout });
  return found;
}

/** Waits until `text` is visible anywhere: a dialog or toast (Taro's showModal / showToast sit outside the page). */
export async function seeAnywhere(page: Page, text: string | RegExp, timeout = UI_TIMEOUT): Promise<Locator> {
  const found = page.getByText(text).locator('visible=true').first();
  await found.waitFor({ state: 'visible', timeout });
  return found;
}

/** Taps the visible element showing exactly `text` (a button, a tile) on the page being shown. */
export async function tap(page: Page, text: string | RegExp, within?: Locator): Promise<void> {
  const scope = within ?? shown(page);
  const target = scope
    .getByText(text, { exact: typeof text === 'string' })
    .locator('visible=true')
    .first();
  await target.waitFor({ state: 'visible' });
  // NutUI's button is a <taro-button-core> that takes the pointer over the text inside it: press the button itself
  const button = target.locator('xpath=ancestor-or-self::taro-button-core[1]');
  await ((await button.count()) > 0 ? button : target).click();
}

/** Every visible text of the page being shown (for assertions and failure messages). */
export async function screenText(page: Page): Promise<string> {
  return shown(page).innerText();
}

/** Runs one step of a person's story; a failure says what they saw and what went wrong in their page, not a bare timeout. */
export async function step<T>(who: Person, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const text = await screenText(who.page).catch(() => '(no page)');
    throw new Error(
      `${what} failed: ${(err as Error).message}\n--- the screen (${who.page.url()}):\n${text}\n--- page problems:\n${who.problems.join('\n') || '(none)'}`,
      { cause: err },
    );
  }
}

/** Saves the phone's screen as docs/screenshots/<name>.png (375×812, committed and shown in the README). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // let NutUI's transitions and images settle
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), scale: 'css', animations: 'disabled', caret: 'hide' });
}

/** A login token for `phone` through the server's dev-login (the suites' way past the SMS code, outside production). */
export async function devToken(url: string, phone: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone }),
  });
  return ((await res.json()) as { token: string }).token;
}

/** The API as the app calls it, with `token`: the status and the parsed answer. */
export async function callApi(url: string, token: string, method: string, path: string, body?: object): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

/**
 * The API as `phone` (logged in afresh), for the steps a suite takes outside the browser; a failure names the path
 * and its status.
 */
export async function apiAs<T>(url: string, phone: string, method: string, path: string, body?: object): Promise<T> {
  const res = await callApi(url, await devToken(url, phone), method, path, body);
  expect({ path, status: res.status }).toEqual({ path, status: res.status < 300 ? res.status : 200 });
  return res.json as T;
}
