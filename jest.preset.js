const { join } = require('node:path');
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  // Jest's and ts-jest's caches in the checkout (ignored by git), not in the shared temp folder.
  cacheDirectory: join(__dirname, 'node_modules', '.cache', 'jest'),
};
