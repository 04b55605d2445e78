/**
 * [ext] Connectors: a directory with an upstream. A GET or HEAD of a file the directory lacks asks the
 * upstream; a fetched file is stored (with its hashes, media type and Last-Modified) and served locally
 * from then on, revalidated after `cacheMinutes`.
 */

/** `http`: any HTTP(S) file source (nginx, a CDN, a release site); `stockroom`: another Stockroom's or ProGet's asset directory. */
export type ConnectorType = 'http' | 'stockroom';

export const CONNECTOR_TYPES: readonly ConnectorType[] = ['http', 'stockroom'];

/**
 * The `connector` object of a directory's feed JSON. `null` (or absent on create) = no upstream.
 * Secrets read back as `********` (MASKED_SECRET); sending that back keeps the stored one.
 */
export interface ConnectorSettings {
  /**
   * `http`: the base URL a file's path is appended to (`https://example.org/releases/`).
   * `stockroom`: the remote directory's ProGet URL, `https://host/endpoints/{feed}/`.
   */
  url: string;
  type: ConnectorType;
  /** Basic credentials for the upstream (or `apiKey`, sent as `X-ApiKey`). */
  username?: string;
  password?: string;
  apiKey?: string;
  /** How long a fetched file is served without asking the upstream again (default 1440). */
  cacheMinutes: number;
  /** How long an upstream's 404 is remembered (default 5). */
  negativeCacheMinutes: number;
  /** Connect and idle timeout per upstream request (default 30). */
  timeoutSeconds: number;
  /** Serve only what is cached; never contact the upstream. */
  offline: boolean;
}

export const CONNECTOR_DEFAULTS = { cacheMinutes: 1440, negativeCacheMinutes: 5, timeoutSeconds: 30, offline: false };

/** `GET /api/connectors/{feed}/status` [ext]: how the directory's upstream is doing (Manage). */
export interface ConnectorStatus {
  feed: string;
  /** The connector's settings, secrets masked; null when the directory has none (counters from an earlier one stay). */
  connector: ConnectorSettings | null;
  /** Files fetched from the upstream and currently held. */
  cachedFiles: number;
  cachedBytes: number;
  /** Since the server started counting (counters kept in PostgreSQL, shared by every node). */
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 when nothing was asked. */
  hitRate: number;
  /** Upstream fetches and revalidations that failed. */
  errors: number;
  lastFetchAt: string | null;
  lastError: { at: string; path: string; message: string } | null;
}
