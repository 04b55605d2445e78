import type { Config } from 'jest';
import { join } from 'node:path';
import { getJestProjectsAsync } from '@nx/jest';

export default async (): Promise<Config> => ({
  projects: await getJestProjectsAsync(),
  // A global option: ignored inside project configs. End-to-end tests start real servers.
  testTimeout: 60_000,
  // Caches in the checkout (ignored by git), not in the shared temp folder (each project's
  // config has the same, from jest.preset.js).
  cacheDirectory: join(__dirname, 'node_modules', '.cache', 'jest'),
});
