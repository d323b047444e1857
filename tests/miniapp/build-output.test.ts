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

/** Every page of the sources: each `index.tsx` under `src/pages`, as `pages/…/index`. */
function sourcePages(dir = path.join(MINIAPP, 'src', 'pages'), rel = 'pages'): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...sourcePages(path.join(dir, entry.name), `${rel}/${entry.name}`));
    else if (entry.name === 'index.tsx') found.push(`${rel}/index`);
  }
  return found;
}

function readAppJson(): AppJson {
  return JSON.parse(readFileSync(path.join(WEAPP, 'app.json'), 'utf8')) as AppJson;
}

function subPackagesOf(app: AppJson): Array<{ root: string; pages: string[] }> {
  return (app.subPackages ?? app.subpackages ?? []).map((s) => ({ root: s.root.replace(/\/$/, ''), pages: s.pages }));
}

describe('the weapp build', () => {
  beforeAll(() => requireBuilt(WEAPP, 'weapp'));

  it('lists every page in app.json (main package and subpackages), and every page has its files', () => {
    const app = readAppJson();
    expect(app.pages[0]).toBe('pages/index/index');
    const subs = subPackagesOf(app);
    // one subpackage per role's workspace, the person's own forms (编辑个人资料, 我要当志愿者), 社区项目 (双报到, 认领),
    // 积分 (积分超市, 爱心榜), the staff's 管理 and 走访
    expect(subs.map((s) => s.root).sort()).toEqual([
      'pages/dispatch',
      'pages/manage',
      'pages/points',
      'pages/profile',
      'pages/projects',
      'pages/resident',
      'pages/visits',
      'pages/volunteer',
    ]);
    const pages = [...app.pages, ...subs.flatMap((s) => s.pages.map((p) => `${s.root}/${p}`))];
    for (const page of pages) {
      for (const ext of ['.js', '.json', '.wxml']) {
        expect({ page, ext, exists: existsSync(path.join(WEAPP, `${page}${ext}`)) }).toEqual({ page, ext, exists: true });
      }
    }
    // the pages in the sources are exactly the pages of the build
    expect([...pages].sort()).toEqual(sourcePages().sort());
    // the main package holds no workspace page
    for (const page of app.pages) expect(subs.some((s) => page.startsWith(`${s.root}/`))).toBe(false);
  });

  it('stays within WeChat package size limits: main package < 2 MB, each subpackage < 2 MB, all < 20 MB', () => {
    const subs = subPackagesOf(readAppJson());
    const total = sizeOf(WEAPP);
    let subTotal = 0;
    for (const s of subs) {
      const dir = path.join(WEAPP, s.root);
      const size = existsSync(dir) ? sizeOf(dir) : 0;
      expect({ root: s.root, under2MB: size < 2 * MB }).toEqual({ root: s.root, under2MB: true });
      subTotal += size;
    }
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
