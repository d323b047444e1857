import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { ConfigError, parseConfig } from '../../server/src/config';
import { buildTestApp, type TestApp } from '../support/app';
import { tempDir } from '../support/tmp';

const REM_SCRIPT = '!function(n){n.document.documentElement.style.fontSize="20px"}(window);';

describe('security headers (helmet)', () => {
  const h5Dir = tempDir('headers-h5');
  writeFileSync(`${h5Dir}/index.html`, `<!doctype html><title>帮帮团</title><script>${REM_SCRIPT}</script><script defer src="/js/app.js"></script>`);
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ H5_DIR: h5Dir });
  });
  afterAll(async () => {
    await t.close();
    rmSync(h5Dir, { recursive: true, force: true });
  });

  it('sends a CSP that allows this origin and the page inline script by its hash, no framing, nosniff', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
        .map(([name, ...values]) => [name, values]),
    );
    const hash = `'sha256-${createHash('sha256').update(REM_SCRIPT).digest('base64')}'`;
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'", hash]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toContain("'self'");
    // nothing from another origin, no eval, no inline script beyond the hashed one
    expect(csp).not.toMatch(/https?:|\*|unsafe-eval/);
    expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('same-origin');
  });

  it('sends the API’s answers and errors the strictest policy, without the document-only headers', async () => {
    for (const url of ['/api/v1/health', '/api/v1/no-such-route']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
      expect(res.headers['x-dns-prefetch-control']).toBeUndefined();
    }
    // the page still gets them all
    expect((await t.app.inject({ method: 'GET', url: '/' })).headers['cross-origin-opener-policy']).toBe('same-origin');
  });
});

describe('/api/docs', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const a of apps) await a.close();
  });
  const docsStatus = async (env: Record<string, string>): Promise<number[]> => {
    const t = await buildTestApp(env);
    apps.push(t);
    const statuses: number[] = [];
    for (const url of ['/api/docs', '/api/docs/json']) statuses.push((await t.app.inject({ method: 'GET', url })).statusCode);
    return statuses;
  };

  it('is served outside production', async () => {
    const [ui, json] = await docsStatus({});
    expect(ui).not.toBe(404);
    expect(json).toBe(200);
  });

  it('is off in production (404), and on again with API_DOCS=true', async () => {
    expect(await docsStatus({ NODE_ENV: 'production' })).toEqual([404, 404]);
    const on = await docsStatus({ NODE_ENV: 'production', API_DOCS: 'true' });
    expect(on[1]).toBe(200);
    expect(on[0]).not.toBe(404);
  });

  it('API_DOCS is validated with the rest of the configuration', () => {
    expect(parseConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }).apiDocs).toBe(false);
    expect(parseConfig({ NODE_ENV: 'development' }).apiDocs).toBe(true);
    expect(parseConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), API_DOCS: 'true' }).apiDocs).toBe(true);
    expect(() => parseConfig({ API_DOCS: 'perhaps' })).toThrow(ConfigError);
    expect(() => parseConfig({ API_DOCS: 'perhaps' })).toThrow(/API_DOCS 必须是 true 或 false/);
  });
});
