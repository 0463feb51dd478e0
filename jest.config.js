const { join } = require('node:path');
const { cjsDirOf } = require('./test/support/esm-to-cjs');

/** @type {import('jest').Config} */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // ESM-only dependencies the service require()s (Node >= 20.19 loads them natively):
  // a CommonJS copy written by the global setup (test/support/esm-to-cjs.js).
  moduleNameMapper: {
    '^@agentclientprotocol/sdk$': join(cjsDirOf('@agentclientprotocol/sdk'), 'dist/v1/stable/acp.js'),
  },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60000,
  // Workers that grew past this after a test file are replaced (e2e files boot whole apps;
  // one long-lived process accumulates their heaps).
  workerIdleMemoryLimit: '1GB',
  // PGlite loads its WASM through a dynamic import: run jest with
  // NODE_OPTIONS=--experimental-vm-modules (the npm scripts do).
};
