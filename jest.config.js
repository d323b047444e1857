/**
 * Every test runs against a real PostgreSQL: global-setup starts one embedded server for the run and builds a
 * migrated template database; each test file clones its own database from it, so files run in parallel.
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

module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', swc] },
  // Jest's module system cannot require() ES modules (Node can): compile the few ESM-only dependencies.
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/)?(content-disposition|cookie)[@/])'],
  moduleNameMapper: {
    '^@bangbang/(shared|migrations)$': '<rootDir>/$1/src/index.ts',
    // the mini-program's client logic runs in Node: Taro's API over fetch and in-memory storage
    '^@tarojs/taro$': '<rootDir>/tests/support/taro-fetch.ts',
  },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
  // Process-level tests start real servers; give them room and report slow ones.
  slowTestThreshold: 15,
};
