import type { Feed } from '@stockroom/contracts';

/** A directory's feed JSON for specs. */
export function feedOf(overrides: Partial<Feed> = {}): Feed {
  return {
    name: 'builds',
    feedType: 'asset',
    active: true,
    retentionRules: [],
    retentionRulesEnabled: false,
    retentionDryRun: false,
    ...overrides,
  } as Feed;
}
