/** [ext] Retention: previews, runs and settings (`/api/retention/...`). */

/** One file a preview selected, with the facts and the reason. */
export interface RetentionFile {
  path: string;
  size: number;
  created: string;
  modified: string;
  downloadCount: number;
  /** Omitted when never downloaded. */
  lastDownloaded?: string;
  /** 1-based index of the rule that selected the file. */
  rule: number;
  reason: string;
  /** Once a run has handled the file: what happened to it. */
  outcome?: 'deleted' | 'would-delete' | 'skipped';
  /** Why a file was skipped. */
  note?: string;
}

export interface RetentionTotals {
  /** Files and bytes selected. */
  files: number;
  bytes: number;
  /** Files and bytes the rules looked at (every file of the directory). */
  scannedFiles: number;
  scannedBytes: number;
  perRule: { rule: number; files: number; bytes: number }[];
}

export interface RetentionPreview {
  id: string;
  directory: string;
  createdAt: string;
  createdBy: string;
  /** The time the rules were checked against. */
  evaluatedAt: string;
  rules: unknown[];
  totals: RetentionTotals;
  /** The run that applied this preview, if any. */
  appliedBy?: number;
  /** The files, by path (all of them unless `limit` was given). */
  files: RetentionFile[];
  offset: number;
}

export type RetentionRunState = 'running' | 'completed' | 'failed';

export interface RetentionRun {
  id: number;
  kind: 'retention' | 'maintenance';
  /** Absent for maintenance runs. */
  directory?: string;
  trigger: 'manual' | 'scheduled' | 'apply';
  dryRun: boolean;
  state: RetentionRunState;
  startedBy: string;
  startedAt: string;
  finishedAt?: string;
  /** The schedule's fire time (scheduled runs). */
  slot?: string;
  /** The frozen list the run works through (`GET /api/retention/previews/{id}`). */
  previewId?: string;
  /** Files selected, and how many have been handled so far. */
  selectedFiles: number;
  selectedBytes: number;
  handledFiles: number;
  deletedFiles: number;
  freedBytes: number;
  skippedFiles: number;
  foldersRemoved: number;
  /** How many times a node carried the run on after the node running it stopped. */
  resumed: number;
  /** Why the run failed. */
  error?: string;
  /** Maintenance: abandonedUploads, unknownUploads, orphanBlobs. */
  details?: Record<string, unknown>;
  /** `GET /api/retention/runs/{id}` only: the per-file log. */
  files?: RetentionFile[];
}

export interface RetentionSettings {
  /** Cron expression (minute hour day month weekday; 6 fields = with seconds); '' = no scheduled runs. */
  schedule: string;
  timezone: string;
  /** Every run of every directory only logs what it would delete. */
  dryRun: boolean;
  /** Runs and previews are kept this many days. */
  historyDays: number;
  /** The next scheduled run (absent when the schedule is off). */
  nextRun?: string;
}
