import { AssetItem, CacheHeader, encodePath, UserMetadataValue } from '@stockroom/contracts';
import type { AssetItemRow, ListedItemRow } from './asset-item.row';

/** A time as item JSON prints it; listing rows bring it printed already (LISTED_COLUMNS). */
const isoTime = (time: Date | string): string => (typeof time === 'string' ? time : time.toISOString());

/** Row → item JSON exactly as spec §3: omitted fields are absent, never null. */
export function toAssetItem(row: AssetItemRow | ListedItemRow, contentBaseUrl: string): AssetItem {
  const slash = row.path.lastIndexOf('/');
  const item: AssetItem = {
    name: row.name,
    ...(slash > 0 ? { parent: row.path.slice(0, slash) } : {}),
    type: row.kind === 'dir' ? 'dir' : (row.media_type ?? 'application/octet-stream'),
    created: isoTime(row.created_at),
    modified: isoTime(row.modified_at),
    cacheHeader: row.cache_header ?? { type: 'Inherit' },
  };
  if (row.kind === 'file') {
    item.size = Number(row.size);
    item.content = `${contentBaseUrl}/${encodePath(row.path)}`;
    item.md5 = row.md5 ?? undefined;
    item.sha1 = row.sha1 ?? undefined;
    item.sha256 = row.sha256 ?? undefined;
    item.sha512 = row.sha512 ?? undefined;
    item.downloadCount = Number(row.download_count);
    if (row.last_downloaded_at) item.lastDownloaded = isoTime(row.last_downloaded_at);
  }
  const metadata = row.user_metadata;
  if (metadata && Object.keys(metadata).length > 0) {
    item.userMetadata = Object.fromEntries(
      Object.entries(metadata).map(([key, m]): [string, UserMetadataValue] => [
        key,
        m.includeInResponseHeader ? { value: m.value, includeInResponseHeader: true } : m.value,
      ]),
    );
  }
  return item;
}

/** Cache-Control for a cache setting (spec §5); undefined = inherit. */
export function cacheControlOf(header: CacheHeader | null | undefined): string | undefined {
  switch (header?.type) {
    case 'TTL':
      return `public, max-age=${header.value}`;
    case 'NoCache':
      return 'no-cache';
    case 'Custom':
      return header.value;
    default:
      return undefined;
  }
}
