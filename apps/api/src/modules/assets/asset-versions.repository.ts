import { Injectable } from '@nestjs/common';
import type { CacheHeader } from '@stockroom/contracts';
import { DataSource } from 'typeorm';
import type { Tx } from '../../database/unit-of-work';
import type { StoredUserMetadata } from './asset-item.entity';
import type { AssetItemRow } from './asset-item.row';
import { ItemPath, renamedColumns, RenameParams, subtreeBounds } from './assets.repository';

/** An `asset_versions` row as raw queries return it (bigint columns arrive as strings). */
export interface AssetVersionRow {
  id: string;
  feed_id: number;
  path: string;
  path_lower: string;
  version: number;
  blob_key: string;
  size: string;
  media_type: string | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  sha512: string | null;
  user_metadata: Record<string, StoredUserMetadata> | null;
  cache_header: CacheHeader | null;
  modified_at: Date;
  replaced_at: Date;
  replaced_by: string | null;
  deleted: boolean;
}

const VERSION_COLUMNS = `id, feed_id, path, path_lower, version, blob_key, size, media_type, md5, sha1, sha256, sha512,
  user_metadata, cache_header, modified_at, replaced_at, replaced_by, deleted`;

/** How a version was replaced: when, by whom, and whether the file was deleted. */
export interface Replacement {
  at: Date;
  by: string | null;
  deleted: boolean;
}

/**
 * moveSubtree's parameters ($2 from lower, $6 and $7 the target, $8 skip, $9 from path); versions have
 * no parent or name columns (only the path columns of renamedColumns are used).
 */
const VERSION_RENAME: RenameParams = {
  fromLower: '$2::text',
  path: '$6::text',
  lower: '$7::text',
  parentLower: 'NULL',
  name: 'NULL',
  skip: '$8::int',
  fromPath: '$9::text',
};

/** Rows per statement when a folder delete records thousands of versions. */
const BATCH = 2000;

/**
 * The only place that touches `asset_versions` and `asset_version_counters` (the counter exists only
 * to number versions: they are one aggregate). Raw SQL, as the rest of the assets module.
 */
@Injectable()
export class AssetVersionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records the content of the given files (locked by the caller, about to be replaced or deleted) as
   * their next versions: each path's counter is bumped (a new path starts at 1), so a number is never
   * given twice, even after its version was dropped. Files without content are skipped.
   */
  async record(tx: Tx, feedId: number, items: AssetItemRow[], how: Replacement): Promise<void> {
    const files = items.filter((i) => i.kind === 'file' && i.blob_key);
    for (let from = 0; from < files.length; from += BATCH) {
      const batch = files.slice(from, from + BATCH);
      // One order for every writer: two transactions bump the same counters without deadlocking.
      batch.sort((a, b) => (a.path_lower < b.path_lower ? -1 : a.path_lower > b.path_lower ? 1 : 0));
      // The paths' counters go up and their versions are written in one statement (one round trip
      // per overwrite: an upload's commit is a handful of them).
      await tx.query(
        `WITH numbered AS (
           INSERT INTO asset_version_counters (feed_id, path_lower, last_version)
           SELECT $1, pl, 1 FROM unnest($3::text[]) AS t(pl)
           ON CONFLICT (feed_id, path_lower) DO UPDATE SET last_version = asset_version_counters.last_version + 1
           RETURNING path_lower, last_version)
         INSERT INTO asset_versions (feed_id, path, path_lower, version, blob_key, size, media_type, md5, sha1, sha256,
           sha512, user_metadata, cache_header, modified_at, replaced_at, replaced_by, deleted)
         SELECT $1, p, pl, n.last_version, bk, s, mt, h1, h2, h3, h4, um, ch, m, $14, $15, $16
         FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
           $9::text[], $10::text[], $11::jsonb[], $12::jsonb[], $13::timestamptz[])
           AS t(p, pl, bk, s, mt, h1, h2, h3, h4, um, ch, m)
         JOIN numbered n ON n.path_lower = t.pl`,
        [
          feedId,
          batch.map((i) => i.path),
          batch.map((i) => i.path_lower),
          batch.map((i) => i.blob_key),
          batch.map((i) => i.size ?? '0'),
          batch.map((i) => i.media_type),
          batch.map((i) => i.md5),
          batch.map((i) => i.sha1),
          batch.map((i) => i.sha256),
          batch.map((i) => i.sha512),
          batch.map((i) => (i.user_metadata ? JSON.stringify(i.user_metadata) : null)),
          batch.map((i) => (i.cache_header ? JSON.stringify(i.cache_header) : null)),
          batch.map((i) => new Date(i.modified_at).toISOString()),
          how.at,
          how.by,
          how.deleted,
        ],
      );
    }
  }

  /**
   * Drops the versions of the given paths beyond the newest `keep`, and those replaced before
   * `olderThan` (if given); returns the blob keys they named.
   */
  async prunePaths(tx: Tx, feedId: number, lowers: string[], keep: number, olderThan?: Date): Promise<string[]> {
    const keys: string[] = [];
    for (let from = 0; from < lowers.length; from += BATCH) {
      const [rows]: [{ blob_key: string }[], number] = await tx.query(
        `DELETE FROM asset_versions v USING (
           SELECT id, row_number() OVER (PARTITION BY path_lower ORDER BY version DESC) AS n
             FROM asset_versions WHERE feed_id = $1 AND path_lower = ANY($2::text[])) r
         WHERE v.id = r.id AND (r.n > $3 OR v.replaced_at < $4)
         RETURNING v.blob_key`,
        [feedId, lowers.slice(from, from + BATCH), keep, olderThan ?? new Date(0)],
      );
      keys.push(...rows.map((r) => r.blob_key));
    }
    return keys;
  }

  /**
   * History follows a moved file (issue 17 §2): the versions and counters of the item at `from` and
   * of every path below it — deleted files' histories too — go to `to` (another directory maybe), in
   * one statement per table however many paths move. Numbers are per path and never given twice:
   * where the new path already has a counter (a file replaced by this move became a version there,
   * or a deleted file's history lives there), the moved versions are numbered after its last number
   * and the counters add up. A case-only rename renames the stored paths and keeps the numbers.
   * Concurrent writers of the target paths wait for the directory's usage row the caller locked.
   */
  async moveSubtree(
    tx: Tx,
    from: { feedId: number; path: string; lower: string },
    to: { feedId: number; path: ItemPath },
    newKeys?: { ids: string[]; keys: string[] },
  ): Promise<void> {
    const [lo, hi] = subtreeBounds(from.lower);
    const segments = from.path.split('/').length + 1;
    const params: unknown[] = [
      from.feedId,
      from.lower,
      lo,
      hi,
      to.feedId,
      to.path.path,
      to.path.lower,
      segments,
      from.path,
    ];
    // Across storages: the blobs streamed into the target's storage, by version id.
    const keyJoin = newKeys
      ? `, blob_key = COALESCE((SELECT k.key FROM unnest($10::bigint[], $11::text[]) AS k(id, key) WHERE k.id = v.id),
           v.blob_key)`
      : '';
    if (newKeys) params.push(newKeys.ids, newKeys.keys);
    const [path, lower] = renamedColumns('v', VERSION_RENAME);
    const inSubtree = `feed_id = $1 AND (path_lower = $2 OR (path_lower >= $3 AND path_lower < $4))`;
    if (from.feedId === to.feedId && from.lower === to.path.lower) {
      await tx.query(
        `UPDATE asset_versions v SET feed_id = $5, path = ${path}, path_lower = ${lower} WHERE v.${inSubtree}`,
        params,
      );
      return;
    }
    // Versions first: they are numbered after the target's counters as they were.
    await tx.query(
      `UPDATE asset_versions v SET feed_id = $5, path = ${path}, path_lower = ${lower},
         version = v.version + coalesce((SELECT c.last_version FROM asset_version_counters c
                                          WHERE c.feed_id = $5 AND c.path_lower = ${lower}), 0)${keyJoin}
        WHERE v.${inSubtree}`,
      params,
    );
    await tx.query(
      `WITH m AS (DELETE FROM asset_version_counters WHERE ${inSubtree} RETURNING path_lower, last_version)
       INSERT INTO asset_version_counters (feed_id, path_lower, last_version)
       SELECT $5, CASE WHEN m.path_lower = $2 THEN $6 ELSE $6 || substr(m.path_lower, char_length($2) + 1) END,
              m.last_version FROM m
       ON CONFLICT (feed_id, path_lower)
       DO UPDATE SET last_version = asset_version_counters.last_version + EXCLUDED.last_version`,
      [from.feedId, from.lower, lo, hi, to.feedId, to.path.lower],
    );
  }

  /**
   * The versions of the item at `lower` and below, by id (a move across storages streams their blobs);
   * locked FOR UPDATE when `tx` is given (the commit checks they are still the ones copied).
   */
  subtreeBlobs(
    feedId: number,
    lower: string,
    tx?: Tx,
  ): Promise<{ id: string; path: string; blob_key: string; sha256: string | null; size: string }[]> {
    const [lo, hi] = subtreeBounds(lower);
    return (tx ?? this.dataSource).query(
      `SELECT id, path, blob_key, sha256, size FROM asset_versions
        WHERE feed_id = $1 AND (path_lower = $2 OR (path_lower >= $3 AND path_lower < $4))
        ORDER BY id ${tx ? 'FOR UPDATE' : ''}`,
      [feedId, lower, lo, hi],
    );
  }

  /**
   * Drops the versions of the item at `lower` and below beyond the newest `keep` of each path, and
   * those replaced before `olderThan` (if given); returns their blob keys.
   */
  async pruneSubtree(tx: Tx, feedId: number, lower: string, keep: number, olderThan?: Date): Promise<string[]> {
    const [lo, hi] = subtreeBounds(lower);
    const [rows]: [{ blob_key: string }[], number] = await tx.query(
      `DELETE FROM asset_versions v USING (
         SELECT id, row_number() OVER (PARTITION BY path_lower ORDER BY version DESC) AS n
           FROM asset_versions WHERE feed_id = $1 AND (path_lower = $2 OR (path_lower >= $3 AND path_lower < $4))) r
       WHERE v.id = r.id AND (r.n > $5 OR v.replaced_at < $6)
       RETURNING v.blob_key`,
      [feedId, lower, lo, hi, keep, olderThan ?? new Date(0)],
    );
    return rows.map((r) => r.blob_key);
  }

  /** The bytes of the versions of the item at `lower` and below (they count against a quota). */
  async subtreeBytes(feedId: number, lower: string, tx?: Tx): Promise<number> {
    const [lo, hi] = subtreeBounds(lower);
    const rows: { bytes: string }[] = await (tx ?? this.dataSource).query(
      `SELECT coalesce(sum(size), 0) AS bytes FROM asset_versions
        WHERE feed_id = $1 AND (path_lower = $2 OR (path_lower >= $3 AND path_lower < $4))`,
      [feedId, lower, lo, hi],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  /** The bytes prunePaths(…, keep, olderThan) would free now. */
  async prunableBytes(feedId: number, lowers: string[], keep: number, olderThan?: Date, tx?: Tx): Promise<number> {
    if (lowers.length === 0) return 0;
    const rows: { bytes: string }[] = await (tx ?? this.dataSource).query(
      `SELECT coalesce(sum(size), 0) AS bytes FROM (
         SELECT size, replaced_at, row_number() OVER (PARTITION BY path_lower ORDER BY version DESC) AS n
           FROM asset_versions WHERE feed_id = $1 AND path_lower = ANY($2::text[])) r
       WHERE r.n > $3 OR r.replaced_at < $4`,
      [feedId, lowers, keep, olderThan ?? new Date(0)],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  /** Drops up to `limit` versions of the directory replaced before `olderThan`; returns their blob keys. */
  async pruneOlderThan(tx: Tx, feedId: number, olderThan: Date, limit: number): Promise<string[]> {
    const [rows]: [{ blob_key: string }[], number] = await tx.query(
      `DELETE FROM asset_versions WHERE id IN (
         SELECT id FROM asset_versions WHERE feed_id = $1 AND replaced_at < $2 ORDER BY id LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING blob_key`,
      [feedId, olderThan, limit],
    );
    return rows.map((r) => r.blob_key);
  }

  /** Directories that have versions, with the oldest replacement time of each. */
  feedsWithVersions(): Promise<{ feed_id: number; oldest: Date }[]> {
    return this.dataSource.query(
      `SELECT feed_id, min(replaced_at) AS oldest FROM asset_versions GROUP BY feed_id ORDER BY feed_id`,
    );
  }

  /** A path's versions, newest first. */
  list(feedId: number, lower: string): Promise<AssetVersionRow[]> {
    return this.dataSource.query(
      `SELECT ${VERSION_COLUMNS} FROM asset_versions WHERE feed_id = $1 AND path_lower = $2 ORDER BY version DESC`,
      [feedId, lower],
    );
  }

  /**
   * The latest version of each file under a folder ('' = the root) that was deleted and has no
   * current file again, by path.
   */
  listDeleted(feedId: number, folderLower: string): Promise<AssetVersionRow[]> {
    const under = folderLower === '' ? '' : `AND v.path_lower >= $2 AND v.path_lower < $3`;
    return this.dataSource.query(
      `SELECT * FROM (
         SELECT DISTINCT ON (v.path_lower) ${VERSION_COLUMNS.replace(/(\w+)/g, 'v.$1')}
           FROM asset_versions v WHERE v.feed_id = $1 ${under}
          ORDER BY v.path_lower, v.version DESC) latest
       WHERE latest.deleted
         AND NOT EXISTS (SELECT 1 FROM asset_items i WHERE i.feed_id = latest.feed_id AND i.path_lower = latest.path_lower)
       ORDER BY latest.path_lower`,
      folderLower === '' ? [feedId] : [feedId, `${folderLower}/`, `${folderLower}0`],
    );
  }

  /** One version; locked (FOR SHARE: a prune waits, or has dropped it) when `tx` is given. */
  async find(feedId: number, lower: string, version: number, tx?: Tx): Promise<AssetVersionRow | null> {
    const rows: AssetVersionRow[] = await (tx ?? this.dataSource).query(
      `SELECT ${VERSION_COLUMNS} FROM asset_versions WHERE feed_id = $1 AND path_lower = $2 AND version = $3
       ${tx ? 'FOR SHARE' : ''}`,
      [feedId, lower, version],
    );
    return rows[0] ?? null;
  }

  /** Those of `keys` that a version names (read in `tx`). */
  async named(tx: Tx, keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows: { blob_key: string }[] = await tx.query(
      `SELECT DISTINCT blob_key FROM asset_versions WHERE blob_key = ANY($1::text[])`,
      [keys],
    );
    return new Set(rows.map((r) => r.blob_key));
  }

  /** The directory's versions with an id above `afterId`, by id, at most `limit` (a storage move copies them). */
  blobsAfter(
    feedId: number,
    afterId: string,
    limit: number,
  ): Promise<{ id: string; path: string; version: number; blob_key: string; sha256: string | null; size: string }[]> {
    return this.dataSource.query(
      `SELECT id, path, version, blob_key, sha256, size FROM asset_versions
       WHERE feed_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [feedId, afterId, limit],
    );
  }

  /** Whether version `id` still exists (not dropped) with blob `blobKey`. */
  /** The directories whose versions name each of `keys`. */
  blobHolders(keys: string[]): Promise<{ blob_key: string; feed_id: number }[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.dataSource.query(
      `SELECT DISTINCT blob_key, feed_id FROM asset_versions WHERE blob_key = ANY($1::text[])`,
      [keys],
    );
  }

  async holdsBlob(id: string, blobKey: string): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM asset_versions WHERE id = $1 AND blob_key = $2`, [
      id,
      blobKey,
    ]);
    return rows.length > 0;
  }

  async hasAny(feedId: number): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM asset_versions WHERE feed_id = $1 LIMIT 1`, [feedId]);
    return rows.length > 0;
  }

  /** Every blob key the directory's versions name. */
  async blobKeysOfFeed(tx: Tx, feedId: number): Promise<string[]> {
    const rows: { blob_key: string }[] = await tx.query(
      `SELECT DISTINCT blob_key FROM asset_versions WHERE feed_id = $1`,
      [feedId],
    );
    return rows.map((r) => r.blob_key);
  }
}
