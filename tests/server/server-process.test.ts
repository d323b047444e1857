import { exitOf, startServerProcess } from '../support/server-process';
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { tempDir } from '../support/tmp';

const SERVER_DIR = path.resolve(__dirname, '..', '..', 'server');

async function withDatabase<T>(dataDir: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const port = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const password = readFileSync(path.join(dataDir, 'pg.password'), 'utf8').trim();
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'bangbang' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('the server process', () => {
  const dataDir = tempDir('process');
  const h5Dir = tempDir('h5');
  writeFileSync(path.join(h5Dir, 'index.html'), '<!doctype html><title>帮帮团</title><div id="app"></div>');
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(h5Dir, { recursive: true, force: true });
  });

  it('starts with its own PostgreSQL and demo data, stops cleanly on SIGTERM, and keeps the data', async () => {
    const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', H5_DIR: h5Dir, LOG_LEVEL: 'info' };
    const first = await startServerProcess(env);
    try {
      const health = await fetch(`${first.url}/api/v1/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok' });
      const page = await fetch(`${first.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('帮帮团');
      expect(first.output()).toMatch(/seeded 53 places, 1945 people, 10 squads and 160 orders into the empty database in \d+ ms/);
      expect(first.output()).toMatch(
        /Demo accounts \(H5: the phone, then 获取验证码: the code is printed in this log; scripts: POST \/api\/v1\/auth\/dev-login/,
      );
      expect(first.output()).toMatch(/管理员.*admin.*13800000001/);

      await withDatabase(dataDir, (c) => c.query(`INSERT INTO region (level, name, path) VALUES ('city', '测试市', '/marker/')`));
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await exitOf(first.child)).toBe(0);
    expect(first.output()).toMatch(/SIGTERM received, shutting down gracefully/);
    expect(first.output()).toMatch(/embedded PostgreSQL stopped/);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    const second = await startServerProcess(env);
    try {
      expect(second.output()).toMatch(/database already has data/);
      expect(second.output()).toMatch(/居民.*resident.*13800000005/); // the demo data is still there
      const names = await withDatabase(dataDir, async (c) => (await c.query('SELECT name FROM region')).rows as Array<{ name: string }>);
      expect(names).toHaveLength(54); // the 53 demo places and the marker
      expect(names.map((r) => r.name)).toContain('测试市');
    } finally {
      second.child.kill('SIGINT');
    }
    expect(await exitOf(second.child)).toBe(0);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  // CI runs as root, where the database must run as another user; a person runs as themself. When this suite
  // runs as root it also starts the server as an unprivileged user (nobody), so both paths are exercised.
  const root = process.getuid?.() === 0;
  (root ? it : it.skip)('runs as an unprivileged user too', async () => {
    const nobody = {
      uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()),
      gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim()),
    };
    const home = tempDir('nobody');
    chownSync(home, nobody.uid, nobody.gid);
    const started = await startServerProcess({ DATA_DIR: path.join(home, 'data'), HOME: home, PORT: '0', H5_DIR: h5Dir, LOG_LEVEL: 'info' }, nobody);
    try {
      const health = await fetch(`${started.url}/api/v1/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok' });
      expect(statSync(path.join(home, 'data', 'pg')).uid).toBe(nobody.uid);
    } finally {
      started.child.kill('SIGTERM');
    }
    expect(await exitOf(started.child)).toBe(0);
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses a bad configuration with a clear message and exit code 2', async () => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/server.ts'], {
      cwd: SERVER_DIR,
      env: { ...process.env, PORT: 'eighty', NODE_ENV: 'production', JWT_SECRET: '', DATA_DIR: dataDir },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exitOf(child)).toBe(2);
    expect(err).toContain('配置有误');
    expect(err).toContain('PORT 必须是 0 到 65535 之间的整数，收到 "eighty"');
    expect(err).toContain('生产环境必须设置 JWT_SECRET');
    expect(err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
});
