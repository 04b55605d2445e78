import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AdvisoryLocks, type LockedSession } from '../../database/advisory-locks';
import type { Tx } from '../../database/unit-of-work';
import type { RetentionCandidateEntity } from './retention-candidate.entity';
import type { RetentionPreviewEntity } from './retention-preview.entity';
import type { RetentionRunKind, RetentionRunState, RetentionRunTrigger } from './retention-run.entity';
import type { RetentionSettingsEntity } from './retention-settings.entity';
import type { RetentionCandidate } from './rules/retention-evaluator';

/** First key of retention's advisory locks (the second is the directory id; 0 = maintenance). */
const LOCK_CLASS = 0x52544e31; // 'RTN1'
const INSERT_BATCH = 5000;

/** A `retention_runs` row as raw queries return it. */
export interface RunRow {
  id: string;
  kind: RetentionRunKind;
  feed_id: number | null;
  trigger: RetentionRunTrigger;
  slot: Date | null;
  dry_run: boolean;
  state: RetentionRunState;
  preview_id: string | null;
  started_by: string;
  started_at: Date;
  finished_at: Date | null;
  cursor: number;
  deleted_files: number;
  deleted_bytes: string;
  skipped_files: number;
  folders_removed: number;
  resumed: number;
  error: string | null;
  details: Record<string, unknown> | null;
  /** Joined from the preview (the directory's name is the feeds module's: see RetentionService). */
  totals: { files: number; bytes: number } | null;
}

export type CandidateRow = Pick<RetentionCandidateEntity, 'seq' | 'rule' | 'reason' | 'outcome' | 'note' | 'path'> & {
  item_id: string;
  size: string;
  created_at: Date;
  modified_at: Date;
  download_count: string;
  last_downloaded_at: Date | null;
  blob_key: string | null;
};

export type PreviewRow = Pick<RetentionPreviewEntity, 'id' | 'rules'> & {
  feed_id: number;
  created_at: Date;
  created_by: string;
  evaluated_at: Date;
  totals: Record<string, unknown>;
  applied_by: string | null;
};

export interface NewRun {
  kind: RetentionRunKind;
  feedId: number | null;
  trigger: RetentionRunTrigger;
  dryRun: boolean;
  startedBy: string;
  startedAt: Date;
  previewId?: string | null;
  slot?: Date | null;
}

const RUN_COLUMNS = `r.id, r.kind, r.feed_id, r.trigger, r.slot, r.dry_run, r.state, r.preview_id, r.started_by,
  r.started_at, r.finished_at, r.cursor, r.deleted_files, r.deleted_bytes, r.skipped_files, r.folders_removed,
  r.resumed, r.error, r.details, p.totals`;
const RUN_FROM = `retention_runs r LEFT JOIN retention_previews p ON p.id = r.preview_id`;
const CANDIDATE_COLUMNS = `seq, item_id, path, size, created_at, modified_at, download_count, last_downloaded_at,
  blob_key, rule, reason, outcome, note`;

/**
 * The only place that touches the retention tables.
 *
 * Style (the retention module's): raw SQL rows. Runs are claimed under advisory locks on a
 * connection of their own, previews are written in bulk and paged by sequence, history is pruned
 * set-wise: all SQL the entity API does not say, so the one settings row is plain SQL too.
 */
@Injectable()
export class RetentionRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly locks: AdvisoryLocks,
  ) {}

  /**
   * The directory's retention lock on a connection of its own, or null when another run holds it:
   * while it is held no other node runs that directory's rules.
   */
  tryLock(feedId: number): Promise<LockedSession | null> {
    return this.locks.tryLock(LOCK_CLASS, feedId);
  }

  async settings(): Promise<RetentionSettingsEntity> {
    const rows: RetentionSettingsEntity[] = await this.dataSource.query(
      `SELECT id, schedule, timezone, dry_run AS "dryRun", history_days AS "historyDays", updated_at AS "updatedAt"
         FROM retention_settings WHERE id = 1`,
    );
    if (!rows[0]) throw new Error('The retention settings row is missing (migrations create it).');
    return rows[0];
  }

  async saveSettings(values: Omit<RetentionSettingsEntity, 'id'>): Promise<void> {
    await this.dataSource.query(
      `UPDATE retention_settings SET schedule = $1, timezone = $2, dry_run = $3, history_days = $4, updated_at = $5
        WHERE id = 1`,
      [values.schedule, values.timezone, values.dryRun, values.historyDays, values.updatedAt],
    );
  }

  /** Stores a preview and its candidates (seq 1..n in the given order); call inside a transaction. */
  async insertPreview(
    tx: Tx,
    p: { id: string; feedId: number; createdAt: Date; createdBy: string; evaluatedAt: Date; rules: unknown[] },
    candidates: RetentionCandidate[],
    totals: Record<string, unknown>,
  ): Promise<void> {
    const previewId = p.id;
    await tx.query(
      `INSERT INTO retention_previews (id, feed_id, created_at, created_by, evaluated_at, rules, totals)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [p.id, p.feedId, p.createdAt, p.createdBy, p.evaluatedAt, JSON.stringify(p.rules), JSON.stringify(totals)],
    );
    for (let start = 0; start < candidates.length; start += INSERT_BATCH) {
      const batch = candidates.slice(start, start + INSERT_BATCH);
      const col = <T>(f: (c: RetentionCandidate) => T) => batch.map(f);
      await tx.query(
        `INSERT INTO retention_candidates (preview_id, seq, item_id, path, size, created_at, modified_at,
           download_count, last_downloaded_at, blob_key, rule, reason)
         SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::text[], $5::bigint[], $6::timestamptz[],
           $7::timestamptz[], $8::bigint[], $9::timestamptz[], $10::text[], $11::int[], $12::text[])`,
        [
          previewId,
          batch.map((_, i) => start + i + 1),
          col((c) => c.file.id),
          col((c) => c.file.path),
          col((c) => c.file.size),
          col((c) => c.file.createdAt.toISOString()),
          col((c) => c.file.modifiedAt.toISOString()),
          col((c) => c.file.downloadCount),
          col((c) => c.file.lastDownloadedAt?.toISOString() ?? null),
          col((c) => c.file.blobKey),
          col((c) => c.rule),
          col((c) => c.reason),
        ],
      );
    }
  }

  async preview(id: string): Promise<PreviewRow | null> {
    const rows: PreviewRow[] = await this.dataSource.query(
      `SELECT p.id, p.feed_id, p.created_at, p.created_by, p.evaluated_at, p.rules, p.totals,
         (SELECT min(r.id) FROM retention_runs r WHERE r.preview_id = p.id AND r.trigger = 'apply') AS applied_by
       FROM retention_previews p WHERE p.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  candidates(
    previewId: string,
    opts: { afterSeq?: number; offset?: number; limit?: number },
    tx: Tx = this.dataSource.manager,
  ): Promise<CandidateRow[]> {
    return tx.query(
      `SELECT ${CANDIDATE_COLUMNS} FROM retention_candidates WHERE preview_id = $1 AND seq > $2
       ORDER BY seq OFFSET $3 LIMIT $4`,
      [previewId, opts.afterSeq ?? 0, opts.offset ?? 0, opts.limit ?? null],
    );
  }

  /**
   * Takes the lock `lockId` (a directory's id, 0 for maintenance), runs `check` under it, and
   * inserts the run, 'running', on the lock's connection. 'locked': another run holds the lock;
   * 'slot-taken': a scheduled run whose slot already has its run. Either way nothing is held.
   */
  async startRun(
    lockId: number,
    r: NewRun,
    check?: () => Promise<void>,
  ): Promise<{ lock: LockedSession; run: RunRow } | 'locked' | 'slot-taken'> {
    const lock = await this.tryLock(lockId);
    if (!lock) return 'locked';
    try {
      await check?.();
      const rows: { id: string }[] = await lock.session.query(
        `INSERT INTO retention_runs (kind, feed_id, trigger, slot, dry_run, state, preview_id, started_by, started_at)
         VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8)
         ON CONFLICT (kind, COALESCE(feed_id, 0), slot) WHERE slot IS NOT NULL DO NOTHING RETURNING id`,
        [r.kind, r.feedId, r.trigger, r.slot ?? null, r.dryRun, r.previewId ?? null, r.startedBy, r.startedAt],
      );
      const run = rows.length === 0 ? null : await this.run(rows[0].id, lock.session);
      if (run) return { lock, run };
    } catch (e) {
      await lock.release();
      throw e;
    }
    await lock.release();
    return 'slot-taken';
  }

  async run(id: string, tx: Tx = this.dataSource.manager): Promise<RunRow | null> {
    const rows: RunRow[] = await tx.query(
      `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM}
       WHERE r.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Runs newest first; `feedIds` null = every directory; maintenance runs when asked. */
  runs(opts: { feedIds: number[] | null; maintenance: boolean; before?: string; limit: number }): Promise<RunRow[]> {
    return this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM}
       WHERE (($1::int[] IS NULL AND r.feed_id IS NOT NULL) OR r.feed_id = ANY($1::int[])
              OR ($2 AND r.feed_id IS NULL))
         AND ($3::bigint IS NULL OR r.id < $3::bigint)
       ORDER BY r.id DESC LIMIT $4`,
      [opts.feedIds, opts.maintenance, opts.before ?? null, opts.limit],
    );
  }

  /** Runs left 'running': by a live node (its lock is held) or by one that stopped mid-way. */
  async unfinishedRuns(): Promise<{ id: string; feed_id: number | null }[]> {
    return this.dataSource.query(`SELECT id, feed_id FROM retention_runs WHERE state = 'running' ORDER BY id`);
  }

  async setRunPreview(tx: Tx, runId: string, previewId: string): Promise<void> {
    await tx.query(`UPDATE retention_runs SET preview_id = $2 WHERE id = $1`, [runId, previewId]);
  }

  async markResumed(tx: Tx, runId: string): Promise<void> {
    await tx.query(`UPDATE retention_runs SET resumed = resumed + 1 WHERE id = $1`, [runId]);
  }

  /** Records what happened to a batch of candidates and moves the run's cursor past it. */
  async recordBatch(
    tx: Tx,
    run: { id: string; previewId: string },
    outcomes: { seq: number; outcome: string; note: string | null }[],
    counts: { deletedFiles: number; deletedBytes: number; skippedFiles: number; foldersRemoved: number },
  ): Promise<void> {
    await tx.query(
      `UPDATE retention_candidates c SET outcome = v.outcome, note = v.note
       FROM unnest($2::int[], $3::text[], $4::text[]) AS v(seq, outcome, note)
       WHERE c.preview_id = $1 AND c.seq = v.seq`,
      [run.previewId, outcomes.map((o) => o.seq), outcomes.map((o) => o.outcome), outcomes.map((o) => o.note)],
    );
    await tx.query(
      `UPDATE retention_runs SET cursor = $2, deleted_files = deleted_files + $3, deleted_bytes = deleted_bytes + $4,
         skipped_files = skipped_files + $5, folders_removed = folders_removed + $6 WHERE id = $1`,
      [
        run.id,
        Math.max(...outcomes.map((o) => o.seq)),
        counts.deletedFiles,
        counts.deletedBytes,
        counts.skippedFiles,
        counts.foldersRemoved,
      ],
    );
  }

  async finishRun(
    id: string,
    state: RetentionRunState,
    finishedAt: Date,
    extra: { error?: string; details?: Record<string, unknown> } = {},
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE retention_runs SET state = $2, finished_at = $3, error = $4, details = COALESCE($5, details)
       WHERE id = $1`,
      [id, state, finishedAt, extra.error ?? null, extra.details ? JSON.stringify(extra.details) : null],
    );
  }

  /** Forgets finished runs and previews older than the cutoff (a preview a kept run uses stays). */
  async purgeHistory(cutoff: Date): Promise<void> {
    await this.dataSource.query(`DELETE FROM retention_runs WHERE state <> 'running' AND started_at < $1`, [cutoff]);
    await this.dataSource.query(
      `DELETE FROM retention_previews p WHERE p.created_at < $1
         AND NOT EXISTS (SELECT 1 FROM retention_runs r WHERE r.preview_id = p.id)`,
      [cutoff],
    );
  }
}
