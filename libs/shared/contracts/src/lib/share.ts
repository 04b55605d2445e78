/** [ext] `POST /api/shares` (issue 18): a link that serves a file or a folder without an account. */
export interface ShareRequest {
  /** Directory name. */
  feed: string;
  /** The shared file's or folder's path in the directory (not URL-encoded; '' or '/' is the whole directory). */
  path: string;
  /** ISO-8601. Exactly one of `expiresAt` and `expiresInMinutes`; at most STOCKROOM_SHARE_MAX_DAYS ahead. */
  expiresAt?: string;
  expiresInMinutes?: number;
  /** How many downloads from byte 0 the link allows; unlimited when absent. */
  maxDownloads?: number;
  /** Asked with Basic auth (any user name) before anything is served. */
  password?: string;
}

/** The answer to `POST /api/shares`: the only time the link's token is shown. */
export interface CreatedShare {
  id: number;
  /** Absolute: `{base}/s/{token}`. */
  url: string;
  /** ISO-8601. */
  expiresAt: string;
}

export type ShareState = 'active' | 'expired' | 'revoked' | 'exhausted' | 'ended';

/** An element of `GET /api/shares?feed=` (the token is never shown again). */
export interface Share {
  id: number;
  feed: string;
  path: string;
  kind: 'file' | 'folder';
  createdBy: string;
  /** ISO-8601. */
  createdAt: string;
  expiresAt: string;
  maxDownloads: number | null;
  downloads: number;
  hasPassword: boolean;
  /** ISO-8601, when the link was revoked or its path moved or deleted. */
  endedAt: string | null;
  state: ShareState;
}
