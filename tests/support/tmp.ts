import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A new empty directory under the system's temporary directory (reachable by the postgres user when root). */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `bangbang-${prefix}-`));
}

export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
