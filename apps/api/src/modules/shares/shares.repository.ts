import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SHARE_SCOPES } from '../../database/cache-scope';
import { CoherentCache } from '../../database/coherent-cache.service';
import { ShareEntity, ShareKind } from './share.entity';

/** A `shares` row with whether its item is still the one it was made for, at its path. */
export interface ShareRow extends ShareEntity {
  /** False once the path holds another item, or none (moved, deleted, recreated). */
  bound: boolean;
}

export interface NewShare {
  feedId: number;
  path: string;
  pathLower: string;
  itemId: string | null;
  kind: ShareKind;
  tokenHash: Buffer;
  createdBy: string;
  createdByKey: string;
  createdAt: Date;
  expiresAt: Date;
  maxDownloads: number | null;
  passwordHash: string | null;
}

/**
 * The columns of ShareEntity, and `bound`: the item at the link's path is the one it was made for (a
 * whole directory's link has no item and is bound while the directory exists). Read in the same query
 * as the link itself.
 */
const SHARE_COLUMNS = `s.id, s.feed_id AS "feedId", s.path, s.path_lower AS "pathLower", s.item_id AS "itemId", s.kind,
  s.token_hash AS "tokenHash", s.created_by AS "createdBy", s.created_by_key AS "createdByKey",
  s.created_at AS "createdAt", s.expires_at AS "expiresAt", s.max_downloads AS "maxDownloads", s.downloads,
  s.password_hash AS "passwordHash", s.revoked_at AS "revokedAt", s.ended_at AS "endedAt",
  (s.item_id IS NULL OR EXISTS (SELECT 1 FROM asset_items ai
     WHERE ai.feed_id = s.feed_id AND ai.path_lower = s.path_lower AND ai.id = s.item_id)) AS bound`;

/** `shares` (issue 18): one row per share link. Raw SQL: the binding check and the atomic count. */
@Injectable()
export class SharesRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: CoherentCache,
  ) {}

  async insert(share: NewShare): Promise<number> {
    const rows: { id: number }[] = await this.dataSource.query(
      `INSERT INTO shares (feed_id, path, path_lower, item_id, kind, token_hash, created_by, created_by_key,
                           created_at, expires_at, max_downloads, password_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        share.feedId,
        share.path,
        share.pathLower,
        share.itemId,
        share.kind,
        share.tokenHash,
        share.createdBy,
        share.createdByKey,
        share.createdAt,
        share.expiresAt,
        share.maxDownloads,
        share.passwordHash,
      ],
    );
    return rows[0].id;
  }

  /**
   * The link with this token hash, for a use. A link without a download limit comes from this node's
   * coherent cache (every change but a download count notifies every node; see the Shares migration),
   * so its `bound` may be older than its item: check the item where it is served. A limited link is
   * read afresh every time (its count decides whether it may still be used).
   */
  findByTokenHash(tokenHash: Buffer): Promise<ShareRow | null> {
    return this.cache.get(
      'share',
      tokenHash.toString('hex'),
      async () => {
        const rows: ShareRow[] = await this.dataSource.query(
          `SELECT ${SHARE_COLUMNS} FROM shares s WHERE s.token_hash = $1`,
          [tokenHash],
        );
        return rows[0] ?? null;
      },
      (row) => row !== null && row.maxDownloads === null,
    );
  }

  async findById(id: number): Promise<ShareRow | null> {
    const rows: ShareRow[] = await this.dataSource.query(`SELECT ${SHARE_COLUMNS} FROM shares s WHERE s.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** A directory's links, newest first; only those of one creator when `createdByKey` is given. */
  list(feedId: number, createdByKey?: string): Promise<ShareRow[]> {
    return this.dataSource.query(
      `SELECT ${SHARE_COLUMNS} FROM shares s
        WHERE s.feed_id = $1 AND ($2::text IS NULL OR s.created_by_key = $2)
        ORDER BY s.id DESC`,
      [feedId, createdByKey ?? null],
    );
  }

  /** Revokes (a second revocation keeps the first one's time). */
  async revoke(id: number, at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE shares SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, [id, at]);
    // This server's workers drop it before the answer; other nodes follow the notification.
    await this.cache.invalidateEverywhere(SHARE_SCOPES);
  }

  /** Records when links were found to have lost their item (the first finding stays). */
  async markEnded(ids: number[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(`UPDATE shares SET ended_at = $2 WHERE id = ANY($1) AND ended_at IS NULL`, [ids, at]);
    await this.cache.invalidateEverywhere(SHARE_SCOPES);
  }

  /** Adds downloads counted in memory (links without a limit: ShareUsageRecorder), one statement. */
  async addDownloads(counts: { id: number; n: number }[]): Promise<void> {
    if (counts.length === 0) return;
    await this.dataSource.query(
      `UPDATE shares s SET downloads = s.downloads + c.n
         FROM unnest($1::int[], $2::int[]) AS c(id, n) WHERE s.id = c.id`,
      [counts.map((c) => c.id), counts.map((c) => c.n)],
    );
  }

  /**
   * One more download, only while the link is usable at `now` and has downloads left: one statement, so
   * that two nodes serving the last download at once cannot both count it. The new count, or null when
   * the link may no longer be used.
   */
  async countDownload(id: number, now: Date): Promise<number | null> {
    const [rows]: [{ downloads: number }[], number] = await this.dataSource.query(
      `UPDATE shares SET downloads = downloads + 1
        WHERE id = $1 AND revoked_at IS NULL AND ended_at IS NULL AND expires_at > $2
          AND (max_downloads IS NULL OR downloads < max_downloads)
        RETURNING downloads`,
      [id, now],
    );
    return rows[0]?.downloads ?? null;
  }
}
