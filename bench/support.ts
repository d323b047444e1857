import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDataSource, initializeDataSource } from '../server/src/db/data-source';
import { entities } from '../server/src/entities';
import { EmbeddedPostgres } from '../server/src/db/embedded-postgres';
import { runMigrations } from '../server/src/db/migrate';
import { describePostgres } from './postgres-settings';

/**
 * What every bench does the same way: its knobs from the environment, the embedded PostgreSQL it runs on (a
 * temporary directory, the real migrations, an admin pool), stopping cleanly on Ctrl-C, the header of its report
 * (the machine and the server's settings) and its tables.
 */

// ---------------------------------------------------------------- output

/** The report, on stdout. */
export const out = (line = '') => process.stdout.write(`${line}\n`);
/** Progress, on stderr (so that stdout holds only the report). */
export const note = (line: string) => process.stderr.write(`· ${line}\n`);

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The `p`th percentile (0–100) of ascending values: the smallest value with at least p % of them at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number, empty = NaN): number {
  if (sorted.length === 0) return empty;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * A plain-text table: every column as wide as its widest cell, two spaces between columns, left-aligned where
 * `left(column, columns)` says so (the first column by default) and right-aligned elsewhere; a rule of dashes under
 * the header unless `rule` is false.
 */
export function printTable(
  rows: string[][],
  { left = (c: number) => c === 0, rule = true }: { left?: (column: number, columns: number) => boolean; rule?: boolean } = {},
): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (left(c, r.length) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  out(line(rows[0]!));
  if (rule) out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) out(line(r));
}

/**
 * The report's first lines: its title, the machine and PostgreSQL's settings (as the server reports them), and the
 * load average when it starts (`loadNote` says how to read it).
 */
export async function printHeader(q: pg.Pool, title: string, loadNote: string): Promise<void> {
  const postgres = await describePostgres(q);
  const cpus = os.cpus();
  out(title);
  out(
    `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${os.type()} ${os.release()}; node ${process.version}; ${postgres}`,
  );
  out(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${loadNote})`,
  );
}

// ---------------------------------------------------------------- knobs

/** A number from the environment (`fallback` when unset or blank), at least `min`, whole unless `integer` is false. */
export function numSetting(name: string, fallback: number, min: number, integer = true): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got "${raw}"`);
  return n;
}

/** A comma-separated list of integers, in the order given, without repeats. */
export function intListSetting(name: string, fallback: number[], min: number): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const list = raw.split(',').map((part) => Number(part.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < min)) throw new Error(`${name} must be integers >= ${min}, separated by commas, got "${raw}"`);
  return [...new Set(list)];
}

// ---------------------------------------------------------------- running and stopping

/** Set by Ctrl-C (SIGINT) or SIGTERM: the run is being torn down, whatever fails from now on is expected. */
let stopping = false;

export function isStopping(): boolean {
  return stopping;
}

/** `fn` run at most once: later calls share the first call's promise. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => (running ??= fn());
}

/**
 * Ctrl-C (SIGINT) and SIGTERM: say so, run `cleanup` (which `what` names: "the database"), and exit with 130 or 143.
 * pnpm passes the terminal's Ctrl-C on as well: the second one changes nothing.
 */
export function stopOnSignals(what: string, cleanup: () => Promise<unknown>): void {
  const interrupted = (code: number) => () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\ninterrupted: stopping ${what}…\n`);
    void cleanup().finally(() => process.exit(code));
  };
  process.on('SIGINT', interrupted(130));
  process.on('SIGTERM', interrupted(143));
}

/** Runs a bench's `main`: a failure is printed with `name` and sets exit code 1, unless the run is being interrupted. */
export function runBench(name: string, main: () => Promise<void>): void {
  main().catch((err: Error) => {
    if (stopping) return;
    process.stderr.write(`${name} failed: ${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  });
}

// ---------------------------------------------------------------- the database

/** A place of the tree, as the benches seed them: under `parent` (or a root), its path made from the ids. */
export type Seeded = { id: string; path: string };

export function placeSeeder(q: pg.Pool): (level: string, name: string, parent?: Seeded) => Promise<Seeded> {
  return async (level, name, parent) => {
    const id = randomUUID();
    const p = `${parent?.path ?? '/'}${id}/`;
    await q.query(`INSERT INTO region (id, parent_id, level, name, path, center_lat, center_lng) VALUES ($1, $2, $3, $4, $5, 40.75, 107.4)`, [
      id,
      parent?.id ?? null,
      level,
      name,
      p,
    ]);
    return { id, path: p };
  };
}

/**
 * A bench's own embedded PostgreSQL: in a new temporary directory named `prefix`…, or in `keptDir` (made if missing,
 * kept afterwards: a bench can reuse what it wrote there). Make it first, then register `close` for every way out
 * (stopOnSignals and a finally), then `open`.
 */
export class BenchPostgres {
  readonly dir: string;
  readonly embedded: EmbeddedPostgres;
  private admin: pg.Pool | undefined;

  constructor(
    prefix: string,
    private readonly keptDir?: string,
  ) {
    this.dir = keptDir ? (mkdirSync(keptDir, { recursive: true }), keptDir) : mkdtempSync(path.join(os.tmpdir(), prefix));
    this.embedded = new EmbeddedPostgres({ dir: path.join(this.dir, 'pg') });
  }

  /**
   * Starts the server, makes `database` (`started` may first change the server's settings and restart it), brings
   * its schema up with the real migrations, and opens an admin pool of `adminConnections` on it (errors of idle
   * connections ignored: they end with the run).
   */
  async open(database: string, adminConnections: number, started?: (embedded: EmbeddedPostgres) => Promise<void>): Promise<{ url: string; q: pg.Pool }> {
    await this.embedded.start();
    if (started) await started(this.embedded);
    await this.embedded.ensureDatabase(database);
    const url = this.embedded.connectionString(database);
    const migrator = await initializeDataSource(createDataSource({ url, entities, poolSize: 2 }), () => undefined);
    await runMigrations(migrator);
    await migrator.destroy();
    const admin = new pg.Pool({ connectionString: url, max: adminConnections });
    admin.on('error', () => undefined);
    this.admin = admin;
    return { url, q: admin };
  }

  /** Closes the admin pool, stops the server and removes its directory (a kept one stays). Never throws. */
  async close(): Promise<void> {
    await this.admin?.end().catch(() => undefined);
    await this.embedded.stop().catch((err: Error) => process.stderr.write(`stopping PostgreSQL: ${err.message}\n`));
    if (!this.keptDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
