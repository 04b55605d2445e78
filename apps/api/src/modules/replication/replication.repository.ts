import { Injectable } from '@nestjs/common';
import type { ReplicationMode, ReplicationRunFile, ReplicationRunState } from '@stockroom/contracts';
import { DataSource } from 'typeorm';
import { AdvisoryLocks, type LockedSession } from '../../database/advisory-locks';
import type { Tx } from '../../database/unit-of-work';

/** First key of replication's advisory locks (the second is the job id). */
const LOCK_CLASS = 0x52504c31; // 'RPL1'

/** A `replication_jobs` row as raw queries return it. */
export interface JobRow {
  id: number;
  feed_id: number;
  remote_url: string;
  remote_feed: string;
  mode: ReplicationMode;
  api_key: string | null;
  schedule: string;
  deletes: boolean;
  created_by: string;
  created_at: Date;
}

/** A `replication_runs` row with the counts of its per-file log. */
export interface RunRow {
  id: string;
  job_id: number;
  trigger: 'manual' | 'scheduled';
  slot: Date | null;
  state: ReplicationRunState;
  started_by: string;
  started_at: Date;
  finished_at: Date | null;
  compared_files: number;
  skipped_files: number;
  resumed: number;
  error: string | null;
  copied_files: string;
  deleted_files: string;
  failed_files: string;
  refused_files: string;
  bytes: string;
}

export interface RunFileRow {
  path: string;
  outcome: ReplicationRunFile['outcome'];
  size: string;
  reason: string | null;
}

export interface NewJob {
  feedId: number;
  remoteUrl: string;
  remoteFeed: string;
  mode: ReplicationMode;
  apiKey: string | null;
  schedule: string;
  deletes: boolean;
  createdBy: string;
  createdAt: Date;
}

export interface NewRun {
  jobId: number;
  trigger: 'manual' | 'scheduled';
  slot?: Date | null;
  startedBy: string;
  startedAt: Date;
}

const JOB_COLUMNS = `id, feed_id, remote_url, remote_feed, mode, api_key, schedule, deletes, created_by, created_at`;
const RUN_COLUMNS = `r.id, r.job_id, r.trigger, r.slot, r.state, r.started_by, r.started_at, r.finished_at,
  r.compared_files, r.skipped_files, r.resumed, r.error,
  COALESCE(f.copied, 0) AS copied_files, COALESCE(f.deleted, 0) AS deleted_files,
  COALESCE(f.failed, 0) AS failed_files, COALESCE(f.refused, 0) AS refused_files, COALESCE(f.bytes, 0) AS bytes`;
const RUN_FROM = `replication_runs r LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE outcome = 'copied') AS copied,
           count(*) FILTER (WHERE outcome = 'deleted') AS deleted,
           count(*) FILTER (WHERE outcome = 'failed') AS failed,
           count(*) FILTER (WHERE outcome = 'skipped') AS refused,
           sum(size) FILTER (WHERE outcome = 'copied') AS bytes
      FROM replication_run_files WHERE run_id = r.id) f ON true`;

/**
 * The only place that touches the replication tables (raw SQL rows, like retention's). A job runs
 * under its advisory lock, on a connection of its own: held while the run works, dropped with the
 * connection when the node dies, so another node (or the next start) takes the run over.
 */
@Injectable()
export class ReplicationRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly locks: AdvisoryLocks,
  ) {}

  tryLock(jobId: number): Promise<LockedSession | null> {
    return this.locks.tryLock(LOCK_CLASS, jobId);
  }

  /** This installation's UUID, made by the first node that asks (every node then reads the same one). */
  async serverId(): Promise<string> {
    await this.dataSource.query(
      `INSERT INTO replication_identity (id, server_id) VALUES (1, gen_random_uuid()) ON CONFLICT (id) DO NOTHING`,
    );
    const rows: { server_id: string }[] = await this.dataSource.query(
      `SELECT server_id FROM replication_identity WHERE id = 1`,
    );
    return rows[0].server_id;
  }

  async insertJob(j: NewJob): Promise<JobRow> {
    const rows: JobRow[] = await this.dataSource.query(
      `INSERT INTO replication_jobs (feed_id, remote_url, remote_feed, mode, api_key, schedule, deletes, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${JOB_COLUMNS}`,
      [j.feedId, j.remoteUrl, j.remoteFeed, j.mode, j.apiKey, j.schedule, j.deletes, j.createdBy, j.createdAt],
    );
    return rows[0];
  }

  async job(id: number): Promise<JobRow | null> {
    const rows: JobRow[] = await this.dataSource.query(`SELECT ${JOB_COLUMNS} FROM replication_jobs WHERE id = $1`, [
      id,
    ]);
    return rows[0] ?? null;
  }

  jobs(): Promise<JobRow[]> {
    return this.dataSource.query(`SELECT ${JOB_COLUMNS} FROM replication_jobs ORDER BY id`);
  }

  /** Jobs with a schedule (the scheduler's). */
  scheduledJobs(): Promise<JobRow[]> {
    return this.dataSource.query(`SELECT ${JOB_COLUMNS} FROM replication_jobs WHERE schedule <> '' ORDER BY id`);
  }

  async deleteJob(id: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`DELETE FROM replication_jobs WHERE id = $1 RETURNING id`, [
      id,
    ]);
    return rows.length > 0;
  }

  /**
   * Inserts a run, 'running', on the lock's connection. Null: a scheduled run whose slot already has
   * its run.
   */
  async insertRun(tx: Tx, r: NewRun): Promise<RunRow | null> {
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO replication_runs (job_id, trigger, slot, state, started_by, started_at)
       VALUES ($1, $2, $3, 'running', $4, $5)
       ON CONFLICT (job_id, slot) WHERE slot IS NOT NULL DO NOTHING RETURNING id`,
      [r.jobId, r.trigger, r.slot ?? null, r.startedBy, r.startedAt],
    );
    return rows.length === 0 ? null : this.run(rows[0].id, tx);
  }

  async run(id: string, tx: Tx = this.dataSource.manager): Promise<RunRow | null> {
    const rows: RunRow[] = await tx.query(`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE r.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** A job's runs, newest first. */
  runs(jobId: number, opts: { before?: string; limit: number }): Promise<RunRow[]> {
    return this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM}
       WHERE r.job_id = $1 AND ($2::bigint IS NULL OR r.id < $2::bigint) ORDER BY r.id DESC LIMIT $3`,
      [jobId, opts.before ?? null, opts.limit],
    );
  }

  /** The newest run of each job. */
  lastRuns(jobIds: number[]): Promise<RunRow[]> {
    return this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM}
       WHERE r.id IN (SELECT max(id) FROM replication_runs WHERE job_id = ANY($1::int[]) GROUP BY job_id)`,
      [jobIds],
    );
  }

  /** Runs left 'running': by a live node (its lock is held) or by one that stopped mid-way. */
  unfinishedRuns(jobId?: number): Promise<{ id: string; job_id: number }[]> {
    return this.dataSource.query(
      `SELECT id, job_id FROM replication_runs WHERE state = 'running' AND ($1::int IS NULL OR job_id = $1) ORDER BY id`,
      [jobId ?? null],
    );
  }

  async markResumed(tx: Tx, runId: string): Promise<void> {
    await tx.query(`UPDATE replication_runs SET resumed = resumed + 1 WHERE id = $1`, [runId]);
  }

  /** What the current pass found: files compared, and unchanged ones. */
  async setCounts(tx: Tx, runId: string, counts: { compared: number; skipped: number }): Promise<void> {
    await tx.query(`UPDATE replication_runs SET compared_files = $2, skipped_files = $3 WHERE id = $1`, [
      runId,
      counts.compared,
      counts.skipped,
    ]);
  }

  /** Records what happened to one file (a later outcome of the same path in the same run replaces it). */
  async recordFile(
    tx: Tx,
    runId: string,
    f: { path: string; outcome: ReplicationRunFile['outcome']; size: number; reason?: string | null; at: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO replication_run_files (run_id, path_lower, path, outcome, size, reason, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (run_id, path_lower) DO UPDATE
         SET path = EXCLUDED.path, outcome = EXCLUDED.outcome, size = EXCLUDED.size, reason = EXCLUDED.reason, at = EXCLUDED.at`,
      [runId, f.path.toLowerCase(), f.path, f.outcome, f.size, f.reason ?? null, f.at],
    );
  }

  /** Paths (lower-cased) this run already copied or deleted: done, whatever a later pass sees. */
  async donePaths(tx: Tx, runId: string): Promise<Set<string>> {
    const rows: { path_lower: string }[] = await tx.query(
      `SELECT path_lower FROM replication_run_files WHERE run_id = $1 AND outcome IN ('copied', 'deleted')`,
      [runId],
    );
    return new Set(rows.map((r) => r.path_lower));
  }

  files(runId: string, page: { offset?: number; limit?: number }): Promise<RunFileRow[]> {
    return this.dataSource.query(
      `SELECT path, outcome, size, reason FROM replication_run_files WHERE run_id = $1
       ORDER BY at, path_lower OFFSET $2 LIMIT $3`,
      [runId, page.offset ?? 0, page.limit ?? null],
    );
  }

  async finishRun(id: string, state: ReplicationRunState, finishedAt: Date, error?: string): Promise<void> {
    await this.dataSource.query(`UPDATE replication_runs SET state = $2, finished_at = $3, error = $4 WHERE id = $1`, [
      id,
      state,
      finishedAt,
      error ?? null,
    ]);
  }
}
