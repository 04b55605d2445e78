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
}

export const ITEM_COLUMNS = `id, feed_id, path, path_lower, parent_lower, name, kind, size, media_type, blob_key,
  md5, sha1, sha256, sha512, created_at, modified_at, user_metadata, cache_header, download_count, last_downloaded_at`;
