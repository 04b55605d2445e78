import type { ConnectorSettings } from './connector';
import type { Privilege } from './privileges';
import type { StorageKind } from './storage';

/**
 * [ext] What a directory accepts: `allow` (default) every write; `create-only` new paths only (a path
 * once written is never overwritten or deleted); `read-only` no write at all.
 */
export type WritePolicy = 'allow' | 'create-only' | 'read-only';

export const WRITE_POLICIES: readonly WritePolicy[] = ['allow', 'create-only', 'read-only'];

/**
 * [ext] File history of a directory: overwritten or deleted files keep their previous content as
 * numbered versions. `keep`: versions kept per path (0 keeps none); `keepDays`: versions older than
 * that are dropped (0: no age limit). Off by default; an update replaces the whole object.
 */
export interface FileHistorySettings {
  enabled: boolean;
  keep: number;
  keepDays: number;
}

export const FILE_HISTORY_OFF: FileHistorySettings = { enabled: false, keep: 10, keepDays: 0 };

/** One kept version of a file (`GET /endpoints/{dir}/versions/{path}`), newest first. */
export interface FileVersion {
  /** Only in a `?deleted=true` listing of a folder: the deleted file's path. */
  path?: string;
  version: number;
  size: number;
  /** When this content was written. */
  modified: string;
  /** When it stopped being the current file (overwritten, deleted or replaced by a restore). */
  replacedAt: string;
  /** Who replaced it: a user name or an API key's description. */
  replacedBy: string | null;
  /** It was the file's content when the file was deleted. */
  deleted: boolean;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  sha512: string | null;
  type: string | null;
}

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
  /** [ext] What the directory accepts (default `allow`); only an administrator may change it. */
  writePolicy?: WritePolicy;
  /** [ext] The most bytes its files and their kept versions may take; null = no quota. Only an administrator may set it. */
  quotaBytes?: number | null;
  /**
   * [ext] The bytes its current files and kept file versions take, each counted in full (what the quota
   * is checked against).
   */
  quotaUsedBytes?: number;
  /** [ext] File history (see FileHistorySettings). */
  fileHistory?: FileHistorySettings;
  /** [ext] The caller's privileges on this directory: the console offers only what they may do. */
  privileges?: Privilege[];
  /** [ext] How many files the directory holds (folders not counted). */
  fileCount?: number;
  /** [ext] The total size of its files, in bytes. */
  totalBytes?: number;
  /** [ext] Its storage provider. */
  storageType?: StorageKind;
  /** [ext] Its upstream (secrets masked); absent (or null) = none. Only an administrator may set or change it. */
  connector?: ConnectorSettings | null;
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
  writePolicy?: WritePolicy;
  quotaBytes?: number | null;
  fileHistory?: FileHistorySettings;
  /** [ext] Partial settings are completed with CONNECTOR_DEFAULTS; null removes the upstream. */
  connector?: (Partial<ConnectorSettings> & Pick<ConnectorSettings, 'url' | 'type'>) | null;
}

export type UpdateFeedRequest = Partial<Omit<CreateFeedRequest, 'feedType'>> & { feedType?: string };
