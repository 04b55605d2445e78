import type { Privilege } from './privileges';
import type { StorageKind } from './storage';

/** ProGet-compatible feed management shapes (spec §7). */
export interface Feed {
  name: string;
  feedType: 'asset';
  description: string;
  active: boolean;
  retentionRules: unknown[];
  retentionRulesEnabled: boolean;
  /** [ext] Runs of this directory only log what they would delete. */
  retentionDryRun: boolean;
  /**
   * [ext] Active files (HTML, SVG, XML, JavaScript) are shown inline in a browser (still sandboxed:
   * scripts run without the site's cookies) instead of downloaded. Default false; only an
   * administrator may set it.
   */
  inlineContent?: boolean;
  /** [ext] The caller's privileges on this directory: the console offers only what they may do. */
  privileges?: Privilege[];
  /** [ext] How many files the directory holds (folders not counted). */
  fileCount?: number;
  /** [ext] The total size of its files, in bytes. */
  totalBytes?: number;
  /** [ext] Its storage provider. */
  storageType?: StorageKind;
}

export interface CreateFeedRequest {
  name: string;
  feedType: string;
  description?: string;
  active?: boolean;
  retentionRules?: unknown[];
  retentionRulesEnabled?: boolean;
  retentionDryRun?: boolean;
  inlineContent?: boolean;
}

export type UpdateFeedRequest = Partial<Omit<CreateFeedRequest, 'feedType'>> & { feedType?: string };
