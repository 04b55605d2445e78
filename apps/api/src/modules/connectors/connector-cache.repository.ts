import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../database/unit-of-work';
import { ConnectorCacheEntity } from './connector-cache.entity';

/** What the connector keeps of a fetched file: the upstream's validators. */
export interface CachedFile {
  sha1: string;
  etag: string | null;
  lastModified: string | null;
}

/**
 * The only place that touches `connector_cache`. Style: TypeORM's entity API for single rows, SQL
 * for upserts.
 */
@Injectable()
export class ConnectorCacheRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(feedId: number, pathLower: string): Promise<ConnectorCacheEntity | null> {
    return this.dataSource.getRepository(ConnectorCacheEntity).findOneBy({ feedId, pathLower });
  }

  /** A file the connector stored (or replaced), validated now: in the store's own transaction. */
  async saveFile(tx: Tx, feedId: number, pathLower: string, file: CachedFile, now: Date): Promise<void> {
    await tx.query(
      `INSERT INTO connector_cache (feed_id, path_lower, sha1, etag, last_modified, fetched_at, validated_at, missing_until)
       VALUES ($1, $2, $3, $4, $5, $6, $6, NULL)
       ON CONFLICT (feed_id, path_lower) DO UPDATE SET sha1 = EXCLUDED.sha1, etag = EXCLUDED.etag,
         last_modified = EXCLUDED.last_modified, fetched_at = EXCLUDED.fetched_at,
         validated_at = EXCLUDED.validated_at, missing_until = NULL`,
      [feedId, pathLower, file.sha1, file.etag, file.lastModified, now],
    );
  }

  /**
   * The upstream confirmed the file (304, the same content again, or it could not say otherwise):
   * fresh for another cache time; `validators` replace the stored ones when given.
   */
  async validated(
    feedId: number,
    pathLower: string,
    sha1: string,
    now: Date,
    validators?: { etag: string | null; lastModified: string | null },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE connector_cache SET validated_at = $4,
         etag = CASE WHEN $5 THEN $6 ELSE etag END, last_modified = CASE WHEN $5 THEN $7 ELSE last_modified END
       WHERE feed_id = $1 AND path_lower = $2 AND sha1 = $3`,
      [
        feedId,
        pathLower,
        sha1,
        now,
        validators !== undefined,
        validators?.etag ?? null,
        validators?.lastModified ?? null,
      ],
    );
  }

  /** The upstream lacks the file: remembered until `until` (a file fetched earlier keeps its row). */
  async rememberMissing(feedId: number, pathLower: string, now: Date, until: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO connector_cache (feed_id, path_lower, sha1, fetched_at, validated_at, missing_until)
       VALUES ($1, $2, NULL, $3, $3, $4)
       ON CONFLICT (feed_id, path_lower) DO UPDATE SET sha1 = NULL, etag = NULL, last_modified = NULL,
         validated_at = $3, missing_until = $4`,
      [feedId, pathLower, now, until],
    );
  }

  /** The upstream changed: its 404s and validators no longer hold (the fetched files stay the connector's). */
  async forgetUpstream(feedId: number): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await tx.query(`DELETE FROM connector_cache WHERE feed_id = $1 AND sha1 IS NULL`, [feedId]);
      await tx.query(`UPDATE connector_cache SET etag = NULL, last_modified = NULL WHERE feed_id = $1`, [feedId]);
    });
  }

  /**
   * The files the connector fetched that the directory still holds as fetched (a file uploaded
   * over one, or deleted, is not counted). Reads `asset_items` (read-only, for this report only).
   */
  async totals(feedId: number): Promise<{ files: number; bytes: number }> {
    const [row]: { files: string; bytes: string | null }[] = await this.dataSource.query(
      `SELECT count(*) AS files, sum(i.size) AS bytes FROM connector_cache c
       JOIN asset_items i ON i.feed_id = c.feed_id AND i.path_lower = c.path_lower AND i.sha1 = c.sha1
       WHERE c.feed_id = $1 AND c.sha1 IS NOT NULL`,
      [feedId],
    );
    return { files: Number(row.files), bytes: Number(row.bytes ?? 0) };
  }
}
