import type { ReplicationJob, ReplicationRun, ReplicationRunFile } from '@stockroom/contracts';
import type { JobRow, RunFileRow, RunRow } from './replication.repository';

const MASK = '********';

/* Rows → the API's JSON (contracts/replication.ts). */

export function toRun(r: RunRow): ReplicationRun {
  return {
    id: String(r.id),
    jobId: String(r.job_id),
    trigger: r.trigger,
    state: r.state,
    startedBy: r.started_by,
    startedAt: new Date(r.started_at).toISOString(),
    ...(r.finished_at ? { finishedAt: new Date(r.finished_at).toISOString() } : {}),
    comparedFiles: r.compared_files,
    copiedFiles: Number(r.copied_files),
    deletedFiles: Number(r.deleted_files),
    skippedFiles: r.skipped_files + Number(r.refused_files),
    failedFiles: Number(r.failed_files),
    bytes: Number(r.bytes),
    resumed: r.resumed,
    ...(r.error ? { error: r.error } : {}),
  };
}

export function toFile(f: RunFileRow): ReplicationRunFile {
  return { path: f.path, outcome: f.outcome, size: Number(f.size), ...(f.reason ? { reason: f.reason } : {}) };
}

/** A job as the API shows it: the key masked, the next scheduled run (`next`) and the last run. */
export function toJob(r: JobRow, feed: string, last: RunRow | null, next: Date | null): ReplicationJob {
  return {
    id: String(r.id),
    feed,
    remoteUrl: r.remote_url,
    remoteFeed: r.remote_feed,
    mode: r.mode,
    apiKey: r.api_key ? MASK : '',
    schedule: r.schedule,
    deletes: r.deletes,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    ...(next ? { nextRun: next.toISOString() } : {}),
    lastRun: last ? toRun(last) : null,
  };
}
