import type { Config } from 'jest';
import { getJestProjectsAsync } from '@nx/jest';

export default async (): Promise<Config> => ({
  projects: await getJestProjectsAsync(),
  // A global option: ignored inside project configs. End-to-end tests start real servers.
  testTimeout: 60_000,
});
