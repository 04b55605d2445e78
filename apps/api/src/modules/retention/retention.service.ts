import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  AuditAction,
  ErrorCode,
  Privilege,
  RetentionFile,
  RetentionPreview,
  RetentionRun,
  RetentionTotals,
} from '@stockroom/contracts';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { AppError } from '../../common/errors/app-error';
import type { LockedSession, TransactionRunner } from '../../database/advisory-locks';
import { UnitOfWork } from '../../database/unit-of-work';
import type { AssetItemRow } from '../assets/asset-item.row';
import { AssetsService } from '../assets/assets.service';
import { DownloadCounterService } from '../assets/download-counter.service';
import { AuditService } from '../audit/audit.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from '../security/access.service';
import { StorageService } from '../storage/storage.service';
import { CandidateRow, RetentionRepository, RunRow } from './retention.repository';
import { RetentionEvaluator, RetentionFile as EvaluatedFile } from './rules/retention-evaluator';
import { parseRetentionRules } from './rules/retention-rule';
import { JobMetrics } from '../observability/job-metrics';
import { ChangeEventsService } from '../events/change-events.service';

/** Files deleted per transaction: big enough to be quick, small enough to keep locks short. */
const BATCH = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Page {
  offset?: number;
  limit?: number;
}

function toEvaluatedFile(row: AssetItemRow): EvaluatedFile {
  return {
    id: row.id,
    path: row.path,
    parentLower: row.parent_lower,
    size: Number(row.size ?? 0),
    createdAt: new Date(row.created_at),
    modifiedAt: new Date(row.modified_at),
    downloadCount: Number(row.download_count),
    lastDownloadedAt: row.last_downloaded_at ? new Date(row.last_downloaded_at) : null,
    blobKey: row.blob_key,
  };
}

function toRetentionFile(c: CandidateRow): RetentionFile {
  return {
    path: c.path,
    size: Number(c.size),
    created: new Date(c.created_at).toISOString(),
    modified: new Date(c.modified_at).toISOString(),
    downloadCount: Number(c.download_count),
    ...(c.last_downloaded_at ? { lastDownloaded: new Date(c.last_downloaded_at).toISOString() } : {}),
    rule: c.rule,
    reason: c.reason,
    ...(c.outcome ? { outcome: c.outcome as RetentionFile['outcome'] } : {}),
    ...(c.note ? { note: c.note } : {}),
  };
}

/** `directory`: the run's directory's name (none for maintenance runs). */
function toRun(r: RunRow, directory: string | undefined): RetentionRun {
  return {
    id: Number(r.id),
    kind: r.kind,
    ...(directory ? { directory } : {}),
    trigger: r.trigger,
    dryRun: r.dry_run,
    state: r.state,
    startedBy: r.started_by,
    startedAt: new Date(r.started_at).toISOString(),
    ...(r.finished_at ? { finishedAt: new Date(r.finished_at).toISOString() } : {}),
    ...(r.slot ? { slot: new Date(r.slot).toISOString() } : {}),
    ...(r.preview_id ? { previewId: r.preview_id } : {}),
    selectedFiles: r.totals?.files ?? 0,
    selectedBytes: r.totals?.bytes ?? 0,
    handledFiles: r.cursor,
    deletedFiles: r.deleted_files,
    freedBytes: Number(r.deleted_bytes),
    skippedFiles: r.skipped_files,
    foldersRemoved: r.folders_removed,
    resumed: r.resumed,
    ...(r.error ? { error: r.error } : {}),
    ...(r.details ? { details: r.details } : {}),
  };
}

/** Deadlocks with concurrent uploads are rare and harmless to retry. */
async function retryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      const code =
        (e as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (e as { code?: string }).code;
      if (attempt >= 3 || (code !== '40P01' && code !== '40001')) throw e;
    }
  }
}

/**
 * Retention of one directory: previews (the rules' choice, frozen with reasons), runs that delete
 * exactly a frozen list, and their history. A run holds the directory's advisory lock for its whole
 * length, so one runs per directory at a time across all nodes; it works through its list in
 * transactions of {@link BATCH} files, each recording how far it got, so a run cut short (a crash,
 * a shutdown) is carried on by the next run of that directory or by the scheduler, never redone
 * or left half-applied.
 */
@Injectable()
export class RetentionService implements OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private readonly active = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly repository: RetentionRepository,
    private readonly feeds: FeedsService,
    private readonly assets: AssetsService,
    private readonly downloads: DownloadCounterService,
    private readonly storage: StorageService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly jobs: JobMetrics,
    private readonly events: ChangeEventsService,
  ) {}

  /** Stops between batches: what is left is carried on by another node or the next start. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.active]);
  }

  // ---- previews ----

  async preview(actor: Principal, name: string, page: Page): Promise<RetentionPreview> {
    const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, name);
    const id = await this.evaluate(this.unitOfWork, feed, actor.name);
    return this.getPreview(actor, id, page);
  }

  async getPreview(actor: Principal, id: string, page: Page): Promise<RetentionPreview> {
    const preview = UUID.test(id) ? await this.repository.preview(id) : null;
    // One answer for a missing preview and one the caller may not see (no directory name).
    const notFound = new AppError(ErrorCode.NotFound, `Retention preview "${id}" was not found.`);
    if (!preview) throw this.access.objectNotFound(actor, notFound);
    const feed = await this.feeds.requireById(preview.feed_id);
    await this.access.requireOrNotFound(actor, Privilege.ManageFeed, feed, notFound);
    const files = await this.repository.candidates(id, page);
    return {
      id: preview.id,
      directory: feed.name,
      createdAt: new Date(preview.created_at).toISOString(),
      createdBy: preview.created_by,
      evaluatedAt: new Date(preview.evaluated_at).toISOString(),
      rules: preview.rules,
      totals: preview.totals as unknown as RetentionTotals,
      ...(preview.applied_by ? { appliedBy: Number(preview.applied_by) } : {}),
      offset: page.offset ?? 0,
      files: files.map(toRetentionFile),
    };
  }

  /**
   * Checks the directory's rules against every file now and freezes the choice: a preview whose
   * candidates carry the facts they were chosen on. Returns its id.
   */
  private async evaluate(transactions: TransactionRunner, feed: FeedEntity, createdBy: string): Promise<string> {
    // This node's downloads not yet written count too.
    await this.downloads.flush();
    const rules = parseRetentionRules(feed.retentionRules);
    const evaluatedAt = this.clock.now();
    const evaluator = new RetentionEvaluator(rules, evaluatedAt);
    const { rows, release } = await this.assets.streamFiles(feed.id);
    try {
      for await (const row of rows as AsyncIterable<AssetItemRow>) evaluator.add(toEvaluatedFile(row));
    } finally {
      await release();
    }
    const result = evaluator.finish();
    const id = randomUUID();
    const { candidates, ...totals } = result;
    await transactions.run((tx) =>
      this.repository.insertPreview(
        tx,
        { id, feedId: feed.id, createdAt: this.clock.now(), createdBy, evaluatedAt, rules },
        candidates,
        totals,
      ),
    );
    return id;
  }

  // ---- runs ----

  /** `POST /api/retention/{directory}/apply`: deletes exactly what a preview listed. */
  async apply(actor: Principal, name: string, previewId: string): Promise<{ run: RetentionRun; done: Promise<void> }> {
    const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, name);
    const check = async () => {
      const preview = await this.repository.preview(previewId);
      if (!preview || preview.feed_id !== feed.id)
        throw new AppError(ErrorCode.NotFound, `Retention preview "${previewId}" of "${feed.name}" was not found.`);
      if (preview.applied_by)
        throw new AppError(
          ErrorCode.Conflict,
          `Retention preview "${previewId}" was already applied by run #${preview.applied_by}: make a new preview.`,
        );
    };
    return this.start(actor, feed, { trigger: 'apply', previewId }, check);
  }

  /** `POST /api/retention/{directory}/run`: checks the rules now and deletes what they select. */
  run(actor: Principal, name: string, dryRun: boolean): Promise<{ run: RetentionRun; done: Promise<void> }> {
    return this.feeds
      .requireFor(actor, Privilege.ManageFeed, name)
      .then((feed) => this.start(actor, feed, { trigger: 'manual', dryRun }));
  }

  private async start(
    actor: Principal,
    feed: FeedEntity,
    opts: { trigger: 'manual' | 'apply'; previewId?: string; dryRun?: boolean },
    check?: () => Promise<void>,
  ): Promise<{ run: RetentionRun; done: Promise<void> }> {
    const started = await this.repository.startRun(
      feed.id,
      {
        kind: 'retention',
        feedId: feed.id,
        trigger: opts.trigger,
        dryRun: await this.dryRunFor(feed, opts.dryRun),
        startedBy: actor.name,
        startedAt: this.clock.now(),
        previewId: opts.previewId,
      },
      check,
    );
    if (typeof started === 'string') {
      throw new AppError(
        ErrorCode.Conflict,
        `A retention run of "${feed.name}" is in progress: see GET /api/retention/${feed.name}/runs.`,
      );
    }
    const { lock, run: created } = started;
    // Started before anything else can fail: the lock is released when the run ends.
    const done = this.execute(lock, feed, created, false);
    await this.audit.record(actor, AuditAction.RetentionRunStarted, {
      feed: feed.name,
      details: { run: Number(created.id), trigger: opts.trigger, dryRun: created.dry_run },
    });
    return { run: toRun(created, feed.name), done };
  }

  private async dryRunFor(feed: FeedEntity, asked = false): Promise<boolean> {
    return asked || feed.retentionDryRun || (await this.repository.settings()).dryRun;
  }

  /**
   * A scheduled run of one directory for one schedule slot. Several nodes may call this at once:
   * the lock lets one in, and the slot's unique run row keeps a later node from running it again.
   */
  async runScheduled(feed: FeedEntity, slot: Date): Promise<void> {
    const started = await this.repository.startRun(feed.id, {
      kind: 'retention',
      feedId: feed.id,
      trigger: 'scheduled',
      dryRun: await this.dryRunFor(feed),
      startedBy: 'scheduler',
      startedAt: this.clock.now(),
      slot,
    });
    // 'locked': another run holds the directory, and the next tick tries again while the slot is due.
    if (typeof started !== 'string') await this.execute(started.lock, feed, started.run, false);
  }

  /**
   * Carries on every run a stopped node left 'running' (its lock went with its connection), on
   * this node, when the directory is free.
   */
  async carryOnInterrupted(): Promise<void> {
    for (const left of await this.repository.unfinishedRuns()) {
      if (this.stopping || left.feed_id === null) continue;
      const lock = await this.repository.tryLock(left.feed_id);
      if (!lock) continue; // running on a live node
      const feed = await this.feeds.requireById(left.feed_id).catch(() => null);
      const run = await this.repository.run(left.id, lock.session);
      if (!feed || run?.state !== 'running') {
        await lock.release();
        continue;
      }
      await this.execute(lock, feed, run, true);
    }
  }

  /** Works through a run holding the directory's lock, then releases it. */
  private execute(lock: LockedSession, feed: FeedEntity, run: RunRow, resumed: boolean): Promise<void> {
    const done = (async () => {
      try {
        // Runs of this directory a stopped node left behind come first: we hold the lock, so
        // nobody else is working on them.
        for (const left of await this.repository.unfinishedRuns()) {
          if (left.feed_id !== feed.id || left.id === run.id) continue;
          const interrupted = await this.repository.run(left.id, lock.session);
          if (interrupted?.state === 'running') await this.work(lock, feed, interrupted, true);
        }
        await this.work(lock, feed, run, resumed);
      } finally {
        await lock.release();
      }
    })();
    const tracked = done.catch((e) => this.logger.error(`Retention run #${run.id} stopped: ${(e as Error).message}`));
    this.active.add(tracked);
    void tracked.finally(() => this.active.delete(tracked));
    return done;
  }

  private async work(lock: LockedSession, feed: FeedEntity, run: RunRow, resumed: boolean): Promise<void> {
    try {
      if (resumed) await this.repository.markResumed(lock.session, run.id);
      let previewId = run.preview_id;
      if (!previewId) {
        previewId = await this.evaluate(lock, feed, `run #${run.id}`);
        await this.repository.setRunPreview(lock.session, run.id, previewId);
      }
      if (!(await this.process(lock, feed, run, previewId))) return; // stopping: carried on later
      await this.repository.finishRun(run.id, 'completed', this.clock.now());
      this.jobs.retentionRunFinished('completed', run.dry_run);
      const done = await this.repository.run(run.id);
      if (done && !run.dry_run && done.deleted_files > 0) {
        // No transaction of its own to join (each batch committed on its own): published once the run ended.
        await this.events.publishNow({
          type: 'retention.applied',
          feed: { id: feed.id, name: feed.name },
          actor: done.trigger === 'scheduled' ? 'system' : done.started_by,
          details: {
            run: Number(done.id),
            deletedFiles: done.deleted_files,
            deletedBytes: Number(done.deleted_bytes),
            skippedFiles: done.skipped_files,
            foldersRemoved: done.folders_removed,
          },
        });
      }
      if (done) {
        this.logger.log(
          `Retention run #${run.id} of "${feed.name}"${run.dry_run ? ' (dry run)' : ''}: ${done.deleted_files} file(s) deleted, ${done.skipped_files} skipped, ${done.deleted_bytes} bytes freed`,
        );
      }
    } catch (e) {
      const message = (e as Error).message;
      this.logger.warn(`Retention run #${run.id} of "${feed.name}" failed: ${message}`);
      this.jobs.retentionRunFinished('failed', run.dry_run);
      // When the database is what failed this may fail too: the run stays 'running' and is carried on.
      await this.repository.finishRun(run.id, 'failed', this.clock.now(), { error: message }).catch(() => undefined);
    }
  }

  /** Deletes (or, dry, only logs) the run's candidates from its cursor on. False when stopped early. */
  private async process(lock: LockedSession, feed: FeedEntity, run: RunRow, previewId: string): Promise<boolean> {
    let cursor = run.cursor;
    for (;;) {
      if (this.stopping) return false;
      const batch = await this.repository.candidates(previewId, { afterSeq: cursor, limit: BATCH }, lock.session);
      if (batch.length === 0) return true;
      // A download counted here but not yet written makes its file "changed": write them first.
      await this.downloads.flush();
      const freed = { files: 0, bytes: 0 };
      await retryOnDeadlock(() =>
        lock.run(async (tx) => {
          let skipped = new Map<string, string>();
          let foldersRemoved = 0;
          if (!run.dry_run) {
            ({ skipped, foldersRemoved } = await this.assets.removeIfUnchanged(
              tx,
              feed,
              batch.map((c) => ({
                itemId: c.item_id,
                blobKey: c.blob_key,
                modifiedAt: new Date(c.modified_at),
                downloadCount: Number(c.download_count),
              })),
            ));
          }
          const deleted = run.dry_run ? [] : batch.filter((c) => !skipped.has(c.item_id));
          freed.files = deleted.length;
          freed.bytes = deleted.reduce((sum, c) => sum + Number(c.size), 0);
          await this.repository.recordBatch(
            tx,
            { id: run.id, previewId },
            batch.map((c) => ({
              seq: c.seq,
              outcome: run.dry_run ? 'would-delete' : skipped.has(c.item_id) ? 'skipped' : 'deleted',
              note: skipped.get(c.item_id) ?? null,
            })),
            {
              deletedFiles: freed.files,
              deletedBytes: freed.bytes,
              skippedFiles: skipped.size,
              foldersRemoved,
            },
          );
        }),
      );
      // Counted once the batch's transaction committed (a retried one counts once).
      this.jobs.retentionDeleted(freed.files, freed.bytes);
      if (!run.dry_run) this.storage.sweepSoon();
      cursor = batch[batch.length - 1].seq;
    }
  }

  // ---- history ----

  async runsOf(actor: Principal, name: string, opts: { before?: string; limit: number }): Promise<RetentionRun[]> {
    const feed = await this.feeds.requireFor(actor, Privilege.View, name);
    return (await this.repository.runs({ feedIds: [feed.id], maintenance: false, ...opts })).map((r) =>
      toRun(r, feed.name),
    );
  }

  /** Runs of every directory the caller may view, and maintenance runs for administrators. */
  async allRuns(actor: Principal, opts: { before?: string; limit: number }): Promise<RetentionRun[]> {
    const viewable = await this.access.viewable(actor, await this.feeds.all());
    const admin = await this.access.has(actor, Privilege.Administer);
    const names = new Map(viewable.map((f) => [f.id, f.name]));
    const rows = await this.repository.runs({ feedIds: viewable.map((f) => f.id), maintenance: admin, ...opts });
    return rows.map((r) => toRun(r, r.feed_id === null ? undefined : names.get(r.feed_id)));
  }

  /** A run as it stands, for the caller that started it. */
  async runById(id: number): Promise<RetentionRun> {
    const row = await this.repository.run(String(id));
    if (!row) throw new AppError(ErrorCode.NotFound, `Retention run #${id} was not found.`);
    const names = await this.feeds.namesById(row.feed_id === null ? [] : [row.feed_id]);
    return toRun(row, row.feed_id === null ? undefined : names.get(row.feed_id));
  }

  async getRun(actor: Principal, id: string, page: Page): Promise<RetentionRun> {
    const row = /^\d{1,18}$/.test(id) ? await this.repository.run(id) : null;
    // Run ids are sequential: one the caller may not see answers exactly like a missing one.
    const notFound = new AppError(ErrorCode.NotFound, `Retention run #${id} was not found.`);
    if (!row) throw this.access.objectNotFound(actor, notFound);
    let directory: string | undefined;
    if (row.feed_id === null) await this.access.requireOrNotFound(actor, Privilege.Administer, undefined, notFound);
    else {
      const feed = await this.feeds.requireById(row.feed_id);
      await this.access.requireOrNotFound(actor, Privilege.View, feed, notFound);
      directory = feed.name;
    }
    const run = toRun(row, directory);
    if (row.preview_id) run.files = (await this.repository.candidates(row.preview_id, page)).map(toRetentionFile);
    return run;
  }
}
