import { Injectable } from '@nestjs/common';
import type { StorageSettings } from '@stockroom/contracts';
import type { Tx } from '../../database/unit-of-work';
import { AssetVersionsRepository } from './asset-versions.repository';
import { AssetsRepository } from './assets.repository';
import { MultipartRepository } from './multipart.repository';

/** How many files a directory holds and their total size (folders not counted). */
export interface FeedStats {
  fileCount: number;
  totalBytes: number;
}

export const NO_FILES: FeedStats = { fileCount: 0, totalBytes: 0 };

/** Ids of kept versions in a storage move's cursor: offset past any file id (see filesToCopy). */
const VERSION_IDS = 1n << 62n;

/** A file whose blob a storage move copies. */
export interface FileToCopy {
  feedId: number;
  id: string;
  path: string;
  blobKey: string;
  sha256: string | null;
  size: number;
}

/** An unfinished chunked upload: where its parts are (null: the directory's storage). */
export interface OpenUpload {
  blobKey: string;
  storageUploadId: string;
  storage: StorageSettings | null;
}

/**
 * What other modules (feeds, storage moves) ask of a directory's files and uploads: the asset
 * tables stay the assets module's. Its own module (AssetsDataModule), which imports no feature
 * module, so that the feeds module can use it without an import cycle.
 */
@Injectable()
export class FeedContentsService {
  constructor(
    private readonly items: AssetsRepository,
    private readonly versions: AssetVersionsRepository,
    private readonly multipart: MultipartRepository,
  ) {}

  /** Files and bytes of each of the directories, in one grouped query (absent: no files). */
  async stats(feedIds: readonly number[], tx?: Tx): Promise<Map<number, FeedStats>> {
    const stats = new Map<number, FeedStats>();
    // bigint arrives as a string; sizes beyond 2^53 bytes (8 PiB) are not a concern.
    for (const r of await this.items.fileStats(feedIds, tx))
      stats.set(r.feed_id, { fileCount: Number(r.files), totalBytes: Number(r.bytes) });
    return stats;
  }

  /** Files and bytes of one directory, counted in `tx` (after the caller locked the directory). */
  async statsOf(tx: Tx, feedId: number): Promise<FeedStats> {
    return (await this.stats([feedId], tx)).get(feedId) ?? NO_FILES;
  }

  /** Whether the directory holds blobs: files, or kept versions (file history). */
  async hasFiles(feedId: number): Promise<boolean> {
    return (await this.items.hasFiles(feedId)) || (await this.versions.hasAny(feedId));
  }

  /**
   * Every blob key of the directory's files and kept versions (file history), read in `tx` (after
   * the caller locked the directory).
   */
  async blobKeys(tx: Tx, feedId: number): Promise<string[]> {
    const keys = await this.items.blobKeysOfFeed(tx, feedId);
    return [...new Set([...keys, ...(await this.versions.blobKeysOfFeed(tx, feedId))])];
  }

  /**
   * The next `limit` blobs (by id, after `afterId`) a move copies: the files', then the kept
   * versions' (file history). The move's cursor is one bigint: a version's id is offset by
   * VERSION_IDS, far above any file id, so the cursor says which phase it is in.
   */
  async filesToCopy(feedId: number, afterId: string, limit: number): Promise<FileToCopy[]> {
    const after = BigInt(afterId);
    if (after < VERSION_IDS) {
      const rows = await this.items.filesAfter(feedId, afterId, limit);
      if (rows.length > 0)
        return rows.map((r) => ({
          feedId,
          id: r.id,
          path: r.path,
          blobKey: r.blob_key,
          sha256: r.sha256,
          size: Number(r.size),
        }));
    }
    const versionsAfter = after < VERSION_IDS ? 0n : after - VERSION_IDS;
    const versions = await this.versions.blobsAfter(feedId, String(versionsAfter), limit);
    return versions.map((v) => ({
      feedId,
      id: String(VERSION_IDS + BigInt(v.id)),
      path: `${v.path} (version ${v.version})`,
      blobKey: v.blob_key,
      sha256: v.sha256,
      size: Number(v.size),
    }));
  }

  /**
   * Whether the file (or kept version) still exists with that blob (neither deleted nor overwritten
   * since), or another file of its directory names the blob (a copy shares it).
   */
  stillHolds(file: Pick<FileToCopy, 'feedId' | 'id' | 'blobKey'>): Promise<boolean> {
    const id = BigInt(file.id);
    return id >= VERSION_IDS
      ? this.versions.holdsBlob(String(id - VERSION_IDS), file.blobKey)
      : this.items.holdsBlob(file.feedId, file.id, file.blobKey);
  }

  /**
   * The directories whose files or kept versions name each of `keys` (blobs are shared by copies
   * within one storage, and by versions with the files restored from them).
   */
  async blobHolders(keys: string[]): Promise<Map<string, number[]>> {
    const holders = new Map<string, number[]>();
    const rows = [...(await this.items.blobHolders(keys)), ...(await this.versions.blobHolders(keys))];
    for (const r of rows) {
      const list = holders.get(r.blob_key) ?? [];
      if (!list.includes(r.feed_id)) list.push(r.feed_id);
      holders.set(r.blob_key, list);
    }
    return holders;
  }

  /** The directory's unfinished chunked uploads, read in `tx`. */
  openUploads(tx: Tx, feedId: number): Promise<OpenUpload[]> {
    return this.multipart.openUploadsOfFeed(tx, feedId);
  }
}
