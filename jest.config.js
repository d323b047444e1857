/**
 * Three projects (`jest --selectProjects unit|server|e2e`; plain `jest` runs all three):
 * - unit: pure code: no database, no listening socket, no child process. No global setup, so it runs in seconds.
 *   A test file belongs here only if it never touches PostgreSQL or the network; if one does by mistake,
 *   tests/support/env.ts throws "tests must run through jest with tests/support/global-setup.ts".
 * - server: everything else under tests/ but e2e. Global setup starts one embedded PostgreSQL for the run and builds
 *   a migrated template database; each test file clones its own database from it, so files run in parallel.
 * - e2e: the H5 mini-program in headless Chromium against a real server process (needs the same PostgreSQL).
 * Jest runs a project's global setup only when that project has tests selected, and runs a given setup file once
 * even when several selected projects name it, so server + e2e share one PostgreSQL.
 * @type {import('jest').Config}
 */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true, tsx: true },
    // TypeORM and class-transformer read decorator metadata
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};

/** What every project shares: how TypeScript is compiled and how the workspace packages resolve. */
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', swc] },
  // Jest's module system cannot require() ES modules (Node can): compile the few ESM-only dependencies.
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/)?(content-disposition|cookie|graphile-worker)[@/])'],
  moduleNameMapper: {
    '^@bangbang/(shared|migrations)$': '<rootDir>/$1/src/index.ts',
    // the mini-program's client logic runs in Node: Taro's API over fetch and in-memory storage
    '^@tarojs/taro$': '<rootDir>/tests/support/taro-fetch.ts',
    // exceljs is the server's dependency: tests read the workbooks it writes with the very same copy
    '^exceljs$': '<rootDir>/server/node_modules/exceljs',
  },
  // Process-level tests start real servers: report the slow ones (per project; the timeout is global, see below).
  slowTestThreshold: 15,
};

/** Test files that need neither PostgreSQL nor a socket. Add a file here only after checking it touches neither. */
const UNIT = [
  'tests/shared/**/*.test.ts',
  'tests/miniapp/order-buttons.test.ts',
  'tests/miniapp/live-client.test.ts',
  'tests/miniapp/order-labels.test.ts',
  'tests/server/coalescer.test.ts',
  'tests/server/config.test.ts',
  'tests/sim/**/*.test.ts',
];
// Jest expands <rootDir> only at the start of a glob, so negated globs spell the directory out.
const under = (glob) => `${__dirname}/${glob}`;

const withDatabase = {
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
};

module.exports = {
  // Global options: jest-circus reads testTimeout from here only (a project's own testTimeout is ignored).
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    { ...base, displayName: 'unit', testMatch: UNIT.map(under) },
    {
      ...base,
      ...withDatabase,
      displayName: 'server',
      testMatch: [under('tests/**/*.test.ts'), `!${under('tests/e2e/**')}`, ...UNIT.map((glob) => `!${under(glob)}`)],
    },
    { ...base, ...withDatabase, displayName: 'e2e', testMatch: [under('tests/e2e/**/*.test.ts')] },
  ],
};
