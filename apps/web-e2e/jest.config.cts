/**
 * The console end to end: the real server (in-process, real database) serving the built console,
 * driven in Debian's Chromium by playwright-core. Part of `npm test`.
 */
module.exports = {
  displayName: 'web-e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js'],
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/support/global-setup.mjs',
  globalTeardown: '../api/test/support/global-teardown.mjs',
  testTimeout: 180_000,
};
