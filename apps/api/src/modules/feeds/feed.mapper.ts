import type { Feed } from '@stockroom/contracts';
import type { FeedEntity } from './feed.entity';

export function toFeed(entity: FeedEntity): Feed {
  return {
    name: entity.name,
    feedType: 'asset',
    description: entity.description,
    active: entity.active,
    retentionRules: entity.retentionRules,
    retentionRulesEnabled: entity.retentionRulesEnabled,
    retentionDryRun: entity.retentionDryRun,
  };
}
