import type { FileVersion } from '@stockroom/contracts';
import type { AssetVersionRow } from './asset-versions.repository';

/** A kept version as `GET versions/{p}` shows it; `withPath` in a `?deleted=true` listing of a folder. */
export function toFileVersion(row: AssetVersionRow, withPath: boolean): FileVersion {
  return {
    ...(withPath && { path: row.path }),
    version: row.version,
    size: Number(row.size),
    modified: new Date(row.modified_at).toISOString(),
    replacedAt: new Date(row.replaced_at).toISOString(),
    replacedBy: row.replaced_by,
    deleted: row.deleted,
    md5: row.md5,
    sha1: row.sha1,
    sha256: row.sha256,
    sha512: row.sha512,
    type: row.media_type,
  };
}
