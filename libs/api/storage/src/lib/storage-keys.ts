import { randomUUID } from 'node:crypto';
import { StorageError, StorageErrorCode } from './storage-error';

const KEY_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Where the blobs of files live in every store (other keys are providers' and probes'). */
export const BLOB_PREFIX = 'blobs/';

/** A fresh, server-generated blob key, fanned out so no folder grows huge on disk. */
export function newBlobKey(): string {
  const id = randomUUID().replace(/-/g, '');
  return `${BLOB_PREFIX}${id.slice(0, 2)}/${id.slice(2, 4)}/${id}`;
}

export function assertValidKey(key: string): void {
  const segments = key.split('/');
  if (key.length === 0 || key.length > 1024 || !segments.every((s) => KEY_SEGMENT.test(s))) {
    throw new StorageError(StorageErrorCode.InvalidKey, `Invalid storage key: ${JSON.stringify(key)}`);
  }
}
