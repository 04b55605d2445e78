import { Injectable } from '@nestjs/common';
import {
  AuditAction,
  ErrorCode,
  MAX_RESPONSE_HEADER_BYTES,
  Privilege,
  responseHeaderBytes,
} from '@stockroom/contracts';
import { finished, Readable } from 'node:stream';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { AppError, badRequest } from '../../common/errors/app-error';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../security/access.service';
import { StorageService } from '../storage/storage.service';
import { FeedsService } from '../feeds/feeds.service';
import { DirectoryPolicy } from '../feeds/directory-policy.service';
import type { StoredUserMetadata } from './asset-item.entity';
import type { AssetItemRow, ListedItemRow } from './asset-item.row';
import { AssetTarget, itemPath, requireNewNames } from './asset-target';
import type { FeedEntity } from '../feeds/feed.entity';
import { Tx, UnitOfWork } from '../../database/unit-of-work';
import { AssetsRepository, ItemPath } from './assets.repository';
import type { MetadataUpdate } from './metadata-update';
import { FileHistoryService, replacedBy } from './file-history.service';
import { AssetEvents } from './asset-events';

/** The per-file cap on response headers, over the metadata as it will be stored. */
function checkResponseHeaderTotal(metadata: Record<string, StoredUserMetadata>): void {
  let bytes = 0;
  for (const [key, m] of Object.entries(metadata)) {
    if (m.includeInResponseHeader) bytes += responseHeaderBytes(key, m.value);
  }
  if (bytes > MAX_RESPONSE_HEADER_BYTES) {
    throw badRequest(
      `Metadata sent as response headers would total ${bytes} bytes (names and values); the limit is ${MAX_RESPONSE_HEADER_BYTES} per file.`,
    );
  }
}

/** Item rows as an object stream (a database cursor): iterate it, or pipe it, once. */
export type ItemRowStream = Readable & AsyncIterable<ListedItemRow>;

/** What retention saw of a file when it selected it. */
export interface ExpectedFile {
  itemId: string;
  blobKey: string | null;
  modifiedAt: Date;
  downloadCount: number;
}

/** Listing, folders, deletes and metadata of the asset tree (spec §2 #8-11, #14-15). */
@Injectable()
export class AssetsService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly items: AssetsRepository,
    private readonly storage: StorageService,
    private readonly feeds: FeedsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly policy: DirectoryPolicy,
    private readonly history: FileHistoryService,
    private readonly events: AssetEvents,
  ) {}

  /**
   * The item path a request names. Names are NFC (spec §1 [ext]); an item stored decomposed (NFD)
   * before names were normalised stays reachable: at each level whose name has a decomposed form,
   * when only that form exists, it is the one used (one query per such level, none for most paths).
   */
  async resolvePath(feed: FeedEntity, segments: string[]): Promise<ItemPath> {
    const resolved: string[] = [];
    for (const segment of segments) {
      const decomposed = segment.normalize('NFD');
      if (decomposed === segment) {
        resolved.push(segment);
        continue;
      }
      const composedLower = [...resolved, segment].join('/').toLowerCase();
      const decomposedLower = [...resolved, decomposed].join('/').toLowerCase();
      const found = await this.items.existingLowers(feed.id, [composedLower, decomposedLower]);
      resolved.push(!found.has(composedLower) && found.has(decomposedLower) ? decomposed : segment);
    }
    return itemPath(resolved);
  }

  /**
   * A folder's children (recursive: its whole subtree), folders first, then files, each by name,
   * streamed from a database cursor that is released when the stream ends or is destroyed. A folder
   * that does not exist lists as empty.
   */
  async list(actor: Principal, target: AssetTarget, recursive: boolean): Promise<ItemRowStream> {
    const { feed, path } = target;
    await this.access.require(actor, Privilege.View, feed);
    if (path.segments.length > 0) {
      const folder = await this.items.find(feed.id, path.lower);
      if (folder?.kind !== 'dir') return Readable.from([]);
    }
    const { rows, release } = await this.items.streamListing(feed.id, path.lower, recursive);
    // A consumer that goes away destroys the cursor too, and the connection returns.
    finished(rows, () => void release());
    return rows;
  }

  /**
   * [ext] What is at a path, for a share link (issue 18; SharesService has checked the link, there is no
   * principal): the item's id and kind, or null. The directory root is a folder with no id.
   */
  async sharedItem(target: AssetTarget): Promise<{ id: string | null; kind: 'file' | 'dir' } | null> {
    if (target.path.segments.length === 0) return { id: null, kind: 'dir' };
    const row = await this.items.find(target.feed.id, target.path.lower);
    return row ? { id: row.id, kind: row.kind } : null;
  }

  /** [ext] A folder's children for a share link's index (as {@link list}, without a principal: see sharedItem). */
  async listShared(target: AssetTarget): Promise<ItemRowStream> {
    const { rows, release } = await this.items.streamListing(target.feed.id, target.path.lower, false);
    finished(rows, () => void release());
    return rows;
  }

  /** `POST dir/{p}`: creates the folder and its parents; fine when it exists. */
  async createFolder(actor: Principal, target: AssetTarget): Promise<void> {
    const { feed, path } = target;
    await this.access.require(actor, Privilege.Add, feed);
    if (path.segments.length === 0) return;
    this.policy.assertCanWrite(actor, feed, { creates: true });
    const existing = await this.items.findWithAncestors(feed.id, path.segments);
    requireNewNames(path, new Set(existing.map((r) => r.path_lower)));
    await this.unitOfWork.run(async (manager) => {
      const existed = (await this.items.find(feed.id, path.lower, manager)) !== null;
      const inTheWay = await this.items.ensureFolders(manager, feed.id, path.segments, this.clock.now());
      if (inTheWay)
        throw new AppError(ErrorCode.IsFile, `Cannot create folder "${path.path}": "${inTheWay}" is a file.`);
      if (!existed) await this.events.at(manager, actor, feed, 'folder.created', [path.lower]);
    });
    await this.audit.record(actor, AuditAction.FolderCreated, { feed: feed.name, target: path.path });
  }

  /**
   * Deletes a file or folder. `fileOnly` is `DELETE content/{p}` (a folder is 400); a non-empty
   * folder needs `recursive`. Missing items are fine (200).
   */
  async delete(actor: Principal, target: AssetTarget, opts: { recursive: boolean; fileOnly: boolean }): Promise<void> {
    const { feed, path } = target;
    await this.access.require(actor, Privilege.Delete, feed);
    if (path.segments.length === 0)
      throw badRequest('The directory root cannot be deleted; delete the directory instead.');
    const deleted = await this.unitOfWork.run(async (manager) => {
      // Before any item row (see DirectoryPolicy.lockUsage); the policy as committed.
      const { writePolicy } = await this.policy.lockUsage(manager, feed.id);
      const item = await this.items.lock(manager, feed.id, path.lower);
      if (!item) return undefined;
      // A folder delete that would break the policy is refused whole (a create-only folder is a path
      // once written, even empty).
      this.policy.assertCanWrite(actor, { ...feed, writePolicy }, { deletes: { count: 1, path: item.path } });
      if (item.kind === 'dir') {
        if (opts.fileOnly)
          throw new AppError(ErrorCode.IsFolder, `"${item.path}" is a folder: use POST delete/ to delete folders.`);
        if (!opts.recursive && (await this.items.hasChildren(feed.id, path.lower, manager))) {
          throw new AppError(
            ErrorCode.FolderNotEmpty,
            `Folder "${item.path}" is not empty: pass recursive=true to delete it with its contents.`,
          );
        }
      }
      const rows = await this.items.deleteSubtree(manager, feed.id, path.lower);
      // One event for what was asked: a folder's contents go with it (details.files counts them).
      const files = rows.filter((r) => r.kind === 'file' && r.blob_key).length;
      await this.events.rows(manager, actor, feed, item.kind === 'dir' ? 'folder.deleted' : 'file.deleted', [item], {
        ...(item.kind === 'dir' ? { files } : {}),
      });
      // With file history, the deleted files' content stays as versions marked deleted.
      await this.history.retire(manager, feed, await this.feeds.lockStorage(manager, feed.id), rows, {
        by: replacedBy(actor),
        deleted: true,
      });
      return { kind: item.kind, files };
    });
    this.storage.sweepSoon();
    if (deleted)
      await this.audit.record(actor, AuditAction.AssetDeleted, {
        feed: feed.name,
        target: path.path,
        details: deleted,
      });
  }

  /** Every file of a directory, grouped by folder, as a stream of rows (retention evaluates them). */
  streamFiles(feedId: number): Promise<{ rows: Readable; release: () => Promise<void> }> {
    return this.items.streamFiles(feedId);
  }

  /**
   * Retention's delete, inside the caller's transaction: deletes each file that is still as it was
   * when selected (same content, no download since), queues the blobs, and removes the folders
   * this empties. Returns, per file, null when deleted or why it was skipped.
   */
  async removeIfUnchanged(
    manager: Tx,
    feed: FeedEntity,
    expected: ExpectedFile[],
  ): Promise<{ skipped: Map<string, string>; foldersRemoved: number }> {
    // Before any item row (see DirectoryPolicy.lockUsage). Retention never deletes where the policy
    // forbids it, whatever the directory was when the run started.
    const { writePolicy } = await this.policy.lockUsage(manager, feed.id);
    if (writePolicy !== 'allow') {
      const reason = `kept: the directory is ${writePolicy}`;
      return { skipped: new Map(expected.map((e) => [e.itemId, reason])), foldersRemoved: 0 };
    }
    const current = new Map(
      (
        await this.items.lockFiles(
          manager,
          feed.id,
          expected.map((e) => e.itemId),
        )
      ).map((r) => [r.id, r]),
    );
    const skipped = new Map<string, string>();
    const doomed: string[] = [];
    for (const e of expected) {
      const row = current.get(e.itemId);
      if (!row) skipped.set(e.itemId, 'no longer there: deleted since it was selected');
      else if (row.blob_key !== e.blobKey || new Date(row.modified_at).getTime() !== e.modifiedAt.getTime())
        skipped.set(
          e.itemId,
          `changed since it was selected: new content on ${new Date(row.modified_at).toISOString()}`,
        );
      else if (Number(row.download_count) !== e.downloadCount)
        skipped.set(
          e.itemId,
          `downloaded since it was selected (${row.download_count} downloads, the last on ${new Date(row.last_downloaded_at ?? 0).toISOString()})`,
        );
      else doomed.push(e.itemId);
    }
    const { blobKeys, parents } = await this.items.deleteFiles(manager, feed.id, doomed);
    // Not through file history (retention rules apply to current files only), but a blob a kept
    // version still names (a restored file shares it) stays.
    await this.history.reclaim(manager, await this.feeds.lockStorage(manager, feed.id), blobKeys);
    const foldersRemoved = await this.items.removeEmptyFolders(manager, feed.id, parents);
    return { skipped, foldersRemoved };
  }

  async getMetadata(actor: Principal, target: AssetTarget): Promise<AssetItemRow> {
    const { feed, path } = target;
    await this.access.require(actor, Privilege.View, feed);
    const item = await this.items.find(feed.id, path.lower);
    if (!item || path.segments.length === 0) throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found.`);
    return item;
  }

  /** `POST metadata/{p}` (spec §5). Validates the whole body before changing anything. */
  async updateMetadata(actor: Principal, target: AssetTarget, update: MetadataUpdate): Promise<void> {
    const { feed, path } = target;
    await this.access.require(actor, Privilege.Add, feed);
    const item = await this.items.find(feed.id, path.lower);
    if (!item || path.segments.length === 0) throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found.`);
    // Metadata is not content: a create-only directory's files keep their bytes, not their labels.
    this.policy.assertCanWrite(actor, feed, { changesMetadata: true });

    const changes: Parameters<AssetsRepository['updateMetadata']>[1] = {};
    if (update.type !== undefined && item.kind === 'file') changes.mediaType = update.type;
    if (update.userMetadata) {
      const { mode, entries } = update.userMetadata;
      const merged = mode === 'replace' ? entries : { ...(item.user_metadata ?? {}), ...entries };
      checkResponseHeaderTotal(merged);
      changes.userMetadata = Object.keys(merged).length > 0 ? merged : null;
    }
    if (update.cacheHeader !== undefined) changes.cacheHeader = update.cacheHeader;
    await this.items.updateMetadata(item.id, changes);
    await this.audit.record(actor, AuditAction.MetadataUpdated, {
      feed: feed.name,
      target: path.path,
      details: { changed: Object.keys(changes) },
    });
  }
}
