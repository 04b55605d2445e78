import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { allowedResponseHeaders, ErrorCode, Privilege } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { AppError, badRequest } from '../../common/errors/app-error';
import type { StoredObjectResponse } from '../../common/http/send-stored-object';
import { AccessService } from '../security/access.service';
import { MintedSignature, SignedUrlsService } from '../security/signed-urls.service';
import { StorageService } from '../storage/storage.service';
import { cacheControlOf } from './asset-item.mapper';
import type { AssetTarget } from './asset-target';
import type { FeedEntity } from '../feeds/feed.entity';
import { AssetsRepository } from './assets.repository';
import { DownloadCounterService } from './download-counter.service';
import { TransferMetrics } from '../observability/transfer-metrics';

/** How long a redirect's presigned URL / SAS stays valid. */
const DIRECT_URL_SECONDS = 300;
/** Files up to this size are answered from memory once read (keys, certificates, manifests, small installers' metadata). */
const SMALL_FILE_BYTES = 64 * 1024;
/** The memory those may take, per process. */
const SMALL_FILES_CACHE_BYTES = 32 * 1024 * 1024;

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

  constructor(
    private readonly items: AssetsRepository,
    private readonly storage: StorageService,
    private readonly access: AccessService,
    private readonly counter: DownloadCounterService,
    private readonly signedUrls: SignedUrlsService,
    private readonly transfers: TransferMetrics,
  ) {}

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
    },
  ): Promise<StoredObjectResponse> {
    const { feed, path } = target;
    await this.access.require(actor, opts.head ? Privilege.View : Privilege.Download, feed);
    if (path.segments.length === 0)
      throw new AppError(ErrorCode.IsFolder, 'The directory root is a folder, not a file.');
    // The item and its ancestors in one query: the nearest cache setting wins.
    const rows = await this.items.findWithAncestors(feed.id, path.segments);
    const item = rows[0]?.path_lower === path.lower ? rows[0] : undefined;
    if (!item) throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found.`);
    if (item.kind === 'dir') throw new AppError(ErrorCode.IsFolder, `"${path.path}" is a folder, not a file.`);
    if (!item.blob_key || !item.sha1) throw badRequest(`"${path.path}" has no content.`);
    if (opts.version !== undefined && opts.version.toLowerCase() !== item.sha1) {
      throw new AppError(
        ErrorCode.Forbidden,
        'The file has changed since this signed URL was made; ask for a new one.',
      );
    }

    const cacheControl =
      rows.map((r) => cacheControlOf(r.cache_header)).find((c) => c !== undefined) ??
      cacheControlOf(feed.cacheHeader) ??
      'public';
    // From the allowlist, within the per-file cap: rows written before it existed are filtered too.
    const headers = allowedResponseHeaders(item.user_metadata);
    const provider = this.storage.providerFor(feed);
    const blobKey = item.blob_key;
    const mediaType = item.media_type ?? 'application/octet-stream';
    const attachmentName = opts.attachment ? item.name : undefined;
    const createUrl = provider.createDownloadUrl?.bind(provider);
    return {
      size: Number(item.size),
      mediaType,
      sha1: item.sha1,
      lastModified: new Date(item.modified_at),
      cacheControl,
      headers,
      fileName: item.name,
      attachmentName,
      inlineContent: feed.inlineContent,
      open: async (range) => this.transfers.trackDownload(await this.storage.read(feed, blobKey, range)),
      smallContent: Number(item.size) <= SMALL_FILE_BYTES ? () => this.smallContent(feed, blobKey) : undefined,
      directUrl:
        createUrl && this.storage.redirectsDownloads(feed)
          ? ({ contentDisposition }) =>
              createUrl(blobKey, { expiresInSeconds: DIRECT_URL_SECONDS, contentType: mediaType, contentDisposition })
          : undefined,
      delivered: () => this.counter.record(item.id),
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
