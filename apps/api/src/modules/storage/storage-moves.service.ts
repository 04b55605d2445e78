import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AuditAction, ErrorCode, Privilege, StorageMove } from '@stockroom/contracts';
import { isStorageError, StorageErrorCode, StorageProvider } from '@stockroom/storage';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AppError, badRequest } from '../../common/errors/app-error';
import { AuditService } from '../audit/audit.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from '../security/access.service';
import { maskSecrets } from './storage-settings';
import { StorageDescriptor, StorageService } from './storage.service';

const POLL_MS = 5000;
const BATCH = 32;
const PARALLEL_COPIES = 4;
const MAX_ERRORS = 100;

interface MoveRow {
  id: string;
  feed_id: number;
  state: 'copying' | 'completed' | 'failed';
  source: StorageDescriptor;
  target: StorageDescriptor;
  started_by: string;
  cursor: string;
  total_files: number;
  total_bytes: string;
  copied_files: number;
  copied_bytes: string;
  failed_files: number;
  errors: { path: string; message: string }[];
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

interface ItemToCopy {
  id: string;
  path: string;
  blob_key: string;
  sha256: string | null;
  size: string;
}

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
    private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly feeds: FeedsService,
    private readonly audit: AuditService,
    private readonly access: AccessService,
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
    await this.dataSource
      .query(`UPDATE storage_moves SET lease_until = now() WHERE lease_owner = $1 AND state = 'copying'`, [this.node])
      .catch(() => undefined);
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
    if (!this.storage.sameLocation(current, target)) {
      const files = await this.dataSource.query(
        `SELECT 1 FROM asset_items WHERE feed_id = $1 AND kind = 'file' LIMIT 1`,
        [feed.id],
      );
      if (files.length > 0) await this.checkTarget(feed, target, await this.access.has(actor, Privilege.Administer));
    }
    const move = await this.dataSource.transaction(async (manager) => {
      const rows: { storage: Record<string, unknown> | null; storage_previous: StorageDescriptor | null }[] =
        await manager.query(`SELECT storage, storage_previous FROM feeds WHERE id = $1 FOR UPDATE`, [feed.id]);
      if (rows.length === 0) throw new AppError(ErrorCode.FeedNotFound, `Asset directory "${feed.name}" was deleted.`);
      const locked = this.storage.descriptorFor({ id: feed.id, storage: rows[0].storage });
      if (this.storage.sameLocation(locked, target)) {
        await manager.query(`UPDATE feeds SET storage = $2 WHERE id = $1`, [feed.id, JSON.stringify(settings)]);
        // A move in progress writes with the new credentials too.
        await manager.query(`UPDATE storage_moves SET target = $2 WHERE feed_id = $1 AND state <> 'completed'`, [
          feed.id,
          JSON.stringify(target),
        ]);
        return undefined;
      }
      if (rows[0].storage_previous) {
        throw new AppError(
          ErrorCode.Conflict,
          `Asset directory "${feed.name}" is still moving to its current storage: wait for the move to finish (or retry it if it failed) before choosing another one.`,
        );
      }
      const [stats]: { files: string; bytes: string }[] = await manager.query(
        `SELECT count(*) AS files, coalesce(sum(size), 0) AS bytes FROM asset_items WHERE feed_id = $1 AND kind = 'file'`,
        [feed.id],
      );
      await manager.query(`UPDATE feeds SET storage = $2, storage_previous = $3 WHERE id = $1`, [
        feed.id,
        JSON.stringify(settings),
        Number(stats.files) > 0 ? JSON.stringify(locked) : null,
      ]);
      if (Number(stats.files) === 0) return undefined;
      // Copies of these files queued for deletion (by an earlier move away from the new storage)
      // must stay: they are about to be this directory's files again.
      await manager.query(
        `DELETE FROM blob_deletions WHERE blob_key IN
           (SELECT blob_key FROM asset_items WHERE feed_id = $1 AND blob_key IS NOT NULL)`,
        [feed.id],
      );
      const [row]: MoveRow[] = await manager.query(
        `INSERT INTO storage_moves (id, feed_id, state, source, target, started_by, total_files, total_bytes)
         VALUES ($1, $2, 'copying', $3, $4, $5, $6, $7) RETURNING *`,
        [randomUUID(), feed.id, JSON.stringify(locked), JSON.stringify(target), actor.name, stats.files, stats.bytes],
      );
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
    const rows: MoveRow[] = await this.dataSource.query(
      `SELECT * FROM storage_moves WHERE feed_id = $1 ORDER BY created_at DESC LIMIT 100`,
      [feed.id],
    );
    const detailed = await this.access.has(actor, Privilege.Administer);
    return rows.map((r) => this.toMove(r, feed.name, detailed));
  }

  /** The directory's move that is not completed yet, if any (`detailed`: see {@link toMove}). */
  async unfinished(feed: FeedEntity, detailed: boolean): Promise<StorageMove | undefined> {
    const rows: MoveRow[] = await this.dataSource.query(
      `SELECT * FROM storage_moves WHERE feed_id = $1 AND state <> 'completed' ORDER BY created_at DESC LIMIT 1`,
      [feed.id],
    );
    return rows[0] && this.toMove(rows[0], feed.name, detailed);
  }

  async get(actor: Principal, id: string): Promise<StorageMove> {
    const { row, feed } = await this.require(actor, id);
    return this.toMove(row, feed.name, await this.access.has(actor, Privilege.Administer));
  }

  /** Starts a failed move's copy again (files already in the new storage are only checked). */
  async retry(actor: Principal, id: string): Promise<StorageMove> {
    const { feed } = await this.require(actor, id);
    const [rows]: [MoveRow[], number] = await this.dataSource.query(
      `UPDATE storage_moves SET state = 'copying', cursor = 0, copied_files = 0, copied_bytes = 0, failed_files = 0,
         errors = '[]', lease_owner = NULL, lease_until = NULL, finished_at = NULL, updated_at = now()
       WHERE id = $1 AND state = 'failed' RETURNING *`,
      [id],
    );
    if (rows.length === 0) throw new AppError(ErrorCode.Conflict, 'Only a failed move can be retried.');
    await this.audit.record(actor, AuditAction.StorageChanged, { feed: feed.name, details: { retry: id } });
    this.runSoon();
    return this.toMove(rows[0], feed.name, await this.access.has(actor, Privilege.Administer));
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
          await this.run(move).catch((e) =>
            this.logger.error(`Storage move ${move.id} stopped: ${(e as Error).message}`),
          );
        }
      } while (this.runAgain && !this.stopping);
    })().finally(() => (this.running = undefined));
  }

  // ---- the job ----

  private async claim(): Promise<MoveRow | undefined> {
    const [rows]: [MoveRow[], number] = await this.dataSource.query(
      `UPDATE storage_moves SET lease_owner = $1, lease_until = now() + make_interval(secs => $2), updated_at = now()
       WHERE id = (SELECT id FROM storage_moves
                   WHERE state = 'copying' AND (lease_until IS NULL OR lease_until < now())
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [this.node, this.config.storageMoveLeaseSeconds],
    );
    return rows[0];
  }

  private async run(move: MoveRow): Promise<void> {
    const source = this.storage.providerForDescriptor(move.source);
    const target = this.storage.providerForDescriptor(move.target);
    this.logger.log(`Storage move ${move.id}: copying from ${move.source.id} to ${move.target.id}`);
    let cursor = move.cursor;
    for (;;) {
      if (this.stopping) return;
      const items: ItemToCopy[] = await this.dataSource.query(
        `SELECT id, path, blob_key, sha256, size FROM asset_items
         WHERE feed_id = $1 AND kind = 'file' AND blob_key IS NOT NULL AND id > $2 ORDER BY id LIMIT $3`,
        [move.feed_id, cursor, BATCH],
      );
      if (items.length === 0) break;
      const outcomes = await inParallel(items, PARALLEL_COPIES, (item) => this.copy(item, source, target));
      let files = 0;
      let bytes = 0;
      const errors: { path: string; message: string }[] = [];
      outcomes.forEach((outcome, i) => {
        if ('copied' in outcome) {
          files++;
          bytes += outcome.copied;
        } else if ('error' in outcome) {
          errors.push({ path: items[i].path, message: outcome.error });
        }
      });
      cursor = items[items.length - 1].id;
      const renewed = await this.dataSource.query(
        `UPDATE storage_moves SET cursor = $3, copied_files = copied_files + $4, copied_bytes = copied_bytes + $5,
           failed_files = failed_files + $6,
           errors = CASE WHEN jsonb_array_length(errors) >= $7 THEN errors ELSE errors || $8::jsonb END,
           lease_until = now() + make_interval(secs => $9), updated_at = now()
         WHERE id = $1 AND lease_owner = $2 AND state = 'copying' RETURNING id`,
        [
          move.id,
          this.node,
          cursor,
          files,
          bytes,
          errors.length,
          MAX_ERRORS,
          JSON.stringify(errors),
          this.config.storageMoveLeaseSeconds,
        ],
      );
      // Another node took over (this one stalled past its lease), or the directory is gone.
      if (renewed[0].length === 0) return;
    }
    await this.finish(move);
  }

  /** Copies one file's blob (unless the new storage has it already) and checks it there. */
  private async copy(item: ItemToCopy, source: StorageProvider, target: StorageProvider): Promise<CopyOutcome> {
    const size = Number(item.size);
    try {
      const present = await target.stat(item.blob_key);
      if (present?.size !== size) {
        try {
          await target.write(item.blob_key, await source.read(item.blob_key));
        } catch (e) {
          if (isStorageError(e, StorageErrorCode.NotFound) && !(await this.stillReferenced(item)))
            return { skipped: true };
          throw e;
        }
      }
      const digest = createHash('sha256');
      for await (const chunk of await target.read(item.blob_key)) digest.update(chunk as Buffer);
      const actual = digest.digest('hex');
      if (item.sha256 && actual !== item.sha256) {
        await target.delete(item.blob_key).catch(() => undefined);
        return { error: `The copy's SHA-256 is ${actual}, not ${item.sha256}; it was removed.` };
      }
      // Deleted or overwritten meanwhile: its deletion may have been swept before this copy landed.
      if (!(await this.stillReferenced(item))) {
        await target.delete(item.blob_key);
        return { skipped: true };
      }
      return { copied: size };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }

  private async stillReferenced(item: ItemToCopy): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM asset_items WHERE id = $1 AND blob_key = $2`, [
      item.id,
      item.blob_key,
    ]);
    return rows.length > 0;
  }

  /**
   * Every file is in the new storage: the directory stops reading the old one, whose copies are
   * queued for deletion. With failures the move waits, failed, for a retry (reads keep working).
   */
  private async finish(move: MoveRow): Promise<void> {
    await this.dataSource.transaction(async (manager: EntityManager) => {
      const [current]: MoveRow[] = await manager.query(
        `SELECT * FROM storage_moves WHERE id = $1 AND lease_owner = $2 AND state = 'copying' FOR UPDATE`,
        [move.id, this.node],
      );
      if (!current) return;
      if (current.failed_files > 0) {
        await manager.query(
          `UPDATE storage_moves SET state = 'failed', finished_at = now(), updated_at = now(), lease_owner = NULL,
             lease_until = NULL WHERE id = $1`,
          [move.id],
        );
        this.logger.warn(`Storage move ${move.id} failed for ${current.failed_files} file(s); retry it once fixed.`);
        return;
      }
      await manager.query(`SELECT id FROM feeds WHERE id = $1 FOR UPDATE`, [move.feed_id]);
      const keys: { blob_key: string }[] = await manager.query(
        `SELECT blob_key FROM asset_items WHERE feed_id = $1 AND blob_key IS NOT NULL`,
        [move.feed_id],
      );
      await this.storage.enqueueDeletion(
        manager,
        move.source,
        keys.map((k) => k.blob_key),
        this.config.storageMoveGraceSeconds,
      );
      await manager.query(`UPDATE feeds SET storage_previous = NULL WHERE id = $1`, [move.feed_id]);
      await manager.query(
        `UPDATE storage_moves SET state = 'completed', finished_at = now(), updated_at = now(), lease_owner = NULL,
           lease_until = NULL WHERE id = $1`,
        [move.id],
      );
      this.logger.log(`Storage move ${move.id} completed: ${current.copied_files} file(s) copied and verified.`);
    });
    this.storage.sweepSoon();
  }

  // ---- helpers ----

  private async require(actor: Principal, id: string): Promise<{ row: MoveRow; feed: FeedEntity }> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw badRequest('A move id is a UUID.');
    const rows: MoveRow[] = await this.dataSource.query(`SELECT * FROM storage_moves WHERE id = $1`, [id]);
    const feed = rows[0] && (await this.feeds.requireById(rows[0].feed_id).catch(() => undefined));
    // One answer for a missing move and one the caller may not manage (no directory name).
    const notFound = new AppError(ErrorCode.NotFound, `No storage move "${id}".`);
    if (!feed) throw this.access.objectNotFound(actor, notFound);
    await this.access.requireOrNotFound(actor, Privilege.ManageFeed, feed, notFound);
    return { row: rows[0], feed };
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
