import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Names the system browser goes by, in the order they are tried (after CHROMIUM_PATH). */
const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The system's Chromium: CHROMIUM_PATH, else the first of the usual names on PATH — the same search as
 * scripts/ensure-chromium.mjs, which `pnpm test` runs first (and which installs the package when it can).
 * Throws, never returns nothing: the browser suite must fail loudly rather than be skipped.
 */
export function findChromium(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (executable(given)) return given;
    throw new Error(`CHROMIUM_PATH="${given}" is not an executable file. Point it at Chromium or Google Chrome.`);
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of NAMES) {
      const file = path.join(dir, name);
      if (executable(file)) return file;
    }
  }
  throw new Error(
    'The browser tests need Chromium and none was found (tried CHROMIUM_PATH, ' +
      `${NAMES.join(', ')} on PATH). Install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH; ` +
      '`pnpm test` runs scripts/ensure-chromium.mjs, which installs it when running as root.',
  );
}

/**
 * Flags for a machine with no internet and no GPU (STACK.md, PITFALLS.md): without the networking ones Chromium
 * floods the machine with refused connections to Google's services. Playwright adds --headless and a fresh
 * temporary --user-data-dir of its own to every launch.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
