/** Item JSON of the asset API (spec §3). Field names are the compatibility surface. */

export type CacheHeader =
  | { type: 'Inherit' }
  | { type: 'TTL'; value: number }
  | { type: 'NoCache' }
  | { type: 'Custom'; value: string };

export type UserMetadataValue = string | { value: string; includeInResponseHeader: true };

export interface AssetItem {
  name: string;
  parent?: string;
  /** Media type of a file, `"dir"` for a folder. */
  type: string;
  size?: number;
  content?: string;
  created: string;
  modified: string;
  md5?: string;
  sha1?: string;
  sha256?: string;
  sha512?: string;
  /** [ext] Files: how many times the file was downloaded (GETs from its first byte, redirects included). */
  downloadCount?: number;
  /** [ext] Files: the last download, ISO-8601 UTC; omitted when never downloaded. */
  lastDownloaded?: string;
  userMetadata?: Record<string, UserMetadataValue>;
  cacheHeader: CacheHeader;
}

/** `POST metadata/{p}` body (spec §5). */
export interface AssetMetadataUpdate {
  type?: string;
  userMetadataUpdateMode?: 'update' | 'replace';
  userMetadata?: Record<string, string | { value: string; includeInResponseHeader?: boolean }>;
  cacheHeader?: { type: string; value?: number | string };
}

/** `[ext]` response body of `POST import/{p}`. */
export interface ImportResult {
  created: number;
  overwritten: number;
  skipped: number;
}

/** `[ext]` `GET content/{p}?multipart=status&id=`. */
export interface MultipartStatus {
  id: string;
  totalSize: number;
  totalParts: number;
  received: number[];
}

export interface HealthStatus {
  databaseStatus: string;
  serviceStatus: string;
  versionNumber: string;
  releaseNumber: string;
  licenseStatus: string;
}
