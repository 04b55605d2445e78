import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AuditAction, ErrorCode, MultipartStatus, Privilege } from '@stockroom/contracts';
import { isStorageError, newBlobKey, StorageErrorCode, StorageProvider } from '@stockroom/storage';
import { randomUUID } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { Tx, UnitOfWork } from '../../database/unit-of-work';
import { Clock } from '../../common/clock';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { principalKey, type Principal } from '../../common/auth/principal';
import { AppError, badRequest } from '../../common/errors/app-error';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../security/access.service';
import { LockedStorage, StorageDescriptor, StorageService } from '../storage/storage.service';
import { FeedsService } from '../feeds/feeds.service';
import { DirectoryPolicy, ReplacedFile } from '../feeds/directory-policy.service';
import type { FeedEntity } from '../feeds/feed.entity';
import type { AssetItemRow } from './asset-item.row';
import { AssetTarget, requireNewNames } from './asset-target';
import { AssetsRepository, ItemPath, NewFileContent } from './assets.repository';
import { ParallelHashSession, stopIdleHashWorkers } from './hash-workers';
import { FileHashes, HashingStream, SavedHashState } from './hashing';
import { resolveMediaType, specificMediaType } from './media-type';
import { MultipartRepository, MultipartUploadRow } from './multipart.repository';
import { TransferMetrics } from '../observability/transfer-metrics';
import { FileHistoryService, replacedBy } from './file-history.service';
import { AssetEvents } from './asset-events';

/** POST = create or overwrite, PUT = create only, PATCH = overwrite only (spec §2 #3-5). */
export type UploadMode = 'upsert' | 'create' | 'overwrite';

/**
 * One part of a chunked upload (spec §4), as the client declared it: integers already checked to be
 * whole and not negative (`totalParts` ≥ 1), `id` the client's name for the upload.
 */
export interface MultipartPart {
  id: string;
  index: number;
  offset: number;
  totalSize: number;
  partSize: number;
  totalParts: number;
}

export interface UploadRequest {
  body: Readable;
  contentType?: string;
  contentLength?: number;
}

/** [ext] A body stored on the server's behalf (a connector's fetch): see AssetUploadService.store. */
export interface StoreRequest extends UploadRequest {
  /** The file's modification time (the upstream's Last-Modified); now when absent. */
  modifiedAt?: Date;
  /** Replace only while the file's content is still this one. */
  ifSha1?: string;
  /** Runs inside the commit's transaction, with the stored content's SHA-1. */
  within?: (tx: Tx, sha1: string) => Promise<void>;
}

/** Who a connector's stores are written by (no user, no key: never the owner of a placeholder). */
const CONNECTOR_ACTOR: Principal = { kind: 'api-key', name: 'connector', credential: 'anonymous', address: '' };

/** A file row as the write policy sees it. */
export function replacedFile(row: AssetItemRow): ReplacedFile {
  return {
    path: row.path,
    size: Number(row.size ?? 0),
    createdAt: new Date(row.created_at),
    placeholderBy: row.placeholder_by,
  };
}

function invalidMultipart(message: string): AppError {
  return new AppError(ErrorCode.InvalidMultipart, message);
}

/** A full store, said with the directory's name and never the blob's key (507). */
function storageFull(e: unknown, feed: FeedEntity): unknown {
  return isStorageError(e, StorageErrorCode.InsufficientStorage)
    ? new AppError(ErrorCode.InsufficientStorage, `The storage of asset directory "${feed.name}" is full.`)
    : e;
}

/**
 * Every way bytes become a file: single uploads, chunked (multipart) uploads, and the commit
 * that archive imports share. Privileges and limits are checked before the body is read; the
 * body streams once through the hashes into storage; one transaction makes it visible.
 */
@Injectable()
export class AssetUploadService implements OnApplicationShutdown {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly items: AssetsRepository,
    private readonly multipart: MultipartRepository,
    private readonly storage: StorageService,
    private readonly feeds: FeedsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly transfers: TransferMetrics,
    private readonly policy: DirectoryPolicy,
    private readonly history: FileHistoryService,
    private readonly events: AssetEvents,
  ) {}

  onApplicationShutdown(): Promise<void> {
    return stopIdleHashWorkers();
  }

  /** Returns whether the file came into being or replaced one. */
  async upload(
    actor: Principal,
    target: AssetTarget,
    mode: UploadMode,
    request: UploadRequest,
  ): Promise<'created' | 'overwritten'> {
    const existing = await this.checkWritable(actor, target, mode);
    const { outcome, size } = await this.write(actor, target, mode, request, existing);
    await this.recordWrite(actor, target, outcome, size);
    return outcome;
  }

  /**
   * [ext] A file a connector fetched (issue 20), stored through the same write path as an upload
   * (limits, quota, hashes, one transaction) on behalf of the server, not of whoever asked for it:
   * no privilege check. `ifSha1` replaces the file only while it still has that content (a local
   * upload meanwhile wins); `within` runs in the commit's transaction.
   */
  async store(
    target: AssetTarget,
    mode: 'create' | 'overwrite',
    request: StoreRequest,
  ): Promise<{ outcome: 'created' | 'overwritten'; size: number; sha1: string }> {
    const { path } = target;
    const { rows, existing } = await this.fileSlot(target);
    // What the connector creates follows the rules for new names, as an upload's would.
    requireNewNames(path, new Set(rows.map((r) => r.path_lower)));
    return this.write(CONNECTOR_ACTOR, target, mode, request, existing);
  }

  /** The body into storage through the hashes, then one transaction; checks of the caller already done. */
  private async write(
    actor: Principal,
    target: AssetTarget,
    mode: UploadMode,
    request: StoreRequest,
    existing: AssetItemRow | undefined,
  ): Promise<{ outcome: 'created' | 'overwritten'; size: number; sha1: string }> {
    const { feed, path } = target;
    const max = this.config.maxUploadBytes;
    if (max > 0 && request.contentLength !== undefined && request.contentLength > max) {
      throw new AppError(
        ErrorCode.PayloadTooLarge,
        `The upload is ${request.contentLength} bytes; the limit is ${max}.`,
      );
    }
    // The quota, before the body is read when its length is known, else while it streams (cut off as
    // soon as it passes what is left). The exact check is the usage trigger's, in the commit.
    const left = await this.policy.assertRoomFor(
      feed,
      request.contentLength,
      await this.history.freedByReplacing(feed, existing ? [existing] : []),
    );
    const descriptor = this.storage.descriptorFor(feed);
    const provider = this.storage.providerForDescriptor(descriptor);
    const blobKey = newBlobKey();
    const hashing = new HashingStream(
      max,
      undefined,
      left === undefined ? undefined : { bytes: left, error: () => this.policy.streamedOverQuota(feed, left) },
    );
    let sourceError: unknown;
    pipeline(request.body, hashing, (e) => (sourceError = e ?? undefined));
    let content: NewFileContent;
    try {
      const { size } = await this.transfers.measureUpload('file', () => provider.write(blobKey, hashing));
      content = {
        blobKey,
        size,
        hashes: await hashing.digest(),
        mediaType: resolveMediaType(request.contentType, path.name),
      };
    } catch (e) {
      // A failed write leaves nothing; a failed digest after it would leave the blob. The hashing
      // session goes too (a store that refused the body may never have read it to the end).
      hashing.destroy();
      hashing.discard();
      await provider.delete(blobKey).catch(() => undefined);
      throw sourceError instanceof AppError ? sourceError : storageFull(e, feed);
    }
    if (request.modifiedAt) content.modifiedAt = request.modifiedAt;
    const outcome = await this.commitOrDiscard(provider, blobKey, async (manager) => {
      const done = await this.commitFile(
        manager,
        actor,
        feed,
        await this.storageWrittenTo(manager, feed, descriptor),
        path,
        content,
        mode,
        replacedBy(actor),
        request.ifSha1,
      );
      await request.within?.(manager, content.hashes.sha1);
      return done;
    });
    return { outcome, size: content.size, sha1: content.hashes.sha1 };
  }

  private recordWrite(actor: Principal, target: AssetTarget, outcome: 'created' | 'overwritten', size: number) {
    const action = outcome === 'created' ? AuditAction.AssetUploaded : AuditAction.AssetOverwritten;
    return this.audit.record(actor, action, { feed: target.feed.name, target: target.path.path, details: { size } });
  }

  /**
   * The target's row (if any) and its ancestors', once it is clear a file can stand there: refused
   * when the path is empty, a file is above it or a folder is there.
   */
  private async fileSlot(target: AssetTarget): Promise<{ rows: AssetItemRow[]; existing?: AssetItemRow }> {
    const { feed, path } = target;
    if (path.segments.length === 0) throw badRequest('A file path is required.');
    const rows = await this.items.findWithAncestors(feed.id, path.segments);
    const existing = rows.find((r) => r.path_lower === path.lower);
    const blockingFile = rows.find((r) => r.path_lower !== path.lower && r.kind === 'file');
    if (blockingFile)
      throw new AppError(ErrorCode.IsFile, `Cannot write "${path.path}": "${blockingFile.path}" is a file.`);
    if (existing?.kind === 'dir') throw new AppError(ErrorCode.IsFolder, `"${path.path}" is a folder.`);
    return { rows, existing };
  }

  /**
   * Checks, before any byte is read, that the target can take a file and the actor may write it:
   * Add for a new file, Overwrite for an existing one, and the directory's write policy. Returns the
   * file the write would replace, if any.
   */
  async checkWritable(actor: Principal, target: AssetTarget, mode: UploadMode): Promise<AssetItemRow | undefined> {
    const { feed, path } = target;
    const { rows, existing } = await this.fileSlot(target);
    if (existing && mode === 'create') throw new AppError(ErrorCode.AlreadyExists, `"${path.path}" already exists.`);
    if (!existing && mode === 'overwrite') throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found.`);
    // Filling one's own fresh 0-byte placeholder completes a create (WebDAV clients' LOCK, or empty
    // PUT, then the body): Add is enough, as the write policy's placeholder rule already says.
    const fillsPlaceholder = existing !== undefined && this.policy.isOwnPlaceholder(actor, replacedFile(existing));
    await this.access.require(actor, existing && !fillsPlaceholder ? Privilege.Overwrite : Privilege.Add, feed);
    this.policy.assertCanWrite(actor, feed, existing ? { replaces: [replacedFile(existing)] } : { creates: true });
    // The file and any folder the upload creates get new names: those follow the rules for new names.
    requireNewNames(path, new Set(rows.map((r) => r.path_lower)));
    return existing;
  }

  /**
   * The directory's storage, share-locked for the caller's transaction, after checking that it is
   * still the one new blobs were written to: a storage move that started meanwhile makes the
   * upload a 503 to send again (its blobs are discarded), never a file whose bytes are elsewhere.
   */
  async storageWrittenTo(manager: Tx, feed: FeedEntity, written: StorageDescriptor): Promise<LockedStorage> {
    const locked = await this.feeds.lockStorage(manager, feed.id);
    if (!this.storage.sameLocation(locked.current, written)) {
      throw new AppError(
        ErrorCode.ServiceUnavailable,
        `Asset directory "${feed.name}" moved to another storage during the upload: send it again.`,
        { retryAfterSeconds: 1 },
      );
    }
    return locked;
  }

  /**
   * Makes `content` the file at `path` inside the caller's transaction: creates missing parent
   * folders, applies the mode's rules and the directory's policies (as committed: a policy or quota
   * changed during the upload counts), and retires the replaced content (a version when the directory
   * keeps file history, else its blob is queued for deletion). `by` names who replaced it.
   */
  async commitFile(
    manager: Tx,
    actor: Principal,
    feed: FeedEntity,
    storage: LockedStorage,
    path: ItemPath,
    content: NewFileContent,
    mode: UploadMode,
    by: string | null,
    ifSha1?: string,
  ): Promise<'created' | 'overwritten'> {
    // First, before any item row: concurrent writes to the directory take turns from here (see lockUsage).
    const usage = await this.policy.lockUsage(manager, feed.id);
    const current = { ...feed, writePolicy: usage.writePolicy };
    // The quota is checked by the triggers on asset_items, as the rows change.
    const { outcome, replacedBytes } = await this.putFile(
      manager,
      actor,
      current,
      storage,
      path,
      content,
      mode,
      by,
      ifSha1,
    );
    await this.events.at(manager, actor, feed, outcome === 'created' ? 'file.created' : 'file.updated', [path.lower]);
    // What the use now is, under the lock: this worker's next checks before a body start from it.
    this.policy.noteUsage(feed.id, { ...usage, usedBytes: usage.usedBytes + content.size - replacedBytes });
    return outcome;
  }

  private async putFile(
    manager: Tx,
    actor: Principal,
    feed: FeedEntity,
    storage: LockedStorage,
    path: ItemPath,
    content: NewFileContent,
    mode: UploadMode,
    by: string | null,
    ifSha1?: string,
  ): Promise<{ outcome: 'created' | 'overwritten'; replacedBytes: number }> {
    const now = this.clock.now();
    let existing: AssetItemRow | null = null;
    while (!existing) {
      const inTheWay = await this.items.ensureFolders(manager, feed.id, path.segments.slice(0, -1), now);
      if (inTheWay) throw new AppError(ErrorCode.IsFile, `Cannot write "${path.path}": "${inTheWay}" is a file.`);
      this.policy.assertCanWrite(actor, feed, { creates: true });
      if (
        mode !== 'overwrite' &&
        (await this.items.insertFile(manager, feed.id, path, content, now, principalKey(actor)))
      )
        return { outcome: 'created', replacedBytes: 0 };
      existing = await this.items.lock(manager, feed.id, path.lower);
      // Deleted by a concurrent request between the insert and the lock: POST/PUT create it again.
      if (!existing && mode === 'overwrite') throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found.`);
    }
    if (existing.kind === 'dir') throw new AppError(ErrorCode.IsFolder, `"${path.path}" is a folder.`);
    if (mode === 'create') throw new AppError(ErrorCode.AlreadyExists, `"${path.path}" already exists.`);
    // A conditional replace (a connector's revalidation): not over a file that changed meanwhile, and
    // not with the same content (no new version of an unchanged file).
    if (ifSha1 !== undefined && existing.sha1 !== ifSha1)
      throw new AppError(ErrorCode.Conflict, `"${path.path}" changed meanwhile.`);
    if (ifSha1 !== undefined && content.hashes.sha1 === ifSha1)
      throw new AppError(ErrorCode.Conflict, `"${path.path}" is unchanged.`);
    this.policy.assertCanWrite(actor, feed, { replaces: [replacedFile(existing)] });
    // Before the versions change (read in this transaction: it holds the usage lock).
    const replacedBytes = await this.history.freedByReplacing(feed, [existing], manager);
    await this.items.replaceFile(manager, existing.id, content, now);
    // A placeholder filled by its writer (the empty-POST-then-body habit) leaves no version behind.
    if (existing.placeholder_by !== null && Number(existing.size ?? 0) === 0)
      await this.history.reclaim(manager, storage, existing.blob_key ? [existing.blob_key] : []);
    else await this.history.retire(manager, feed, storage, [existing], { by, deleted: false });
    return { outcome: 'overwritten', replacedBytes };
  }

  /** Runs the commit; on failure the new blob is removed so nothing is left half-written. */
  private async commitOrDiscard<T>(
    provider: StorageProvider,
    blobKey: string,
    work: (m: Tx) => Promise<T>,
  ): Promise<T> {
    try {
      const result = await this.unitOfWork.run(work);
      this.storage.sweepSoon();
      return result;
    } catch (e) {
      await provider.delete(blobKey).catch(() => undefined);
      throw e;
    }
  }

  // ---- chunked upload (spec §4) ----

  /** `multipart=upload`: stores one part; the first part opens the upload. */
  async uploadPart(actor: Principal, target: AssetTarget, part: MultipartPart, request: UploadRequest): Promise<void> {
    const { feed, path } = target;
    const { id, index, offset, totalSize, partSize, totalParts } = part;
    if (index >= totalParts) throw invalidMultipart(`Part index ${index} is outside totalParts=${totalParts}.`);
    if (offset + partSize > totalSize) {
      throw invalidMultipart(`Part ${index} (offset ${offset}, size ${partSize}) extends past totalSize=${totalSize}.`);
    }
    if (partSize === 0 && totalSize > 0) throw invalidMultipart(`Part ${index} is empty.`);
    if (request.contentLength !== undefined && request.contentLength !== partSize) {
      throw invalidMultipart(
        `Part ${index} declares partSize=${partSize} but the body is ${request.contentLength} bytes.`,
      );
    }
    const max = this.config.maxUploadBytes;
    if (max > 0 && totalSize > max)
      throw new AppError(ErrorCode.PayloadTooLarge, `The upload is ${totalSize} bytes; the limit is ${max}.`);
    const existing = await this.checkWritable(actor, target, 'upsert');
    await this.policy.assertRoomFor(
      feed,
      totalSize,
      await this.history.freedByReplacing(feed, existing ? [existing] : []),
    );

    const upload = await this.openUpload(feed, path, id, totalSize, totalParts, specificMediaType(request.contentType));
    const provider = this.uploadProvider(feed, upload);
    const { overlapping, resent } = await this.multipart.checkPart(upload.id, index, offset, partSize);
    if (overlapping !== undefined) {
      throw invalidMultipart(`Part ${index} (offset ${offset}, size ${partSize}) overlaps part ${overlapping}.`);
    }

    // Parts arriving in order are hashed on the way in, so completion needs no re-read.
    const inOrder = Number(upload.hashed_bytes) === offset && !resent;
    const hashing = inOrder ? new HashingStream(0, new ParallelHashSession('resumable', upload.hash_state)) : undefined;
    let body: Readable = request.body;
    let sourceError: unknown;
    if (hashing) body = pipeline(request.body, hashing, (e) => (sourceError = e ?? undefined));
    let stored;
    let hashState: SavedHashState | undefined;
    try {
      stored = await this.transfers.measureUpload('part', () =>
        provider.writePart(upload.blob_key, upload.storage_upload_id, { index, offset, size: partSize }, body),
      );
      hashState = await hashing?.save();
    } catch (e) {
      if (isStorageError(e, StorageErrorCode.SizeMismatch)) throw invalidMultipart(`Part ${index}: ${e.message}`);
      throw sourceError instanceof AppError ? sourceError : storageFull(e, feed);
    } finally {
      hashing?.discard();
    }

    await this.unitOfWork.run(async (manager) => {
      const current = await this.multipart.find(feed.id, id, manager, true);
      if (!current || current.id !== upload.id)
        throw invalidMultipart(`Upload "${id}" was completed or cancelled meanwhile.`);
      await this.multipart.upsertPart(manager, upload.id, { index, offset, size: partSize, token: stored.token });
      const hashed = Number(current.hashed_bytes);
      if (hashState && hashed === offset) {
        await this.multipart.saveHashState(manager, upload.id, offset + partSize, hashState);
      } else if (offset < hashed) {
        // A part already folded into the hashes was replaced: completion re-reads instead.
        await this.multipart.saveHashState(manager, upload.id, 0, null);
      }
    });
  }

  /** Where an upload's parts are: the directory's storage when it was opened. */
  private uploadStorage(feed: FeedEntity, upload: MultipartUploadRow): StorageDescriptor {
    return upload.storage ?? this.storage.descriptorFor(feed);
  }

  private uploadProvider(feed: FeedEntity, upload: MultipartUploadRow): StorageProvider {
    return this.storage.providerForDescriptor(this.uploadStorage(feed, upload));
  }

  private async openUpload(
    feed: FeedEntity,
    path: ItemPath,
    id: string,
    totalSize: number,
    totalParts: number,
    mediaType: string | undefined,
  ): Promise<MultipartUploadRow> {
    const check = (row: MultipartUploadRow): MultipartUploadRow => {
      if (row.path_lower !== path.lower)
        throw invalidMultipart(`Upload "${id}" belongs to another path ("${row.path}").`);
      if (Number(row.total_size) !== totalSize) {
        throw invalidMultipart(`totalSize changed within upload "${id}": was ${row.total_size}, now ${totalSize}.`);
      }
      if (row.total_parts !== totalParts) {
        throw invalidMultipart(`totalParts changed within upload "${id}": was ${row.total_parts}, now ${totalParts}.`);
      }
      return row;
    };
    const existing = await this.multipart.find(feed.id, id);
    if (existing) {
      if (mediaType && !existing.media_type) await this.multipart.setMediaTypeIfUnset(existing.id, mediaType);
      return check(existing);
    }
    return this.unitOfWork.run(async (manager) => {
      await this.multipart.lockClientId(manager, feed.id, id);
      const raced = await this.multipart.find(feed.id, id, manager);
      if (raced) return check(raced);
      const blobKey = newBlobKey();
      const storage = this.storage.descriptorFor(feed);
      const provider = this.storage.providerForDescriptor(storage);
      const row = {
        id: randomUUID(),
        feed_id: feed.id,
        client_id: id,
        path: path.path,
        path_lower: path.lower,
        total_size: String(totalSize),
        total_parts: totalParts,
        blob_key: blobKey,
        storage_upload_id: await provider.createMultipart(blobKey, totalSize),
        media_type: mediaType ?? null,
        storage,
      };
      await this.multipart.insert(manager, row);
      return { ...row, hashed_bytes: '0', hash_state: null };
    });
  }

  /**
   * `multipart=complete`: assembles the parts into the file, atomically. An upload opened before
   * its directory moved to another storage is assembled where its parts are, then copied over.
   */
  async completeMultipart(actor: Principal, target: AssetTarget, id: string): Promise<void> {
    const { feed, path } = target;
    await this.checkWritable(actor, target, 'upsert');
    const written: { provider: StorageProvider; key: string }[] = [];
    let outcome: 'created' | 'overwritten';
    let size = 0;
    try {
      outcome = await this.unitOfWork.run(async (manager) => {
        const storage = await this.feeds.lockStorage(manager, feed.id);
        const upload = await this.multipart.find(feed.id, id, manager, true);
        if (!upload) throw invalidMultipart(`No multipart upload "${id}" is in progress.`);
        if (upload.path_lower !== path.lower)
          throw invalidMultipart(`Upload "${id}" belongs to another path ("${upload.path}").`);
        const totalSize = Number(upload.total_size);
        const parts = await this.multipart.parts(upload.id, manager);
        let expected = 0;
        for (const part of parts) {
          if (Number(part.part_offset) !== expected) {
            throw invalidMultipart(
              `Cannot complete "${id}": bytes ${expected}-${Number(part.part_offset) - 1} are missing.`,
            );
          }
          expected += Number(part.part_size);
        }
        if (expected !== totalSize)
          throw invalidMultipart(`Cannot complete "${id}": bytes ${expected}-${totalSize - 1} are missing.`);
        if (parts.length !== upload.total_parts) {
          throw invalidMultipart(
            `Cannot complete "${id}": ${parts.length} of ${upload.total_parts} parts were received.`,
          );
        }
        const uploadStorage = this.uploadStorage(feed, upload);
        const provider = this.storage.providerForDescriptor(uploadStorage);
        await provider.completeMultipart(
          upload.blob_key,
          upload.storage_upload_id,
          parts.map((p) => ({
            index: p.part_index,
            offset: Number(p.part_offset),
            size: Number(p.part_size),
            token: p.token ?? undefined,
          })),
        );
        written.push({ provider, key: upload.blob_key });
        // Only bytes that arrived out of order are read back.
        const hashes = new ParallelHashSession('resumable', upload.hash_state);
        let digest: FileHashes;
        try {
          const hashedBytes = Number(upload.hashed_bytes);
          if (hashedBytes < totalSize) {
            const rest = await provider.read(upload.blob_key, { start: hashedBytes, end: totalSize - 1 });
            for await (const chunk of rest) await hashes.update(chunk as Buffer);
          }
          digest = await hashes.digest();
        } finally {
          hashes.discard();
        }
        if (!this.storage.sameLocation(uploadStorage, storage.current)) {
          const current = this.storage.providerForDescriptor(storage.current);
          await current.write(upload.blob_key, await provider.read(upload.blob_key));
          written.push({ provider: current, key: upload.blob_key });
          await this.storage.enqueueDeletion(manager, uploadStorage, [upload.blob_key]);
        }
        const content: NewFileContent = {
          blobKey: upload.blob_key,
          size: totalSize,
          hashes: digest,
          mediaType: resolveMediaType(upload.media_type ?? undefined, path.name),
        };
        await this.multipart.delete(manager, upload.id);
        size = totalSize;
        return this.commitFile(manager, actor, feed, storage, path, content, 'upsert', replacedBy(actor));
      });
      this.storage.sweepSoon();
    } catch (e) {
      await Promise.all(written.map((w) => w.provider.delete(w.key).catch(() => undefined)));
      throw e;
    }
    await this.recordWrite(actor, target, outcome, size);
  }

  /**
   * [ext] `POST content/{p}?multipart=abort&id=`: the client gave up (the console's Cancel). The
   * parts stored so far go now instead of when the janitor finds them (24 h by default).
   */
  async abortMultipart(actor: Principal, target: AssetTarget, id: string): Promise<void> {
    const { feed, path } = target;
    await this.access.require(actor, Privilege.Add, feed);
    await this.unitOfWork.run(async (manager) => {
      // Locked: a completion of the same upload waits, then finds it gone (or this finds it done).
      const upload = await this.multipart.find(feed.id, id, manager, true);
      if (!upload || upload.path_lower !== path.lower)
        throw new AppError(ErrorCode.NotFound, `No multipart upload "${id}" is in progress for "${path.path}".`);
      await this.uploadProvider(feed, upload).abortMultipart(upload.blob_key, upload.storage_upload_id);
      await this.multipart.delete(manager, upload.id);
    });
  }

  /** `[ext]` `multipart=status`: which parts the server holds, so a client can resume. */
  async multipartStatus(actor: Principal, target: AssetTarget, id: string): Promise<MultipartStatus> {
    const { feed, path } = target;
    await this.access.require(actor, Privilege.Add, feed);
    const upload = await this.multipart.find(feed.id, id);
    if (!upload || upload.path_lower !== path.lower)
      throw new AppError(ErrorCode.NotFound, `No multipart upload "${id}" is in progress for "${path.path}".`);
    const parts = await this.multipart.parts(upload.id);
    return {
      id,
      totalSize: Number(upload.total_size),
      totalParts: upload.total_parts,
      received: parts.map((p) => p.part_index).sort((a, b) => a - b),
    };
  }
}
