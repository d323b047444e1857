import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { clusterSettings, EmbeddedPostgres } from '../../server/src/db/embedded-postgres';
import { tempDir } from '../support/tmp';

async function query<T>(cluster: EmbeddedPostgres, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: cluster.connectionString('keep') });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('the embedded PostgreSQL', () => {
  const dir = tempDir('embedded');
  const pgDir = path.join(dir, 'pg');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('initialises, keeps data across stop and start, and runs as a non-root user', async () => {
    const first = new EmbeddedPostgres({ dir: pgDir });
    await first.start();
    expect(existsSync(path.join(pgDir, 'PG_VERSION'))).toBe(true);
    await first.ensureDatabase('keep');
    await first.ensureDatabase('keep'); // twice is fine
    await query(first, `CREATE TABLE note (body text); INSERT INTO note VALUES ('还在吗')`);
    const [who] = await query<{ user: string; superuser: string }>(first, `SELECT current_user AS user, current_setting('is_superuser') AS superuser`);
    expect(who?.user).toBe('postgres');
    await first.stop();
    expect(first.isRunning()).toBe(false);
    expect(existsSync(path.join(pgDir, 'postmaster.pid'))).toBe(false);

    const second = new EmbeddedPostgres({ dir: pgDir });
    await second.start();
    expect(await query<{ body: string }>(second, 'SELECT body FROM note')).toEqual([{ body: '还在吗' }]);

    // the server process never runs as root (PostgreSQL refuses to)
    const postmaster = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const status = readFileSync(`/proc/${postmaster}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    expect(uid).not.toBe(0);

    // it runs with the settings chosen for this machine, not PostgreSQL's defaults (all are sizes: compared in bytes)
    const wanted = clusterSettings();
    const differing = await query<{ name: string }>(
      second,
      `SELECT name FROM (VALUES ${Object.entries(wanted)
        .map(([n, v]) => `('${n}', '${v}')`)
        .join(', ')}) AS w(name, value)
       WHERE pg_size_bytes(current_setting(name)) <> pg_size_bytes(value)`,
    );
    expect(differing).toEqual([]);
    await second.stop();
  });

  it('sizes the shared buffers to the machine: an eighth of its memory, between 128 MB and 2 GB', () => {
    const GiB = 2 ** 30;
    expect(clusterSettings(0.5 * GiB).shared_buffers).toBe('128MB');
    expect(clusterSettings(4 * GiB).shared_buffers).toBe('512MB');
    expect(clusterSettings(24 * GiB).shared_buffers).toBe('2048MB');
    expect(clusterSettings(24 * GiB)).toMatchObject({ max_wal_size: '4GB', min_wal_size: '1GB' });
  });

  it('takes over a cluster left running by a process that died, and refuses one a live process owns', async () => {
    const a = new EmbeddedPostgres({ dir: pgDir });
    await a.start();

    // the owner is alive (another process): refuse, with a message saying what to do
    const sleeper = spawn('sleep', ['30']);
    writeFileSync(`${pgDir}.owner.pid`, `${sleeper.pid}\n`);
    const b = new EmbeddedPostgres({ dir: pgDir });
    await expect(b.start()).rejects.toThrow(/正被另一个进程 \(pid \d+\) 使用/);
    sleeper.kill();
    await new Promise((r) => sleeper.on('exit', r));

    // the owner is gone: the orphan is stopped and a fresh server started
    const c = new EmbeddedPostgres({ dir: pgDir });
    await c.start();
    expect(c.isRunning()).toBe(true);
    expect(await query<{ body: string }>(c, 'SELECT body FROM note')).toEqual([{ body: '还在吗' }]);
    await c.stop();
    expect(a.isRunning()).toBe(false);
  });

  it('starts over after an initdb that was interrupted', async () => {
    const broken = path.join(dir, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(path.join(broken, 'half-written'), 'x');
    const pg = new EmbeddedPostgres({ dir: broken });
    await pg.start();
    expect(pg.isRunning()).toBe(true);
    await pg.stop();
  });
});
