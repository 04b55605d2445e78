import { Injectable } from '@nestjs/common';
import type { StorageSettings } from '@stockroom/contracts';
import { DataSource, EntityManager } from 'typeorm';
import type { SavedHashState } from './hashing';

export interface MultipartUploadRow {
  id: string;
  feed_id: number;
  client_id: string;
  path: string;
  path_lower: string;
  total_size: string;
  total_parts: number;
  blob_key: string;
  storage_upload_id: string;
  media_type: string | null;
  /** The directory's storage settings (as stored) when the upload was opened; null before moves existed. */
  storage: StorageSettings | null;
  hashed_bytes: string;
  hash_state: SavedHashState | null;
}

export interface MultipartPartRow {
  part_index: number;
  part_offset: string;
  part_size: string;
  token: string | null;
}

const UPLOAD_COLUMNS = `id, feed_id, client_id, path, path_lower, total_size, total_parts, blob_key, storage_upload_id,
  media_type, storage, hashed_bytes, hash_state`;

/**
 * The only place that touches `multipart_uploads` and `multipart_parts`: upload state, the only
 * memory nodes share.
 *
 * Style: raw SQL rows, as the whole assets module (see AssetsRepository): advisory locks, upserts
 * of parts, SKIP LOCKED claims of abandoned uploads.
 */
@Injectable()
export class MultipartRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Serialises the creation of one client id across nodes (held until the transaction ends). */
  async lockClientId(manager: EntityManager, feedId: number, clientId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('multipart:' || $1 || ':' || $2))`, [feedId, clientId]);
  }

  async find(
    feedId: number,
    clientId: string,
    manager: EntityManager = this.dataSource.manager,
    forUpdate = false,
  ): Promise<MultipartUploadRow | null> {
    const rows: MultipartUploadRow[] = await manager.query(
      `SELECT ${UPLOAD_COLUMNS} FROM multipart_uploads WHERE feed_id = $1 AND client_id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [feedId, clientId],
    );
    return rows[0] ?? null;
  }

  async insert(manager: EntityManager, row: Omit<MultipartUploadRow, 'hashed_bytes' | 'hash_state'>): Promise<void> {
    await manager.query(
      `INSERT INTO multipart_uploads (id, feed_id, client_id, path, path_lower, total_size, total_parts, blob_key,
         storage_upload_id, media_type, storage) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        row.id,
        row.feed_id,
        row.client_id,
        row.path,
        row.path_lower,
        row.total_size,
        row.total_parts,
        row.blob_key,
        row.storage_upload_id,
        row.media_type,
        row.storage === null ? null : JSON.stringify(row.storage),
      ],
    );
  }

  async setMediaTypeIfUnset(uploadId: string, mediaType: string): Promise<void> {
    await this.dataSource.query(`UPDATE multipart_uploads SET media_type = $2 WHERE id = $1 AND media_type IS NULL`, [
      uploadId,
      mediaType,
    ]);
  }

  parts(uploadId: string, manager: EntityManager = this.dataSource.manager): Promise<MultipartPartRow[]> {
    return manager.query(
      `SELECT part_index, part_offset, part_size, token FROM multipart_parts WHERE upload_id = $1 ORDER BY part_offset, part_index`,
      [uploadId],
    );
  }

  /**
   * One indexed look at the other parts: the first that overlaps [offset, offset + size), and
   * whether this index was received before (a re-send).
   */
  async checkPart(
    uploadId: string,
    index: number,
    offset: number,
    size: number,
  ): Promise<{ overlapping?: number; resent: boolean }> {
    const [row]: { overlapping: number | null; resent: boolean }[] = await this.dataSource.query(
      `SELECT (SELECT part_index FROM multipart_parts WHERE upload_id = $1 AND part_index <> $2::int
                 AND part_offset < $3::bigint + $4::bigint AND $3::bigint < part_offset + part_size
                 ORDER BY part_offset LIMIT 1) AS overlapping,
              EXISTS (SELECT 1 FROM multipart_parts WHERE upload_id = $1 AND part_index = $2::int) AS resent`,
      [uploadId, index, offset, size],
    );
    return { overlapping: row.overlapping ?? undefined, resent: row.resent };
  }

  /** Records a stored part (replacing an earlier copy of the same index). */
  async upsertPart(
    manager: EntityManager,
    uploadId: string,
    part: { index: number; offset: number; size: number; token?: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO multipart_parts (upload_id, part_index, part_offset, part_size, token) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (upload_id, part_index) DO UPDATE SET part_offset = $3, part_size = $4, token = $5`,
      [uploadId, part.index, part.offset, part.size, part.token ?? null],
    );
    await manager.query(`UPDATE multipart_uploads SET updated_at = now() WHERE id = $1`, [uploadId]);
  }

  async saveHashState(
    manager: EntityManager,
    uploadId: string,
    hashedBytes: number,
    state: SavedHashState | null,
  ): Promise<void> {
    await manager.query(`UPDATE multipart_uploads SET hashed_bytes = $2, hash_state = $3 WHERE id = $1`, [
      uploadId,
      hashedBytes,
      state === null ? null : JSON.stringify(state),
    ]);
  }

  /**
   * Claims uploads untouched since `before` (SKIP LOCKED: nodes sweeping together take different
   * rows). Returned rows stay locked until the transaction ends.
   */
  claimAbandoned(manager: EntityManager, before: Date, limit: number): Promise<MultipartUploadRow[]> {
    return manager.query(
      `SELECT ${UPLOAD_COLUMNS} FROM multipart_uploads WHERE updated_at < $1 ORDER BY updated_at LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [before, limit],
    );
  }

  async delete(manager: EntityManager, uploadId: string): Promise<void> {
    await manager.query(`DELETE FROM multipart_uploads WHERE id = $1`, [uploadId]);
  }

  async isKnownUpload(storageUploadId: string): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM multipart_uploads WHERE storage_upload_id = $1`, [
      storageUploadId,
    ]);
    return rows.length > 0;
  }

  /** The storages open uploads were started in (when recorded). */
  async storages(): Promise<StorageSettings[]> {
    const rows: { storage: StorageSettings }[] = await this.dataSource.query(
      `SELECT DISTINCT storage FROM multipart_uploads WHERE storage IS NOT NULL`,
    );
    return rows.map((r) => r.storage);
  }

  /** Those of `keys` that no file or upload names (pending deletions are the storage module's). */
  async unreferencedBlobs(keys: string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows: { key: string }[] = await this.dataSource.query(
      `SELECT k AS key FROM unnest($1::text[]) AS k
       WHERE NOT EXISTS (SELECT 1 FROM asset_items WHERE blob_key = k)
         AND NOT EXISTS (SELECT 1 FROM asset_versions WHERE blob_key = k)
         AND NOT EXISTS (SELECT 1 FROM multipart_uploads WHERE blob_key = k)`,
      [keys],
    );
    return rows.map((r) => r.key);
  }

  /** The directory's unfinished chunked uploads: where their parts are. */
  async openUploadsOfFeed(
    manager: EntityManager,
    feedId: number,
  ): Promise<{ blobKey: string; storageUploadId: string; storage: StorageSettings | null }[]> {
    const rows: { blob_key: string; storage_upload_id: string; storage: StorageSettings | null }[] =
      await manager.query(`SELECT blob_key, storage_upload_id, storage FROM multipart_uploads WHERE feed_id = $1`, [
        feedId,
      ]);
    return rows.map((u) => ({ blobKey: u.blob_key, storageUploadId: u.storage_upload_id, storage: u.storage }));
  }
}
