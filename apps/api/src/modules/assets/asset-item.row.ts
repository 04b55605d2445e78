import type { CacheHeader } from '@stockroom/contracts';
import type { AssetKind, StoredUserMetadata } from './asset-item.entity';

/** An `asset_items` row as raw queries return it (bigint columns arrive as strings). */
export interface AssetItemRow {
  id: string;
  feed_id: number;
  path: string;
  path_lower: string;
  parent_lower: string;
  name: string;
  kind: AssetKind;
  size: string | null;
  media_type: string | null;
  blob_key: string | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  sha512: string | null;
  created_at: Date;
  modified_at: Date;
  user_metadata: Record<string, StoredUserMetadata> | null;
  cache_header: CacheHeader | null;
  download_count: string;
  last_downloaded_at: Date | null;
  /** A 0-byte file's creator until it is replaced (see DirectoryPolicy). */
  placeholder_by: string | null;
}

export const ITEM_COLUMNS = `id, feed_id, path, path_lower, parent_lower, name, kind, size, media_type, blob_key,
  md5, sha1, sha256, sha512, created_at, modified_at, user_metadata, cache_header, download_count, last_downloaded_at,
  placeholder_by`;

/**
 * A row of a listing (AssetsRepository.streamListing): the columns item JSON and archives use, with
 * times as ISO-8601 UTC text made by PostgreSQL (`LISTED_COLUMNS`), so that 100k rows are not parsed
 * into Dates (postgres-date's regular expressions) only to be printed again.
 */
export interface ListedItemRow
  extends Pick<
    AssetItemRow,
    | 'path'
    | 'name'
    | 'kind'
    | 'size'
    | 'media_type'
    | 'blob_key'
    | 'md5'
    | 'sha1'
    | 'sha256'
    | 'sha512'
    | 'user_metadata'
    | 'cache_header'
    | 'download_count'
  > {
  created_at: string;
  modified_at: string;
  last_downloaded_at: string | null;
}

/** `timestamptz` as `Date.toISOString()` prints it: UTC, milliseconds truncated (as pg's Date is), `Z`. */
const isoText = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;

export const LISTED_COLUMNS = `path, name, kind, size, media_type, blob_key, md5, sha1, sha256, sha512,
  ${isoText('created_at')}, ${isoText('modified_at')}, user_metadata, cache_header, download_count,
  ${isoText('last_downloaded_at')}`;
