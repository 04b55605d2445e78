import { FILE_HISTORY_OFF, type Feed, type Privilege, type StorageKind } from '@stockroom/contracts';
import type { FeedEntity } from './feed.entity';
import { maskConnector } from './connector-settings';
import type { FeedStats } from '../assets/feed-contents.service';

/** [ext] What the console shows beside ProGet's fields: the caller's privileges, size, storage. */
export interface FeedExtras {
  privileges: ReadonlySet<Privilege>;
  /** Absent: the counts were not asked for (they cost a count over the directory's files). */
  stats?: FeedStats;
  /** The bytes its files take, as the quota counts them (feed_usage). */
  usedBytes?: number;
}

const STORAGE_KINDS: readonly StorageKind[] = ['disk', 's3', 'azure'];

/** The directory's storage provider; no settings = disk under the data directory. */
export function storageTypeOf(entity: Pick<FeedEntity, 'storage'>): StorageKind {
  const id = String(entity.storage?.['id'] ?? 'disk').toLowerCase() as StorageKind;
  return STORAGE_KINDS.includes(id) ? id : 'disk';
}

export function toFeed(entity: FeedEntity, extras?: FeedExtras): Feed {
  const feed: Feed = {
    name: entity.name,
    feedType: 'asset',
    description: entity.description,
    active: entity.active,
    retentionRules: entity.retentionRules,
    retentionRulesEnabled: entity.retentionRulesEnabled,
    retentionDryRun: entity.retentionDryRun,
    inlineContent: entity.inlineContent,
    writePolicy: entity.writePolicy,
    quotaBytes: entity.quotaBytes,
    fileHistory: entity.fileHistory ?? FILE_HISTORY_OFF,
    // [ext] Only when set: ProGet's clients see the feed JSON they know.
    ...(entity.connector ? { connector: maskConnector(entity.connector) } : {}),
  };
  if (!extras) return feed;
  return {
    ...feed,
    privileges: [...extras.privileges].sort(),
    ...(extras.stats && { fileCount: extras.stats.fileCount, totalBytes: extras.stats.totalBytes }),
    ...(extras.usedBytes !== undefined && { quotaUsedBytes: extras.usedBytes }),
    storageType: storageTypeOf(entity),
  };
}
