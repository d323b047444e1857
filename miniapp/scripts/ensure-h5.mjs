#!/usr/bin/env node
// Builds the H5 version of the mini-program only when it is missing or stale, so `pnpm start` (root) serves a
// current page without paying for a 15–120 s webpack build on every start. Plain Node, no dependencies.
//
// Stale = dist/h5/index.html is older than any file the build reads: the sources, the build config, the shared
// package (compiled into the bundle) and the package manifest; or dist/h5 is a development build. Exits non-zero if
// the build fails.
//
// The server serves these files as they are, with no dev server behind them, so the build is always a production
// one, whatever NODE_ENV the person starting the server has set: Taro takes webpack's mode from NODE_ENV, and a
// development build carries React Refresh hooks that only its dev server defines — served here it is a blank page
// (`ReferenceError: $RefreshReg$ is not defined`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MINIAPP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(MINIAPP, '..');
const OUTPUT = path.join(MINIAPP, 'dist', 'h5', 'index.html');

/** Everything the H5 build depends on besides node_modules. Folders are walked; missing entries are skipped. */
const INPUTS = [
  path.join(MINIAPP, 'src'),
  path.join(MINIAPP, 'config'),
  path.join(MINIAPP, 'types'),
  path.join(REPO, 'shared', 'src'),
  path.join(MINIAPP, 'package.json'),
  path.join(MINIAPP, 'babel.config.js'),
  // Taro reads TARO_APP_* variables from these (.env, .env.local, .env.production, …).
  ...readdirSync(MINIAPP)
    .filter((name) => name === '.env' || name.startsWith('.env.'))
    .map((name) => path.join(MINIAPP, name)),
];

/** The newest file under `entry` (a file or a folder), or undefined when there is none. */
function newest(entry) {
  let stat;
  try {
    stat = statSync(entry);
  } catch {
    return undefined;
  }
  if (!stat.isDirectory()) return { file: entry, mtimeMs: stat.mtimeMs };
  let best;
  for (const name of readdirSync(entry)) {
    if (name === 'node_modules') continue;
    const found = newest(path.join(entry, name));
    if (found && (!best || found.mtimeMs > best.mtimeMs)) best = found;
  }
  return best;
}

/** True when the build in dist/h5 was made in development mode (React Refresh is wired into its scripts). */
function isDevelopmentBuild() {
  const jsDir = path.join(path.dirname(OUTPUT), 'js');
  const scripts = existsSync(jsDir) ? readdirSync(jsDir).filter((name) => name.endsWith('.js')) : [];
  const files = [OUTPUT, ...scripts.map((name) => path.join(jsDir, name))];
  return files.some((file) => /\$RefreshReg\$|\$RefreshSig\$/.test(readFileSync(file, 'utf8')));
}

/**
 * A build's output as plain lines for a log: colour codes and cursor moves removed, each redrawn progress line
 * (carriage returns, webpack's bars) reduced to its last state, blank and repeated lines dropped, at most the last 200.
 */
function plainLines(text) {
  const lines = text
    // eslint-disable-next-line no-control-regex -- the escape codes are what is removed
    .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
    .split('\n')
    .map((line) => line.split('\r').pop().trimEnd())
    .filter((line, i, all) => line.trim() !== '' && line !== all[i - 1] && !/^\W*Webpack\W*[█░▇▆▅▄▃▂▁ ]*\(\d+%\)/.test(line));
  return lines.slice(-200).join('\n');
}

function staleReason() {
  if (!existsSync(OUTPUT)) return `${path.relative(REPO, OUTPUT)} is missing`;
  if (isDevelopmentBuild()) return `${path.relative(REPO, path.dirname(OUTPUT))} is a development build (it needs a dev server)`;
  const builtAt = statSync(OUTPUT).mtimeMs;
  for (const input of INPUTS) {
    const found = newest(input);
    if (found && found.mtimeMs > builtAt) return `${path.relative(REPO, found.file)} changed since the last build`;
  }
  return undefined;
}

const reason = staleReason();
if (reason === undefined) {
  console.log(`[ensure-h5] H5 build is up to date (${path.relative(REPO, OUTPUT)}).`);
  process.exit(0);
}

console.log(`[ensure-h5] Building H5: ${reason}.`);
const windows = process.platform === 'win32';
const taro = path.join(MINIAPP, 'node_modules', '.bin', windows ? 'taro.cmd' : 'taro');
if (!existsSync(taro)) {
  console.error(`[ensure-h5] ${path.relative(REPO, taro)} not found: run pnpm install first.`);
  process.exit(1);
}
// A person at a terminal sees webpack's progress as it goes. Into a file or a CI log (stdout not a terminal, or CI /
// NO_COLOR set) that progress is thousands of redrawn lines and colour codes: the build's output is kept back and
// only shown, as plain text, if the build fails.
const quiet = !process.stdout.isTTY || Boolean(process.env.CI) || process.env.NO_COLOR !== undefined;
const started = Date.now();
const result = spawnSync(taro, ['build', '--type', 'h5', '--mode', 'production'], {
  cwd: MINIAPP,
  stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  shell: windows,
  maxBuffer: 64 * 1024 * 1024,
  env: { ...process.env, NODE_ENV: 'production', ...(quiet ? { NO_COLOR: '1', FORCE_COLOR: '0' } : {}) },
});
if (result.error) {
  console.error(`[ensure-h5] Could not run taro: ${result.error.message}`);
  process.exit(1);
}
if (result.status !== 0) {
  if (quiet) console.error(plainLines(`${result.stdout ?? ''}\n${result.stderr ?? ''}`));
  console.error(`[ensure-h5] H5 build failed (${result.signal ?? `exit code ${result.status}`}).`);
  process.exit(result.status || 1);
}
if (!existsSync(OUTPUT)) {
  // A build that "succeeds" without index.html (e.g. src/index.html deleted) would leave the server without a page.
  console.error(`[ensure-h5] The build finished but ${path.relative(REPO, OUTPUT)} was not written.`);
  process.exit(1);
}
if (isDevelopmentBuild()) {
  console.error(`[ensure-h5] The build in ${path.relative(REPO, path.dirname(OUTPUT))} is still a development build.`);
  process.exit(1);
}
console.log(`[ensure-h5] H5 built in production mode in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
