/** [ext] `POST /api/signed-urls`: a short-lived URL that downloads one file with no other credential. */
export interface SignedUrlRequest {
  /** Directory name. */
  feed: string;
  /** The file's path in the directory (not URL-encoded). */
  path: string;
  /** Ask for `Content-Disposition: attachment` (as `?download=true`). */
  download?: boolean;
}

export interface SignedUrl {
  /** Absolute; on the content origin (`STOCKROOM_CONTENT_URL`) when one is configured. */
  url: string;
  /** ISO-8601: the URL is refused after this. */
  expires: string;
}
