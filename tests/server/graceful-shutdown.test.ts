import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../server/src/config';
import { startServer } from '../../server/src/server';
import { TEST_JWT_SECRET } from '../support/app';
import { tempDir } from '../support/tmp';

function connectOnce(url: string): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/api/v1/health`, { agent: false }, (res) => {
      res.resume();
      resolve('connected');
    });
    req.on('error', () => resolve('refused'));
  });
}

describe('graceful shutdown', () => {
  const dataDir = tempDir('shutdown');
  const h5Dir = tempDir('h5-big');
  const big = randomBytes(24 * 1024 * 1024);
  writeFileSync(path.join(h5Dir, 'index.html'), '<!doctype html><title>帮帮团</title>');
  writeFileSync(path.join(h5Dir, 'big.bin'), big);
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(h5Dir, { recursive: true, force: true });
  });

  it('stops accepting, finishes the request in flight, closes the pool, then stops the database', async () => {
    const config = {
      ...parseConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, H5_DIR: h5Dir, PORT: '0', JWT_SECRET: TEST_JWT_SECRET }),
      jwtSecret: TEST_JWT_SECRET,
    };
    const running = await startServer(config);
    expect(running.embedded?.isRunning()).toBe(true);

    // a slow client: takes the first bytes of a large response, then stops reading
    let received = 0;
    let pausedOnce = false;
    let paused!: () => void;
    const firstBytes = new Promise<void>((resolve) => (paused = resolve));
    let res!: http.IncomingMessage;
    const done = new Promise<number>((resolve, reject) => {
      const req = http.get(`${running.url}/big.bin`, { agent: false }, (r) => {
        res = r;
        r.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (!pausedOnce) {
            pausedOnce = true;
            r.pause();
            paused();
          }
        });
        r.on('end', () => resolve(r.statusCode ?? 0));
        r.on('error', reject);
      });
      req.on('error', reject);
    });
    await firstBytes;
    expect(received).toBeLessThan(big.length);

    const stopping = running.stop();
    // new connections are refused while the old request is still being answered
    await new Promise((r) => setTimeout(r, 200));
    expect(await connectOnce(running.url)).toBe('refused');
    expect(running.embedded?.isRunning()).toBe(true);

    res.resume();
    expect(await done).toBe(200);
    expect(received).toBe(big.length);

    await stopping;
    expect(running.db.isInitialized).toBe(false);
    expect(running.embedded?.isRunning()).toBe(false);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });
});
