import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { StorageError, StorageErrorCode } from './storage-error';
import {
  abortedError,
  assertAbortKey,
  assertPartWithin,
  assertValidRange,
  assertValidTotalSize,
  checkPartsCover,
  describeError,
  earliest,
  errnoCode,
  isValidKey,
  UPLOAD_ID,
  uploadNotFound,
} from './storage-internal';
import { assertValidKey } from './storage-keys';
import type {
  ByteRange,
  ConnectionAgents,
  DownloadUrlOptions,
  PartDescriptor,
  PendingUpload,
  StorageProvider,
  StoredObject,
  WriteOptions,
  WriteResult,
} from './storage-provider';

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix (ProGet's TargetPath), '' or e.g. 'stockroom/'. */
  prefix?: string;
  /** Default 'us-east-1'. */
  region?: string;
  /** Custom service URL (MinIO, s3rver, other S3-compatible services). */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Absent: the SDK's default chain (environment, profile, instance/task role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** AES256 server-side encryption on every write. */
  serverSideEncryption?: boolean;
  /** Attempts per request, retries with backoff on transient errors (default 4). */
  maxAttempts?: number;
  /** Milliseconds to establish a connection (default 10 000). */
  connectionTimeoutMs?: number;
  /** Milliseconds a socket may stay idle during a request (default: the SDK's, none). */
  requestTimeoutMs?: number;
  /** Agents for every connection (default: the SDK's own); destroyed with the provider. */
  agents?: ConnectionAgents;
}

const MiB = 1024 * 1024;
/** S3's smallest part (every part of a multipart upload but the last). */
const MIN_PART = 5 * MiB;
/** S3's largest part, and the largest single UploadPartCopy. */
const MAX_PART = 5 * 1024 * MiB;
/** S3 allows 10 000 parts; keep some room. */
const MAX_PARTS = 9000;
const WRITE_PART_SIZE = 8 * MiB;
const WRITE_QUEUE = 3;
const COMPLETE_CONCURRENCY = 16;
const MULTIPART_DIR = '.multipart';
/**
 * Ids of native S3 multipart uploads yielded by listUploads (leftovers of a completion or a
 * streamed write that crashed): this prefix, then base64url of `{"k": key under the prefix,
 * "u": S3's UploadId}`. Never confused with our own ids (32 hex digits).
 */
const NATIVE_ID_PREFIX = 's3mpu.';
/** What a native upload under the prefix may be named: a key, or a temporary part of ours. */
const TEMP_PART_KEY = /^\.multipart\/[0-9a-f]{32}\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const NETWORK_CODES = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  // An outbound policy refused the address (see ConnectionAgents).
  'EOUTBOUNDDENIED',
];

interface UploadMeta {
  key: string;
  totalSize: number;
  created: string;
}

/** One S3 part of the assembled object: either a server-side copy or bytes streamed through. */
type PlannedPart =
  | { kind: 'copy'; source: string; start: number; end: number; size: number }
  | { kind: 'stream'; pieces: Array<{ source: string; size: number }>; size: number };

/**
 * Stores objects in an S3 bucket (AWS or compatible), under an optional key prefix.
 *
 * Writes stream through `@aws-sdk/lib-storage` (8 MiB parts, 3 in flight): memory stays bounded
 * whatever the object's size, and S3 makes the object visible atomically when it completes.
 *
 * Multipart uploads (client parts of ANY size, in any order, on any node):
 * S3 multipart refuses parts under 5 MiB except the last one, and the parts of an unfinished S3
 * upload can be neither read nor copied. Client parts may be smaller, and a mix of small and large
 * parts cannot always be assembled around parts already committed to an S3 upload (a 1 MiB part
 * followed by a directly uploaded 8 MiB part can never form a valid S3 part list). So every client
 * part is stored as its own temporary object, `<prefix>.multipart/<uploadId>/part-<index>` (next
 * to a small `meta` object holding the target key and size), and completion assembles them:
 *
 * - a fresh S3 multipart upload is opened on the final key;
 * - each part of at least 5 MiB (or `totalSize / 9000`, whichever is larger, so the 10 000-part
 *   limit holds) becomes one S3 part by UploadPartCopy: server-side, no bytes through this node;
 *   pieces over 5 GiB are copied in ranges;
 * - runs of smaller parts are concatenated into S3 parts of at least that size by streaming them
 *   through this node (GetObject → UploadPart, never buffered), a large part that follows a run
 *   too short to stand alone is streamed with it;
 * - CompleteMultipartUpload makes the object appear atomically; the temporary objects are deleted.
 *
 * Cost at completion for 2 000 parts of 5 MiB (10 GiB): one ListObjectsV2 page pair, 2 000
 * UploadPartCopy calls (16 in flight, ~0.1–0.3 s each on AWS → ~15–40 s; nothing downloaded),
 * one CompleteMultipartUpload, two DeleteObjects. For 2 000 parts of 1 MiB: ~400 streamed parts of
 * 5 MiB, i.e. the 2 GiB pass through this node once. Servers without UploadPartCopy (s3rver
 * answers NotImplemented) get the streamed path for every part.
 *
 * An aborted upload is the deletion of its temporary objects (no S3 upload exists before
 * completion). Uploads never completed nor aborted leave temporary objects under `.multipart/`:
 * the upload-session purge calls abortMultipart; a bucket lifecycle rule on that prefix is a good
 * safety net. Keys never start a segment with '.', so `.multipart/` never collides with keys, and
 * list() skips it.
 */
export class S3StorageProvider implements StorageProvider {
  readonly kind = 's3';

  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly sse: boolean;
  private readonly config: S3ClientConfig;
  private copyUnsupported = false;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? '');
    this.sse = options.serverSideEncryption ?? false;
    const config: S3ClientConfig = {
      region: options.region || 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? false,
      // Without these, a streamed PutObject is sent (and stored by some servers) with aws-chunked
      // framing, and many S3-compatible servers reject the new default checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 4,
      retryMode: 'standard',
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 10_000,
        ...(options.requestTimeoutMs !== undefined ? { requestTimeout: options.requestTimeoutMs } : {}),
        // The SDK never follows redirects (a 3xx is an error), whichever agent it uses.
        ...(options.agents ? { httpAgent: options.agents.http, httpsAgent: options.agents.https } : {}),
      },
    };
    if (options.endpoint) config.endpoint = options.endpoint;
    this.config = { ...config };
    if (options.credentials) config.credentials = { ...options.credentials };
    this.client = new S3Client(config);
  }

  /** The bucket's URL as the SDK resolves it (custom endpoint, or AWS's for the region and bucket). */
  async endpoints(): Promise<string[]> {
    // The SDK's own endpoint rules, run without sending anything: a handler that keeps the URL.
    // Placeholder keys, so that signing never consults the default credential chain.
    let resolved: string | undefined;
    const probe = new S3Client({
      ...this.config,
      maxAttempts: 1,
      credentials: { accessKeyId: 'endpoint-probe', secretAccessKey: 'endpoint-probe' },
      requestHandler: {
        handle: async (request: { protocol: string; hostname: string; port?: number; path: string }) => {
          const host = request.hostname.includes(':') ? `[${request.hostname}]` : request.hostname;
          resolved = `${request.protocol}//${host}${request.port ? `:${request.port}` : ''}${request.path}`;
          throw new Error('endpoint resolved');
        },
      } as unknown as S3ClientConfig['requestHandler'],
    });
    try {
      await probe.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      if (resolved === undefined) throw this.translate(e, `resolve the endpoint of S3 bucket "${this.bucket}"`);
    } finally {
      probe.destroy();
    }
    return [resolved as string];
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }

  async write(key: string, body: Readable, options?: WriteOptions): Promise<WriteResult> {
    assertValidKey(key);
    const size = await this.streamToObject(this.objectKey(key), body, `write "${key}"`, {
      contentType: options?.contentType,
    });
    return { size };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    if (range) assertValidRange(range);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      const body = toReadable(out.Body);
      // Every S3 answer to GetObject names the object's ETag. Without one, the endpoint is not S3
      // (an internal web page answering 200 to any path): never hand its body on as the file.
      if (!out.ETag) {
        body.destroy();
        throw new StorageError(StorageErrorCode.Unavailable, `Cannot read "${key}": the answer is not an S3 object`);
      }
      return range ? this.checkRange(body, range, out.ContentRange, out.ContentLength, key) : body;
    } catch (e) {
      // A range starting at or past the end: no bytes, as the disk provider (the object exists,
      // or S3 would have said NoSuchKey).
      if (range && errorName(e) === 'InvalidRange') return Readable.from([], { objectMode: false });
      throw this.translate(e, `read "${key}"`);
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    assertValidKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, size: out.ContentLength ?? 0, modified: out.LastModified };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.translate(e, `stat "${key}"`);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (e) {
      if (isNotFound(e)) return;
      throw this.translate(e, `delete "${key}"`);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for await (const obj of this.listRaw(this.prefix + prefix, `list "${prefix}"`)) {
      const key = obj.key.slice(this.prefix.length);
      if (key.startsWith(`${MULTIPART_DIR}/`)) continue;
      yield { ...obj, key };
    }
  }

  async createMultipart(key: string, totalSize: number): Promise<string> {
    assertValidKey(key);
    assertValidTotalSize(totalSize);
    const uploadId = randomBytes(16).toString('hex');
    const meta: UploadMeta = { key, totalSize, created: new Date().toISOString() };
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.uploadKey(uploadId, 'meta'),
          Body: JSON.stringify(meta),
          ContentType: 'application/json',
          ...this.sseParams(),
        }),
      );
    } catch (e) {
      throw this.translate(e, `create multipart upload for "${key}"`);
    }
    return uploadId;
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
    // Re-sending an index overwrites the object: S3 replaces it atomically, so a failed re-send
    // leaves the previous complete part in place (the caller decides whether it still counts).
    await this.streamToObject(this.uploadKey(uploadId, `part-${index}`), body, `write part ${index} of "${key}"`, {
      expectedSize: size,
      what: `Part ${index}`,
    });
    return { index, offset, size };
  }

  async completeMultipart(key: string, uploadId: string, parts: PartDescriptor[]): Promise<void> {
    assertValidKey(key);
    const meta = await this.loadUpload(key, uploadId);
    const sorted = checkPartsCover(parts, meta.totalSize);
    const what = `complete multipart upload of "${key}"`;

    // What was actually stored, with sizes, in one listing.
    const stored = new Map<string, number>();
    for await (const obj of this.listRaw(this.uploadKey(uploadId, 'part-'), what)) stored.set(obj.key, obj.size);
    const pieces = sorted.map((p) => {
      const source = this.uploadKey(uploadId, `part-${p.index}`);
      if (stored.get(source) !== p.size) {
        throw new StorageError(
          StorageErrorCode.SizeMismatch,
          `Part ${p.index} (offset ${p.offset}, size ${p.size}) was never stored`,
        );
      }
      return { source, size: p.size };
    });

    const target = this.objectKey(key);
    if (meta.totalSize === 0) {
      try {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: target, Body: '', ContentLength: 0, ...this.sseParams() }),
        );
      } catch (e) {
        throw this.translate(e, what);
      }
    } else {
      await this.assemble(target, planParts(pieces, meta.totalSize), what);
    }
    await this.deleteUploadObjects(uploadId).catch(() => undefined);
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertAbortKey(key);
    const native = decodeNativeId(uploadId);
    if (native) {
      await this.abortNative(key, native);
      return;
    }
    if (!UPLOAD_ID.test(uploadId)) return;
    let meta: UploadMeta | null;
    try {
      meta = await this.readMeta(uploadId);
    } catch (e) {
      throw this.translate(e, `abort multipart upload of "${key}"`);
    }
    if (meta && meta.key !== key) return; // someone else's upload: not ours to discard
    try {
      await this.deleteUploadObjects(uploadId);
    } catch (e) {
      throw this.translate(e, `abort multipart upload of "${key}"`);
    }
  }

  /**
   * Two kinds of uploads:
   * - ours: the temporary objects under `.multipart/<uploadId>/`, grouped by upload id; the key
   *   comes from the `meta` object (undefined without one: parts written after the upload was
   *   completed or aborted, or an abort cut short), startedAt is the oldest object's LastModified;
   * - native S3 multipart uploads under the prefix (ListMultipartUploads) that a completion or a
   *   streamed write left open when it crashed (or that are running right now), with an id of
   *   their own (see NATIVE_ID_PREFIX) that abortMultipart turns into AbortMultipartUpload. Their
   *   key is undefined when they were uploading a temporary part.
   */
  async *listUploads(): AsyncIterable<PendingUpload> {
    const what = 'list multipart uploads';
    const dir = `${this.prefix}${MULTIPART_DIR}/`;
    // By id: ListObjectsV2 is sorted on AWS, but not every S3-compatible server promises it.
    const uploads = new Map<string, { startedAt: Date; hasMeta: boolean }>();
    for await (const obj of this.listRaw(dir, what)) {
      const rest = obj.key.slice(dir.length);
      const slash = rest.indexOf('/');
      const uploadId = rest.slice(0, slash);
      if (slash < 0 || !UPLOAD_ID.test(uploadId)) continue; // not ours: abortMultipart would ignore it
      const seen = uploads.get(uploadId);
      const modified = obj.modified ?? new Date(0);
      const hasMeta = rest.slice(slash + 1) === 'meta';
      if (seen) {
        seen.startedAt = earliest(seen.startedAt, modified) ?? seen.startedAt;
        seen.hasMeta ||= hasMeta;
      } else {
        uploads.set(uploadId, { startedAt: modified, hasMeta });
      }
    }
    for (const [uploadId, { startedAt, hasMeta }] of uploads) {
      let meta: UploadMeta | null = null;
      if (hasMeta) {
        try {
          meta = await this.readMeta(uploadId);
        } catch (e) {
          throw this.translate(e, what);
        }
      }
      yield { uploadId, key: meta?.key, startedAt };
    }
    yield* this.listNativeUploads(what);
  }

  async createDownloadUrl(key: string, options: DownloadUrlOptions): Promise<string> {
    assertValidKey(key);
    try {
      return await getSignedUrl(
        this.client,
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
          ...(options.contentDisposition ? { ResponseContentDisposition: options.contentDisposition } : {}),
        }),
        { expiresIn: Math.max(1, Math.floor(options.expiresInSeconds)) },
      );
    } catch (e) {
      throw this.translate(e, `sign a download URL for "${key}"`);
    }
  }

  async checkHealth(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      // HEAD answers carry no error body: a bare 404 here means the bucket is missing.
      if (errorName(e) === 'NotFound' || httpStatus(e) === 404) {
        throw new StorageError(StorageErrorCode.Unavailable, `S3 bucket "${this.bucket}" does not exist`, {
          cause: e,
        });
      }
      throw this.translate(e, `reach S3 bucket "${this.bucket}"`);
    }
  }

  // ---------------------------------------------------------------------------------------

  private objectKey(key: string): string {
    return this.prefix + key;
  }

  private uploadKey(uploadId: string, name: string): string {
    return `${this.prefix}${MULTIPART_DIR}/${uploadId}/${name}`;
  }

  private sseParams(): { ServerSideEncryption?: 'AES256' } {
    return this.sse ? { ServerSideEncryption: 'AES256' } : {};
  }

  /**
   * Streams `body` into the object `s3Key` (single PUT when small, multipart otherwise), counting
   * bytes. With `expectedSize`, a body carrying fewer or more bytes fails with SizeMismatch.
   * A failing body aborts the upload (nothing becomes visible) and fails with Aborted.
   */
  private async streamToObject(
    s3Key: string,
    body: Readable,
    what: string,
    opts: { expectedSize?: number; contentType?: string; what?: string },
  ): Promise<number> {
    if (body.errored !== null || (body.destroyed && !body.readableEnded)) {
      throw abortedError(body.errored ?? 'the body was closed early');
    }
    let sourceFailed = false;
    const onError = () => {
      sourceFailed = true;
    };
    const onClose = () => {
      if (!body.readableEnded) sourceFailed = true;
    };
    body.once('error', onError);
    body.once('close', onClose);

    const counter = new CountingLimiter(opts.expectedSize, opts.what ?? 'The body');
    // Not stream.pipeline: it would destroy the body on a sink failure before we classify it.
    body.on('error', (e) => counter.destroy(e));
    body.on('close', () => {
      if (!body.readableEnded) counter.destroy(new Error('the body was closed before it ended'));
    });
    body.pipe(counter);

    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: s3Key,
        Body: counter,
        ...(opts.contentType ? { ContentType: opts.contentType } : {}),
        ...this.sseParams(),
      },
      partSize: WRITE_PART_SIZE,
      queueSize: WRITE_QUEUE,
      leavePartsOnError: false,
    });
    try {
      const done = await upload.done();
      if (counter.limitError) throw counter.limitError;
      // S3 answers PutObject and CompleteMultipartUpload with the new object's ETag; an endpoint
      // that does not (any web server answering 200) stored nothing.
      if (!('ETag' in done) || !done.ETag) {
        throw new StorageError(StorageErrorCode.Unavailable, `Cannot ${what}: the answer is not from S3`);
      }
      return counter.count;
    } catch (e) {
      await upload.abort().catch(() => undefined);
      body.unpipe(counter);
      if (!body.destroyed) body.destroy();
      if (counter.limitError) throw counter.limitError;
      if (sourceFailed) throw abortedError(body.errored ?? e);
      throw this.translate(e, what);
    } finally {
      body.off('error', onError);
      body.off('close', onClose);
    }
  }

  private async *listRaw(fullPrefix: string, what: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: fullPrefix, ContinuationToken: token }),
        );
      } catch (e) {
        throw this.translate(e, what);
      }
      for (const c of out.Contents ?? []) {
        if (c.Key === undefined) continue;
        yield { key: c.Key, size: c.Size ?? 0, modified: c.LastModified };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Makes sure the body is exactly the requested range (clamped to the object). Some
   * S3-compatible servers ignore Range or answer a wider one (s3rver serves `bytes=0-0` whole):
   * the extra bytes are skipped here rather than returned.
   */
  private checkRange(
    body: Readable,
    range: ByteRange,
    contentRange: string | undefined,
    contentLength: number | undefined,
    key: string,
  ): Readable {
    const m = contentRange ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange) : null;
    let first: number;
    let last: number;
    let total: number;
    if (m) {
      first = Number(m[1]);
      last = Number(m[2]);
      total = m[3] === '*' ? Infinity : Number(m[3]);
    } else {
      // No Content-Range: the whole object was sent.
      total = contentLength ?? 0;
      first = 0;
      last = total - 1;
    }
    const wantEnd = Math.min(range.end, total - 1);
    if (first === range.start && last === wantEnd) return body;
    if (range.start > wantEnd) {
      body.destroy();
      return Readable.from([], { objectMode: false });
    }
    if (first > range.start || last < wantEnd) {
      body.destroy();
      throw new StorageError(
        StorageErrorCode.Unknown,
        `Cannot read "${key}": S3 answered bytes ${first}-${last} to a request for ${range.start}-${range.end}`,
      );
    }
    return sliceStream(body, range.start - first, wantEnd - range.start + 1);
  }

  /** The upload's meta object; null when it is missing or unreadable. */
  private async readMeta(uploadId: string): Promise<UploadMeta | null> {
    let text: string;
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.uploadKey(uploadId, 'meta') }),
      );
      text = (await out.Body?.transformToString('utf8')) ?? '';
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
    try {
      const meta = JSON.parse(text) as Partial<UploadMeta> | null;
      if (typeof meta?.key !== 'string' || !Number.isSafeInteger(meta.totalSize)) return null;
      return meta as UploadMeta;
    } catch {
      return null;
    }
  }

  /**
   * Native S3 multipart uploads under the prefix. s3rver answers NotImplemented to
   * ListMultipartUploads (and some S3-compatible servers do too): there are then none to list.
   */
  private async *listNativeUploads(what: string): AsyncIterable<PendingUpload> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let out;
      try {
        out = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: this.prefix || undefined,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        );
      } catch (e) {
        if (errorName(e) === 'NotImplemented' || httpStatus(e) === 501) return;
        throw this.translate(e, what);
      }
      for (const u of out.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Key.startsWith(this.prefix)) continue;
        const name = u.Key.slice(this.prefix.length);
        if (!isValidKey(name) && !TEMP_PART_KEY.test(name)) continue; // not written by this provider
        yield {
          uploadId: encodeNativeId(name, u.UploadId),
          key: isValidKey(name) ? name : undefined,
          // S3 always sends Initiated; without it, the upload counts as old.
          startedAt: u.Initiated ?? new Date(0),
        };
      }
      if (!out.IsTruncated || (!out.NextKeyMarker && !out.NextUploadIdMarker)) return;
      keyMarker = out.NextKeyMarker;
      uploadIdMarker = out.NextUploadIdMarker;
    }
  }

  /** Aborts a native S3 multipart upload listed by listUploads; gone already is fine. */
  private async abortNative(key: string, native: { name: string; s3UploadId: string }): Promise<void> {
    if (key !== '' && key !== native.name) return; // someone else's upload: not ours to discard
    const what = `abort multipart upload of "${native.name}"`;
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.prefix + native.name,
          UploadId: native.s3UploadId,
        }),
      );
    } catch (e) {
      if (errorName(e) === 'NoSuchUpload') return;
      throw this.translate(e, what);
    }
  }

  private async loadUpload(key: string, uploadId: string): Promise<UploadMeta> {
    const notFound = uploadNotFound(key, uploadId);
    if (!UPLOAD_ID.test(uploadId)) throw notFound;
    let meta: UploadMeta | null;
    try {
      meta = await this.readMeta(uploadId);
    } catch (e) {
      throw this.translate(e, `open multipart upload of "${key}"`);
    }
    if (!meta || meta.key !== key) throw notFound;
    return meta;
  }

  private async deleteUploadObjects(uploadId: string): Promise<void> {
    const all: string[] = [];
    for await (const obj of this.listRaw(this.uploadKey(uploadId, ''), 'delete multipart parts')) all.push(obj.key);
    // Parts first, meta last: an interrupted abort still leaves a findable (abortable) upload.
    const metaKey = this.uploadKey(uploadId, 'meta');
    const parts = all.filter((k) => k !== metaKey);
    for (let i = 0; i < parts.length; i += 1000) {
      const batch = parts.slice(i, i + 1000);
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (out.Errors ?? []).filter((er) => er.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw Object.assign(new Error(failed[0].Message ?? 'delete failed'), { name: failed[0].Code ?? 'Unknown' });
      }
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: metaKey }));
  }

  /** Builds `target` from the planned parts with one S3 multipart upload. */
  private async assemble(target: string, plan: PlannedPart[], what: string): Promise<void> {
    let mpuId: string | undefined;
    try {
      const created = await this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: target, ...this.sseParams() }),
      );
      mpuId = created.UploadId;
      if (!mpuId) throw new Error('S3 returned no UploadId');
      const uploadId = mpuId;
      const etags: string[] = new Array(plan.length);
      let next = 0;
      const worker = async () => {
        while (next < plan.length) {
          const i = next++;
          etags[i] = await this.uploadPlannedPart(target, uploadId, i + 1, plan[i]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(COMPLETE_CONCURRENCY, plan.length) }, worker));
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: target,
          UploadId: uploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      );
    } catch (e) {
      if (mpuId) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId: mpuId }))
          .catch(() => undefined); // NoSuchUpload is fine; s3rver cannot abort at all
      }
      throw this.translate(e, what);
    }
  }

  private async uploadPlannedPart(
    target: string,
    uploadId: string,
    partNumber: number,
    p: PlannedPart,
  ): Promise<string> {
    if (p.kind === 'copy' && !this.copyUnsupported) {
      try {
        const out = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: target,
            UploadId: uploadId,
            PartNumber: partNumber,
            CopySource: `${this.bucket}/${p.source.split('/').map(encodeURIComponent).join('/')}`,
            CopySourceRange: `bytes=${p.start}-${p.end}`,
          }),
        );
        const etag = out.CopyPartResult?.ETag;
        if (!etag) throw new Error('S3 returned no ETag for a copied part');
        return etag;
      } catch (e) {
        if (errorName(e) !== 'NotImplemented') throw e;
        this.copyUnsupported = true; // e.g. s3rver: stream instead, from now on
      }
    }
    const pieces =
      p.kind === 'copy'
        ? [{ source: p.source, size: p.size, start: p.start }]
        : p.pieces.map((x) => ({ ...x, start: 0 }));
    const out = await this.client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: target,
        UploadId: uploadId,
        PartNumber: partNumber,
        ContentLength: p.size,
        Body: this.concatenate(pieces),
      }),
    );
    if (!out.ETag) throw new Error('S3 returned no ETag for a part');
    return out.ETag;
  }

  /** A stream of the given object ranges one after the other, opened lazily. */
  private concatenate(pieces: Array<{ source: string; size: number; start: number }>): Readable {
    const out = new PassThrough({ highWaterMark: MiB });
    void (async () => {
      for (const piece of pieces) {
        if (piece.size === 0) continue;
        const res = await this.client.send(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key: piece.source,
            Range: `bytes=${piece.start}-${piece.start + piece.size - 1}`,
          }),
        );
        const source = toReadable(res.Body);
        for await (const chunk of source) {
          if (out.destroyed) break;
          if (!out.write(chunk)) {
            // The consumer may stop reading for good (a failed UploadPart): 'close' ends the wait.
            await new Promise<void>((r) => {
              out.once('drain', r);
              out.once('close', r);
            });
          }
          if (out.destroyed) break;
        }
        if (out.destroyed) {
          source.destroy();
          return;
        }
      }
      out.end();
    })().catch((e) => out.destroy(e as Error));
    return out;
  }

  /** The one place where SDK and network failures become StorageErrors. Never leaks secrets. */
  private translate(e: unknown, what: string): StorageError {
    if (e instanceof StorageError) return e;
    const name = errorName(e);
    const status = httpStatus(e);
    const code = errnoCode(e) ?? errnoCode((e as { cause?: unknown } | null)?.cause);
    const detail = describeError(e);
    const make = (c: StorageErrorCode, message: string) => new StorageError(c, message, { cause: e });

    switch (name) {
      case 'NoSuchKey':
      case 'NotFound':
        return make(StorageErrorCode.NotFound, `Cannot ${what}: not found`);
      case 'NoSuchUpload':
        return make(StorageErrorCode.NotFound, `Cannot ${what}: the multipart upload no longer exists`);
      case 'NoSuchBucket':
        return make(StorageErrorCode.Unavailable, `Cannot ${what}: S3 bucket "${this.bucket}" does not exist`);
      case 'AccessDenied':
      case 'Forbidden':
      case 'InvalidAccessKeyId':
      case 'SignatureDoesNotMatch':
      case 'InvalidToken':
      case 'ExpiredToken':
      case 'AllAccessDisabled':
      case 'CredentialsProviderError':
        return make(
          StorageErrorCode.AccessDenied,
          `Cannot ${what}: S3 refused the request (${name}); check the access key, secret and the bucket's permissions`,
        );
      case 'SlowDown':
      case 'Throttling':
      case 'ThrottlingException':
      case 'TooManyRequests':
      case 'TooManyRequestsException':
      case 'RequestLimitExceeded':
      case 'RequestThrottled':
      case 'BandwidthLimitExceeded':
        return make(
          StorageErrorCode.Unavailable,
          `Cannot ${what}: S3 is throttling requests (${name}), still after retries; try again later`,
        );
      case 'RequestTimeout':
      case 'RequestTimeTooSkewed':
      case 'ServiceUnavailable':
      case 'InternalError':
      case 'TimeoutError':
      case 'AbortError':
        return make(StorageErrorCode.Unavailable, `Cannot ${what}: S3 is unavailable (${detail})`);
      case 'EntityTooSmall':
      case 'InvalidPart':
      case 'InvalidPartOrder':
        return make(StorageErrorCode.SizeMismatch, `Cannot ${what}: ${detail}`);
      default:
        break; // any other name (or none): the HTTP status and the network error code decide below
    }
    if (status === 403) {
      return make(
        StorageErrorCode.AccessDenied,
        `Cannot ${what}: S3 refused the request (HTTP 403); check the access key, secret and the bucket's permissions`,
      );
    }
    if (status === 404) return make(StorageErrorCode.NotFound, `Cannot ${what}: not found`);
    if (status === 429) {
      return make(
        StorageErrorCode.Unavailable,
        `Cannot ${what}: S3 is throttling requests (HTTP 429), still after retries; try again later`,
      );
    }
    // The SDK may wrap an error from another realm (jest) in a plain Error, keeping only its text.
    const network = code ?? NETWORK_CODES.find((c) => detail.includes(c));
    if ((status !== undefined && status >= 500) || (network !== undefined && NETWORK_CODES.includes(network))) {
      return make(StorageErrorCode.Unavailable, `Cannot ${what}: S3 endpoint unavailable (${detail})`);
    }
    return make(StorageErrorCode.Unknown, `Cannot ${what}: ${detail}`);
  }
}

/**
 * Splits the sorted pieces into S3 parts (see the class comment): a piece of at least `min` bytes
 * alone is copied server-side (in ranges of at most 5 GiB); smaller neighbours are grouped and
 * streamed until the group reaches `min`. Only the last part may be smaller than `min`.
 */
function planParts(pieces: Array<{ source: string; size: number }>, totalSize: number): PlannedPart[] {
  const min = Math.max(MIN_PART, Math.ceil(totalSize / MAX_PARTS));
  const plan: PlannedPart[] = [];
  let group: Array<{ source: string; size: number }> = [];
  let groupSize = 0;
  const flush = () => {
    if (group.length > 0) plan.push({ kind: 'stream', pieces: group, size: groupSize });
    group = [];
    groupSize = 0;
  };
  for (const piece of pieces) {
    if (group.length === 0 && piece.size >= min) {
      // Ranges of at most 5 GiB, each at least 5 MiB: split evenly.
      const n = Math.ceil(piece.size / MAX_PART);
      const step = Math.ceil(piece.size / n);
      for (let start = 0; start < piece.size; start += step) {
        const end = Math.min(piece.size, start + step) - 1;
        plan.push({ kind: 'copy', source: piece.source, start, end, size: end - start + 1 });
      }
      continue;
    }
    group.push(piece);
    groupSize += piece.size;
    if (groupSize >= min) flush();
  }
  flush();
  return plan;
}

/** Counts bytes; with a limit, refuses more than `expected` and fewer at the end. */
class CountingLimiter extends Transform {
  count = 0;
  limitError: StorageError | undefined;

  constructor(
    private readonly expected: number | undefined,
    private readonly what: string,
  ) {
    super({ highWaterMark: MiB });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count += chunk.length;
    if (this.expected !== undefined && this.count > this.expected) {
      this.limitError = new StorageError(
        StorageErrorCode.SizeMismatch,
        `${this.what} declared ${this.expected} bytes but the body carried more`,
      );
      cb(this.limitError);
      return;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.expected !== undefined && this.count !== this.expected) {
      this.limitError = new StorageError(
        StorageErrorCode.SizeMismatch,
        `${this.what} declared ${this.expected} bytes but the body carried ${this.count}`,
      );
      cb(this.limitError);
      return;
    }
    cb();
  }
}

/** The `length` bytes of `source` after the first `skip`; the source is closed once they passed. */
function sliceStream(source: Readable, skip: number, length: number): Readable {
  let toSkip = skip;
  let left = length;
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      let c = chunk;
      if (toSkip > 0) {
        const n = Math.min(toSkip, c.length);
        toSkip -= n;
        c = c.subarray(n);
      }
      if (left > 0 && c.length > 0) {
        const piece = c.subarray(0, left);
        left -= piece.length;
        this.push(piece);
      }
      if (left === 0) {
        this.push(null);
        source.unpipe(this);
        source.destroy();
      }
      cb();
    },
  });
  source.on('error', (e) => out.destroy(e));
  if (length === 0) {
    source.destroy();
    out.end();
    return out;
  }
  source.pipe(out);
  return out;
}

function encodeNativeId(name: string, s3UploadId: string): string {
  return NATIVE_ID_PREFIX + Buffer.from(JSON.stringify({ k: name, u: s3UploadId })).toString('base64url');
}

/** The key and S3 UploadId in an id made by encodeNativeId; null for anything else. */
function decodeNativeId(uploadId: string): { name: string; s3UploadId: string } | null {
  if (!uploadId.startsWith(NATIVE_ID_PREFIX)) return null;
  const encoded = uploadId.slice(NATIVE_ID_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return null;
  try {
    const o = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { k?: unknown; u?: unknown } | null;
    const name = o?.k;
    const s3UploadId = o?.u;
    if (typeof name !== 'string' || typeof s3UploadId !== 'string' || s3UploadId === '') return null;
    if (!isValidKey(name) && !TEMP_PART_KEY.test(name)) return null;
    return { name, s3UploadId };
  } catch {
    return null;
  }
}

function normalizePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

function errorName(e: unknown): string | undefined {
  const o = e as { name?: unknown; Code?: unknown } | null;
  if (typeof o?.Code === 'string') return o.Code;
  return typeof o?.name === 'string' ? o.name : undefined;
}

function httpStatus(e: unknown): number | undefined {
  const s = (e as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof s === 'number' ? s : undefined;
}

function isNotFound(e: unknown): boolean {
  const name = errorName(e);
  return name === 'NoSuchKey' || name === 'NotFound' || (httpStatus(e) === 404 && name !== 'NoSuchBucket');
}

function toReadable(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (body === undefined || body === null) return Readable.from([], { objectMode: false });
  // Web streams (not expected on Node, but possible with a custom request handler).
  return Readable.fromWeb(body as Parameters<typeof Readable.fromWeb>[0]);
}
