import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AuditAction, ErrorCode, Privilege, type FileHistorySettings } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { AppError, badRequest } from '../../common/errors/app-error';
import { Tx, UnitOfWork } from '../../database/unit-of-work';
import { AuditService } from '../audit/audit.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from '../security/access.service';
import { LockedStorage, StorageService } from '../storage/storage.service';
import type { AssetItemRow } from './asset-item.row';
import type { AssetTarget } from './asset-target';
import { AssetVersionRow, AssetVersionsRepository } from './asset-versions.repository';
import { AssetsRepository, ItemPath } from './assets.repository';
import { AssetEvents } from './asset-events';

/** How often each node looks for versions past their directory's `keepDays`. */
const AGE_SWEEP_INTERVAL_MS = 10 * 60_000;
/** Versions dropped per transaction by the age sweep. */
const AGE_SWEEP_BATCH = 1000;
const DAY_MS = 86_400_000;

/** Who replaced a file, as versions record it: a user's name or a key's description. */
export function replacedBy(actor: Principal): string | null {
  return actor.kind === 'anonymous' ? null : actor.name;
}

/**
 * [ext] File history (issue 17 §1): what an overwrite or a delete does with the content it replaces
 * (a version when the directory keeps history, else its blob is reclaimed), the versions' listing,
 * restore, and pruning by `keep` (at write time) and `keepDays` (a periodic sweep, safe on several
 * nodes: each batch is claimed with SKIP LOCKED).
 *
 * A blob may be named by a file and by versions at once (a restore shares the version's blob): it
 * is queued for deletion only once no file and no version names it, checked in the transaction
 * that dropped the last name (a restore locks the version it copies, so it cannot race the drop).
 */
@Injectable()
export class FileHistoryService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FileHistoryService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly versions: AssetVersionsRepository,
    private readonly items: AssetsRepository,
    private readonly storage: StorageService,
    private readonly feeds: FeedsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly events: AssetEvents,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.sweepSoon(), AGE_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private sweepSoon(): void {
    this.running ??= this.dropAged()
      .catch((e) => this.logger.warn(`File history sweep failed: ${(e as Error).message}`))
      .finally(() => (this.running = undefined));
  }

  /**
   * Inside the caller's transaction, after the files' rows were replaced or deleted: records their
   * previous content as versions when the directory keeps history (and drops those beyond `keep`),
   * else reclaims their blobs. `items` are the rows as they were (locked by the caller).
   */
  async retire(
    tx: Tx,
    feed: FeedEntity,
    storage: LockedStorage,
    items: AssetItemRow[],
    how: { by: string | null; deleted: boolean },
  ): Promise<void> {
    const files = items.filter((i) => i.kind === 'file');
    if (files.length === 0) return;
    const history = feed.fileHistory;
    const keys = files.flatMap((f) => (f.blob_key ? [f.blob_key] : []));
    if (!history?.enabled) {
      await this.reclaim(tx, storage, keys);
      return;
    }
    // The older versions beyond `keep` go before the new ones come: a version's bytes count against
    // the quota, checked as each statement ends (VersionUsage migration), so the peak is the result.
    const recorded = history.keep > 0 ? files.filter((f) => f.blob_key) : [];
    const recordedLowers = new Set(recorded.map((f) => f.path_lower));
    const others = files.map((f) => f.path_lower).filter((l) => !recordedLowers.has(l));
    const limit = this.ageLimit(history);
    const dropped = [
      ...(await this.versions.prunePaths(tx, feed.id, [...recordedLowers], history.keep - 1, limit)),
      ...(await this.versions.prunePaths(tx, feed.id, others, history.keep, limit)),
    ];
    if (recorded.length > 0) await this.versions.record(tx, feed.id, recorded, { ...how, at: this.clock.now() });
    await this.reclaim(tx, storage, history.keep > 0 ? dropped : [...keys, ...dropped]);
  }

  /**
   * Inside the caller's transaction, as the rows of the item at `from` (and below) move to `to`:
   * their histories follow — the versions of deleted files under a moved folder too —, numbered
   * after what the new paths already had (see AssetVersionsRepository.moveSubtree), pruned to the
   * target directory's `keep` when it keeps history. Within one storage the versions keep their
   * blobs; across storages `newKeys` names, by version id, their blobs streamed into the target's
   * storage (the caller checked, under lock, that they are the versions there are).
   */
  async follow(
    tx: Tx,
    from: { feed: FeedEntity; path: string; lower: string },
    to: { feed: FeedEntity; storage: LockedStorage; path: ItemPath },
    newKeys?: { ids: string[]; keys: string[] },
  ): Promise<void> {
    await this.versions.moveSubtree(
      tx,
      { feedId: from.feed.id, path: from.path, lower: from.lower },
      { feedId: to.feed.id, path: to.path },
      newKeys,
    );
    const history = to.feed.fileHistory;
    if (history?.enabled) {
      const dropped = await this.versions.pruneSubtree(
        tx,
        to.feed.id,
        to.path.lower,
        history.keep,
        this.ageLimit(history),
      );
      await this.reclaim(tx, to.storage, dropped);
    }
  }

  /** The versions (with their blobs) of the item at `lower` and below; locked when `tx` is given. */
  versionBlobs(feedId: number, lower: string, tx?: Tx) {
    return this.versions.subtreeBlobs(feedId, lower, tx);
  }

  /** The bytes of the versions of the item at `lower` and below (a move into another directory brings them). */
  versionBytes(feedId: number, lower: string, tx?: Tx): Promise<number> {
    return this.versions.subtreeBytes(feedId, lower, tx);
  }

  /**
   * The bytes that replacing these files frees in the quota's count (before a body is read): theirs
   * without history; with it, those of the older versions the overwrite drops beyond `keep` (the old
   * content itself is kept and still counts, the new content is added). Inside a transaction, pass
   * it: a second pool connection taken while holding the usage lock could wait for ever.
   */
  async freedByReplacing(
    feed: Pick<FeedEntity, 'id' | 'fileHistory'>,
    replaced: Pick<AssetItemRow, 'size' | 'path_lower'>[],
    tx?: Tx,
  ): Promise<number> {
    const history = feed.fileHistory;
    const sizes = replaced.reduce((sum, r) => sum + Number(r.size ?? 0), 0);
    if (!history?.enabled || replaced.length === 0) return sizes;
    const lowers = replaced.map((r) => r.path_lower);
    const limit = this.ageLimit(history);
    if (history.keep === 0) return sizes + (await this.versions.prunableBytes(feed.id, lowers, 0, limit, tx));
    return this.versions.prunableBytes(feed.id, lowers, history.keep - 1, limit, tx);
  }

  /** Queues the blobs of `keys` that no file and no version names any more (in `tx`). */
  async reclaim(tx: Tx, storage: LockedStorage, keys: string[]): Promise<void> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return;
    const [byFiles, byVersions] = [await this.items.namedBlobs(tx, unique), await this.versions.named(tx, unique)];
    const unnamed = unique.filter((k) => !byFiles.has(k) && !byVersions.has(k));
    await this.storage.enqueueDeletion(tx, storage, unnamed);
  }

  private ageLimit(history: FileHistorySettings): Date | undefined {
    return history.keepDays > 0 ? new Date(this.clock.now().getTime() - history.keepDays * DAY_MS) : undefined;
  }

  /**
   * `GET versions/{p}`: the path's versions, newest first (404 when it has none and no file is
   * there); with `deleted`, the latest version of each deleted file under the folder `p`.
   */
  async list(actor: Principal, target: AssetTarget, deleted: boolean): Promise<AssetVersionRow[]> {
    const { feed, path } = target;
    await this.access.require(actor, Privilege.View, feed);
    if (deleted) return this.versions.listDeleted(feed.id, path.lower);
    if (path.segments.length === 0) throw new AppError(ErrorCode.NotFound, 'The directory root has no versions.');
    const rows = await this.versions.list(feed.id, path.lower);
    if (rows.length === 0) {
      const item = await this.items.find(feed.id, path.lower);
      if (!item) throw new AppError(ErrorCode.NotFound, `"${path.path}" has no versions and no file.`);
      if (item.kind === 'dir') throw new AppError(ErrorCode.IsFolder, `"${path.path}" is a folder.`);
    }
    return rows;
  }

  /** One version of a path (for a download); the caller checked the privilege. */
  async find(target: AssetTarget, version: number): Promise<AssetVersionRow> {
    const row = await this.versions.find(target.feed.id, target.path.lower, version);
    if (!row) throw new AppError(ErrorCode.NotFound, `"${target.path.path}" has no version ${version}.`);
    return row;
  }

  /**
   * `POST restore/{p}?version=n`: makes the version the current file again (also for a deleted
   * file), sharing its blob; the file it replaces becomes a version when history is on. Needs
   * Overwrite, and Add when nothing is at the path. A version whose blob is gone from storage is a
   * 409 and changes nothing.
   */
  async restore(actor: Principal, target: AssetTarget, version: number): Promise<{ version: number }> {
    const { feed, path } = target;
    if (path.segments.length === 0) throw badRequest('A file path is required.');
    await this.access.require(actor, Privilege.Overwrite, feed);
    if (!(await this.items.find(feed.id, path.lower))) await this.access.require(actor, Privilege.Add, feed);
    const outcome = await this.unitOfWork.run(async (tx) => {
      const storage = await this.feeds.lockStorage(tx, feed.id);
      const now = this.clock.now();
      const inTheWay = await this.items.ensureFolders(tx, feed.id, path.segments.slice(0, -1), now);
      if (inTheWay) throw new AppError(ErrorCode.IsFile, `Cannot restore "${path.path}": "${inTheWay}" is a file.`);
      // The file first, then the version: the order every writer of this path takes.
      const current = await this.items.lock(tx, feed.id, path.lower);
      if (current?.kind === 'dir') throw new AppError(ErrorCode.IsFolder, `"${path.path}" is a folder.`);
      const row = await this.versions.find(feed.id, path.lower, version, tx);
      if (!row) throw new AppError(ErrorCode.NotFound, `"${path.path}" has no version ${version}.`);
      if (!current) await this.access.require(actor, Privilege.Add, feed); // deleted meanwhile
      if (!(await this.blobExists(feed, row.blob_key))) {
        throw new AppError(
          ErrorCode.Conflict,
          `Version ${version} of "${path.path}" cannot be restored: its content is no longer in storage.`,
        );
      }
      const restored = {
        blobKey: row.blob_key,
        size: Number(row.size),
        mediaType: row.media_type ?? 'application/octet-stream',
        hashes: { md5: row.md5 ?? '', sha1: row.sha1 ?? '', sha256: row.sha256 ?? '', sha512: row.sha512 ?? '' },
      };
      const extras = { userMetadata: row.user_metadata, cacheHeader: row.cache_header };
      if (current) {
        await this.items.restoreFile(tx, current.id, restored, extras, now);
        await this.retire(tx, feed, storage, [current], { by: replacedBy(actor), deleted: false });
      } else {
        if (!(await this.items.insertFile(tx, feed.id, path, restored, now)))
          throw new AppError(ErrorCode.Conflict, `"${path.path}" was created meanwhile: try again.`);
        const inserted = await this.items.lock(tx, feed.id, path.lower);
        if (inserted) await this.items.restoreFile(tx, inserted.id, restored, extras, now);
      }
      await this.events.at(tx, actor, feed, 'file.restored', [path.lower], { version });
      return current ? 'overwritten' : 'created';
    });
    this.storage.sweepSoon();
    await this.audit.record(actor, AuditAction.AssetRestored, {
      feed: feed.name,
      target: path.path,
      details: { version, replaced: outcome === 'overwritten' },
    });
    return { version };
  }

  private async blobExists(feed: FeedEntity, key: string): Promise<boolean> {
    if (await this.storage.providerFor(feed).stat(key)) return true;
    return feed.storagePrevious
      ? (await this.storage.providerForDescriptor(feed.storagePrevious).stat(key)) !== null
      : false;
  }

  /**
   * Drops the versions past their directory's `keepDays` (a directory whose history was switched
   * off keeps its settings' age limit: its versions still age out) and reclaims their blobs.
   */
  async dropAged(): Promise<number> {
    let dropped = 0;
    for (const { feed_id, oldest } of await this.versions.feedsWithVersions()) {
      const feed = await this.feeds.requireById(feed_id).catch(() => undefined); // deleted meanwhile
      const history = feed?.fileHistory;
      if (!feed || !history || history.keepDays <= 0) continue;
      const limit = this.ageLimit(history) as Date;
      if (new Date(oldest).getTime() >= limit.getTime()) continue;
      for (;;) {
        const count = await this.unitOfWork.run(async (tx) => {
          const storage = await this.feeds.lockStorage(tx, feed.id);
          const keys = await this.versions.pruneOlderThan(tx, feed.id, limit, AGE_SWEEP_BATCH);
          await this.reclaim(tx, storage, keys);
          return keys.length;
        });
        dropped += count;
        if (count < AGE_SWEEP_BATCH) break;
      }
    }
    if (dropped > 0) {
      this.logger.log(`Dropped ${dropped} file version(s) past their directory's keepDays`);
      this.storage.sweepSoon();
    }
    return dropped;
  }
}
