import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildTestApp, type TestApp } from '../support/app';

/**
 * The product must work on an intranet (a 社区 office, a 旗 government network): nothing it shows may come from a
 * host outside the deployment — a CDN image shows broken there, and every such request leaks who uses what.
 *
 * Every `http(s)://` in the builds' text files (JS, CSS, HTML, WXML, WXSS, WXS, JSON) is found and must be on the
 * list below, each with why it is never loaded. A new one — an image, font, script, style or page from a CDN —
 * fails until it is replaced by a file of the build (or, if it truly is never fetched, added here with the reason).
 * `pnpm test` builds both targets before jest (`pnpm build`).
 */
const MINIAPP = path.resolve(__dirname, '..', '..', 'miniapp');
const BUILDS = { h5: path.join(MINIAPP, 'dist', 'h5'), weapp: path.join(MINIAPP, 'dist', 'weapp') };
const TEXT_FILES = /\.(js|css|html|wxml|wxss|wxs|json)$/;

/** URLs in the builds that are never requested, by prefix, and why. */
const NEVER_LOADED: ReadonlyArray<{ prefix: string; why: string }> = [
  { prefix: 'http://www.w3.org/', why: 'XML namespace names (svg, xlink, xhtml, MathML, XML): identifiers, never fetched' },
  { prefix: 'http://jedwatson.github.io/classnames', why: 'the licence banner of the classnames package, a comment' },
  { prefix: 'http://www.apache.org/licenses/', why: 'a licence notice in a comment' },
  { prefix: 'https://angular.io/license', why: 'a licence notice in a comment (Stencil’s scoped-CSS code, Taro’s H5 components)' },
  { prefix: 'https://github.com/', why: 'source links in comments of the same code' },
  { prefix: 'https://stenciljs.com/docs/', why: 'documentation links inside Stencil’s developer warnings' },
  { prefix: 'https://www.kriasoft.com/universal-router/', why: 'a documentation link in universal-router’s error text (Taro’s H5 router)' },
  { prefix: 'https://reactjs.org/docs/error-decoder.html', why: 'the link React prints inside a production error message' },
  { prefix: 'https://taro.com', why: 'the host name Taro’s `location` stand-in reports in a mini-program (a string, no request)' },
  { prefix: 'https://query-string.invalid', why: 'a base for parsing relative URLs (`.invalid` can never resolve)' },
  // the weapp's API origin (TARO_APP_API_BASE): the deployment's own server, the only host the app talks to
  { prefix: 'http://127.0.0.1:3000', why: 'the default API origin of a local weapp build (TARO_APP_API_BASE), the deployment itself' },
  ...(process.env.TARO_APP_API_BASE ? [{ prefix: process.env.TARO_APP_API_BASE, why: 'the API origin this build was made for' }] : []),
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : TEXT_FILES.test(e.name) ? [p] : [];
  });
}

/** Every URL outside the list, with the file it is in. */
function outsideUrls(dir: string): Array<{ file: string; url: string }> {
  const found: Array<{ file: string; url: string }> = [];
  for (const file of filesUnder(dir)) {
    const raw = readFileSync(file, 'utf8');
    // an inlined svg or text (`data:…;base64,`, as the build inlines small images) is searched too: an svg may load
    // others. Fonts and bitmaps are binary: only their own bytes, nothing to load.
    const inlined = [...raw.matchAll(/data:(?:image\/svg\+xml|text\/[\w.+-]+|application\/(?:javascript|json))[^,;]*;base64,([A-Za-z0-9+/=]+)/g)].map(
      ([, b64]) => Buffer.from(b64 ?? '', 'base64').toString('utf8'),
    );
    const text = [raw, ...inlined].join('\n');
    for (const [url] of text.matchAll(/https?:\/\/[^\s"'`()<>\\,;]+/g)) {
      if (!NEVER_LOADED.some((a) => url.startsWith(a.prefix))) found.push({ file: path.relative(dir, file), url });
    }
  }
  return found;
}

describe.each(Object.entries(BUILDS))('the %s build', (target, dir) => {
  beforeAll(() => {
    if (!existsSync(dir)) throw new Error(`${dir} is missing: run \`pnpm --filter @bangbang/miniapp build:${target}\` (pnpm test does)`);
  });

  it('references no asset outside the deployment', () => {
    expect(outsideUrls(dir)).toEqual([]);
  });

  it('finds a URL where one is (the check itself works)', () => {
    // the regular expression and the list, on a sample of what a CDN image in a bundle looks like
    const sample = 'e.src="https://storage.360buyimg.com/imgtools/x.png";var n="http://www.w3.org/2000/svg"';
    const urls = [...sample.matchAll(/https?:\/\/[^\s"'`()<>\\,;]+/g)].map(([u]) => u);
    expect(urls.filter((u) => !NEVER_LOADED.some((a) => u.startsWith(a.prefix)))).toEqual(['https://storage.360buyimg.com/imgtools/x.png']);
  });
});

describe('the H5 favicon', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ H5_DIR: BUILDS.h5 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is a file of the build, linked from index.html and served by the server', async () => {
    const html = readFileSync(path.join(BUILDS.h5, 'index.html'), 'utf8');
    const href = /<link rel="icon"[^>]*href="([^"]+)"/.exec(html)?.[1];
    expect(href).toBe('/favicon.svg');
    const res = await t.app.inject({ method: 'GET', url: href });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.body).toContain('<svg');
  });
});
