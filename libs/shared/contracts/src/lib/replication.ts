/** [ext] Replication between a local directory and a remote Stockroom or ProGet asset directory (`/api/replication`, Administer). */

/** `pull`: copy new and changed remote files here; `push`: send local ones there; `mirror`: make this directory an exact copy of the remote. */
export type ReplicationMode = 'pull' | 'push' | 'mirror';

export const REPLICATION_MODES: readonly ReplicationMode[] = ['pull', 'push', 'mirror'];

export interface CreateReplicationRequest {
  /** The local directory. */
  feed: string;
  /** The remote server's base URL (`https://host/`). */
  remoteUrl: string;
  remoteFeed: string;
  mode: ReplicationMode;
  /** The remote's API key (write-only: reads back as `********`). */
  apiKey?: string;
  /** Cron expression (5 or 6 fields); '' or absent = only on demand. */
  schedule?: string;
  /** Let pull and push delete what the source no longer has (mirror always does). */
  deletes?: boolean;
}

export interface ReplicationJob {
  id: string;
  feed: string;
  remoteUrl: string;
  remoteFeed: string;
  mode: ReplicationMode;
  apiKey: string;
  schedule: string;
  deletes: boolean;
  createdBy: string;
  createdAt: string;
  nextRun?: string;
  lastRun?: ReplicationRun | null;
}

export type ReplicationRunState = 'running' | 'completed' | 'failed';

export interface ReplicationRunFile {
  path: string;
  outcome: 'copied' | 'deleted' | 'skipped' | 'failed';
  size: number;
  reason?: string;
}

export interface ReplicationRun {
  id: string;
  jobId: string;
  trigger: 'manual' | 'scheduled';
  state: ReplicationRunState;
  startedBy: string;
  startedAt: string;
  finishedAt?: string;
  /** Files compared (by path and SHA-256), copied, deleted, skipped (unchanged), failed. */
  comparedFiles: number;
  copiedFiles: number;
  deletedFiles: number;
  skippedFiles: number;
  failedFiles: number;
  /** Bytes sent or received for copied files. */
  bytes: number;
  /** How many times a node took the run over after the one running it stopped. */
  resumed: number;
  error?: string;
  /** `GET /api/replication/{id}/runs/{runId}` only: the per-file log (copied, deleted, failed). */
  files?: ReplicationRunFile[];
}
