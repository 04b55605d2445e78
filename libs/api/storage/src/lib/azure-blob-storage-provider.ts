import {
  AnonymousCredential,
  BlobSASPermissions,
  BlobServiceClient,
  type BlockBlobClient,
  type BlobHTTPHeaders,
  ContainerClient,
  newPipeline,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
  type StorageRetryOptions,
} from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageError, StorageErrorCode } from './storage-error';
import {
  abortedError,
  assertAbortKey,
  assertPartWithin,
  assertValidRange,
  assertValidTotalSize,
  checkPartsCover,
  watchFailureOrigin,
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

const MiB = 1024 * 1024;
/** Marker blobs of unfinished multipart uploads live here, under the provider's prefix. */
const UPLOADS_DIR = '.uploads/';
const LIST_PAGE_SIZE = 1000;

export interface AzureBlobStorageOptions {
  /**
   * A connection string: account key (`AccountName=…;AccountKey=…`, which also enables
   * {@link AzureBlobStorageProvider.createDownloadUrl}) or SAS (`BlobEndpoint=…;SharedAccessSignature=…`).
   */
  connectionString?: string;
  /**
   * … or the container's URL carrying a SAS token (`https://acct.blob.core.windows.net/c?sv=…&sig=…`).
   * Azure AD (the default credential chain) is not supported: `@azure/identity` is not installed.
   * When given, `container` must name the same container (it is used in messages only).
   */
  containerUrl?: string;
  container: string;
  /** Blob name prefix (ProGet's TargetPath), '' or e.g. 'stockroom/'; a missing trailing '/' is added. */
  prefix?: string;
  /** Block size for streamed writes, and the largest write sent as one request. Default 8 MiB. */
  blockSize?: number;
  /** Blocks in flight per streamed write. Default 4. */
  maxConcurrency?: number;
  /**
   * The SDK's retry policy (exponential backoff on 5xx, 408, 429 and network errors); defaults to
   * 4 tries, 0.5 s doubling up to 10 s between them, and the SDK's per-try timeout.
   */
  retryOptions?: StorageRetryOptions;
  /**
   * Agents for every connection (default: the SDK's own, which honour HTTPS_PROXY); with agents,
   * proxy variables are not used. Destroyed with the provider.
   */
  agents?: ConnectionAgents;
}

/**
 * Stores objects as block blobs named `<prefix><key>` in one container.
 *
 * - `write` sends a body that fits in one block as a single Put Blob; a larger one is staged as
 *   blocks (`uploadStream`, bounded memory) and committed at the end. Either way readers see the
 *   old blob or the new one. A body that fails stages no commit: the blob stays as it was and the
 *   orphaned uncommitted blocks are garbage-collected by Azure (after 7 days, or at the blob's
 *   next commit).
 * - Multipart uploads stage one block per part, whose id is derived from (uploadId, index), so a
 *   re-sent part replaces its block and any node can complete the upload. An empty marker blob
 *   `<prefix>.uploads/<uploadId>` (metadata: key, total size) makes upload ids verifiable and
 *   abortable; keys never start with '.', so markers never collide with keys, and `list` skips
 *   them. Uncommitted blocks belong to the blob, not to an upload: two uploads (or a write and an
 *   upload) to the same key at the same time would disturb each other. Stockroom generates a new
 *   key per upload, so this does not happen. Abort discards the key's uncommitted blocks when
 *   no blob exists under it yet (see discardUncommittedBlocks), then deletes the marker;
 *   `listUploads` lists the markers, for a janitor to abort the ones nobody knows.
 */
export class AzureBlobStorageProvider implements StorageProvider {
  readonly kind = 'azure';

  private readonly containerClient: ContainerClient;
  private readonly containerName: string;
  private readonly prefix: string;
  private readonly blockSize: number;
  private readonly maxConcurrency: number;
  private readonly sharedKey: StorageSharedKeyCredential | undefined;
  private readonly agents: ConnectionAgents | undefined;

  constructor(options: AzureBlobStorageOptions) {
    this.containerName = options.container;
    this.prefix = normalizePrefix(options.prefix ?? '');
    this.blockSize = options.blockSize ?? 8 * MiB;
    this.maxConcurrency = options.maxConcurrency ?? 4;
    this.agents = options.agents;
    // The agent must match the endpoint's protocol, known once the SDK has read the options.
    const pipelineOptions = (secure?: boolean): StoragePipelineOptions => ({
      retryOptions: { maxTries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 10_000, ...options.retryOptions },
      keepAliveOptions: { enable: true },
      // Passed through to @azure/core-rest-pipeline (not in the storage typings): follow no redirect
      // (Azure Storage answers none; by default the SDK follows same-origin ones), and the agent.
      ...{ redirectOptions: { maxRetries: 0 } },
      ...(this.agents && secure !== undefined ? { agent: secure ? this.agents.https : this.agents.http } : {}),
    });
    const isSecure = (url: string) => new URL(url).protocol === 'https:';
    if (options.connectionString) {
      const connectionString = options.connectionString;
      let service: BlobServiceClient;
      try {
        service = BlobServiceClient.fromConnectionString(connectionString, pipelineOptions());
        if (this.agents) {
          service = BlobServiceClient.fromConnectionString(connectionString, pipelineOptions(isSecure(service.url)));
        }
      } catch (e) {
        // The SDK's message may quote the connection string: never echo it.
        throw new StorageError(StorageErrorCode.Unavailable, 'The Azure connection string is not valid', {
          cause: e,
        });
      }
      this.containerClient = service.getContainerClient(options.container);
    } else if (options.containerUrl) {
      this.containerClient = new ContainerClient(
        options.containerUrl,
        newPipeline(new AnonymousCredential(), pipelineOptions(isSecure(options.containerUrl))),
      );
    } else {
      throw new StorageError(
        StorageErrorCode.Unavailable,
        'Azure storage needs a connection string or a container URL with a SAS token',
      );
    }
    const credential = this.containerClient.credential;
    this.sharedKey = credential instanceof StorageSharedKeyCredential ? credential : undefined;
  }

  async write(key: string, body: Readable, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidKey(key);
    const client = this.blob(key);
    const headers: BlobHTTPHeaders | undefined = options.contentType
      ? { blobContentType: options.contentType }
      : undefined;
    if (body.errored !== null || (body.destroyed && !body.readableEnded)) {
      throw abortedError(body.errored ?? 'the body was closed early');
    }

    // The pipeline turns a body destroyed without an error into an error on `pass`.
    const pass = new PassThrough({ highWaterMark: MiB });
    const origin = watchFailureOrigin(body, pass);
    pipeline(body, pass).catch(() => undefined);
    const abort = new AbortController();
    const chunks = pass[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let size = 0;
    try {
      // Whatever fits in one block goes as a single Put Blob: one request, and concurrent
      // writes to a key don't discard each other's uncommitted blocks.
      const head: Buffer[] = [];
      let ended = false;
      while (size < this.blockSize) {
        const next = await chunks.next();
        if (next.done) {
          ended = true;
          break;
        }
        head.push(next.value);
        size += next.value.length;
      }
      if (ended) {
        await client.upload(Buffer.concat(head, size), size, {
          blobHTTPHeaders: headers,
          abortSignal: abort.signal,
        });
      } else {
        async function* all(): AsyncGenerator<Buffer> {
          yield* head;
          head.length = 0;
          for (;;) {
            const next = await chunks.next();
            if (next.done) return;
            size += next.value.length;
            yield next.value;
          }
        }
        await client.uploadStream(Readable.from(all(), { objectMode: false }), this.blockSize, this.maxConcurrency, {
          blobHTTPHeaders: headers,
          abortSignal: abort.signal,
        });
      }
      origin.sourceFailed();
      return { size };
    } catch (e) {
      const sourceFailed = origin.sourceFailed();
      abort.abort();
      pass.destroy();
      if (sourceFailed) throw abortedError(e);
      throw this.translate(e, `write "${key}"`);
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    if (range) assertValidRange(range);
    const offset = range ? range.start : 0;
    const count = range ? range.end - range.start + 1 : undefined;
    try {
      const res = await this.blob(key).download(offset, count, { maxRetryRequests: 3 });
      const stream = res.readableStreamBody;
      if (!stream) throw new Error('the download has no body');
      return stream instanceof Readable ? stream : Readable.from(stream as AsyncIterable<Buffer>);
    } catch (e) {
      // Ranges are clamped to the object as on disk: starting past the end gives no bytes.
      if (range && statusOf(e) === 416) return Readable.from([], { objectMode: false });
      throw this.translate(e, `read "${key}"`);
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    assertValidKey(key);
    try {
      const props = await this.blob(key).getProperties();
      return { key, size: props.contentLength ?? 0, modified: props.lastModified };
    } catch (e) {
      if (isBlobMissing(e)) return null;
      throw this.translate(e, `stat "${key}"`);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.blob(key).deleteIfExists({ deleteSnapshots: 'include' });
    } catch (e) {
      throw this.translate(e, `delete "${key}"`);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const uploads = this.prefix + UPLOADS_DIR;
    try {
      const pages = this.containerClient
        .listBlobsFlat({ prefix: this.prefix + prefix })
        .byPage({ maxPageSize: LIST_PAGE_SIZE });
      for await (const page of pages) {
        for (const item of page.segment.blobItems) {
          if (item.name.startsWith(uploads)) continue;
          yield {
            key: item.name.slice(this.prefix.length),
            size: item.properties.contentLength ?? 0,
            modified: item.properties.lastModified,
          };
        }
      }
    } catch (e) {
      throw this.translate(e, `list "${prefix}"`);
    }
  }

  async createMultipart(key: string, totalSize: number): Promise<string> {
    assertValidKey(key);
    assertValidTotalSize(totalSize);
    const uploadId = randomBytes(16).toString('hex');
    try {
      await this.marker(uploadId).upload(Buffer.alloc(0), 0, {
        metadata: { key, totalsize: String(totalSize) },
      });
      return uploadId;
    } catch (e) {
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
    const totalSize = await this.loadUpload(key, uploadId);
    assertPartWithin(part, totalSize);
    const { index, offset, size } = part;
    if (body.errored !== null || (body.destroyed && !body.readableEnded)) {
      throw abortedError(body.errored ?? 'the body was closed early');
    }
    const blockId = partBlockId(uploadId, index);

    const exact = new ExactSize(size, `Part ${index}`);
    const origin = watchFailureOrigin(body, exact);
    const abort = new AbortController();
    // The SDK pipes the body into the request, which a source error would leave waiting for
    // bytes: abort the request instead.
    exact.once('error', () => abort.abort());
    pipeline(body, exact).catch(() => undefined);
    let sent = false;
    let replayed = false;
    try {
      await this.blob(key).stageBlock(
        blockId,
        () => {
          // A stream cannot be sent twice: a retry after a network failure gives up.
          if (sent) {
            replayed = true;
            // Aborting right here would go unnoticed: the HTTP client subscribes to the signal
            // after asking for the body.
            setImmediate(() => abort.abort());
            return new PassThrough();
          }
          sent = true;
          return exact;
        },
        size,
        { abortSignal: abort.signal },
      );
      origin.sourceFailed();
      return { index, offset, size, token: blockId };
    } catch (e) {
      const sourceFailed = origin.sourceFailed();
      exact.destroy();
      if (exact.failure) throw exact.failure;
      if (sourceFailed) throw abortedError(e);
      if (replayed) {
        throw new StorageError(
          StorageErrorCode.Unavailable,
          `Cannot write part ${index} of "${key}": Azure failed while receiving it; send the part again`,
          { cause: e },
        );
      }
      throw this.translate(e, `write part ${index} of "${key}"`, 'upload');
    }
  }

  async completeMultipart(key: string, uploadId: string, parts: PartDescriptor[]): Promise<void> {
    assertValidKey(key);
    const totalSize = await this.loadUpload(key, uploadId);
    const sorted = checkPartsCover(parts, totalSize);
    const client = this.blob(key);
    try {
      const staged = new Map<string, number>();
      try {
        const list = await client.getBlockList('uncommitted');
        for (const b of list.uncommittedBlocks ?? []) staged.set(b.name, b.size);
      } catch (e) {
        if (!isBlobMissing(e)) throw e; // no block staged at all
      }
      const ids = sorted.map((p) => {
        const id = partBlockId(uploadId, p.index);
        if (staged.get(id) !== p.size) {
          throw new StorageError(
            StorageErrorCode.SizeMismatch,
            `Part ${p.index} (offset ${p.offset}, size ${p.size}) was never stored`,
          );
        }
        return id;
      });
      await client.commitBlockList(ids);
    } catch (e) {
      throw this.translate(e, `complete multipart upload of "${key}"`, 'upload');
    }
    await this.marker(uploadId)
      .deleteIfExists()
      .catch(() => undefined);
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertAbortKey(key);
    if (!UPLOAD_ID.test(uploadId)) return;
    try {
      const meta = await this.readMarker(uploadId);
      if (meta && meta.key !== key) return; // someone else's upload: not ours to discard
      if (meta && meta.key !== '') await this.discardUncommittedBlocks(meta.key);
      // The marker last: an abort cut short leaves the upload listed, to be aborted again.
      await this.marker(uploadId).deleteIfExists();
    } catch (e) {
      throw this.translate(e, `abort multipart upload of "${key}"`);
    }
  }

  /**
   * The markers under `<prefix>.uploads/`, with the key from their metadata and their creation
   * time. Blocks staged after an upload's marker was deleted (a part that raced the completion or
   * the abort) have no marker and are not listed: Azure discards them after 7 days.
   */
  async *listUploads(): AsyncIterable<PendingUpload> {
    const dir = this.prefix + UPLOADS_DIR;
    try {
      const pages = this.containerClient
        .listBlobsFlat({ prefix: dir, includeMetadata: true })
        .byPage({ maxPageSize: LIST_PAGE_SIZE });
      for await (const page of pages) {
        for (const item of page.segment.blobItems) {
          const uploadId = item.name.slice(dir.length);
          if (!UPLOAD_ID.test(uploadId)) continue; // not ours: abortMultipart would ignore it
          const key = item.metadata?.['key'];
          yield {
            uploadId,
            key: key ? key : undefined,
            startedAt: item.properties.createdOn ?? item.properties.lastModified,
          };
        }
      }
    } catch (e) {
      throw this.translate(e, 'list multipart uploads');
    }
  }

  /**
   * A blob SAS URL (read only) that answers with the given Content-Type / Content-Disposition.
   * Needs the account key (an account-key connection string); a SAS-only provider cannot sign.
   */
  async createDownloadUrl(key: string, options: DownloadUrlOptions): Promise<string> {
    assertValidKey(key);
    if (!this.sharedKey) {
      throw new StorageError(
        StorageErrorCode.Unavailable,
        'Direct download URLs need an account-key connection string (a SAS token cannot sign new SAS URLs)',
      );
    }
    const now = Date.now();
    try {
      return await this.blob(key).generateSasUrl({
        permissions: BlobSASPermissions.parse('r'),
        // A little slack for clocks that run ahead of Azure's.
        startsOn: new Date(now - 5 * 60 * 1000),
        expiresOn: new Date(now + options.expiresInSeconds * 1000),
        contentType: options.contentType,
        contentDisposition: options.contentDisposition,
      });
    } catch (e) {
      throw this.translate(e, `sign a download URL for "${key}"`);
    }
  }

  /** The container's URL, without any SAS token. */
  async endpoints(): Promise<string[]> {
    const url = new URL(this.containerClient.url);
    url.search = '';
    return [url.toString()];
  }

  /** Closes the agents' sockets, when the provider was given agents. */
  destroy(): void {
    this.agents?.http.destroy();
    this.agents?.https.destroy();
  }

  async checkHealth(): Promise<void> {
    try {
      // One listing page: works with an account key and with a container SAS (which cannot
      // read the container's properties), and fails with ContainerNotFound when it is missing.
      await this.containerClient.listBlobsFlat({ prefix: this.prefix }).byPage({ maxPageSize: 1 }).next();
    } catch (e) {
      const err = this.translate(e, 'reach the container');
      if (err.code === StorageErrorCode.NotFound || err.code === StorageErrorCode.Unknown) {
        throw new StorageError(StorageErrorCode.Unavailable, err.message, { cause: e });
      }
      throw err;
    }
  }

  // ---------------------------------------------------------------------------------------

  private blob(key: string): BlockBlobClient {
    return this.containerClient.getBlockBlobClient(this.prefix + key);
  }

  /**
   * Azure has no call to delete uncommitted blocks, but committing an empty block list discards
   * them all: done only when no blob exists under the key (If-None-Match: *), and the empty blob
   * is deleted right after (If-Match: its ETag). A committed blob under the key (a completion
   * whose marker deletion failed) is left alone; its stray blocks go at its next commit or after
   * 7 days.
   */
  private async discardUncommittedBlocks(key: string): Promise<void> {
    const client = this.blob(key);
    let etag: string | undefined;
    try {
      etag = (await client.commitBlockList([], { conditions: { ifNoneMatch: '*' } })).etag;
    } catch (e) {
      const status = statusOf(e);
      if (status === 409 || status === 412) return; // a committed blob exists: leave it
      throw e;
    }
    await client.deleteIfExists(etag ? { conditions: { ifMatch: etag } } : {}).catch((e: unknown) => {
      if (statusOf(e) !== 412) throw e; // 412: someone wrote the key meanwhile; theirs now
    });
  }

  private marker(uploadId: string): BlockBlobClient {
    return this.containerClient.getBlockBlobClient(`${this.prefix}${UPLOADS_DIR}${uploadId}`);
  }

  private async readMarker(uploadId: string): Promise<{ key: string; totalSize: number } | null> {
    try {
      const props = await this.marker(uploadId).getProperties();
      const meta = props.metadata ?? {};
      const totalSize = Number(meta['totalsize']);
      return { key: meta['key'] ?? '', totalSize };
    } catch (e) {
      if (isBlobMissing(e)) return null;
      throw e;
    }
  }

  /** The upload's total size; NotFound unless the upload exists for this key. */
  private async loadUpload(key: string, uploadId: string): Promise<number> {
    const notFound = uploadNotFound(key, uploadId);
    if (!UPLOAD_ID.test(uploadId)) throw notFound;
    let meta;
    try {
      meta = await this.readMarker(uploadId);
    } catch (e) {
      throw this.translate(e, `open multipart upload of "${key}"`);
    }
    if (!meta || meta.key !== key || !Number.isSafeInteger(meta.totalSize)) throw notFound;
    return meta.totalSize;
  }

  private translate(e: unknown, what: string, missing: 'object' | 'upload' = 'object'): StorageError {
    return translateAzureError(e, what, this.containerName, missing);
  }
}

/**
 * Turns an Azure SDK failure into a StorageError whose message names the operation and Azure's
 * error code, never a secret (account keys, SAS signatures) or a stack.
 */
export function translateAzureError(
  e: unknown,
  what: string,
  container: string,
  missing: 'object' | 'upload' = 'object',
): StorageError {
  if (e instanceof StorageError) return e;
  const status = statusOf(e);
  const code = azureCode(e);
  const make = (c: StorageErrorCode, reason: string) =>
    new StorageError(c, redact(`Cannot ${what}: ${reason}`), { cause: e });

  if (code === 'ContainerNotFound') {
    return make(StorageErrorCode.Unavailable, `the Azure container "${container}" does not exist`);
  }
  if (code === 'ContainerBeingDeleted' || code === 'ContainerDisabled' || code === 'AccountIsDisabled') {
    return make(StorageErrorCode.Unavailable, `the Azure container "${container}" cannot be used (${code})`);
  }
  if (code === 'BlobNotFound' || status === 404) {
    return make(
      StorageErrorCode.NotFound,
      missing === 'upload' ? 'the multipart upload no longer exists' : 'not found',
    );
  }
  if (
    status === 403 ||
    status === 401 ||
    code === 'AuthenticationFailed' ||
    code === 'AuthorizationFailure' ||
    code === 'AuthorizationPermissionMismatch'
  ) {
    return make(
      StorageErrorCode.AccessDenied,
      `Azure refused the credentials (${code ?? status}): check the account key or SAS token and its permissions`,
    );
  }
  if (code === 'InvalidBlockList' || code === 'InvalidBlobOrBlock' || code === 'InvalidBlockId') {
    return make(StorageErrorCode.SizeMismatch, `Azure rejected the blocks (${code})`);
  }
  const name = (e as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') {
    return make(StorageErrorCode.Unavailable, 'the request to Azure timed out or was cancelled');
  }
  if (status === 429 || code === 'ServerBusy' || code === 'TooManyRequests') {
    return make(
      StorageErrorCode.Unavailable,
      `Azure is throttling requests or busy (${code ?? status}), still after retries; try again later`,
    );
  }
  if (status !== undefined && (status >= 500 || status === 408 || status === 429)) {
    return make(StorageErrorCode.Unavailable, `Azure is unavailable (${code ?? status})`);
  }
  if (status === undefined && code !== undefined && NETWORK_CODES.has(code)) {
    return make(StorageErrorCode.Unavailable, `cannot reach Azure (${firstLine(e) ?? code})`);
  }
  return make(
    StorageErrorCode.Unknown,
    code ? `${code}${status ? ` (HTTP ${status})` : ''}` : (firstLine(e) ?? 'error'),
  );
}

const NETWORK_CODES = new Set([
  'REQUEST_SEND_ERROR',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  // An outbound policy refused the address (see ConnectionAgents).
  'EOUTBOUNDDENIED',
]);

function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function azureCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; details?: { errorCode?: unknown } } | null;
  const fromDetails = err?.details?.errorCode;
  if (typeof fromDetails === 'string') return fromDetails;
  return typeof err?.code === 'string' ? err.code : undefined;
}

function isBlobMissing(e: unknown): boolean {
  return statusOf(e) === 404 && azureCode(e) !== 'ContainerNotFound';
}

function firstLine(e: unknown): string | undefined {
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m.split('\n')[0] : undefined;
}

/** Belt and braces: no signature or key ever reaches a message. */
function redact(message: string): string {
  return message.replace(/(sig=|AccountKey=|SharedAccessSignature=)[^&;\s]+/gi, '$1***');
}

function normalizePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/**
 * The block id of a part: base64 of a fixed 48-character string (the length the SDK's own
 * uploadStream uses), so every block id of a blob has the same length.
 */
export function partBlockId(uploadId: string, index: number): string {
  return Buffer.from(`${uploadId}-${String(index).padStart(15, '0')}`).toString('base64');
}

/** Passes exactly `expected` bytes through; fewer or more fail with SizeMismatch. */
class ExactSize extends Transform {
  seen = 0;
  failure: StorageError | undefined;

  constructor(
    private readonly expected: number,
    private readonly what: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected) {
      cb(this.fail(`${this.what} carried more than its declared ${this.expected} bytes`));
      return;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.seen !== this.expected) {
      cb(this.fail(`${this.what} declared ${this.expected} bytes but the body carried ${this.seen}`));
      return;
    }
    cb();
  }

  private fail(message: string): StorageError {
    this.failure = new StorageError(StorageErrorCode.SizeMismatch, message);
    return this.failure;
  }
}
