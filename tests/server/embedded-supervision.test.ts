import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exitOf, startServerProcess } from '../support/server-process';
import { tempDir, waitFor } from '../support/tmp';

/** The postmaster's pid: the first line of postmaster.pid in the data directory. */
function postmasterPid(dataDir: string): number {
  return Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

async function healthStatus(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return 0;
  }
}

/**
 * The embedded PostgreSQL is supervised by the server process that started it: after `kill -9` of its postmaster
 * it is started again (crash recovery) and the pool reconnects, with no one restarting the API.
 */
describe('the embedded database, killed', () => {
  const dataDir = tempDir('supervise');
  const h5Dir = tempDir('supervise-h5');
  writeFileSync(path.join(h5Dir, 'index.html'), '<!doctype html><title>帮帮团</title>');
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(h5Dir, { recursive: true, force: true });
  });

  it('is restarted by the server within seconds after kill -9 of the postmaster', async () => {
    const server = await startServerProcess({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', H5_DIR: h5Dir, LOG_LEVEL: 'info', DEMO_DATA: 'false' });
    try {
      expect(await healthStatus(server.url)).toBe(200);
      const before = postmasterPid(dataDir);
      process.kill(before, 'SIGKILL');
      const killedAt = Date.now();

      // Orphaned backends may still answer on pooled connections for a moment after the postmaster dies, so a
      // 503 is not always observable here (db-outage.test.ts pins 503 while the database is away). What must hold:
      // a new postmaster on the same data, and health 200 through it.
      const back = await waitFor(
        async () => {
          let now: number | undefined;
          try {
            now = postmasterPid(dataDir);
          } catch {
            return undefined; // postmaster.pid is rewritten by the restart
          }
          if (now === before || !Number.isFinite(now)) return undefined;
          return (await healthStatus(server.url)) === 200 ? Date.now() - killedAt : undefined;
        },
        30_000,
        'a new postmaster and health 200 after kill -9 of PostgreSQL',
      );
      expect(back).toBeLessThan(15_000);
      // a new postmaster, on the same data, and the API still works
      expect(postmasterPid(dataDir)).not.toBe(before);
      expect(server.output()).toMatch(/embedded PostgreSQL \(pid \d+\) is not running; restarting it/);
      // pg_ctl may still be waiting for the server it started when health already answers through it
      await waitFor(
        async () => /embedded PostgreSQL restarted \d+ ms after it was found down/.test(server.output()) || undefined,
        15_000,
        'the server to log the restart',
      );
      const regions = await fetch(`${server.url}/api/v1/regions`);
      expect(regions.status).toBeLessThan(500);
      process.stdout.write(`embedded PostgreSQL: health back to 200 ${back} ms after kill -9\n`);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await exitOf(server.child)).toBe(0);
    expect(server.output()).toMatch(/embedded PostgreSQL stopped/);
  });
});
