/**
 * jsdom (the DOM that WeChat's component framework renders into under miniprogram-simulate) with the Node globals
 * the test's own side needs beside it: `pg` (the test database) wants TextEncoder, node's HTTP client and timers the
 * rest. jest's jsdom environment exposes only what a browser has.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads environments with require
const { TestEnvironment } = require('jest-environment-jsdom');

class WeappEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['TextEncoder', 'TextDecoder', 'structuredClone', 'setImmediate', 'clearImmediate']) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = WeappEnvironment;
