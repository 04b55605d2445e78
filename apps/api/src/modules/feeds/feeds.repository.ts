import { Injectable } from '@nestjs/common';
import type { StorageSettings } from '@stockroom/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { FeedEntity } from './feed.entity';

/** How many files a directory holds and their total size (folders not counted). */
export interface FeedStats {
  fileCount: number;
  totalBytes: number;
}

export const NO_FILES: FeedStats = { fileCount: 0, totalBytes: 0 };

@Injectable()
export class FeedsRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(): Promise<FeedEntity[]> {
    return this.dataSource.getRepository(FeedEntity).find({ order: { nameLower: 'ASC' } });
  }

  /** Files and bytes of each of the directories, in one grouped query (absent: no files). */
  async stats(feedIds: readonly number[]): Promise<Map<number, FeedStats>> {
    const stats = new Map<number, FeedStats>();
    if (feedIds.length === 0) return stats;
    const rows: { feed_id: number; files: string; bytes: string }[] = await this.dataSource.query(
      `SELECT feed_id, count(*) AS files, coalesce(sum(size), 0) AS bytes
         FROM asset_items
        WHERE feed_id = ANY($1::int[]) AND kind = 'file'
        GROUP BY feed_id`,
      [feedIds],
    );
    // bigint arrives as a string; sizes beyond 2^53 bytes (8 PiB) are not a concern.
    for (const r of rows) stats.set(r.feed_id, { fileCount: Number(r.files), totalBytes: Number(r.bytes) });
    return stats;
  }

  findById(id: number): Promise<FeedEntity | null> {
    return this.dataSource.getRepository(FeedEntity).findOneBy({ id });
  }

  findByName(name: string, manager: EntityManager = this.dataSource.manager): Promise<FeedEntity | null> {
    return manager.getRepository(FeedEntity).findOne({ where: { nameLower: name.toLowerCase() } });
  }

  /** Inserts unless the name is taken (case-insensitively); null when it is. */
  async insert(
    values: Pick<
      FeedEntity,
      | 'name'
      | 'description'
      | 'active'
      | 'retentionRules'
      | 'retentionRulesEnabled'
      | 'retentionDryRun'
      | 'inlineContent'
    >,
  ): Promise<FeedEntity | null> {
    const rows: { id: number }[] = await this.dataSource.query(
      `INSERT INTO feeds (name, name_lower, description, active, retention_rules, retention_rules_enabled,
         retention_dry_run, inline_content)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (name_lower) DO NOTHING RETURNING id`,
      [
        values.name,
        values.name.toLowerCase(),
        values.description,
        values.active,
        JSON.stringify(values.retentionRules),
        values.retentionRulesEnabled,
        values.retentionDryRun,
        values.inlineContent,
      ],
    );
    if (rows.length === 0) return null;
    return this.dataSource.getRepository(FeedEntity).findOneByOrFail({ id: rows[0].id });
  }

  save(feed: FeedEntity): Promise<FeedEntity> {
    return this.dataSource.getRepository(FeedEntity).save(feed);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Locks the feed row and returns its files' blob keys and its unfinished chunked uploads. */
  async lockAndListStorage(
    manager: EntityManager,
    feedId: number,
  ): Promise<{
    blobKeys: string[];
    uploads: { blobKey: string; storageUploadId: string; storage: StorageSettings | null }[];
  }> {
    await manager.query(`SELECT id FROM feeds WHERE id = $1 FOR UPDATE`, [feedId]);
    const files: { blob_key: string }[] = await manager.query(
      `SELECT blob_key FROM asset_items WHERE feed_id = $1 AND blob_key IS NOT NULL`,
      [feedId],
    );
    const uploads: { blob_key: string; storage_upload_id: string; storage: StorageSettings | null }[] =
      await manager.query(`SELECT blob_key, storage_upload_id, storage FROM multipart_uploads WHERE feed_id = $1`, [
        feedId,
      ]);
    return {
      blobKeys: files.map((r) => r.blob_key),
      uploads: uploads.map((u) => ({ blobKey: u.blob_key, storageUploadId: u.storage_upload_id, storage: u.storage })),
    };
  }

  async delete(manager: EntityManager, feedId: number): Promise<void> {
    await manager.delete(FeedEntity, { id: feedId });
  }
}
