import { Injectable, Logger } from '@nestjs/common';
import { AssetTransferResult, AuditAction, ErrorCode, Privilege } from '@stockroom/contracts';
import { isStorageError, newBlobKey, StorageErrorCode, StorageProvider } from '@stockroom/storage';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { AppError, badRequest } from '../../common/errors/app-error';
import { Tx, UnitOfWork } from '../../database/unit-of-work';
import { AuditService } from '../audit/audit.service';
import { DirectoryPolicy, DirectoryUsage } from '../feeds/directory-policy.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from '../security/access.service';
import { LockedStorage, StorageDescriptor, StorageService } from '../storage/storage.service';
import type { AssetItemRow } from './asset-item.row';
import { AssetTarget, itemPath, requireNewNames } from './asset-target';
import { replacedFile } from './asset-upload.service';
import { AssetsRepository, ItemPath } from './assets.repository';
import type { TransferRequest } from './transfer-request';
import { FileHistoryService, replacedBy } from './file-history.service';
import { AssetEvents } from './asset-events';

export type TransferKind = 'move' | 'copy';

/** What a move or copy did; `replaced`: a file stood at the target (else the target was created). */
export type TransferResult = AssetTransferResult;

/** A blob streamed into the target storage under a new key (across storages). */
interface CopiedBlob {
  /** A file's row id, or a kept version's (a move takes the files' histories along). */
  id: string;
  version: boolean;
  sourceKey: string;
  newKey: string;
  size: number;
}

/** Blobs streamed at once across storages. */
const PARALLEL_COPIES = 4;

function conflict(message: string): AppError {
  return new AppError(ErrorCode.Conflict, message);
}

function isDeadlock(e: unknown): boolean {
  const err = e as { code?: string; driverError?: { code?: string } };
  return err.code === '40P01' || err.driverError?.code === '40P01';
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; driverError?: { code?: string } };
  return err.code === '23505' || err.driverError?.code === '23505';
}

/**
 * Rename, move and copy of files and whole folders, within a directory and between directories
 * (issue 17 §2); the ProGet-style `/endpoints` and (later) WebDAV call it.
 *
 * Within one storage no byte is copied: a moved row keeps its blob, a copy's rows name the same
 * blobs (the storage sweep reclaims a blob only once no file in that storage names it). Across
 * storages each blob is streamed into the target storage under a new key and checked (size and
 * SHA-256) before the rows change; if anything fails, nothing changes and the new blobs go.
 * Either way the rows change in ONE transaction with one set-based statement, however many files
 * a folder holds.
 *
 * Directory policies (issue 17 §3) apply to both ends, checked before any byte moves and again under
 * lock as committed: a move deletes at the source and creates (or replaces) at the target — a rename
 * within one directory is both there — and a copy only creates or replaces at the target; a refusal
 * refuses the whole operation. A copy, or a move into another directory, adds the subtree's bytes in
 * full to the target's use (blobs shared or not); a move within one directory changes no use.
 */
@Injectable()
export class AssetTransferService {
  private readonly logger = new Logger(AssetTransferService.name);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly items: AssetsRepository,
    private readonly storage: StorageService,
    private readonly feeds: FeedsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly history: FileHistoryService,
    private readonly policy: DirectoryPolicy,
    private readonly events: AssetEvents,
  ) {}

  /** Moves (or renames) a file or folder. Needs Delete at the source, Add (+ Overwrite to replace) at the target. */
  move(actor: Principal, source: AssetTarget, request: TransferRequest): Promise<TransferResult> {
    return this.transfer('move', actor, source, request);
  }

  /** Copies a file or folder. Needs Download at the source, Add (+ Overwrite to replace) at the target. */
  copy(actor: Principal, source: AssetTarget, request: TransferRequest): Promise<TransferResult> {
    return this.transfer('copy', actor, source, request);
  }

  private async transfer(
    kind: TransferKind,
    actor: Principal,
    source: AssetTarget,
    request: TransferRequest,
  ): Promise<TransferResult> {
    const from = source.feed;
    await this.access.require(actor, kind === 'move' ? Privilege.Delete : Privilege.Download, from);
    const toFeed = request.toDirectory === undefined ? from : await this.feeds.require(actor, request.toDirectory);
    await this.access.require(actor, Privilege.Add, toFeed);
    const to = itemPath(request.to);
    if (source.path.segments.length === 0)
      throw badRequest(`The directory root cannot be ${kind === 'move' ? 'moved' : 'copied'}; name a file or folder.`);

    const item = await this.items.find(from.id, source.path.lower);
    if (!item) throw new AppError(ErrorCode.NotFound, `"${source.path.path}" was not found.`);
    const sameFeed = toFeed.id === from.id;
    // A case-only rename ("readme" → "README") names the same item; anything else there is a target.
    const caseRename = kind === 'move' && sameFeed && to.lower === item.path_lower && to.path !== item.path;
    if (sameFeed && to.lower === item.path_lower && !caseRename)
      throw badRequest(`Cannot ${kind} "${item.path}" onto itself.`);
    if (sameFeed && to.lower.startsWith(`${item.path_lower}/`))
      throw badRequest(`Cannot ${kind} folder "${item.path}" into itself ("${to.path}" is inside it).`);

    const existing = await this.items.findWithAncestors(toFeed.id, to.segments);
    // Names kept as they are: those that exist (a case rename brings a new name into being).
    requireNewNames(to, new Set(existing.map((r) => r.path_lower).filter((l) => !(caseRename && l === to.lower))));
    const atTarget = caseRename ? undefined : existing.find((r) => r.path_lower === to.lower);
    if (atTarget) await this.checkTarget(actor, toFeed, item, atTarget, to, request.overwrite);
    // The policies and the quota, before any byte goes across (the commit checks them again as committed).
    this.checkPolicies(kind, actor, from, toFeed, item, atTarget);
    if (this.grows(kind, from, toFeed) && toFeed.quotaBytes !== null) {
      this.policy.assertFits(
        toFeed,
        await this.policy.usage(toFeed.id),
        (await this.items.subtreeBytes(from.id, item.path_lower)) +
          (kind === 'move' ? await this.history.versionBytes(from.id, item.path_lower) : 0),
        await this.replacedBytes(toFeed, atTarget),
      );
    }

    // Within one storage the rows keep or share their blobs; otherwise the bytes go across first.
    const planned = this.sameStorage(from, toFeed);
    let copied: CopiedBlob[] = [];
    let provider: StorageProvider | undefined;
    const writtenTo = this.storage.descriptorFor(toFeed);
    if (!planned) {
      provider = this.storage.providerForDescriptor(writtenTo);
      copied = await this.copyBlobs(kind, from, item, provider);
    }
    let result: TransferResult;
    try {
      result = await this.unitOfWork.run((tx) =>
        this.commit(tx, {
          kind,
          actor,
          from,
          toFeed,
          item,
          to,
          caseRename,
          overwrite: request.overwrite,
          planned,
          writtenTo,
          copied,
        }),
      );
    } catch (e) {
      if (provider) {
        const target = provider;
        await Promise.all(copied.map((c) => target.delete(c.newKey).catch(() => undefined)));
      }
      // Another change inside the same tree took locks in the other order; this one was rolled back whole.
      if (isDeadlock(e))
        throw conflict(`A concurrent change under "${item.path}" got in the way: nothing was changed; try again.`);
      throw e;
    }
    this.storage.sweepSoon();
    await this.audit.record(actor, kind === 'move' ? AuditAction.AssetMoved : AuditAction.AssetCopied, {
      feed: from.name,
      target: item.path,
      details: {
        to: to.path,
        ...(sameFeed ? {} : { toDirectory: toFeed.name }),
        kind: item.kind,
        items: result.items,
        replaced: result.replaced,
      },
    });
    return result;
  }

  /**
   * The write policies of both ends (`from` and `toFeed` with their policy as read or as committed):
   * a move deletes at the source — even a fresh 0-byte placeholder: the placeholder rule lets its
   * writer replace it once, never take the path away, as DELETE cannot either — and the target gets
   * a new path or, with `overwrite`, a replaced file (the placeholder rule applies to that one).
   */
  private checkPolicies(
    kind: TransferKind,
    actor: Principal,
    from: FeedEntity,
    toFeed: FeedEntity,
    item: Pick<AssetItemRow, 'path'>,
    atTarget: AssetItemRow | null | undefined,
  ): void {
    if (kind === 'move') this.policy.assertCanWrite(actor, from, { deletes: { count: 1, path: item.path } });
    this.policy.assertCanWrite(actor, toFeed, atTarget ? { replaces: [replacedFile(atTarget)] } : { creates: true });
  }

  /** The bytes a replaced target file frees (see FileHistoryService.freedByReplacing). */
  private replacedBytes(toFeed: FeedEntity, atTarget: AssetItemRow | null | undefined, tx?: Tx): Promise<number> {
    return this.history.freedByReplacing(toFeed, atTarget ? [atTarget] : [], tx);
  }

  /** Whether the transfer adds to the target's use: a copy, or a move into another directory. */
  private grows(kind: TransferKind, from: FeedEntity, toFeed: FeedEntity): boolean {
    return kind === 'copy' || from.id !== toFeed.id;
  }

  /** Whether both directories keep their blobs in one place (and neither is moving its files). */
  private sameStorage(a: FeedEntity, b: FeedEntity): boolean {
    if (a.id === b.id) return true;
    if (a.storagePrevious || b.storagePrevious) return false;
    return this.storage.sameLocation(this.storage.descriptorFor(a), this.storage.descriptorFor(b));
  }

  /** The same checks on what stands at the target, before anything is copied and again under lock. */
  private async checkTarget(
    actor: Principal,
    toFeed: FeedEntity,
    item: Pick<AssetItemRow, 'kind' | 'path'>,
    atTarget: Pick<AssetItemRow, 'kind' | 'path'>,
    to: ItemPath,
    overwrite: boolean,
  ): Promise<void> {
    const what = (k: string) => (k === 'dir' ? 'a folder' : 'a file');
    if (atTarget.kind !== item.kind)
      throw conflict(`Cannot put ${what(item.kind)} at "${to.path}": ${what(atTarget.kind)} is there.`);
    if (atTarget.kind === 'dir')
      throw conflict(`Folder "${atTarget.path}" already exists; folders are not merged: choose another name.`);
    if (!overwrite) throw conflict(`"${atTarget.path}" already exists: pass "overwrite": true to replace it.`);
    await this.access.require(actor, Privilege.Overwrite, toFeed);
  }

  /**
   * Streams every blob of the subtree into the target storage under new keys, checking each copy's
   * size and SHA-256 against the file's row. On failure the copies made so far are removed.
   */
  private async copyBlobs(
    kind: TransferKind,
    from: FeedEntity,
    item: AssetItemRow,
    target: StorageProvider,
  ): Promise<CopiedBlob[]> {
    // A move takes the kept versions along (their blobs too); a copy is new files without history.
    const files = [
      ...(await this.items.subtreeFiles(from.id, item.path_lower)).map((f) => ({ ...f, version: false })),
      ...(kind === 'move' ? await this.history.versionBlobs(from.id, item.path_lower) : []).map((v) => ({
        ...v,
        version: true,
      })),
    ];
    const copied: CopiedBlob[] = [];
    let next = 0;
    let failed: unknown;
    const worker = async () => {
      while (next < files.length && failed === undefined) {
        const f = files[next++];
        const newKey = newBlobKey();
        try {
          const size = Number(f.size);
          const digest = createHash('sha256');
          let bytes = 0;
          const counting = new Transform({
            transform(chunk: Buffer, _enc, done) {
              bytes += chunk.length;
              digest.update(chunk);
              done(null, chunk);
            },
          });
          const body = await this.storage.read(from, f.blob_key);
          body.on('error', (e) => counting.destroy(e));
          copied.push({ id: f.id, version: f.version, sourceKey: f.blob_key, newKey, size });
          await target.write(newKey, body.pipe(counting));
          const sha256 = digest.digest('hex');
          const stored = await target.stat(newKey);
          if (bytes !== size || (f.sha256 && sha256 !== f.sha256.trim()) || stored?.size !== size) {
            throw new AppError(
              ErrorCode.Conflict,
              `The copy of a file did not verify (expected ${size} bytes, read ${bytes}, stored ${stored?.size ?? 'none'}); nothing was changed.`,
            );
          }
        } catch (e) {
          failed ??= isStorageError(e, StorageErrorCode.NotFound)
            ? conflict(`The stored bytes of "${f.path}" are missing; nothing was changed.`)
            : e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_COPIES, files.length) }, worker));
    if (failed !== undefined) {
      await Promise.all(copied.map((c) => target.delete(c.newKey).catch(() => undefined)));
      this.logger.warn(`A copy across storages failed: ${(failed as Error).message}`);
      throw failed instanceof Error ? failed : new Error(String(failed));
    }
    return copied;
  }

  private async commit(
    tx: Tx,
    op: {
      kind: TransferKind;
      actor: Principal;
      from: FeedEntity;
      toFeed: FeedEntity;
      item: AssetItemRow;
      to: ItemPath;
      caseRename: boolean;
      overwrite: boolean;
      /** Whether the blobs stay where they are (one storage) as planned before the lock. */
      planned: boolean;
      /** Where the blobs copied across storages were written (the target directory's storage then). */
      writtenTo: StorageDescriptor;
      copied: CopiedBlob[];
    },
  ): Promise<TransferResult> {
    const { kind, from, toFeed, to } = op;
    const now = this.clock.now();
    // Both directories' storage, share-locked (a storage switch waits), in one order for every writer.
    const locked = new Map<number, LockedStorage>();
    for (const id of [...new Set([from.id, toFeed.id])].sort((a, b) => a - b))
      locked.set(id, await this.feeds.lockStorage(tx, id));
    const fromStorage = locked.get(from.id) as LockedStorage;
    const toStorage = locked.get(toFeed.id) as LockedStorage;
    const sameNow =
      from.id === toFeed.id ||
      (!fromStorage.previous &&
        !toStorage.previous &&
        this.storage.sameLocation(fromStorage.current, toStorage.current));
    // Rows about to share blobs across what became two storages would name blobs that are not there.
    // (The other way round is harmless: blobs copied into what became the same storage are just new.)
    // Blobs written to the target's storage must be where its rows will say: a storage switch
    // meanwhile (its move job may be past these rows' ids) sends the request again.
    if ((op.planned && !sameNow) || (!op.planned && !this.storage.sameLocation(op.writtenTo, toStorage.current))) {
      throw new AppError(
        ErrorCode.ServiceUnavailable,
        `The storage of "${from.name}" or "${toFeed.name}" changed during the ${kind}: send it again.`,
        { retryAfterSeconds: 1 },
      );
    }
    // The usage rows, in id order, before any item row (see DirectoryPolicy.lockUsage): writes to
    // these directories wait for this one from here, and the policies and quota are as committed (a
    // change to them waits too: the directories' rows are share-locked above).
    const usage = new Map<number, DirectoryUsage>();
    for (const id of locked.keys()) usage.set(id, await this.policy.lockUsage(tx, id));
    const fromUsage = usage.get(from.id) as DirectoryUsage;
    const toUsage = usage.get(toFeed.id) as DirectoryUsage;
    const fromNow = { ...from, writePolicy: fromUsage.writePolicy, quotaBytes: fromUsage.quotaBytes };
    const toNow = { ...toFeed, writePolicy: toUsage.writePolicy, quotaBytes: toUsage.quotaBytes };

    // The source, locked: of two moves of one folder the second waits here, then finds it gone.
    // Source and target rows are locked in one order (directory, path) by every transfer, so that two
    // crossing ones (a → b and b → a) wait for each other instead of deadlocking.
    // A lock that waited for a row another transaction then deleted or moved finds nothing, even when
    // that transaction put another row at the path: asked again (a new snapshot), it finds that one.
    const lockPath = async (feedId: number, lower: string) =>
      (await this.items.lock(tx, feedId, lower)) ?? (await this.items.lock(tx, feedId, lower));
    const lockTarget = () => (op.caseRename ? Promise.resolve(null) : lockPath(toFeed.id, to.lower));
    const targetFirst = toFeed.id < from.id || (toFeed.id === from.id && to.lower < op.item.path_lower);
    const lockedTarget = targetFirst ? await lockTarget() : undefined;
    const item = await lockPath(from.id, op.item.path_lower);
    if (!item || item.kind !== op.item.kind) throw new AppError(ErrorCode.NotFound, `"${op.item.path}" was not found.`);
    let newKeys: { ids: string[]; keys: string[] } | undefined;
    let versionKeys: { ids: string[]; keys: string[] } | undefined;
    if (!op.planned) {
      // The bytes went across before the lock: the files must still be as they were then.
      const current = await this.items.subtreeFiles(from.id, item.path_lower, tx, kind === 'move' ? 'update' : 'share');
      const fileCopies = op.copied.filter((c) => !c.version);
      const copiedFrom = new Map(fileCopies.map((c) => [c.id, c.sourceKey]));
      if (current.length !== copiedFrom.size || current.some((f) => copiedFrom.get(f.id) !== f.blob_key))
        throw conflict(`Files under "${item.path}" changed during the ${kind}: nothing was changed; try again.`);
      newKeys = { ids: fileCopies.map((c) => c.id), keys: fileCopies.map((c) => c.newKey) };
      if (kind === 'move') {
        // The kept versions too (one pruned or added meanwhile: send it again).
        const versionCopies = op.copied.filter((c) => c.version);
        const versions = await this.history.versionBlobs(from.id, item.path_lower, tx);
        const versionFrom = new Map(versionCopies.map((c) => [c.id, c.sourceKey]));
        if (versions.length !== versionFrom.size || versions.some((v) => versionFrom.get(v.id) !== v.blob_key))
          throw conflict(`File versions under "${item.path}" changed during the move: nothing was changed; try again.`);
        versionKeys = { ids: versionCopies.map((c) => c.id), keys: versionCopies.map((c) => c.newKey) };
      }
    }

    const atTarget = op.caseRename ? null : lockedTarget === undefined ? await lockTarget() : lockedTarget;
    if (atTarget) await this.checkTarget(op.actor, toFeed, item, atTarget, to, op.overwrite);
    this.checkPolicies(kind, op.actor, fromNow, toNow, item, atTarget);
    if (this.grows(kind, from, toFeed) && toUsage.quotaBytes !== null) {
      // Exact: every writer of these directories waits for the usage locks taken above.
      // A move brings the files' histories along (they count too).
      const bytes =
        (await this.items.subtreeBytes(from.id, item.path_lower, tx)) +
        (kind === 'move' ? await this.history.versionBytes(from.id, item.path_lower, tx) : 0);
      const replacedBytes = await this.replacedBytes(toNow, atTarget, tx);
      this.policy.assertFits(toNow, toUsage, bytes, replacedBytes);
      // What the use will be: this worker's next checks before an upload's body start from it.
      this.policy.noteUsage(toFeed.id, { ...toUsage, usedBytes: toUsage.usedBytes + bytes - replacedBytes });
      if (kind === 'move') this.policy.noteUsage(from.id, { ...fromUsage, usedBytes: fromUsage.usedBytes - bytes });
    }

    const inTheWay = await this.items.ensureFolders(tx, toFeed.id, to.segments.slice(0, -1), now);
    if (inTheWay) throw conflict(`Cannot put anything at "${to.path}": "${inTheWay}" is a file.`);
    let replaced = false;
    if (atTarget) {
      const removed = await this.items.deleteSubtree(tx, toFeed.id, to.lower);
      // The replaced file becomes a version where the target directory keeps file history.
      await this.history.retire(tx, toFeed, toStorage, removed, { by: replacedBy(op.actor), deleted: false });
      replaced = true;
    }

    const fromRef = { feedId: from.id, path: item.path, lower: item.path_lower };
    const toRef = { feedId: toFeed.id, path: to };
    let counts: { items: number; files: number };
    try {
      counts =
        kind === 'move'
          ? await this.items.moveSubtree(tx, fromRef, toRef, newKeys)
          : await this.items.copySubtree(tx, fromRef, toRef, now, newKeys);
    } catch (e) {
      // Something made at the target meanwhile (under it, for a folder): the transaction rolls back whole.
      if (isUniqueViolation(e))
        throw conflict(
          `Something was created at "${to.path}" meanwhile: nothing was ${kind === 'move' ? 'moved' : 'copied'}.`,
        );
      throw e;
    }
    if (kind === 'move') {
      // History follows the moved files (across storages with the versions' blobs streamed over too).
      await this.history.follow(
        tx,
        { feed: fromNow, path: item.path, lower: item.path_lower },
        { feed: toNow, storage: toStorage, path: to },
        versionKeys,
      );
    }
    if (kind === 'move' && newKeys) {
      // The old copies, in the storage the files left.
      await this.storage.enqueueDeletion(
        tx,
        fromStorage,
        op.copied.map((c) => c.sourceKey),
      );
    }
    if (kind === 'move') {
      await this.events.moved(tx, op.actor, { feed: from, path: item.path }, { feed: toFeed, lower: to.lower });
    } else {
      // A copy makes new files: each is created.
      const made = await this.items.subtreeFiles(toFeed.id, to.lower, tx);
      await this.events.byIds(
        tx,
        op.actor,
        toFeed,
        'file.created',
        made.map((f) => f.id),
        { copiedFrom: { directory: from.name, path: item.path } },
      );
    }
    return {
      kind: item.kind,
      directory: toFeed.name,
      path: to.path,
      items: counts.items,
      files: counts.files,
      bytesCopied: op.copied.reduce((sum, c) => sum + c.size, 0),
      replaced,
    };
  }
}
