import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { StorageError, StorageErrorCode } from './storage-error';
import {
  pump,
  assertAbortKey,
  assertPartWithin,
  assertValidRange,
  assertValidTotalSize,
  checkPartsCover,
  describeError,
  earliest,
  errnoCode,
  UPLOAD_ID,
  uploadNotFound,
} from './storage-internal';
import { assertValidKey } from './storage-keys';
import { isTempLeftover, ownedTempName } from './temp-files';
import { LocalFileReadable } from './local-file-readable';
import type {
  ByteRange,
  PartDescriptor,
  PendingUpload,
  StorageProvider,
  StoredObject,
  WriteResult,
} from './storage-provider';

const MiB = 1024 * 1024;
const IO_CHUNK = MiB;
/**
 * A single write flushes its bytes to disk as they arrive, every 64 MiB, while more are received:
 * the closing fsync then waits for the last few MiB instead of the whole file (≈ 0.5 s per GiB here).
 */
const SYNC_EVERY = 64 * MiB;
const TMP_DIR = '.tmp';
const MULTIPART_DIR = '.multipart';
const KEY_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
// Stored bytes are for this server only: folders 0700, files 0600 (set at creation, whatever the umask).
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

interface UploadMeta {
  key: string;
  totalSize: number;
  created: string;
}

interface PartMarker {
  offset: number;
  size: number;
}

/**
 * Stores objects as files under `root`, one file per key (`root/<key>`).
 *
 * - Writes stream into `root/.tmp`, fsync, then `rename` over the destination: readers see the
 *   old file or the new one, never a partial one.
 * - Multipart uploads live in `root/.multipart/<uploadId>/`: a sparse `data` file of the final
 *   size that parts are written into positionally (in any order, in parallel), `meta.json`, and a
 *   `part-<index>.json` marker per finished part. Completion renames `data` onto the key.
 *
 * Keys never start a segment with '.', so the two internal folders can never collide with keys.
 */
export class DiskStorageProvider implements StorageProvider {
  readonly kind = 'disk';

  private readonly root: string;
  private readonly tmpRoot: string;
  private readonly multipartRoot: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.tmpRoot = path.join(this.root, TMP_DIR);
    this.multipartRoot = path.join(this.root, MULTIPART_DIR);
  }

  async write(key: string, body: Readable): Promise<WriteResult> {
    assertValidKey(key);
    const tmp = await this.newTempPath(key);

    let fh: FileHandle | undefined;
    try {
      fh = await fsp.open(tmp, 'wx', FILE_MODE);
      const sink = new PositionalWriter(fh, 0, Infinity, 'The body', SYNC_EVERY);
      await pump(body, sink);
      const size = sink.written;
      await sink.flushed();
      await fh.sync();
      await fh.close();
      fh = undefined;
      await this.renameInto(tmp, key);
      return { size };
    } catch (e) {
      if (fh) await fh.close().catch(() => undefined);
      await fsp.unlink(tmp).catch(() => undefined);
      throw this.translate(e, `write "${key}"`);
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    if (range) assertValidRange(range);
    let fh: FileHandle | undefined;
    try {
      fh = await fsp.open(this.pathOf(key), 'r');
      const st = await fh.stat();
      if (!st.isFile()) throw notFound(key);
      // Ranges are clamped to the object, as HTTP servers and S3 do; past the end → no bytes.
      const start = range ? range.start : 0;
      const end = Math.min(range ? range.end : st.size - 1, st.size - 1);
      if (end < start) {
        await fh.close();
        return Readable.from([], { objectMode: false });
      }
      return new LocalFileReadable(fh, start, end);
    } catch (e) {
      if (fh) await fh.close().catch(() => undefined);
      throw this.translate(e, `read "${key}"`);
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    assertValidKey(key);
    try {
      const st = await fsp.stat(this.pathOf(key));
      return st.isFile() ? { key, size: st.size, modified: st.mtime } : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw this.translate(e, `stat "${key}"`);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await fsp.unlink(this.pathOf(key));
    } catch (e) {
      // EISDIR/EPERM on a folder: the key is only a prefix of other keys, so no object exists.
      if (isMissing(e) || errnoCode(e) === 'EISDIR') return;
      if (errnoCode(e) === 'EPERM' && (await this.isDirectory(this.pathOf(key)))) return;
      throw this.translate(e, `delete "${key}"`);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    // Start at the deepest folder the prefix fully names ('blobs/ab' → 'blobs').
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash >= 0 ? prefix.slice(0, slash) : '';
    if (baseKey !== '' && !baseKey.split('/').every((s) => KEY_SEGMENT.test(s))) {
      return; // no valid key can start with this prefix
    }
    const stack: string[] = [baseKey];
    while (stack.length > 0) {
      const dirKey = stack.pop() as string;
      const dirPath = dirKey === '' ? this.root : this.pathOf(dirKey);
      let dir;
      try {
        dir = await fsp.opendir(dirPath, { bufferSize: 256 });
      } catch (e) {
        if (isMissing(e)) continue;
        throw this.translate(e, `list "${prefix}"`);
      }
      for await (const entry of dir) {
        if (!KEY_SEGMENT.test(entry.name)) continue; // .tmp, .multipart, stray files
        const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
        if (entry.isDirectory()) {
          const asFolder = `${key}/`;
          if (asFolder.startsWith(prefix) || prefix.startsWith(asFolder)) stack.push(key);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          try {
            const st = await fsp.stat(path.join(dirPath, entry.name));
            yield { key, size: st.size, modified: st.mtime };
          } catch (e) {
            if (!isMissing(e)) throw this.translate(e, `list "${prefix}"`);
          }
        }
      }
    }
  }

  async createMultipart(key: string, totalSize: number): Promise<string> {
    assertValidKey(key);
    assertValidTotalSize(totalSize);
    const uploadId = randomBytes(16).toString('hex');
    const dir = this.uploadDir(uploadId);
    try {
      await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
      // A sparse file of the final size: parts are written into it at their offsets.
      const fh = await fsp.open(path.join(dir, 'data'), 'wx', FILE_MODE);
      try {
        await fh.truncate(totalSize);
      } finally {
        await fh.close();
      }
      const meta: UploadMeta = {
        key,
        totalSize,
        created: new Date().toISOString(),
      };
      await fsp.writeFile(path.join(dir, 'meta.json'), JSON.stringify(meta), { mode: FILE_MODE });
      return uploadId;
    } catch (e) {
      await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw this.translate(e, `create multipart upload for "${key}"`);
    }
  }

  async writePart(
    key: string,
    uploadId: string,
    part: Omit<PartDescriptor, 'token'>,
    body: Readable,
  ): Promise<PartDescriptor> {
    assertValidKey(key);
    const meta = await this.loadUpload(key, uploadId);
    assertPartWithin(part, meta.totalSize);
    const { index, offset, size } = part;
    const dir = this.uploadDir(uploadId);
    const marker = path.join(dir, `part-${index}.json`);

    let fh: FileHandle | undefined;
    try {
      // A failed re-send must not leave the old marker vouching for half-overwritten bytes.
      await fsp.unlink(marker).catch((e) => {
        if (!isMissing(e)) throw e;
      });
      fh = await fsp.open(path.join(dir, 'data'), 'r+');
      const sink = new PositionalWriter(fh, offset, size, `Part ${index}`);
      await pump(body, sink);
      if (sink.written !== size) {
        throw new StorageError(
          StorageErrorCode.SizeMismatch,
          `Part ${index} declared ${size} bytes but the body carried ${sink.written}`,
        );
      }
      await fh.close();
      fh = undefined;
      const m: PartMarker = { offset, size };
      await fsp.writeFile(marker, JSON.stringify(m), { mode: FILE_MODE });
      return { index, offset, size };
    } catch (e) {
      if (fh) await fh.close().catch(() => undefined);
      throw this.translate(e, `write part ${index} of "${key}"`, 'upload');
    }
  }

  async completeMultipart(key: string, uploadId: string, parts: PartDescriptor[]): Promise<void> {
    assertValidKey(key);
    const meta = await this.loadUpload(key, uploadId);
    const sorted = checkPartsCover(parts, meta.totalSize);
    const dir = this.uploadDir(uploadId);
    try {
      for (const p of sorted) {
        const m = await this.readMarker(dir, p.index);
        if (!m || m.offset !== p.offset || m.size !== p.size) {
          throw new StorageError(
            StorageErrorCode.SizeMismatch,
            `Part ${p.index} (offset ${p.offset}, size ${p.size}) was never stored`,
          );
        }
      }
      const data = path.join(dir, 'data');
      const fh = await fsp.open(data, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.renameInto(data, key);
    } catch (e) {
      throw this.translate(e, `complete multipart upload of "${key}"`, 'upload');
    }
    await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertAbortKey(key);
    if (!UPLOAD_ID.test(uploadId)) return;
    const dir = this.uploadDir(uploadId);
    try {
      const meta = await this.readMeta(uploadId);
      if (meta && meta.key !== key) return; // someone else's upload: not ours to discard
      await fsp.rm(dir, { recursive: true, force: true });
    } catch (e) {
      throw this.translate(e, `abort multipart upload of "${key}"`);
    }
  }

  /**
   * The folders under `root/.multipart/`: key and start time from `meta.json`; a folder without
   * a readable one (a crash while it was being created) is listed without a key, started at the
   * folder's birth (or modification) time.
   */
  async *listUploads(): AsyncIterable<PendingUpload> {
    const what = 'list multipart uploads';
    let names: string[];
    try {
      names = await fsp.readdir(this.multipartRoot);
    } catch (e) {
      if (isMissing(e)) return;
      throw this.translate(e, what);
    }
    for (const uploadId of names) {
      if (!UPLOAD_ID.test(uploadId)) continue; // not one of ours: abortMultipart would ignore it
      let st;
      let meta: UploadMeta | null;
      try {
        st = await fsp.stat(this.uploadDir(uploadId));
        if (!st.isDirectory()) continue;
        meta = await this.readMeta(uploadId);
      } catch (e) {
        if (isMissing(e)) continue; // completed or aborted meanwhile
        throw this.translate(e, what);
      }
      const created = meta ? new Date(meta.created) : undefined;
      yield {
        uploadId,
        key: meta?.key,
        startedAt: earliest(created, st.birthtime, st.mtime) ?? st.mtime,
      };
    }
  }

  async checkHealth(): Promise<void> {
    const probe = path.join(this.tmpRoot, `health-${randomBytes(8).toString('hex')}`);
    const payload = randomBytes(32);
    try {
      await fsp.mkdir(this.tmpRoot, { recursive: true, mode: DIR_MODE });
      await fsp.writeFile(probe, payload, { mode: FILE_MODE });
      const back = await fsp.readFile(probe);
      if (!back.equals(payload)) throw new Error('probe read back different bytes');
    } catch (e) {
      throw new StorageError(StorageErrorCode.Unavailable, `Disk storage is not usable: ${describeError(e)}`, {
        cause: e,
      });
    } finally {
      await fsp.unlink(probe).catch(() => undefined);
    }
  }

  /**
   * Removes temp files left in `root/.tmp` by a crash (or a killed process): those of a process of
   * this host that no longer runs at once, any other once untouched for `olderThanMs` (see
   * {@link isTempLeftover}: another node may share the folder). Returns how many were removed. Unfinished multipart uploads are left alone:
   * their lifetime belongs to whoever tracks upload sessions (see {@link listUploads} and
   * {@link abortMultipart}).
   */
  async cleanupStale(olderThanMs: number): Promise<number> {
    let removed = 0;
    let names: string[];
    try {
      names = await fsp.readdir(this.tmpRoot);
    } catch (e) {
      if (isMissing(e)) return 0;
      throw this.translate(e, 'clean up temp files');
    }
    for (const name of names) {
      const p = path.join(this.tmpRoot, name);
      try {
        const st = await fsp.lstat(p);
        if (isTempLeftover(name, st.mtimeMs, olderThanMs)) {
          await fsp.rm(p, { recursive: true, force: true });
          removed++;
        }
      } catch (e) {
        if (!isMissing(e)) throw this.translate(e, 'clean up temp files');
      }
    }
    return removed;
  }

  // ---------------------------------------------------------------------------------------

  private pathOf(key: string): string {
    return path.join(this.root, key);
  }

  private uploadDir(uploadId: string): string {
    return path.join(this.multipartRoot, uploadId);
  }

  private async newTempPath(key: string): Promise<string> {
    try {
      await fsp.mkdir(this.tmpRoot, { recursive: true, mode: DIR_MODE });
    } catch (e) {
      throw this.translate(e, `write "${key}"`);
    }
    return path.join(this.tmpRoot, ownedTempName('upload', '.tmp'));
  }

  /** Moves a finished file onto `key`, creating its folders, replacing any previous file. */
  private async renameInto(from: string, key: string): Promise<void> {
    const dest = this.pathOf(key);
    try {
      try {
        await fsp.rename(from, dest);
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw e;
        await fsp.mkdir(path.dirname(dest), { recursive: true, mode: DIR_MODE });
        await fsp.rename(from, dest);
      }
    } catch (e) {
      // A file cannot also be a folder: 'a' and 'a/b' cannot both exist on disk.
      const code = errnoCode(e);
      if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR') {
        throw new StorageError(
          StorageErrorCode.InvalidKey,
          `Cannot store "${key}" on disk: it clashes with an existing object or folder (${code})`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  private async isDirectory(p: string): Promise<boolean> {
    try {
      return (await fsp.stat(p)).isDirectory();
    } catch {
      return false;
    }
  }

  /** The upload's meta.json; null when it is missing or unreadable (a crash while writing it). */
  private async readMeta(uploadId: string): Promise<UploadMeta | null> {
    let text: string;
    try {
      text = await fsp.readFile(path.join(this.uploadDir(uploadId), 'meta.json'), 'utf8');
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
    return parseMeta(text);
  }

  private async loadUpload(key: string, uploadId: string): Promise<UploadMeta> {
    if (!UPLOAD_ID.test(uploadId)) throw uploadNotFound(key, uploadId);
    let meta: UploadMeta | null;
    try {
      meta = await this.readMeta(uploadId);
    } catch (e) {
      throw this.translate(e, `open multipart upload of "${key}"`);
    }
    if (!meta || meta.key !== key) throw uploadNotFound(key, uploadId);
    return meta;
  }

  private async readMarker(dir: string, index: number): Promise<PartMarker | null> {
    if (!Number.isSafeInteger(index) || index < 0) return null;
    try {
      return JSON.parse(await fsp.readFile(path.join(dir, `part-${index}.json`), 'utf8'));
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  /**
   * Turns any failure into a StorageError whose message names the operation and the errno but
   * never a stack or an absolute path. `missing` says what ENOENT means for the operation.
   */
  private translate(e: unknown, what: string, missing: 'object' | 'upload' = 'object'): StorageError {
    if (e instanceof StorageError) return e;
    const code = errnoCode(e);
    const reason = describeError(e);
    switch (code) {
      case 'ENOENT':
      case 'ENOTDIR':
        return new StorageError(
          StorageErrorCode.NotFound,
          missing === 'upload' ? `Cannot ${what}: the multipart upload no longer exists` : `Cannot ${what}: not found`,
          { cause: e },
        );
      case 'EACCES':
      case 'EPERM':
        return new StorageError(StorageErrorCode.AccessDenied, `Cannot ${what}: ${reason}`, {
          cause: e,
        });
      case 'ENOSPC':
      case 'EDQUOT':
        return new StorageError(StorageErrorCode.InsufficientStorage, `Cannot ${what}: ${reason}`, {
          cause: e,
        });
      case 'EIO':
      case 'EROFS':
      case 'EMFILE':
      case 'ENFILE':
      case 'EBUSY':
      case 'EAGAIN':
      case 'ESTALE':
      case 'ETIMEDOUT':
        return new StorageError(StorageErrorCode.Unavailable, `Cannot ${what}: ${reason}`, {
          cause: e,
        });
      default:
        return new StorageError(StorageErrorCode.Unknown, `Cannot ${what}: ${reason}`, {
          cause: e,
        });
    }
  }
}

/**
 * Writes a stream into an open file at `start`, positionally (so parallel writers of other
 * parts don't interfere), refusing anything beyond `limit` bytes before writing it. Buffered
 * chunks are written together with one writev call. The file handle stays open (the caller
 * fsyncs and closes it); `FileHandle.createWriteStream({ autoClose: false })` would keep a
 * reference on the handle that makes `close()` wait forever.
 */
class PositionalWriter extends Writable {
  written = 0;
  private synced = 0;
  private syncing?: Promise<void>;
  private syncFailure?: Error;

  constructor(
    private readonly fh: FileHandle,
    private readonly start: number,
    private readonly limit: number,
    private readonly what = 'The body',
    /** Bytes after which a datasync starts in the background (0: never); see {@link flushed}. */
    private readonly syncEvery = 0,
  ) {
    super({ highWaterMark: IO_CHUNK });
  }

  /** Waits for the background datasync in progress, if any, and fails if one failed. */
  async flushed(): Promise<void> {
    await this.syncing;
    if (this.syncFailure !== undefined) throw this.syncFailure;
  }

  private syncInBackground(): void {
    if (!this.syncEvery || this.syncing || this.syncFailure !== undefined) return;
    if (this.written - this.synced < this.syncEvery) return;
    this.synced = this.written;
    this.syncing = this.fh.datasync().then(
      () => (this.syncing = undefined),
      (e: Error) => {
        this.syncFailure = e;
        this.syncing = undefined;
      },
    );
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.writeBuffers([chunk], cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, cb: (e?: Error | null) => void): void {
    this.writeBuffers(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  private writeBuffers(buffers: Buffer[], cb: (e?: Error | null) => void): void {
    let total = 0;
    for (const b of buffers) total += b.length;
    if (this.written + total > this.limit) {
      cb(
        new StorageError(
          StorageErrorCode.SizeMismatch,
          `${this.what} carried more than its declared ${this.limit} bytes`,
        ),
      );
      return;
    }
    const position = this.start + this.written;
    this.written += total;
    writevFully(this.fh, buffers, position, total).then(() => {
      this.syncInBackground();
      cb();
    }, cb);
  }
}

async function writevFully(fh: FileHandle, buffers: Buffer[], position: number, total: number): Promise<void> {
  let done = 0;
  let pending = buffers;
  while (done < total) {
    const { bytesWritten } = await fh.writev(pending, position + done);
    if (bytesWritten <= 0) throw new Error('short write');
    done += bytesWritten;
    if (done < total) pending = skipBytes(pending, bytesWritten);
  }
}

function skipBytes(buffers: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = n;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

function parseMeta(text: string): UploadMeta | null {
  try {
    const meta = JSON.parse(text) as Partial<UploadMeta> | null;
    if (typeof meta?.key !== 'string' || !Number.isSafeInteger(meta.totalSize)) return null;
    return meta as UploadMeta;
  } catch {
    return null;
  }
}

function isMissing(e: unknown): boolean {
  const code = errnoCode(e);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function notFound(key: string): StorageError {
  return new StorageError(StorageErrorCode.NotFound, `Object "${key}" not found`);
}
