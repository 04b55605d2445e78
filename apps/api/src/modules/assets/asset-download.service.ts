import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { allowedResponseHeaders, type AssetItem, ErrorCode, Privilege } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { AppError, badRequest } from '../../common/errors/app-error';
import type { StoredObjectResponse } from '../../common/http/send-stored-object';
import { CoherentCache } from '../../database/coherent-cache.service';
import { AccessService } from '../security/access.service';
import { MintedSignature, SignedUrlsService } from '../security/signed-urls.service';
import { StorageService } from '../storage/storage.service';
import type { AssetKind } from './asset-item.entity';
import { cacheControlOf } from './asset-item.mapper';
import type { AssetTarget } from './asset-target';
import type { FeedEntity } from '../feeds/feed.entity';
import { AssetsRepository, ItemPath } from './assets.repository';
import { AssetVersionsRepository } from './asset-versions.repository';
import { DownloadCounterService } from './download-counter.service';
import { TransferMetrics } from '../observability/transfer-metrics';
import type { LiveFile, UpstreamSource } from './upstream-source';

/** How long a redirect's presigned URL / SAS stays valid. */
const DIRECT_URL_SECONDS = 300;
/** Files up to this size are answered from memory once read (keys, certificates, manifests, small installers' metadata). */
const SMALL_FILE_BYTES = 64 * 1024;
/** The memory those may take, per process. */
const SMALL_FILES_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * What a download needs of an item and the folders above it: kept per worker (CoherentCache.getItem),
 * shared by every request for that path until the item or a folder above it changes.
 */
interface DownloadItem {
  id: string;
  kind: AssetKind;
  name: string;
  size: number;
  sha1: string | null;
  blobKey: string | null;
  mediaType: string;
  modifiedAt: Date;
  /** From the item's metadata, through the allowlist; frozen: no request may change it for the others. */
  headers: Readonly<Record<string, string>>;
  /** The nearest cache setting of the item or a folder above it (the directory's applies otherwise). */
  cacheControl: string | undefined;
}

/**
 * What a share link names (issue 18): a file of a directory, the link already checked by SharesService.
 * Not a principal: nothing else may be done with it.
 */
export interface SharedFileTarget {
  feed: FeedEntity;
  path: ItemPath;
}

/**
 * Resolves a download: privilege, item, cache setting and metadata headers (spec §2 #1-2), and,
 * for a directory whose storage says `RedirectDownloads`, a presigned URL to send the client to.
 */
@Injectable()
export class AssetDownloadService {
  /**
   * Small files' bytes by blob key. A blob never changes (an overwrite writes a new one under a new
   * key), so an entry can never be stale; whether a file still is what a request asks for is decided
   * by the item lookup, every time.
   */
  private readonly smallFiles = new LRUCache<string, Buffer>({
    maxSize: SMALL_FILES_CACHE_BYTES,
    sizeCalculation: (content) => Math.max(1, content.length),
  });

  private upstream?: UpstreamSource;

  constructor(
    private readonly items: AssetsRepository,
    private readonly storage: StorageService,
    private readonly access: AccessService,
    private readonly counter: DownloadCounterService,
    private readonly signedUrls: SignedUrlsService,
    private readonly transfers: TransferMetrics,
    private readonly cache: CoherentCache,
    private readonly versions: AssetVersionsRepository,
  ) {}

  /** [ext] Registers where directories with a connector get what they lack (the connectors module). */
  useUpstream(source: UpstreamSource): void {
    this.upstream = source;
  }

  /** [ext] Whether the directory has the file now, read from the database (not this worker's cache). */
  async storedSha1(feedId: number, path: ItemPath): Promise<string | null | undefined> {
    const item = await this.load(feedId, path);
    return item ? item.sha1 : undefined;
  }

  /** [ext] `dir/{p}?upstream=true`: the upstream's folder (View; `type: "stockroom"` connectors only). */
  async listUpstream(actor: Principal, target: AssetTarget, contentBase: string): Promise<AssetItem[]> {
    await this.access.require(actor, Privilege.View, target.feed);
    if (!target.feed.connector || !this.upstream)
      throw badRequest(`Asset directory "${target.feed.name}" has no connector: there is no upstream to list.`);
    return this.upstream.list(target.feed, target.path, contentBase);
  }

  /** [ext] A signature for one file's current content; the caller needs Download, as for a GET. */
  async sign(actor: Principal, target: AssetTarget): Promise<MintedSignature> {
    const { feed, path } = target;
    await this.access.require(actor, Privilege.Download, feed);
    if (path.segments.length === 0)
      throw new AppError(ErrorCode.IsFolder, 'The directory root is a folder, not a file.');
    const item = await this.items.find(feed.id, path.lower);
    if (!item) throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found.`);
    if (item.kind === 'dir') throw new AppError(ErrorCode.IsFolder, `"${path.path}" is a folder, not a file.`);
    if (!item.sha1) throw badRequest(`"${path.path}" has no content.`);
    return this.signedUrls.mint({ feed: feed.name, path: path.path, version: item.sha1 });
  }

  async resolve(
    actor: Principal,
    target: AssetTarget,
    opts: {
      head: boolean;
      attachment: boolean;
      /** Serve only this content (a signed URL's SHA-1): an overwritten file is refused. */
      version?: string;
      /**
       * [ext] false: a file a connector's directory lacks is a 404 here, not fetched (the fast path,
       * which hands errors to Express: the fetch, and its failure, happen once, there).
       */
      fetchMissing?: boolean;
    },
  ): Promise<StoredObjectResponse> {
    const { feed, path } = target;
    await this.access.require(actor, opts.head ? Privilege.View : Privilege.Download, feed);
    const upstream = feed.connector && opts.version === undefined ? this.upstream : undefined;
    const item =
      upstream && path.segments.length > 0
        ? await this.withUpstream(upstream, feed, path, opts)
        : await this.fileAt(feed.id, path);
    if ('live' in item) return item.live;
    const { sha1 } = item;
    if (opts.version !== undefined && opts.version.toLowerCase() !== sha1) {
      throw new AppError(
        ErrorCode.Forbidden,
        'The file has changed since this signed URL was made; ask for a new one.',
      );
    }

    return this.toResponse(feed, item, opts.attachment, () => this.counter.record(item.id));
  }

  /**
   * [ext] A file served on behalf of a share link (issue 18), with no principal: SharesService has
   * checked the link (token, state, password, the path inside it) and hands over only what the link
   * grants. Every header rule of any download applies (same helper); the answer is never kept by a
   * shared cache (a revoked link must stop at once), and the file's download count counts it.
   */
  async resolveShared(
    target: SharedFileTarget,
    opts: { attachment: boolean } = { attachment: false },
  ): Promise<StoredObjectResponse & { itemId: string }> {
    const { feed, path } = target;
    const item = await this.fileAt(feed.id, path);
    const response = this.toResponse(feed, item, opts.attachment, () => this.counter.record(item.id));
    return { ...response, cacheControl: 'private, no-cache', directUrl: undefined, itemId: item.id };
  }

  /**
   * [ext] The id and kind of the item at a share link's path, from this worker's coherent cache (a
   * link is bound to the item it was made for: SharesService compares the ids on every use).
   */
  async sharedItemAt(target: SharedFileTarget): Promise<{ id: string; kind: AssetKind } | null> {
    if (target.path.segments.length === 0) return null;
    const item = await this.lookUp(target.feed.id, target.path);
    return item ? { id: item.id, kind: item.kind } : null;
  }

  /**
   * [ext] A kept version of a file (file history, `content/{p}?version=n`): answered with every
   * header rule of a current file (same helper), from the version's own content, metadata and cache
   * setting. Downloads of versions are not counted (the count is the current file's).
   */
  async resolveVersion(
    actor: Principal,
    target: AssetTarget,
    version: number,
    opts: { head: boolean; attachment: boolean },
  ): Promise<StoredObjectResponse> {
    const { feed, path } = target;
    await this.access.require(actor, opts.head ? Privilege.View : Privilege.Download, feed);
    if (path.segments.length === 0)
      throw new AppError(ErrorCode.IsFolder, 'The directory root is a folder, not a file.');
    const row = await this.versions.find(feed.id, path.lower, version);
    if (!row) throw new AppError(ErrorCode.NotFound, `"${path.path}" has no version ${version}.`);
    const item = {
      id: row.id,
      kind: 'file' as const,
      name: path.name,
      size: Number(row.size),
      sha1: row.sha1 ?? '',
      blobKey: row.blob_key,
      mediaType: row.media_type ?? 'application/octet-stream',
      modifiedAt: new Date(row.modified_at),
      headers: Object.freeze(allowedResponseHeaders(row.user_metadata)),
      cacheControl: cacheControlOf(row.cache_header),
    };
    return this.toResponse(feed, item, opts.attachment, () => undefined);
  }

  /**
   * A file of a directory with a connector: what it lacks comes from the upstream (streamed while it
   * arrives); what the connector stored is revalidated once its cache time is over.
   */
  private async withUpstream(
    upstream: UpstreamSource,
    feed: FeedEntity,
    path: ItemPath,
    opts: { head: boolean; attachment: boolean; fetchMissing?: boolean },
  ): Promise<(DownloadItem & { blobKey: string; sha1: string }) | { live: StoredObjectResponse }> {
    // A miss is read again from the database: this worker's cache may not have heard of a fetch yet.
    let item = (await this.lookUp(feed.id, path)) ?? (await this.load(feed.id, path));
    if (!item) {
      if (opts.fetchMissing === false) throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found.`);
      const answer = await upstream.missing(feed, path, opts.head);
      if (answer.kind === 'live') return { live: this.liveResponse(feed, path, answer.file, opts.attachment) };
      return this.withContent(path, await this.load(feed.id, path));
    }
    if (item.kind === 'file' && item.sha1 && (await upstream.present(feed, path, item.sha1, opts.head)) === 'reload')
      item = await this.load(feed.id, path);
    return this.withContent(path, item);
  }

  /** A file still arriving from the upstream (or a HEAD's answer from it), with the directory's headers. */
  private liveResponse(feed: FeedEntity, path: ItemPath, file: LiveFile, attachment: boolean): StoredObjectResponse {
    return {
      size: file.size,
      mediaType: file.mediaType,
      sha1: '',
      lastModified: file.lastModified,
      cacheControl: cacheControlOf(feed.cacheHeader) ?? 'public',
      headers: {},
      fileName: path.name,
      attachmentName: attachment ? path.name : undefined,
      inlineContent: feed.inlineContent,
      open: async () => {
        if (!file.open) throw new AppError(ErrorCode.Internal, 'A HEAD answer has no body.');
        return file.open();
      },
      live: true,
      // The first download counts too (retention's "unused" rules read it), once the file exists.
      delivered: () =>
        void file.stored
          ?.then(async (stored) => {
            const item = stored ? await this.load(feed.id, path) : null;
            if (item) this.counter.record(item.id);
          })
          .catch(() => undefined),
    };
  }

  /** What the download helper needs to answer for `item`, a file with content. */
  private toResponse(
    feed: FeedEntity,
    item: DownloadItem & { blobKey: string; sha1: string },
    attachment: boolean,
    delivered: () => void,
  ): StoredObjectResponse {
    const { blobKey, sha1, mediaType } = item;
    const cacheControl = item.cacheControl ?? cacheControlOf(feed.cacheHeader) ?? 'public';
    const provider = this.storage.providerFor(feed);
    const attachmentName = attachment ? item.name : undefined;
    const createUrl = provider.createDownloadUrl?.bind(provider);
    return {
      size: item.size,
      mediaType,
      sha1,
      lastModified: item.modifiedAt,
      cacheControl,
      headers: item.headers,
      fileName: item.name,
      attachmentName,
      inlineContent: feed.inlineContent,
      open: async (range) => this.transfers.trackDownload(await this.storage.read(feed, blobKey, range)),
      smallContent: item.size <= SMALL_FILE_BYTES ? () => this.smallContent(feed, blobKey) : undefined,
      directUrl:
        createUrl && this.storage.redirectsDownloads(feed)
          ? ({ contentDisposition }) =>
              createUrl(blobKey, { expiresInSeconds: DIRECT_URL_SECONDS, contentType: mediaType, contentDisposition })
          : undefined,
      delivered,
    };
  }

  /** The item at `path` and what its folders say, from this worker's cache or in one query. */
  /** The file at `path`, with its content: 404 when absent, 400 for a folder or a file without content. */
  private async fileAt(feedId: number, path: ItemPath): Promise<DownloadItem & { blobKey: string; sha1: string }> {
    if (path.segments.length === 0)
      throw new AppError(ErrorCode.IsFolder, 'The directory root is a folder, not a file.');
    return this.withContent(path, await this.lookUp(feedId, path));
  }

  private withContent(path: ItemPath, item: DownloadItem | null): DownloadItem & { blobKey: string; sha1: string } {
    if (!item) throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found.`);
    if (item.kind === 'dir') throw new AppError(ErrorCode.IsFolder, `"${path.path}" is a folder, not a file.`);
    const { blobKey, sha1 } = item;
    if (!blobKey || !sha1) throw badRequest(`"${path.path}" has no content.`);
    return { ...item, blobKey, sha1 };
  }

  private lookUp(feedId: number, path: ItemPath): Promise<DownloadItem | null> {
    return this.cache.getItem(feedId, path.lower, () => this.load(feedId, path));
  }

  /** The item and what its folders say, in one query. */
  private async load(feedId: number, path: ItemPath): Promise<DownloadItem | null> {
    const rows = await this.items.findWithAncestors(feedId, path.segments);
    const item = rows[0]?.path_lower === path.lower ? rows[0] : undefined;
    if (!item) return null;
    return {
      id: item.id,
      kind: item.kind,
      name: item.name,
      size: Number(item.size),
      sha1: item.sha1,
      blobKey: item.blob_key,
      mediaType: item.media_type ?? 'application/octet-stream',
      modifiedAt: new Date(item.modified_at),
      // From the allowlist, within the per-file cap: rows written before it existed are filtered too.
      headers: Object.freeze(allowedResponseHeaders(item.user_metadata)),
      // The item's and its ancestors' rows, deepest first: the nearest cache setting wins.
      cacheControl: rows.map((r) => cacheControlOf(r.cache_header)).find((c) => c !== undefined),
    };
  }

  private async smallContent(feed: FeedEntity, blobKey: string): Promise<Buffer> {
    const cached = this.smallFiles.get(blobKey);
    if (cached) {
      this.transfers.downloadFromMemory();
      return cached;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of this.transfers.trackDownload(await this.storage.read(feed, blobKey))) {
      chunks.push(chunk as Buffer);
    }
    const content = Buffer.concat(chunks);
    this.smallFiles.set(blobKey, content);
    return content;
  }
}
