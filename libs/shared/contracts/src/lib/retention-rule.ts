/**
 * Retention rules of an asset directory (`retentionRules` of the ProGet feed API): the stored shape
 * and the bounds, written once for the server (which enforces them) and the console (which shows
 * mistakes while typing instead of as a 400 after saving).
 */

/** One rule, normalised: only the fields that are set. A rule's conditions are ANDed. */
export interface RetentionRule {
  /** Path patterns; when set, only matching files are deleted. */
  deletePackageIds?: string[];
  /** Path patterns; matching files are never deleted by this rule. */
  keepPackageIds?: string[];
  /** Only files last modified more than n days ago (Stockroom). */
  deleteOlderThanDays?: number;
  /** Only files neither downloaded nor modified within the last n days. */
  keepUsedWithinDays?: number;
  /** Only files downloaded at most n times. */
  triggerDownloadCount?: number;
  /** In each folder, the n newest matching files are kept (Stockroom). */
  keepLatestCount?: number;
  /** Acts only while the directory (or, exclusive, the rule's matching files) holds more than this. */
  sizeTriggerKb?: number;
  /** The quota counts only the files the rule's patterns match. */
  sizeExclusive?: boolean;
}

export type RetentionIntegerField =
  | 'deleteOlderThanDays'
  | 'keepUsedWithinDays'
  | 'triggerDownloadCount'
  | 'keepLatestCount'
  | 'sizeTriggerKb';

export type RetentionPatternField = 'deletePackageIds' | 'keepPackageIds';

/** Rules per directory. */
export const RETENTION_MAX_RULES = 100;
/** Patterns per pattern field of a rule. */
export const RETENTION_MAX_PATTERNS = 100;
/** Day counts: 100 years. */
export const RETENTION_MAX_DAYS = 36500;

export interface RetentionIntegerBounds {
  min: number;
  max?: number;
  /** What the value must be, as both sides say it: "must be …". */
  expected: string;
}

export const RETENTION_INTEGER_BOUNDS: Readonly<Record<RetentionIntegerField, RetentionIntegerBounds>> = {
  deleteOlderThanDays: { min: 0, max: RETENTION_MAX_DAYS, expected: 'a whole number of days (0 or more)' },
  keepUsedWithinDays: { min: 0, max: RETENTION_MAX_DAYS, expected: 'a whole number of days (0 or more)' },
  triggerDownloadCount: { min: 0, expected: 'a whole number of downloads (0 or more)' },
  keepLatestCount: { min: 1, expected: 'a whole number of files (1 or more)' },
  sizeTriggerKb: { min: 1, expected: 'a whole number of KiB (1 or more)' },
};
