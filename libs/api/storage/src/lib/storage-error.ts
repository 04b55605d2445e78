export enum StorageErrorCode {
  NotFound = 'not_found',
  InvalidKey = 'invalid_key',
  /** The body ended before the expected number of bytes, or carried more. */
  SizeMismatch = 'size_mismatch',
  /** The source stream failed or was aborted by the client. */
  Aborted = 'aborted',
  Unavailable = 'unavailable',
  AccessDenied = 'access_denied',
  Unknown = 'unknown',
  /** The store has no room left (disk full, quota exceeded). */
  InsufficientStorage = 'insufficient_storage',
}

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}
