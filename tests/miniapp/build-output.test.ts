import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildTestApp, type TestApp } from '../support/app';

/**
 * Checks the mini-program's build output (`pnpm build` runs before the jest suite in `pnpm test`).
 * WeChat's limits: the main package at most 2 MB, all packages together at most 20 MB.
 */
const MINIAPP = path.resolve(__dirname, '..', '..', 'miniapp');
const WEAPP = path.join(MINIAPP, 'dist', 'weapp');
const H5 = path.join(MINIAPP, 'dist', 'h5');
const MB = 1024 * 1024;

function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? sizeOf(p) : statSync(p).size;
  }
  return total;
}

function requireBuilt(dir: string, target: string): void {
  if (!existsSync(dir)) throw new Error(`${dir} is missing: run \`pnpm --filter @bangbang/miniapp build:${target}\` (pnpm test does)`);
}

interface AppJson {
  pages: string[];
  subPackages?: Array<{ root: string; pages: string[] }>;
  subpackages?: Array<{ root: string; pages: string[] }>;
}

describe('the weapp build', () => {
  beforeAll(() => requireBuilt(WEAPP, 'weapp'));

  it('lists every page in app.json, and every page has its files', () => {
    const app = JSON.parse(readFileSync(path.join(WEAPP, 'app.json'), 'utf8')) as AppJson;
    expect(app.pages).toContain('pages/index/index');
    const subs = app.subPackages ?? app.subpackages ?? [];
    const pages = [...app.pages, ...subs.flatMap((s) => s.pages.map((p) => `${s.root.replace(/\/$/, '')}/${p}`))];
    for (const page of pages) {
      for (const ext of ['.js', '.json', '.wxml']) {
        expect(existsSync(path.join(WEAPP, `${page}${ext}`))).toBe(true);
      }
    }
    // the pages in the sources are the pages in the build
    const sourcePages = readdirSync(path.join(MINIAPP, 'src', 'pages')).map((p) => `pages/${p}/index`);
    for (const p of sourcePages) expect(pages).toContain(p);
  });

  it('stays within WeChat package size limits', () => {
    const app = JSON.parse(readFileSync(path.join(WEAPP, 'app.json'), 'utf8')) as AppJson;
    const subs = app.subPackages ?? app.subpackages ?? [];
    const total = sizeOf(WEAPP);
    const subTotal = subs.reduce((n, s) => n + (existsSync(path.join(WEAPP, s.root)) ? sizeOf(path.join(WEAPP, s.root)) : 0), 0);
    expect(total - subTotal).toBeLessThan(2 * MB);
    expect(total).toBeLessThan(20 * MB);
  });
});

describe('the H5 build, served by the API server at /', () => {
  let t: TestApp;
  beforeAll(async () => {
    requireBuilt(H5, 'h5');
    t = await buildTestApp({ H5_DIR: H5 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves index.html and every script and stylesheet it names', async () => {
    const index = await t.app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    const assets = [...index.body.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const url = asset.startsWith('/') ? asset : `/${asset}`;
      const res = await t.app.inject({ method: 'GET', url });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
    }
  });
});
