import type { CacheHeader, UserMetadataValue } from '@stockroom/contracts';
import type { StoredUserMetadata } from '../assets/asset-item.entity';
import type { ListedItemRow } from '../assets/asset-item.row';
import type { RemoteFile } from './remote-asset-client';

/* How a run compares the two sides of a file: content by hash, metadata and cache setting by value. */

/** A local file as the comparison needs it. */
export interface LocalFile {
  path: string;
  size: number;
  sha1: string | null;
  sha256: string | null;
  mediaType: string;
  blobKey: string | null;
  userMetadata: Record<string, StoredUserMetadata> | null;
  cacheHeader: CacheHeader | null;
}

export function toLocal(row: ListedItemRow): LocalFile {
  return {
    path: row.path,
    size: Number(row.size ?? 0),
    sha1: row.sha1,
    sha256: row.sha256,
    mediaType: row.media_type ?? 'application/octet-stream',
    blobKey: row.blob_key,
    userMetadata: row.user_metadata,
    cacheHeader: row.cache_header,
  };
}

/**
 * Same content: by SHA-256 when the remote's listing has it; a listing without SHA-256 (an older
 * ProGet) is compared by SHA-1, from the listing or else from the remote's `ETag` (see
 * withRemoteHash); a file with neither counts as changed (copied again), never guessed equal.
 */
export function sameContent(local: LocalFile, remote: RemoteFile): boolean {
  if (local.size !== remote.size) return false;
  if (remote.sha256) return local.sha256 === remote.sha256;
  if (remote.sha1) return local.sha1 === remote.sha1;
  return false;
}

/** User metadata as the wire shows it (spec §3). */
export function wireMetadata(stored: Record<string, StoredUserMetadata> | null): Record<string, UserMetadataValue> {
  const out: Record<string, UserMetadataValue> = {};
  for (const [k, m] of Object.entries(stored ?? {}))
    out[k] = m.includeInResponseHeader ? { value: m.value, includeInResponseHeader: true } : m.value;
  return out;
}

/** A comparable key of metadata and cache setting (wire shapes; Inherit = none). */
export function metadataKey(
  userMetadata: Record<string, UserMetadataValue> | undefined,
  cache: CacheHeader | null | undefined,
) {
  const entries = Object.entries(userMetadata ?? {})
    .map(([k, v]) => [
      k,
      typeof v === 'string' ? v : v.value,
      typeof v !== 'string' && v.includeInResponseHeader === true,
    ])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const c = !cache || cache.type === 'Inherit' ? null : cache;
  return JSON.stringify([entries, c]);
}
