import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AuditAction, ErrorCode, Privilege, StorageMove } from '@stockroom/contracts';
import { isStorageError, StorageErrorCode, StorageProvider } from '@stockroom/storage';
import { createHash, randomUUID } from 'node:crypto';
import type { Principal } from '../../common/auth/principal';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AppError, badRequest } from '../../common/errors/app-error';
import { UnitOfWork } from '../../database/unit-of-work';
import { FeedContentsService, FileToCopy } from '../assets/feed-contents.service';
import { AuditService } from '../audit/audit.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from '../security/access.service';
import { maskSecrets } from './storage-settings';
import { MoveRow, StorageMovesRepository } from './storage-moves.repository';
import { StorageDescriptor, StorageService } from './storage.service';
import { JobMetrics } from '../observability/job-metrics';

const POLL_MS = 5000;
const BATCH = 32;
const PARALLEL_COPIES = 4;
const MAX_ERRORS = 100;

type CopyOutcome = { copied: number } | { skipped: true } | { error: string };

/**
 * Changing a directory's storage, and moving its files when it holds any (ProGet leaves them
 * behind; we do not).
 *
 * A move switches the directory at once: `feeds.storage` becomes the new storage, so every new
 * file is written there, and `storage_previous` keeps the old one, where reads fall back for files
 * not copied yet. A background job (this class, on whichever node holds the move's lease) copies
 * every blob, reads it back from the new storage to check its SHA-256, and, once all are there,
 * clears `storage_previous` and queues the old copies for deletion. Uploads that wrote to the old
 * storage before the switch either carry their storage with them (chunked uploads, copied at
 * completion) or are refused with a 503 to send again (see AssetUploadService.storageWrittenTo).
 * The job's progress is in its row, so a restart (or another node) carries on where it stopped.
 */
@Injectable()
export class StorageMovesService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StorageMovesService.name);
  private readonly node = randomUUID();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private runAgain = false;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly unitOfWork: UnitOfWork,
    private readonly moves: StorageMovesRepository,
    private readonly storage: StorageService,
    private readonly feeds: FeedsService,
    private readonly contents: FeedContentsService,
    private readonly audit: AuditService,
    private readonly access: AccessService,
    private readonly jobs: JobMetrics,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.runSoon(), POLL_MS);
    this.timer.unref();
    this.runSoon();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
    // Let another node take over at once instead of waiting for the lease to run out.
    await this.moves.releaseLeases(this.node).catch(() => undefined);
  }

  /**
   * Applies new settings (sealed) to a directory. Same location (new credentials, options): saved
   * as is. Another location: an empty directory just switches; one holding files starts a move,
   * after checking that the new storage works. Returns the move started, if any.
   */
  async change(actor: Principal, feed: FeedEntity, settings: StorageDescriptor): Promise<StorageMove | undefined> {
    // Disk settings without a Path mean the directory's default folder: compare and copy with it
    // spelled out (the directory keeps the settings as given, so the default follows the data dir).
    const target = this.storage.descriptorFor({ id: feed.id, storage: settings });
    const current = this.storage.descriptorFor(feed);
    if (!this.storage.sameLocation(current, target) && (await this.contents.hasFiles(feed.id))) {
      await this.checkTarget(feed, target, await this.access.has(actor, Privilege.Administer));
    }
    const move = await this.unitOfWork.run(async (tx) => {
      const storage = await this.feeds.lockStorageForSwitch(tx, feed.id);
      if (!storage) throw new AppError(ErrorCode.FeedNotFound, `Asset directory "${feed.name}" was deleted.`);
      const locked = storage.current;
      if (this.storage.sameLocation(locked, target)) {
        await this.feeds.switchStorage(tx, feed.id, { storage: settings });
        // A move in progress writes with the new credentials too.
        await this.moves.retarget(tx, feed.id, target);
        return undefined;
      }
      if (storage.previous) {
        throw new AppError(
          ErrorCode.Conflict,
          `Asset directory "${feed.name}" is still moving to its current storage: wait for the move to finish (or retry it if it failed) before choosing another one.`,
        );
      }
      const stats = await this.contents.statsOf(tx, feed.id);
      await this.feeds.switchStorage(tx, feed.id, {
        storage: settings,
        previous: stats.fileCount > 0 ? locked : null,
      });
      if (stats.fileCount === 0) return undefined;
      // Copies of these files queued for deletion (by an earlier move away from the new storage)
      // must stay: they are about to be this directory's files again.
      await this.storage.cancelDeletion(tx, await this.contents.blobKeys(tx, feed.id));
      const row = await this.moves.insert(tx, {
        id: randomUUID(),
        feed_id: feed.id,
        source: locked,
        target,
        started_by: actor.name,
        total_files: stats.fileCount,
        total_bytes: String(stats.totalBytes),
      });
      return this.toMove(row, feed.name);
    });
    await this.audit.record(actor, AuditAction.StorageChanged, {
      feed: feed.name,
      details: move ? { id: settings.id, move: move.id } : { id: settings.id },
    });
    if (move) this.runSoon();
    return move;
  }

  /** The directory's moves, newest first. */
  async list(actor: Principal, feedName: string): Promise<StorageMove[]> {
    const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, feedName);
    const rows = await this.moves.listOfFeed(feed.id);
    const detailed = await this.access.has(actor, Privilege.Administer);
    return rows.map((r) => this.toMove(r, feed.name, detailed));
  }

  /** The directory's move that is not completed yet, if any (`detailed`: see {@link toMove}). */
  async unfinished(feed: FeedEntity, detailed: boolean): Promise<StorageMove | undefined> {
    const row = await this.moves.unfinishedOfFeed(feed.id);
    return row && this.toMove(row, feed.name, detailed);
  }

  async get(actor: Principal, id: string): Promise<StorageMove> {
    const { row, feed } = await this.require(actor, id);
    return this.toMove(row, feed.name, await this.access.has(actor, Privilege.Administer));
  }

  /** Starts a failed move's copy again (files already in the new storage are only checked). */
  async retry(actor: Principal, id: string): Promise<StorageMove> {
    const { feed } = await this.require(actor, id);
    const row = await this.moves.restart(id);
    if (!row) throw new AppError(ErrorCode.Conflict, 'Only a failed move can be retried.');
    await this.audit.record(actor, AuditAction.StorageChanged, { feed: feed.name, details: { retry: id } });
    this.runSoon();
    return this.toMove(row, feed.name, await this.access.has(actor, Privilege.Administer));
  }

  /** Starts the job loop, or asks the running one to look for work again; never throws. */
  runSoon(): void {
    if (this.running) {
      this.runAgain = true;
      return;
    }
    this.running = (async () => {
      do {
        this.runAgain = false;
        for (;;) {
          if (this.stopping) return;
          const move = await this.claim().catch((e) => {
            this.logger.warn(`Could not look for storage moves: ${(e as Error).message}`);
            return undefined;
          });
          if (!move) break;
          await this.run(move).catch((e) => {
            this.jobs.storageMoveFinished('error');
            this.logger.error(`Storage move ${move.id} stopped: ${(e as Error).message}`);
          });
        }
      } while (this.runAgain && !this.stopping);
    })().finally(() => (this.running = undefined));
  }

  // ---- the job ----

  private claim(): Promise<MoveRow | undefined> {
    return this.moves.claim(this.node, this.config.storageMoveLeaseSeconds);
  }

  private async run(move: MoveRow): Promise<void> {
    const source = this.storage.providerForDescriptor(move.source);
    const target = this.storage.providerForDescriptor(move.target);
    this.logger.log(`Storage move ${move.id}: copying from ${move.source.id} to ${move.target.id}`);
    let cursor = move.cursor;
    for (;;) {
      if (this.stopping) return;
      const items = await this.contents.filesToCopy(move.feed_id, cursor, BATCH);
      if (items.length === 0) break;
      const outcomes = await inParallel(items, PARALLEL_COPIES, (item) => this.copy(item, source, target));
      let files = 0;
      let bytes = 0;
      let skipped = 0;
      const errors: { path: string; message: string }[] = [];
      outcomes.forEach((outcome, i) => {
        if ('copied' in outcome) {
          files++;
          bytes += outcome.copied;
        } else if ('error' in outcome) {
          errors.push({ path: items[i].path, message: outcome.error });
        } else {
          skipped++;
        }
      });
      this.jobs.storageMoveProgress({ copied: files, skipped, failed: errors.length }, bytes);
      cursor = items[items.length - 1].id;
      const renewed = await this.moves.recordProgress(
        move.id,
        this.node,
        { cursor, files, bytes, errors },
        MAX_ERRORS,
        this.config.storageMoveLeaseSeconds,
      );
      // Another node took over (this one stalled past its lease), or the directory is gone.
      if (!renewed) return;
    }
    await this.finish(move);
  }

  /** Copies one file's blob (unless the new storage has it already) and checks it there. */
  private async copy(item: FileToCopy, source: StorageProvider, target: StorageProvider): Promise<CopyOutcome> {
    const size = item.size;
    try {
      const present = await target.stat(item.blobKey);
      if (present?.size !== size) {
        try {
          await target.write(item.blobKey, await source.read(item.blobKey));
        } catch (e) {
          if (isStorageError(e, StorageErrorCode.NotFound) && !(await this.stillReferenced(item)))
            return { skipped: true };
          throw e;
        }
      }
      const digest = createHash('sha256');
      for await (const chunk of await target.read(item.blobKey)) digest.update(chunk as Buffer);
      const actual = digest.digest('hex');
      if (item.sha256 && actual !== item.sha256) {
        await target.delete(item.blobKey).catch(() => undefined);
        return { error: `The copy's SHA-256 is ${actual}, not ${item.sha256}; it was removed.` };
      }
      // Deleted or overwritten meanwhile: its deletion may have been swept before this copy landed.
      if (!(await this.stillReferenced(item))) {
        await target.delete(item.blobKey);
        return { skipped: true };
      }
      return { copied: size };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }

  private stillReferenced(item: FileToCopy): Promise<boolean> {
    return this.contents.stillHolds(item);
  }

  /**
   * Every file is in the new storage: the directory stops reading the old one, whose copies are
   * queued for deletion. With failures the move waits, failed, for a retry (reads keep working).
   */
  private async finish(move: MoveRow): Promise<void> {
    let outcome: 'completed' | 'failed' | undefined;
    await this.unitOfWork.run(async (tx) => {
      const current = await this.moves.lockLeased(tx, move.id, this.node);
      if (!current) return;
      if (current.failed_files > 0) {
        await this.moves.finish(tx, move.id, 'failed');
        outcome = 'failed';
        this.logger.warn(`Storage move ${move.id} failed for ${current.failed_files} file(s); retry it once fixed.`);
        return;
      }
      await this.feeds.lockStorageForSwitch(tx, move.feed_id);
      const keys = await this.contents.blobKeys(tx, move.feed_id);
      await this.storage.enqueueDeletion(tx, move.source, keys, this.config.storageMoveGraceSeconds);
      await this.feeds.switchStorage(tx, move.feed_id, { previous: null });
      await this.moves.finish(tx, move.id, 'completed');
      outcome = 'completed';
      this.logger.log(`Storage move ${move.id} completed: ${current.copied_files} file(s) copied and verified.`);
    });
    // Counted once committed (and not when another node holds the move now).
    if (outcome) this.jobs.storageMoveFinished(outcome);
    this.storage.sweepSoon();
  }

  // ---- helpers ----

  private async require(actor: Principal, id: string): Promise<{ row: MoveRow; feed: FeedEntity }> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw badRequest('A move id is a UUID.');
    const row = await this.moves.find(id);
    const feed = row && (await this.feeds.requireById(row.feed_id).catch(() => undefined));
    // One answer for a missing move and one the caller may not manage (no directory name).
    const notFound = new AppError(ErrorCode.NotFound, `No storage move "${id}".`);
    if (!feed) throw this.access.objectNotFound(actor, notFound);
    await this.access.requireOrNotFound(actor, Privilege.ManageFeed, feed, notFound);
    return { row, feed };
  }

  /** Tests the new storage before a move; `detailed`: the storage's own reason (administrators). */
  private async checkTarget(feed: FeedEntity, settings: StorageDescriptor, detailed: boolean): Promise<void> {
    const result = await this.storage.test(this.storage.unsealed(settings), detailed);
    const failed = result.steps.find((s) => !s.ok);
    if (failed) {
      throw badRequest(
        `Cannot move "${feed.name}" to this ${settings.id} storage: the ${failed.step} step failed: ${failed.message}`,
      );
    }
  }

  /**
   * The move as the API shows it. Not `detailed` (a non-administrator): a file's copy error says
   * that it failed, not the storage's own reason (which may name hosts and ports).
   */
  private toMove(row: MoveRow, feed: string, detailed = true): StorageMove {
    return {
      id: row.id,
      feed,
      state: row.state,
      from: maskSecrets(row.source),
      to: maskSecrets(row.target),
      startedBy: row.started_by,
      startedAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
      finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
      totalFiles: row.total_files,
      totalBytes: Number(row.total_bytes),
      copiedFiles: row.copied_files,
      copiedBytes: Number(row.copied_bytes),
      failedFiles: row.failed_files,
      errors: detailed
        ? row.errors
        : row.errors.map(({ path, message }) => ({
            path,
            message: message.startsWith("The copy's SHA-256")
              ? message
              : 'The copy failed; an administrator can see why.',
          })),
    };
  }
}

/** Runs `work` over `items` with at most `limit` at once; results in the items' order. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
