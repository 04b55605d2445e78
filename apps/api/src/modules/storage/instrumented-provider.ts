import { isStorageError, StorageErrorCode, StorageProvider } from '@stockroom/storage';
import type { Readable } from 'node:stream';
import type { StorageMetrics } from '../observability/storage-metrics';

/** The provider's operations whose failures are counted. */
const OPERATIONS = new Set<string>([
  'write',
  'read',
  'stat',
  'delete',
  'list',
  'createMultipart',
  'writePart',
  'completeMultipart',
  'abortMultipart',
  'listUploads',
  'createDownloadUrl',
  'checkHealth',
]);

/** Failures that are the client's, not the store's: the body was aborted, or was not the size declared. */
const CLIENT_CODES = new Set<string>([StorageErrorCode.Aborted, StorageErrorCode.SizeMismatch]);
/** A stream a reader stopped (the client left): not a storage failure. */
const STOPPED_BY_READER = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR']);

/**
 * The provider, with every failure of its operations (and of the streams `read` opens) counted in
 * `stockroom_storage_errors_total{provider,operation,code}`. A Proxy rather than a wrapper class, so
 * that the provider stays what it is (`instanceof DiskStorageProvider`, `cleanupStale`, `destroy`).
 */
export function instrumented(provider: StorageProvider, metrics: StorageMetrics): StorageProvider {
  const failed = (operation: string, e: unknown) => {
    if (isStorageError(e)) {
      if (!CLIENT_CODES.has(e.code)) metrics.failed(provider.kind, operation, e.code);
      return;
    }
    const code = (e as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && STOPPED_BY_READER.has(code)) return;
    metrics.failed(provider.kind, operation, StorageErrorCode.Unknown);
  };
  return new Proxy(provider, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      const operation = String(property);
      if (!OPERATIONS.has(operation)) return method.bind(target);
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = method.apply(target, args);
        } catch (e) {
          failed(operation, e);
          throw e;
        }
        if (operation === 'list' || operation === 'listUploads') {
          return countingIterable(result as AsyncIterable<unknown>, (e) => failed(operation, e));
        }
        return (result as Promise<unknown>).then(
          (value) => {
            if (operation === 'read') {
              (value as Readable).once('error', (e) => failed(operation, e));
            }
            return value;
          },
          (e: unknown) => {
            failed(operation, e);
            throw e;
          },
        );
      };
    },
  });
}

async function* countingIterable<T>(source: AsyncIterable<T>, onError: (e: unknown) => void): AsyncIterable<T> {
  try {
    yield* source;
  } catch (e) {
    onError(e);
    throw e;
  }
}
