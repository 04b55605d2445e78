import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    files: ['**/*.ts'],
    rules: {
      // A test harness, not shipped code: the console's end-to-end tests start the real server exactly
      // as the API's own e2e tests do, through the API's test support (apps/api/test/support).
      '@nx/enforce-module-boundaries': 'off',
    },
  },
];
