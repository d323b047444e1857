import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './tmp';

const SERVER_DIR = path.resolve(__dirname, '..', '..', 'server');

export interface StartedServer {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
}

/**
 * Starts `server/src/server.ts` exactly as `pnpm start` does, with `env` (the test's own DATABASE_URL, JWT_SECRET,
 * NODE_ENV, PORT and DATA_DIR are not inherited: only what is given), and waits for the line printing its URL.
 */
export async function startServerProcess(env: Record<string, string>, runAs?: { uid: number; gid: number }): Promise<StartedServer> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['DATABASE_URL', 'JWT_SECRET', 'NODE_ENV', 'PORT', 'DATA_DIR'].includes(k)) base[k] = v;
  }
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/server.ts'], { cwd: SERVER_DIR, env: { ...base, ...env }, ...runAs });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const url = await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
      return /is running at (http:\/\/[\d.:]+)/.exec(out)?.[1];
    },
    90_000,
    'the server to print its URL',
  );
  return { child, url, output: () => out };
}

/** The process's exit code once it has exited (null when a signal ended it). */
export function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}
