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

/** `[ext]` body of `POST move/{p}` and `POST copy/{p}`. */
export interface AssetTransferRequest {
  /** The new path (every path rule applies), in `toDirectory` or the same directory. */
  to: string;
  /** Another directory to move or copy into (default: the same one). */
  toDirectory?: string;
  /** Replace a file standing at `to` (needs Overwrite there); folders are never merged. */
  overwrite?: boolean;
}

/** `[ext]` response body of `POST move/{p}` and `POST copy/{p}`. */
export interface AssetTransferResult {
  kind: 'file' | 'dir';
  /** Where the item is now (move) or where the copy is. */
  directory: string;
  path: string;
  /** Items moved or made (the item and everything below it). */
  items: number;
  /** Files among them. */
  files: number;
  /** Bytes streamed into another storage (0 within one storage: the files share their blobs). */
  bytesCopied: number;
  /** A file stood at the target and was replaced. */
  replaced: boolean;
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
  /**
   * [ext] `ok`: everything answers; `degraded`: a storage does not (200: every node shares it, so
   * taking this one out of a load balancer would not help); `down`: the database does not (503).
   */
  status: 'ok' | 'degraded' | 'down';
  /** [ext] Each dependency: the database and every storage in use. */
  checks: HealthCheck[];
  /** [ext] The names of the checks that failed (`database`, `storage:disk:default`, `storage:s3:1a2b3c4d5e6f`). */
  down: string[];
}

/** [ext] One dependency in `GET /health`. */
export interface HealthCheck {
  /** `database`, or `storage:{kind}:{id}`. */
  name: string;
  status: 'up' | 'down';
  /** For a storage: disk, s3 or azure. */
  kind?: string;
  /**
   * For a storage: `default` (the data folder's storage, of every directory without settings of its
   * own), or the first 12 hex digits of the SHA-256 of its location (the server log names it).
   */
  id?: string;
  /** Why it is down: the database's error, or a storage's error code (its details are in the server log). */
  reason?: string;
}
