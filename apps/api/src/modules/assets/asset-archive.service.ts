import { Inject, Injectable } from '@nestjs/common';
import {
  AuditAction,
  displaySegment,
  ErrorCode,
  ImportResult,
  newNameProblem,
  parseDecodedPath,
  Privilege,
} from '@stockroom/contracts';
import { newBlobKey, ownedTempName } from '@stockroom/storage';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pipelineCb, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { Clock } from '../../common/clock';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../security/access.service';
import { StorageService } from '../storage/storage.service';
import { ArchiveError } from './archive/archive-error';
import { ArchiveFormat, parseArchiveFormat, sniffArchiveFormat } from './archive/archive-format';
import { extractArchive, inspectArchive } from './archive/archive-reader';
import { ArchiveSourceEntry, createArchiveStream } from './archive/archive-writer';
import type { ListedItemRow } from './asset-item.row';
import { AssetTarget, itemPath, requireNewName } from './asset-target';
import { AssetUploadService, replacedFile } from './asset-upload.service';
import { DirectoryPolicy } from '../feeds/directory-policy.service';
import { AssetsRepository, ItemPath, NewFileContent } from './assets.repository';
import { hashBuffer, HashingStream } from './hashing';
import { resolveMediaType } from './media-type';
import { UnitOfWork } from '../../database/unit-of-work';
import { TransferMetrics } from '../observability/transfer-metrics';
import { AssetEvents } from './asset-events';
import { FileHistoryService, replacedBy } from './file-history.service';

export interface ExportedArchive {
  mediaType: string;
  /** The name to save it under: the folder's (or directory's) name and the format's extension. */
  fileName: string;
  body: Readable;
}

export interface ImportRequest {
  format?: string;
  overwrite: boolean;
  body: Readable;
  contentLength?: number;
}

const CONTENT_TYPES: Record<ArchiveFormat, string> = { zip: 'application/zip', tgz: 'application/gzip' };

function toAppError(e: unknown): unknown {
  if (e instanceof ArchiveError)
    return new AppError(e.status === 413 ? ErrorCode.ArchiveTooLarge : ErrorCode.InvalidArchive, e.message);
  return e;
}

function parseFormat(value: string | undefined): ArchiveFormat | undefined {
  try {
    return parseArchiveFormat(value);
  } catch (e) {
    throw toAppError(e);
  }
}

/** Entries up to this size are read whole and stored several at a time; larger ones are streamed. */
const SMALL_ENTRY_BYTES = 256 * 1024;
/** Small entries being stored at once (memory: at most this × SMALL_ENTRY_BYTES). */
const SMALL_WRITES = 8;

/** The whole of a (small) stream. */
async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Length of the import target's path plus its `/`: what to cut from an item's path to get the entry's. */
function prefixOf(path: ItemPath): number {
  return path.path === '' ? 0 : path.path.length + 1;
}

/** Counts bytes of the import body and stops at the limit (413). */
function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit)
        done(new AppError(ErrorCode.ArchiveTooLarge, `The archive is larger than the limit of ${limit} bytes.`));
      else done(null, chunk);
    },
  });
}

/** `export` streams a folder as zip/tgz; `import` expands an archive, all or nothing (spec §2 #12-13). */
@Injectable()
export class AssetArchiveService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly items: AssetsRepository,
    private readonly uploads: AssetUploadService,
    private readonly storage: StorageService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly transfers: TransferMetrics,
    private readonly policy: DirectoryPolicy,
    private readonly history: FileHistoryService,
    private readonly events: AssetEvents,
  ) {}

  async export(
    actor: Principal,
    target: AssetTarget,
    formatValue: string | undefined,
    recursive: boolean,
  ): Promise<ExportedArchive> {
    await this.access.require(actor, Privilege.Download, target.feed);
    return this.exportFolder(target, formatValue, recursive);
  }

  /**
   * [ext] A folder as an archive for a share link (issue 18): no principal, the link was checked by
   * SharesService; the whole subtree, as `export?recursive=true`.
   */
  exportShared(target: AssetTarget, formatValue: string | undefined): Promise<ExportedArchive> {
    return this.exportFolder(target, formatValue, true);
  }

  private async exportFolder(
    target: AssetTarget,
    formatValue: string | undefined,
    recursive: boolean,
  ): Promise<ExportedArchive> {
    const { feed, path } = target;
    const format = parseFormat(formatValue) ?? 'zip';
    if (path.segments.length > 0) {
      const folder = await this.items.find(feed.id, path.lower);
      if (!folder) throw new AppError(ErrorCode.NotFound, `Folder "${path.path}" was not found.`);
      if (folder.kind !== 'dir') throw new AppError(ErrorCode.IsFile, `"${path.path}" is a file, not a folder.`);
    }
    const storage = this.storage;
    const items = this.items;
    const prefixLength = path.path === '' ? 0 : path.path.length + 1;
    // The cursor is opened on the first pull, so an archive that is never read holds no connection.
    async function* entries(): AsyncIterable<ArchiveSourceEntry> {
      const { rows, release } = await items.streamListing(feed.id, path.lower, recursive);
      try {
        for await (const row of rows as AsyncIterable<ListedItemRow>) {
          if (!recursive && row.kind === 'dir') continue;
          const blobKey = row.blob_key;
          yield {
            path: row.path.slice(prefixLength),
            kind: row.kind,
            size: Number(row.size ?? 0),
            modified: new Date(row.modified_at),
            open: blobKey ? () => storage.read(feed, blobKey) : undefined,
          };
        }
      } finally {
        rows.destroy();
        await release();
      }
    }
    return {
      mediaType: CONTENT_TYPES[format],
      fileName: `${path.name || feed.name}.${format}`,
      body: createArchiveStream(format, entries()),
    };
  }

  async import(actor: Principal, target: AssetTarget, request: ImportRequest): Promise<ImportResult> {
    const { feed, path } = target;
    await this.access.require(actor, Privilege.Add, feed);
    this.policy.assertCanWrite(actor, feed, { creates: true });
    let format = parseFormat(request.format);
    const limits = this.config.import;
    if (request.contentLength !== undefined && request.contentLength > limits.maxExpandedBytes) {
      throw new AppError(
        ErrorCode.ArchiveTooLarge,
        `The archive is larger than the limit of ${limits.maxExpandedBytes} bytes.`,
      );
    }
    const targetRow = path.segments.length > 0 ? await this.items.find(feed.id, path.lower) : null;
    if (targetRow?.kind === 'file') throw new AppError(ErrorCode.IsFile, `"${path.path}" is a file, not a folder.`);

    // The body goes to a temp file first: archives must be validated whole before anything is written.
    const tmpDir = join(this.config.dataDir, 'tmp');
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    // Named after this process, so that a restart removes it if a crash leaves it (multipart-janitor).
    const file = join(tmpDir, ownedTempName('import'));
    const written: string[] = [];
    const descriptor = this.storage.descriptorFor(feed);
    const provider = this.storage.providerForDescriptor(descriptor);
    try {
      await this.transfers.measureUpload('import', () =>
        pipeline(request.body, byteLimit(limits.maxExpandedBytes), createWriteStream(file, { mode: 0o600 })),
      );
      if (!format) {
        const handle = await open(file, 'r');
        const head = Buffer.alloc(4);
        await handle.read(head, 0, 4, 0).finally(() => handle.close());
        format = sniffArchiveFormat(head) ?? undefined;
        if (!format) throw new AppError(ErrorCode.InvalidArchive, 'The body is not a zip or tgz archive.');
      }
      const manifest = await inspectArchive(file, format, limits).catch((e) => Promise.reject(toAppError(e)));

      // Plan against the current tree before writing a byte.
      const full = (entryPath: string): ItemPath => itemPath([...path.segments, ...parseDecodedPath(entryPath)]);
      const folders = new Map<string, ItemPath>();
      const files = new Map<string, ItemPath>();
      for (const entry of manifest) {
        const p = full(entry.path);
        for (let i = path.segments.length + 1; i < p.segments.length; i++) {
          const folder = itemPath(p.segments.slice(0, i));
          folders.set(folder.lower, folder);
        }
        if (entry.kind === 'dir') folders.set(p.lower, p);
        else files.set(p.lower, p);
      }
      const targetFolders = path.segments.map((_, i) => itemPath(path.segments.slice(0, i + 1)));
      const existing = await this.items.findMany(feed.id, [
        ...targetFolders.map((f) => f.lower),
        ...folders.keys(),
        ...files.keys(),
      ]);
      // Names that come into being here follow the rules for new names (spec §1 [ext]); existing ones
      // (a folder "CON" made before the rules) may still be written into.
      const existingLowers = new Set(existing.map((r) => r.path_lower));
      for (const folder of targetFolders) requireNewName(folder, existingLowers);
      for (const item of [...folders.values(), ...files.values()]) {
        if (existingLowers.has(item.lower)) continue;
        const problem = newNameProblem(item.name);
        if (problem)
          throw new AppError(
            ErrorCode.InvalidArchive,
            `Unsafe archive entry "${displaySegment(item.path.slice(prefixOf(path)))}": ${problem}.`,
          );
      }
      const skip = new Set<string>();
      let overwriting = false;
      for (const row of existing) {
        if (folders.has(row.path_lower) && row.kind === 'file') {
          throw new AppError(
            ErrorCode.IsFile,
            `Cannot import: "${row.path}" is a file where the archive has a folder.`,
          );
        }
        if (files.has(row.path_lower)) {
          if (row.kind === 'dir')
            throw new AppError(
              ErrorCode.IsFolder,
              `Cannot import: "${row.path}" is a folder where the archive has a file.`,
            );
          if (request.overwrite) overwriting = true;
          else skip.add(row.path_lower);
        }
      }
      if (overwriting) await this.access.require(actor, Privilege.Overwrite, feed);
      // An import that would replace a file the policy protects is refused whole, before a byte is written.
      const replaced = existing.filter((r) => r.kind === 'file' && files.has(r.path_lower) && !skip.has(r.path_lower));
      this.policy.assertCanWrite(actor, feed, { creates: true, replaces: replaced.map(replacedFile) });
      // The quota, from the sizes the archive declares (the commit checks what was written).
      const incoming = manifest.reduce(
        (sum, e) => (e.kind === 'dir' || skip.has(full(e.path).lower) ? sum : sum + e.size),
        0,
      );
      await this.policy.assertRoomFor(feed, incoming, await this.history.freedByReplacing(feed, replaced));

      const contents = new Map<string, NewFileContent>();
      // Small entries (most of a typical archive) are read whole and stored SMALL_WRITES at a time: a
      // store's per-object cost (a disk's fsync, a cloud round trip) overlaps instead of adding up. Large
      // ones stream through the hashes one by one, as a single upload does.
      const inFlight = new Set<Promise<void>>();
      const failures: unknown[] = [];
      const store = async (p: ItemPath, blobKey: string, data: Buffer) => {
        const stored = await provider.write(blobKey, Readable.from([data]));
        contents.set(p.lower, {
          blobKey,
          size: stored.size,
          hashes: hashBuffer(data),
          mediaType: resolveMediaType(undefined, p.name),
        });
      };
      try {
        await extractArchive(file, format, async (entry, body) => {
          if (failures.length > 0) throw failures[0];
          const p = full(entry.path);
          if (skip.has(p.lower)) {
            body.resume();
            await new Promise((resolve) => body.once('end', resolve));
            return;
          }
          const blobKey = newBlobKey();
          written.push(blobKey);
          if (entry.size <= SMALL_ENTRY_BYTES) {
            const data = await readAll(body);
            while (inFlight.size >= SMALL_WRITES) await Promise.race(inFlight);
            if (failures.length > 0) throw failures[0];
            const task: Promise<void> = store(p, blobKey, data).then(
              () => void inFlight.delete(task),
              (error: unknown) => {
                inFlight.delete(task);
                failures.push(error);
              },
            );
            inFlight.add(task);
            return;
          }
          const hashing = new HashingStream();
          // pipeline (not pipe): an entry that fails mid-read must fail the write too.
          const stored = await provider.write(
            blobKey,
            pipelineCb(body, hashing, () => undefined),
          );
          contents.set(p.lower, {
            blobKey,
            size: stored.size,
            hashes: await hashing.digest(),
            mediaType: resolveMediaType(undefined, p.name),
          });
        });
      } catch (e) {
        throw toAppError(e);
      } finally {
        // Every write has ended before the blobs are committed, or deleted on failure (below).
        await Promise.all(inFlight);
      }
      if (failures.length > 0) throw failures[0];

      const result: ImportResult = { created: 0, overwritten: 0, skipped: skip.size };
      // One transaction, a few statements per 2,000 entries (not several per entry): folders first,
      // all at once, then the files in batches.
      await this.unitOfWork.run(async (manager) => {
        const storage = await this.uploads.storageWrittenTo(manager, feed, descriptor);
        // Before any item row (see DirectoryPolicy.lockUsage); policy and quota as committed.
        const usage = await this.policy.lockUsage(manager, feed.id);
        const current = { ...feed, writePolicy: usage.writePolicy };
        this.policy.assertCanWrite(actor, current, { creates: true });
        // Create-only: a file that appeared since the plan is not overwritten (the import fails whole).
        const mode = request.overwrite && current.writePolicy === 'allow' ? 'upsert' : 'create';
        const now = this.clock.now();
        const inTheWay = await this.items.ensureFolders(manager, feed.id, path.segments, now);
        if (inTheWay)
          throw new AppError(ErrorCode.IsFile, `Cannot import into "${path.path}": "${inTheWay}" is a file.`);
        const blocked = await this.items.ensureFolderPaths(manager, feed.id, [...folders.values()], now);
        if (blocked)
          throw new AppError(ErrorCode.IsFile, `Cannot import: "${blocked}" is a file where the archive has a folder.`);
        const committed = await this.items.commitFiles(
          manager,
          feed.id,
          [...contents].map(([lower, content]) => ({ path: files.get(lower) as ItemPath, content })),
          mode,
          now,
        );
        if (committed.conflict?.kind === 'dir')
          throw new AppError(ErrorCode.IsFolder, `"${committed.conflict.path}" is a folder.`);
        if (committed.conflict)
          throw new AppError(ErrorCode.AlreadyExists, `"${committed.conflict.path}" already exists.`);
        await this.history.retire(manager, feed, storage, committed.replaced, {
          by: replacedBy(actor),
          deleted: false,
        });
        // One batch of events for the whole import.
        const replaced = new Set(committed.replaced.map((r) => r.path_lower));
        await this.events.at(
          manager,
          actor,
          feed,
          (r) => (replaced.has(r.path_lower) ? 'file.updated' : 'file.created'),
          [...contents.keys()],
        );
        result.created = committed.created;
        result.overwritten = committed.overwritten;
      });
      written.length = 0; // committed: the blobs are the directory's now
      this.storage.sweepSoon();
      await this.audit.record(actor, AuditAction.ArchiveImported, {
        feed: feed.name,
        target: path.path,
        details: { ...result, format, overwrite: request.overwrite },
      });
      return result;
    } finally {
      await rm(file, { force: true });
      await Promise.all(written.map((key) => provider.delete(key).catch(() => undefined)));
    }
  }
}
