import { Injectable } from '@nestjs/common';
import type { CacheHeader } from '@stockroom/contracts';
import { Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import { DataSource, EntityManager } from 'typeorm';
import { CoherentCache } from '../../database/coherent-cache.service';
import type { AssetKind, StoredUserMetadata } from './asset-item.entity';
import { AssetItemRow, ITEM_COLUMNS, LISTED_COLUMNS, ListedItemRow } from './asset-item.row';
import type { FileHashes } from './hashing';

/** Path facts in the shapes the queries need. */
export interface ItemPath {
  segments: string[];
  path: string;
  lower: string;
  /** The last segment ('' at the root). */
  name: string;
  parentLower: string;
}

export interface NewFileContent {
  blobKey: string;
  size: number;
  mediaType: string;
  hashes: FileHashes;
  /** [ext] The file's modification time when not the write's (a connector keeps the upstream's). */
  modifiedAt?: Date;
}

/** size, media_type, blob_key, md5, sha1, sha256, sha512 — in that column order. */
function contentValues(c: NewFileContent): unknown[] {
  return [c.size, c.mediaType, c.blobKey, c.hashes.md5, c.hashes.sha1, c.hashes.sha256, c.hashes.sha512];
}

/** Lower-cased paths of every ancestor folder of a path, shallowest first (root excluded). */
export function ancestorLowers(segments: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) out.push(segments.slice(0, i).join('/').toLowerCase());
  return out;
}

/** A folder to create: its path, lower-cased path and parent, and name. */
export interface FolderPath {
  path: string;
  lower: string;
  parentLower: string;
  name: string;
}

/** What {@link AssetsRepository.commitFiles} did; `conflict` is an item that stopped it (nothing is rolled back here). */
export interface BulkCommitResult {
  created: number;
  overwritten: number;
  replacedBlobs: string[];
  /** The replaced files' rows as they were (for file history). */
  replaced: AssetItemRow[];
  conflict?: { path: string; kind: AssetKind };
}

/** Rows a move or copy changed or made, and files among them. */
export interface TransferCounts {
  items: number;
  files: number;
}

/** The directory and path of a row a write changed (`RETURNING feed_id, path_lower`). */
interface ChangedRow {
  feed_id: number;
  path_lower: string;
}

/** Rows per statement of a bulk commit: arrays of this size keep each statement well under a second. */
const COMMIT_BATCH = 2000;
/** Past this many changed paths, a write drops its directory's cached lookups instead of each path's. */
const MAX_CHANGED_PATHS = 100;

/** size, media_type, blob_key, md5, sha1, sha256, sha512 as column arrays for `unnest`. */
function contentColumns(files: { content: NewFileContent }[]): unknown[] {
  return [
    files.map((f) => f.content.size),
    files.map((f) => f.content.mediaType),
    files.map((f) => f.content.blobKey),
    files.map((f) => f.content.hashes.md5),
    files.map((f) => f.content.hashes.sha1),
    files.map((f) => f.content.hashes.sha256),
    files.map((f) => f.content.hashes.sha512),
  ];
}

/** `[lower, upper)` bounds of a subtree under C collation: every path starting with `prefix/`. */
export function subtreeBounds(lower: string): [string, string] {
  // '0' is the character right after '/', so [p/, p0) is exactly the paths below p.
  return [`${lower}/`, `${lower}0`];
}

/** Parameter names (SQL) of a rename: the moved item as stored, where it goes, and its segment count + 1. */
export interface RenameParams {
  fromPath: string;
  fromLower: string;
  path: string;
  lower: string;
  parentLower: string;
  name: string;
  skip: string;
}

/**
 * path, path_lower, parent_lower, name and name_lower of a row of the subtree at `fromLower` (table
 * alias `t`) once that item is renamed to `path`: each row keeps what follows the moved item. A row
 * whose path does not start with the folder's stored path (stored with another case of its name)
 * is cut by segments instead, which the common case skips (string_to_array on every row is slower).
 */
export function renamedColumns(t: string, r: RenameParams): string[] {
  const self = `${t}.path_lower = ${r.fromLower}`;
  const bySegments = `array_to_string((string_to_array(${t}.path, '/'))[${r.skip}:], '/')`;
  return [
    `CASE WHEN ${self} THEN ${r.path}
          WHEN left(${t}.path, char_length(${r.fromPath}) + 1) = ${r.fromPath} || '/'
          THEN ${r.path} || substr(${t}.path, char_length(${r.fromPath}) + 1)
          ELSE ${r.path} || '/' || ${bySegments} END`,
    `CASE WHEN ${self} THEN ${r.lower} ELSE ${r.lower} || substr(${t}.path_lower, char_length(${r.fromLower}) + 1) END`,
    `CASE WHEN ${self} THEN ${r.parentLower} ELSE ${r.lower} || substr(${t}.parent_lower, char_length(${r.fromLower}) + 1) END`,
    `CASE WHEN ${self} THEN ${r.name} ELSE ${t}.name END`,
    `CASE WHEN ${self} THEN lower(${r.name}) ELSE ${t}.name_lower END`,
  ];
}

/** {@link renamedColumns} as an UPDATE's SET list. */
function renamedSet(r: RenameParams): string {
  const [p, pl, par, n, nl] = renamedColumns('asset_items', r);
  return `path = ${p}, path_lower = ${pl}, parent_lower = ${par}, name = ${n}, name_lower = ${nl}`;
}

/** The parameters of moveSubtree and copySubtree: $2 from lower, $6-$9 the target, $10 skip, $11 from path. */
const RENAME: RenameParams = {
  fromLower: '$2::text',
  path: '$6::text',
  lower: '$7::text',
  parentLower: '$8::text',
  name: '$9::text',
  skip: '$10::int',
  fromPath: '$11::text',
};

/**
 * The parameters $1–$11 of a subtree move or copy: the source's directory, path and bounds ($1–$4),
 * the target's directory, path, parent and name ($5–$9), then what RENAME's expressions read ($10,
 * $11: the segment after the source's path, and the source path as stored).
 */
function transferParams(
  from: { feedId: number; path: string; lower: string },
  to: { feedId: number; path: ItemPath },
): unknown[] {
  const [lo, hi] = subtreeBounds(from.lower);
  return [
    from.feedId,
    from.lower,
    lo,
    hi,
    to.feedId,
    to.path.path,
    to.path.lower,
    to.path.parentLower,
    to.path.name,
    from.path.split('/').length + 1,
    from.path,
  ];
}

/**
 * Rows a listing cursor fetches per round trip (and buffers): pg-query-stream's default of 100 made a
 * 100k-item listing a thousand round trips to PostgreSQL. 1,000 rows are about 0.5 MB.
 */
const CURSOR_BATCH_ROWS = 1000;

/** A query's rows as an object stream, fetched CURSOR_BATCH_ROWS at a time. */
function cursor(client: PoolClient, sql: string, parameters: unknown[]): QueryStream {
  return client.query(
    new QueryStream(sql, parameters, { batchSize: CURSOR_BATCH_ROWS, highWaterMark: CURSOR_BATCH_ROWS }),
  );
}

/**
 * The only place that touches `asset_items` (MultipartRepository has the upload tables). Every write
 * names the paths it changed (see {@link changed}), so that the download lookups cached in this
 * server's workers (CoherentCache) are dropped before the writer answers.
 *
 * Style (the assets module's): raw SQL rows (AssetItemRow). Paths are compared under C collation
 * by range, files are written in bulk with `unnest` and `ON CONFLICT`, listings stream through
 * server-side cursors and counters add up in one statement: the entity API says none of it, and a
 * million-file tree must never be loaded as entities.
 */
@Injectable()
export class AssetsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: CoherentCache,
  ) {}

  async find(
    feedId: number,
    lower: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AssetItemRow | null> {
    const rows: AssetItemRow[] = await manager.query(
      `SELECT ${ITEM_COLUMNS} FROM asset_items WHERE feed_id = $1 AND path_lower = $2`,
      [feedId, lower],
    );
    return rows[0] ?? null;
  }

  async findMany(
    feedId: number,
    lowers: string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AssetItemRow[]> {
    if (lowers.length === 0) return [];
    return manager.query(`SELECT ${ITEM_COLUMNS} FROM asset_items WHERE feed_id = $1 AND path_lower = ANY($2)`, [
      feedId,
      lowers,
    ]);
  }

  async findByIds(manager: EntityManager, feedId: number, ids: string[]): Promise<AssetItemRow[]> {
    if (ids.length === 0) return [];
    return manager.query(`SELECT ${ITEM_COLUMNS} FROM asset_items WHERE feed_id = $1 AND id = ANY($2::bigint[])`, [
      feedId,
      ids,
    ]);
  }

  /** The item and every ancestor folder in one query, deepest first. */
  async findWithAncestors(feedId: number, segments: string[]): Promise<AssetItemRow[]> {
    const lowers = [...ancestorLowers(segments), segments.join('/').toLowerCase()];
    return this.dataSource.query(
      `SELECT ${ITEM_COLUMNS} FROM asset_items WHERE feed_id = $1 AND path_lower = ANY($2)
       ORDER BY length(path_lower) DESC`,
      [feedId, lowers],
    );
  }

  async lock(manager: EntityManager, feedId: number, lower: string): Promise<AssetItemRow | null> {
    const rows: AssetItemRow[] = await manager.query(
      `SELECT ${ITEM_COLUMNS} FROM asset_items WHERE feed_id = $1 AND path_lower = $2 FOR UPDATE`,
      [feedId, lower],
    );
    return rows[0] ?? null;
  }

  /**
   * Creates the folders of `segments` (each prefix) that are missing. Returns the path of a file
   * standing where a folder is needed, if any.
   */
  async ensureFolders(manager: EntityManager, feedId: number, segments: string[], now: Date): Promise<string | null> {
    const folders: FolderPath[] = [];
    for (let i = 1; i <= segments.length; i++) {
      const path = segments.slice(0, i).join('/');
      folders.push({
        path,
        lower: path.toLowerCase(),
        parentLower: segments
          .slice(0, i - 1)
          .join('/')
          .toLowerCase(),
        name: segments[i - 1],
      });
    }
    return this.ensureFolderPaths(manager, feedId, folders, now);
  }

  /**
   * Creates the given folders that are missing, in one statement whatever their number (an archive
   * import brings thousands). Returns the path of a file standing where a folder is needed, if any.
   */
  async ensureFolderPaths(
    manager: EntityManager,
    feedId: number,
    folders: FolderPath[],
    now: Date,
  ): Promise<string | null> {
    if (folders.length === 0) return null;
    // One order for every writer (shallowest first under C collation), so two imports never deadlock.
    const sorted = [...new Map(folders.map((f) => [f.lower, f])).values()].sort((a, b) =>
      a.lower < b.lower ? -1 : a.lower > b.lower ? 1 : 0,
    );
    const lowers = sorted.map((f) => f.lower);
    for (;;) {
      const created: { path_lower: string }[] = await manager.query(
        `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, created_at, modified_at)
         SELECT $1, p, pl, par, n, lower(n), 'dir', $6, $6
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(p, pl, par, n)
         ON CONFLICT (feed_id, path_lower) DO NOTHING RETURNING path_lower`,
        [feedId, sorted.map((f) => f.path), lowers, sorted.map((f) => f.parentLower), sorted.map((f) => f.name), now],
      );
      await this.changed(
        manager,
        feedId,
        created.map((r) => r.path_lower),
      );
      // Key-share locks: a folder delete (or retention removing a folder it emptied) waits for this
      // transaction, then sees what it put there. One deleted just before the lock is made again.
      const rows: { path: string; kind: AssetKind }[] = await manager.query(
        `SELECT path, kind FROM asset_items WHERE feed_id = $1 AND path_lower = ANY($2) FOR KEY SHARE`,
        [feedId, lowers],
      );
      if (rows.length === lowers.length) return rows.find((r) => r.kind === 'file')?.path ?? null;
    }
  }

  /**
   * Items whose paths differ only by Unicode normalisation (`café` stored composed and decomposed), at
   * most `limit` groups: one pass over the non-ASCII paths (only those can differ), grouped by NFC key.
   */
  async findNameTwins(limit: number): Promise<{ feed_id: number; paths: string[] }[]> {
    return this.dataSource.query(
      `SELECT feed_id, array_agg(path ORDER BY id) AS paths FROM asset_items
       WHERE octet_length(path_lower) <> char_length(path_lower)
       GROUP BY feed_id, normalize(path_lower, NFC) HAVING count(*) > 1
       LIMIT $1`,
      [limit],
    );
  }

  /** Adds downloads to items' counts (one statement for the whole batch). */
  async addDownloads(downloads: { id: string; count: number; last: Date }[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE asset_items AS i
          SET download_count = i.download_count + v.n,
              last_downloaded_at = GREATEST(i.last_downloaded_at, v.at)
         FROM unnest($1::bigint[], $2::int[], $3::timestamptz[]) AS v(id, n, at)
        WHERE i.id = v.id`,
      [downloads.map((d) => d.id), downloads.map((d) => d.count), downloads.map((d) => d.last.toISOString())],
    );
  }

  /** Which of the given lower-cased paths exist in the directory. */
  async existingLowers(feedId: number, lowers: string[]): Promise<Set<string>> {
    if (lowers.length === 0) return new Set();
    const rows: { path_lower: string }[] = await this.dataSource.query(
      `SELECT path_lower FROM asset_items WHERE feed_id = $1 AND path_lower = ANY($2)`,
      [feedId, lowers],
    );
    return new Set(rows.map((r) => r.path_lower));
  }

  /**
   * Makes many files at once (an archive import), inside the caller's transaction: one INSERT and one
   * UPDATE per batch instead of several statements per file. `create` fails on anything already there;
   * `upsert` replaces existing files (their replaced blobs are returned, to be queued for deletion).
   * The parent folders must exist (and be key-share locked) already. A folder in the way is reported.
   */
  async commitFiles(
    manager: EntityManager,
    feedId: number,
    files: { path: ItemPath; content: NewFileContent }[],
    mode: 'create' | 'upsert',
    now: Date,
  ): Promise<BulkCommitResult> {
    const result: BulkCommitResult = { created: 0, overwritten: 0, replacedBlobs: [], replaced: [] };
    const sorted = [...files].sort((a, b) => (a.path.lower < b.path.lower ? -1 : a.path.lower > b.path.lower ? 1 : 0));
    for (let from = 0; from < sorted.length; from += COMMIT_BATCH) {
      let batch = sorted.slice(from, from + COMMIT_BATCH);
      while (batch.length > 0) {
        let existing: AssetItemRow[] = [];
        if (mode === 'upsert') {
          existing = await manager.query(
            `SELECT ${ITEM_COLUMNS} FROM asset_items WHERE feed_id = $1 AND path_lower = ANY($2)
             ORDER BY path_lower FOR UPDATE`,
            [feedId, batch.map((f) => f.path.lower)],
          );
          const folder = existing.find((r) => r.kind === 'dir');
          if (folder) return { ...result, conflict: { path: folder.path, kind: 'dir' } };
          const byLower = new Map(existing.map((r) => [r.path_lower, r]));
          const replaced = batch.filter((f) => byLower.has(f.path.lower));
          if (replaced.length > 0) {
            await manager.query(
              `UPDATE asset_items a SET size = t.size, media_type = t.media_type, blob_key = t.blob_key, md5 = t.md5,
                 sha1 = t.sha1, sha256 = t.sha256, sha512 = t.sha512, modified_at = $9, placeholder_by = NULL
               FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                 $8::text[]) AS t(id, size, media_type, blob_key, md5, sha1, sha256, sha512)
               WHERE a.id = t.id`,
              [replaced.map((f) => (byLower.get(f.path.lower) as { id: string }).id), ...contentColumns(replaced), now],
            );
            await this.changed(
              manager,
              feedId,
              replaced.map((f) => f.path.lower),
            );
            result.overwritten += replaced.length;
            for (const r of existing) if (r.blob_key) result.replacedBlobs.push(r.blob_key);
            result.replaced.push(...existing);
          }
          batch = batch.filter((f) => !byLower.has(f.path.lower));
          if (batch.length === 0) break;
        }
        const inserted: { path_lower: string }[] = await manager.query(
          `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, size, media_type,
             blob_key, md5, sha1, sha256, sha512, created_at, modified_at)
           SELECT $1, p, pl, par, n, lower(n), 'file', size, media_type, blob_key, md5, sha1, sha256, sha512, $13, $13
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[],
             $10::text[], $11::text[], $12::text[])
             AS t(p, pl, par, n, size, media_type, blob_key, md5, sha1, sha256, sha512)
           ON CONFLICT (feed_id, path_lower) DO NOTHING RETURNING path_lower`,
          [
            feedId,
            batch.map((f) => f.path.path),
            batch.map((f) => f.path.lower),
            batch.map((f) => f.path.parentLower),
            batch.map((f) => f.path.name),
            ...contentColumns(batch),
            now,
          ],
        );
        result.created += inserted.length;
        await this.changed(
          manager,
          feedId,
          inserted.map((r) => r.path_lower),
        );
        const done = new Set(inserted.map((r) => r.path_lower));
        const rest = batch.filter((f) => !done.has(f.path.lower));
        if (rest.length > 0 && mode === 'create') {
          // Made by a concurrent request since the import was planned.
          const [row]: { path: string; kind: AssetKind }[] = await manager.query(
            `SELECT path, kind FROM asset_items WHERE feed_id = $1 AND path_lower = ANY($2) LIMIT 1`,
            [feedId, rest.map((f) => f.path.lower)],
          );
          if (row) return { ...result, conflict: { path: row.path, kind: row.kind } };
        }
        // upsert: those made meanwhile by someone else are locked and replaced on the next turn.
        batch = rest;
      }
    }
    return result;
  }

  /**
   * Inserts a new file; false when something already stands at the path (caller locks it). A 0-byte
   * file records `writer` as its placeholder's owner (the one replacement a create-only directory allows).
   */
  async insertFile(
    manager: EntityManager,
    feedId: number,
    p: ItemPath,
    content: NewFileContent,
    now: Date,
    writer: string | null = null,
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, size, media_type,
         blob_key, md5, sha1, sha256, sha512, created_at, modified_at, placeholder_by)
       VALUES ($1, $2, $3, $4, $5, lower($5), 'file', $6, $7, $8, $9, $10, $11, $12, $13, $15,
         CASE WHEN $6::bigint = 0 THEN $14::varchar END)
       ON CONFLICT (feed_id, path_lower) DO NOTHING RETURNING id`,
      [
        feedId,
        p.path,
        p.lower,
        p.parentLower,
        p.name,
        ...contentValues(content),
        now,
        writer,
        content.modifiedAt ?? now,
      ],
    );
    if (rows.length === 0) return false;
    await this.changed(manager, feedId, [p.lower]);
    return true;
  }

  /** Replaces a file's content; keeps its creation time, metadata and cache setting. */
  async replaceFile(manager: EntityManager, id: string, content: NewFileContent, now: Date): Promise<void> {
    const [rows]: [ChangedRow[], number] = await manager.query(
      `UPDATE asset_items SET size = $2, media_type = $3, blob_key = $4, md5 = $5, sha1 = $6, sha256 = $7,
         sha512 = $8, modified_at = $9, placeholder_by = NULL WHERE id = $1 RETURNING feed_id, path_lower`,
      [id, ...contentValues(content), content.modifiedAt ?? now],
    );
    await this.changedRows(manager, rows);
  }

  /**
   * [ext] Makes a kept version's content the file's again (file history's restore): its content,
   * metadata and cache setting; the creation time stays.
   */
  async restoreFile(
    manager: EntityManager,
    id: string,
    content: NewFileContent,
    extras: { userMetadata: Record<string, StoredUserMetadata> | null; cacheHeader: CacheHeader | null },
    now: Date,
  ): Promise<void> {
    const [rows]: [ChangedRow[], number] = await manager.query(
      `UPDATE asset_items SET size = $2, media_type = $3, blob_key = $4, md5 = $5, sha1 = $6, sha256 = $7,
         sha512 = $8, modified_at = $9, user_metadata = $10, cache_header = $11 WHERE id = $1
       RETURNING feed_id, path_lower`,
      [
        id,
        ...contentValues(content),
        now,
        extras.userMetadata ? JSON.stringify(extras.userMetadata) : null,
        extras.cacheHeader ? JSON.stringify(extras.cacheHeader) : null,
      ],
    );
    await this.changedRows(manager, rows);
  }

  /** Those of `keys` that a file names (read in `manager`'s transaction). */
  async namedBlobs(manager: EntityManager, keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows: { blob_key: string }[] = await manager.query(
      `SELECT DISTINCT blob_key FROM asset_items WHERE blob_key = ANY($1::text[])`,
      [keys],
    );
    return new Set(rows.map((r) => r.blob_key));
  }

  async hasChildren(feedId: number, lower: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows = await manager.query(`SELECT 1 FROM asset_items WHERE feed_id = $1 AND parent_lower = $2 LIMIT 1`, [
      feedId,
      lower,
    ]);
    return rows.length > 0;
  }

  /** Deletes an item and everything below it; returns the deleted rows (their blobs to reclaim or keep). */
  async deleteSubtree(manager: EntityManager, feedId: number, lower: string): Promise<AssetItemRow[]> {
    const [from, to] = subtreeBounds(lower);
    // TypeORM answers a DELETE with [rows, count].
    const [rows]: [AssetItemRow[], number] = await manager.query(
      `DELETE FROM asset_items WHERE feed_id = $1 AND (path_lower = $2 OR (path_lower >= $3 AND path_lower < $4))
       RETURNING ${ITEM_COLUMNS}`,
      [feedId, lower, from, to],
    );
    // The path covers everything below it: one scope, however many rows went.
    await this.changed(manager, feedId, [lower]);
    return rows;
  }

  async updateMetadata(
    id: string,
    changes: {
      mediaType?: string;
      userMetadata?: Record<string, StoredUserMetadata> | null;
      cacheHeader?: CacheHeader | null;
    },
  ): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const add = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (changes.mediaType !== undefined) add('media_type', changes.mediaType);
    if (changes.userMetadata !== undefined)
      add('user_metadata', changes.userMetadata === null ? null : JSON.stringify(changes.userMetadata));
    if (changes.cacheHeader !== undefined)
      add('cache_header', changes.cacheHeader === null ? null : JSON.stringify(changes.cacheHeader));
    if (sets.length === 0) return;
    const [rows]: [ChangedRow[], number] = await this.dataSource.query(
      `UPDATE asset_items SET ${sets.join(', ')} WHERE id = $1 RETURNING feed_id, path_lower`,
      params,
    );
    await this.changedRows(this.dataSource.manager, rows);
  }

  /** Locks files by id for a retention batch; returns those still there. */
  async lockFiles(manager: EntityManager, feedId: number, ids: string[]): Promise<AssetItemRow[]> {
    return manager.query(
      `SELECT ${ITEM_COLUMNS} FROM asset_items WHERE feed_id = $1 AND id = ANY($2::bigint[]) AND kind = 'file'
       ORDER BY id FOR UPDATE`,
      [feedId, ids],
    );
  }

  /** Deletes files by id; returns their blob keys and parent folders. */
  async deleteFiles(
    manager: EntityManager,
    feedId: number,
    ids: string[],
  ): Promise<{ blobKeys: string[]; parents: string[] }> {
    if (ids.length === 0) return { blobKeys: [], parents: [] };
    const [rows]: [{ blob_key: string | null; parent_lower: string; path_lower: string }[], number] =
      await manager.query(
        `DELETE FROM asset_items WHERE feed_id = $1 AND id = ANY($2::bigint[])
         RETURNING blob_key, parent_lower, path_lower`,
        [feedId, ids],
      );
    await this.changed(
      manager,
      feedId,
      rows.map((r) => r.path_lower),
    );
    return {
      blobKeys: rows.flatMap((r) => (r.blob_key ? [r.blob_key] : [])),
      parents: rows.map((r) => r.parent_lower),
    };
  }

  /**
   * Removes the given folders when empty, then their parents when that empties them, up to the
   * root. Returns how many went. Each level's folders are locked first, so an upload putting a
   * file there (which key-share locks its folders) either commits first and is seen, or waits.
   */
  async removeEmptyFolders(manager: EntityManager, feedId: number, lowers: string[]): Promise<number> {
    let removed = 0;
    let level = [...new Set(lowers)].filter((l) => l !== '').sort();
    while (level.length > 0) {
      await manager.query(
        `SELECT 1 FROM asset_items WHERE feed_id = $1 AND path_lower = ANY($2) AND kind = 'dir'
         ORDER BY path_lower FOR UPDATE`,
        [feedId, level],
      );
      const [rows]: [{ parent_lower: string; path_lower: string }[], number] = await manager.query(
        `DELETE FROM asset_items f WHERE f.feed_id = $1 AND f.path_lower = ANY($2) AND f.kind = 'dir'
           AND NOT EXISTS (SELECT 1 FROM asset_items c WHERE c.feed_id = $1 AND c.parent_lower = f.path_lower)
         RETURNING parent_lower, path_lower`,
        [feedId, level],
      );
      await this.changed(
        manager,
        feedId,
        rows.map((r) => r.path_lower),
      );
      removed += rows.length;
      level = [...new Set(rows.map((r) => r.parent_lower))].filter((l) => l !== '').sort();
    }
    return removed;
  }

  /**
   * Streams every file of a directory, grouped by folder (the parent index gives that order without
   * a sort), for retention. Through a server-side cursor: a million files never sit in memory.
   */
  async streamFiles(feedId: number): Promise<{ rows: Readable; release: () => Promise<void> }> {
    const runner = this.dataSource.createQueryRunner('slave');
    await runner.connect();
    try {
      const rows = await runner.stream(
        `SELECT ${ITEM_COLUMNS} FROM asset_items WHERE feed_id = $1 AND kind = 'file' ORDER BY parent_lower`,
        [feedId],
      );
      return { rows, release: () => runner.release() };
    } catch (e) {
      await runner.release();
      throw e;
    }
  }

  /**
   * Streams a folder's children (or, recursive, its whole subtree): folders first, then files,
   * each by name, through server-side cursors; never loads all rows.
   *
   * A subtree is read in two passes in path order (its folders, then its files), each an index scan
   * that streams at once, inside one REPEATABLE READ transaction so both see one snapshot:
   * ordering it whole by kind made PostgreSQL sort every row before the first (100k rows: a sort
   * spilled to disk, about a second before the first byte).
   */
  async streamListing(
    feedId: number,
    lower: string,
    recursive: boolean,
  ): Promise<{ rows: Readable; release: () => Promise<void> }> {
    const runner = this.dataSource.createQueryRunner('slave');
    const client = (await runner.connect()) as PoolClient;
    const release = async () => {
      try {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
      } finally {
        await runner.release();
      }
    };
    if (!recursive) {
      const rows = cursor(
        client,
        `SELECT ${LISTED_COLUMNS} FROM asset_items WHERE feed_id = $1 AND parent_lower = $2 ORDER BY kind, name_lower`,
        [feedId, lower],
      );
      return { rows, release };
    }
    try {
      await runner.startTransaction('REPEATABLE READ');
    } catch (e) {
      await release();
      throw e;
    }
    const [from, to] = subtreeBounds(lower);
    const inSubtree = lower === '' ? '' : 'AND path_lower >= $3 AND path_lower < $4';
    const pass = (kind: AssetKind) =>
      cursor(
        client,
        `SELECT ${LISTED_COLUMNS} FROM asset_items WHERE feed_id = $1 AND kind = $2 ${inSubtree} ORDER BY path_lower`,
        lower === '' ? [feedId, kind] : [feedId, kind, from, to],
      );
    async function* folderThenFiles(): AsyncGenerator<ListedItemRow> {
      yield* pass('dir');
      yield* pass('file');
    }
    return { rows: Readable.from(folderThenFiles(), { highWaterMark: CURSOR_BATCH_ROWS }), release };
  }

  // ---- move and copy (AssetTransferService) ----

  /**
   * The files of a subtree (`lower` itself when it is a file) with their blobs, share-locked in
   * the caller's transaction when `lockMode` is given (a copy must not see its source's blob
   * reclaimed before it commits; a move holds them for update).
   */
  async subtreeFiles(
    feedId: number,
    lower: string,
    manager: EntityManager = this.dataSource.manager,
    lockMode?: 'share' | 'update',
  ): Promise<{ id: string; path: string; blob_key: string; size: string; sha256: string | null }[]> {
    const [from, to] = subtreeBounds(lower);
    const lock = lockMode === 'update' ? 'FOR UPDATE' : lockMode === 'share' ? 'FOR SHARE' : '';
    return manager.query(
      `SELECT id, path, blob_key, size, sha256 FROM asset_items
        WHERE feed_id = $1 AND (path_lower = $2 OR (path_lower >= $3 AND path_lower < $4))
          AND kind = 'file' AND blob_key IS NOT NULL
        ORDER BY id ${lock}`,
      [feedId, lower, from, to],
    );
  }

  /**
   * The bytes the files of a subtree (`lower` itself when it is a file) take, each counted in full as
   * the quota counts them: what a copy or a move into another directory adds to the target's use.
   */
  async subtreeBytes(feedId: number, lower: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [from, to] = subtreeBounds(lower);
    const rows: { bytes: string }[] = await manager.query(
      `SELECT coalesce(sum(size), 0) AS bytes FROM asset_items
        WHERE feed_id = $1 AND (path_lower = $2 OR (path_lower >= $3 AND path_lower < $4)) AND kind = 'file'`,
      [feedId, lower, from, to],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  /** Whether any item of the directory is under `lower` (not counting `lower` itself). */
  async hasItemsBelow(manager: EntityManager, feedId: number, lower: string): Promise<boolean> {
    const [from, to] = subtreeBounds(lower);
    const rows = await manager.query(
      `SELECT 1 FROM asset_items WHERE feed_id = $1 AND path_lower >= $2 AND path_lower < $3 LIMIT 1`,
      [feedId, from, to],
    );
    return rows.length > 0;
  }

  /**
   * Moves an item and everything below it to `to` (possibly in another directory) in ONE statement,
   * rows keeping their ids, dates, counts and (unless `newKeys` maps an id to a blob written in
   * another storage) their blobs. The source is `from` as stored (its row locked by the caller).
   * Returns how many rows (and files among them) moved.
   */
  async moveSubtree(
    manager: EntityManager,
    from: { feedId: number; path: string; lower: string },
    to: { feedId: number; path: ItemPath },
    newKeys?: { ids: string[]; keys: string[] },
  ): Promise<TransferCounts> {
    const params = transferParams(from, to);
    const keyJoin = newKeys
      ? `, blob_key = COALESCE((SELECT k.key FROM unnest($12::bigint[], $13::text[]) AS k(id, key)
           WHERE k.id = asset_items.id), blob_key)`
      : '';
    if (newKeys) params.push(newKeys.ids, newKeys.keys);
    const [counts]: TransferCounts[] = await manager.query(
      `WITH moved AS (
         UPDATE asset_items SET feed_id = $5,
           ${renamedSet(RENAME)}${keyJoin}
          WHERE feed_id = $1 AND (path_lower = $2 OR (path_lower >= $3 AND path_lower < $4))
         RETURNING kind)
       SELECT count(*)::int AS items, (count(*) FILTER (WHERE kind = 'file'))::int AS files FROM moved`,
      params,
    );
    await this.changed(manager, from.feedId, [from.lower]);
    await this.changed(manager, to.feedId, [to.path.lower]);
    return counts;
  }

  /**
   * Copies an item and everything below it to `to` in ONE statement (INSERT … SELECT), the source
   * rows share-locked by it: new ids, created and modified now, no downloads; the same blobs
   * (within one storage) unless `newKeys` maps a source id to a blob written in another storage.
   * Returns how many rows (and files among them) were made.
   */
  async copySubtree(
    manager: EntityManager,
    from: { feedId: number; path: string; lower: string },
    to: { feedId: number; path: ItemPath },
    now: Date,
    newKeys?: { ids: string[]; keys: string[] },
  ): Promise<TransferCounts> {
    const params = [...transferParams(from, to), now];
    let blobKey = 'src.blob_key';
    let keyJoin = '';
    if (newKeys) {
      params.push(newKeys.ids, newKeys.keys);
      keyJoin = 'LEFT JOIN unnest($13::bigint[], $14::text[]) AS k(id, key) ON k.id = src.id';
      blobKey = 'COALESCE(k.key, src.blob_key)';
    }
    const [counts]: TransferCounts[] = await manager.query(
      `WITH src AS (
         SELECT * FROM asset_items
          WHERE feed_id = $1 AND (path_lower = $2 OR (path_lower >= $3 AND path_lower < $4))
          FOR SHARE
       ), made AS (
       INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, size, media_type,
         blob_key, md5, sha1, sha256, sha512, created_at, modified_at, user_metadata, cache_header)
       SELECT $5, ${renamedColumns('src', RENAME).join(', ')},
         src.kind, src.size, src.media_type, ${blobKey}, src.md5, src.sha1, src.sha256, src.sha512,
         $12::timestamptz, $12::timestamptz, src.user_metadata, src.cache_header
         FROM src ${keyJoin}
       RETURNING kind)
       SELECT count(*)::int AS items, (count(*) FILTER (WHERE kind = 'file'))::int AS files FROM made`,
      params,
    );
    await this.changed(manager, to.feedId, [to.path.lower]);
    return counts;
  }

  // ---- for other modules, through FeedContentsService ----

  /** Files and bytes of each of the directories, in one grouped query (absent: no files). */
  async fileStats(
    feedIds: readonly number[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ feed_id: number; files: string; bytes: string }[]> {
    if (feedIds.length === 0) return [];
    return manager.query(
      `SELECT feed_id, count(*) AS files, coalesce(sum(size), 0) AS bytes
         FROM asset_items
        WHERE feed_id = ANY($1::int[]) AND kind = 'file'
        GROUP BY feed_id`,
      [feedIds],
    );
  }

  async hasFiles(feedId: number): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM asset_items WHERE feed_id = $1 AND kind = 'file' LIMIT 1`, [
      feedId,
    ]);
    return rows.length > 0;
  }

  /** Every blob key of the directory's files. */
  async blobKeysOfFeed(manager: EntityManager, feedId: number): Promise<string[]> {
    const rows: { blob_key: string }[] = await manager.query(
      `SELECT blob_key FROM asset_items WHERE feed_id = $1 AND blob_key IS NOT NULL`,
      [feedId],
    );
    return rows.map((r) => r.blob_key);
  }

  /** The directory's files with a blob and an id above `afterId`, by id, at most `limit`. */
  filesAfter(
    feedId: number,
    afterId: string,
    limit: number,
  ): Promise<{ id: string; path: string; blob_key: string; sha256: string | null; size: string }[]> {
    return this.dataSource.query(
      `SELECT id, path, blob_key, sha256, size FROM asset_items
       WHERE feed_id = $1 AND kind = 'file' AND blob_key IS NOT NULL AND id > $2 ORDER BY id LIMIT $3`,
      [feedId, afterId, limit],
    );
  }

  /**
   * Whether a file of the directory still names blob `blobKey`: item `id` (neither deleted nor
   * overwritten), or a copy of it (copies within one storage share the blob).
   */
  async holdsBlob(feedId: number, id: string, blobKey: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `SELECT 1 FROM asset_items WHERE blob_key = $2 AND (id = $1 OR feed_id = $3) LIMIT 1`,
      [id, blobKey, feedId],
    );
    return rows.length > 0;
  }

  /** Which directories have files naming each of `keys` (one indexed query; keys nobody names are absent). */
  async blobHolders(keys: string[]): Promise<{ blob_key: string; feed_id: number }[]> {
    if (keys.length === 0) return [];
    return this.dataSource.query(
      `SELECT DISTINCT blob_key, feed_id FROM asset_items WHERE blob_key = ANY($1::text[])`,
      [keys],
    );
  }

  /**
   * Drops the cached download lookups of the changed paths (and below them) in every worker of this
   * server once `manager`'s transaction commits (at once outside one). Other nodes learn of the change
   * from the database's notification (migration ItemChangeNotifications).
   */
  private async changed(manager: EntityManager, feedId: number, lowers: readonly string[]): Promise<void> {
    if (lowers.length === 0) return;
    const paths = lowers.length > MAX_CHANGED_PATHS ? [''] : [...new Set(lowers)];
    await this.cache.invalidateAfterCommit(
      manager,
      paths.map((path) => ({ kind: 'items', directoryId: feedId, path })),
    );
  }

  private async changedRows(manager: EntityManager, rows: ChangedRow[]): Promise<void> {
    for (const row of rows) await this.changed(manager, row.feed_id, [row.path_lower]);
  }
}
