#!/usr/bin/env node
// Run by `pnpm test` before jest: the browser suite (tests/e2e) drives the system's Chromium with playwright-core,
// which never downloads a browser. This finds one (CHROMIUM_PATH, then the usual names on PATH); when there is
// none and we may install it (root with apt-get), installs the distribution's package; otherwise it stops the test
// command with what to install. It never lets the browser suite be skipped quietly.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The same search as tests/e2e/support/chromium.ts (kept in step: both read CHROMIUM_PATH first). */
function findChromium() {
  const given = process.env.CHROMIUM_PATH;
  if (given) return executable(given) ? given : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of NAMES) {
      const file = path.join(dir, name);
      if (executable(file)) return file;
    }
  }
  return undefined;
}

function version(file) {
  try {
    return execFileSync(file, ['--version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function fail(lines) {
  console.error(['', '✗ The browser tests (tests/e2e) need Chromium, and none was found.', ...lines, ''].join('\n'));
  process.exit(1);
}

const WHAT_TO_INSTALL = [
  'Install it, then run the tests again:',
  '  Debian/Ubuntu:  sudo apt-get install -y chromium      (Ubuntu without the snap: chromium-browser)',
  '  Fedora:         sudo dnf install -y chromium',
  '  Alpine:         apk add chromium',
  '  macOS:          brew install --cask chromium',
  'or point CHROMIUM_PATH at a Chromium or Google Chrome executable you already have.',
  '(playwright-core drives the system browser; the tests never download one.)',
];

if (process.env.CHROMIUM_PATH && !executable(process.env.CHROMIUM_PATH)) {
  fail([`CHROMIUM_PATH is set to "${process.env.CHROMIUM_PATH}", which is not an executable file.`, ...WHAT_TO_INSTALL]);
}

let found = findChromium();
if (!found) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (isRoot && hasApt) {
    console.log('Chromium not found: installing the system package (apt-get install -y chromium) for the browser tests…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
    // the package lists may be missing on a fresh machine; refresh once if the first attempt fails
    const installed =
      run(['install', '-y', '--no-install-recommends', 'chromium']) || (run(['update']) && run(['install', '-y', '--no-install-recommends', 'chromium']));
    found = findChromium();
    if (!installed || !found) fail(['apt-get install -y chromium did not succeed (see its output above).', ...WHAT_TO_INSTALL]);
  } else {
    fail([isRoot ? 'apt-get is not available here to install it.' : 'Not running as root, so it was not installed automatically.', ...WHAT_TO_INSTALL]);
  }
}

const v = version(found);
if (!v) fail([`${found} is there but does not run (\`${found} --version\` failed).`, ...WHAT_TO_INSTALL]);
console.log(`Browser tests will use ${found} (${v}).`);
