import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { StorageError, StorageErrorCode } from './storage-error';
import {
  abortedError,
  assertPartWithin,
  assertValidRange,
  assertValidTotalSize,
  assertAbortKey,
  checkPartsCover,
  uploadNotFound,
} from './storage-internal';
import { assertValidKey } from './storage-keys';
import type {
  ByteRange,
  PartDescriptor,
  PendingUpload,
  StorageProvider,
  StoredObject,
  WriteResult,
} from './storage-provider';

interface MemoryObject {
  data: Buffer;
  modified: Date;
}

interface MemoryUpload {
  key: string;
  totalSize: number;
  started: Date;
  parts: Map<number, { offset: number; size: number; data: Buffer }>;
}

/** Keeps objects in process memory. For tests and local experiments only. */
export class MemoryStorageProvider implements StorageProvider {
  readonly kind = 'memory';

  private readonly objects = new Map<string, MemoryObject>();
  private readonly uploads = new Map<string, MemoryUpload>();

  async write(key: string, body: Readable): Promise<WriteResult> {
    assertValidKey(key);
    const data = await collect(body);
    // Only now, after the stream ended cleanly, does the new object replace the old one.
    this.objects.set(key, { data, modified: new Date() });
    return { size: data.length };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    if (range) assertValidRange(range);
    const obj = this.objects.get(key);
    if (!obj) throw new StorageError(StorageErrorCode.NotFound, `Object "${key}" not found`);
    const slice = range ? obj.data.subarray(range.start, range.end + 1) : obj.data;
    return bufferStream(Buffer.from(slice));
  }

  async stat(key: string): Promise<StoredObject | null> {
    assertValidKey(key);
    const obj = this.objects.get(key);
    return obj ? { key, size: obj.data.length, modified: obj.modified } : null;
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for (const [key, obj] of [...this.objects]) {
      if (key.startsWith(prefix)) yield { key, size: obj.data.length, modified: obj.modified };
    }
  }

  async createMultipart(key: string, totalSize: number): Promise<string> {
    assertValidKey(key);
    assertValidTotalSize(totalSize);
    const uploadId = randomBytes(16).toString('hex');
    this.uploads.set(uploadId, { key, totalSize, started: new Date(), parts: new Map() });
    return uploadId;
  }

  async writePart(
    key: string,
    uploadId: string,
    part: Omit<PartDescriptor, 'token'>,
    body: Readable,
  ): Promise<PartDescriptor> {
    assertValidKey(key);
    const upload = this.upload(key, uploadId);
    assertPartWithin(part, upload.totalSize);
    const { index, offset, size } = part;
    // A failed re-send leaves the part missing, as on disk.
    upload.parts.delete(index);
    const data = await collect(body, size, index);
    if (data.length !== size) {
      throw new StorageError(
        StorageErrorCode.SizeMismatch,
        `Part ${index} declared ${size} bytes but the body carried ${data.length}`,
      );
    }
    if (this.uploads.get(uploadId) !== upload) throw uploadNotFound(key, uploadId);
    upload.parts.set(index, { offset, size, data });
    return { index, offset, size };
  }

  async completeMultipart(key: string, uploadId: string, parts: PartDescriptor[]): Promise<void> {
    assertValidKey(key);
    const upload = this.upload(key, uploadId);
    const sorted = checkPartsCover(parts, upload.totalSize);
    const buffers: Buffer[] = [];
    for (const p of sorted) {
      const stored = upload.parts.get(p.index);
      if (!stored || stored.offset !== p.offset || stored.size !== p.size) {
        throw new StorageError(
          StorageErrorCode.SizeMismatch,
          `Part ${p.index} (offset ${p.offset}, size ${p.size}) was never stored`,
        );
      }
      buffers.push(stored.data);
    }
    this.objects.set(key, {
      data: Buffer.concat(buffers),
      modified: new Date(),
    });
    this.uploads.delete(uploadId);
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertAbortKey(key);
    if (this.uploads.get(uploadId)?.key === key) this.uploads.delete(uploadId);
  }

  async *listUploads(): AsyncIterable<PendingUpload> {
    for (const [uploadId, upload] of [...this.uploads]) {
      yield { uploadId, key: upload.key, startedAt: upload.started };
    }
  }

  async checkHealth(): Promise<void> {
    // Always usable.
  }

  private upload(key: string, uploadId: string): MemoryUpload {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.key !== key) throw uploadNotFound(key, uploadId);
    return upload;
  }
}

/** Reads a whole stream; with a limit, fails as soon as more than `limit` bytes arrive. */
async function collect(body: Readable, limit?: number, index?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      total += buf.length;
      if (limit !== undefined && total > limit) {
        throw new StorageError(
          StorageErrorCode.SizeMismatch,
          `Part ${index} carried more than its declared ${limit} bytes`,
        );
      }
      chunks.push(buf);
    }
  } catch (e) {
    if (e instanceof StorageError) throw e;
    throw abortedError(e);
  }
  return Buffer.concat(chunks, total);
}

function bufferStream(data: Buffer): Readable {
  const CHUNK = 64 * 1024;
  let pos = 0;
  return new Readable({
    read() {
      if (pos >= data.length) {
        this.push(null);
        return;
      }
      const end = Math.min(pos + CHUNK, data.length);
      this.push(data.subarray(pos, end));
      pos = end;
    },
  });
}
