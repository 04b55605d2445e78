import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange, PartDescriptor } from './storage-provider';
import { StorageError, StorageErrorCode } from './storage-error';
import { assertValidKey } from './storage-keys';

/** Shared helpers for the providers in this library; not exported from the package. */

export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A one-line description of a system error without its stack or absolute paths:
 * "ENOSPC: no space left on device, write '/srv/x'" becomes "ENOSPC: no space left on device".
 */
export function describeError(e: unknown): string {
  // Not `instanceof Error`: errors may come from another realm (jest, vm contexts).
  const message = (e as { message?: unknown } | null)?.message;
  if (typeof message === 'string') {
    const code = errnoCode(e);
    const first = message.split('\n')[0];
    if (code && first.startsWith(`${code}:`)) {
      const comma = first.indexOf(', ');
      return comma > 0 ? first.slice(0, comma) : first;
    }
    return code ? `${code}: ${first}` : first;
  }
  return String(e);
}

/** Validates an inclusive byte range supplied by the caller (a programming error otherwise). */
export function assertValidRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Invalid byte range ${start}-${end}`);
  }
}

export function assertValidTotalSize(totalSize: number): void {
  if (!Number.isSafeInteger(totalSize) || totalSize < 0) {
    throw new StorageError(StorageErrorCode.SizeMismatch, `Invalid multipart total size: ${totalSize}`);
  }
}

export function assertPartWithin(part: Omit<PartDescriptor, 'token'>, totalSize: number): void {
  const { index, offset, size } = part;
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new StorageError(StorageErrorCode.SizeMismatch, `Invalid part index: ${index}`);
  }
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(size) ||
    offset < 0 ||
    size < 0 ||
    offset + size > totalSize
  ) {
    throw new StorageError(
      StorageErrorCode.SizeMismatch,
      `Part ${index} (offset ${offset}, size ${size}) lies outside the upload's ${totalSize} bytes`,
    );
  }
}

/**
 * Checks that the parts, sorted by offset, are contiguous from byte 0 and cover `totalSize`.
 * Returns them sorted.
 */
export function checkPartsCover(parts: PartDescriptor[], totalSize: number): PartDescriptor[] {
  const sorted = [...parts].sort((a, b) => a.offset - b.offset);
  let expected = 0;
  const seen = new Set<number>();
  for (const p of sorted) {
    if (seen.has(p.index)) {
      throw new StorageError(StorageErrorCode.SizeMismatch, `Part ${p.index} is listed twice`);
    }
    seen.add(p.index);
    if (p.offset !== expected) {
      throw new StorageError(
        StorageErrorCode.SizeMismatch,
        p.offset > expected
          ? `Missing data at bytes ${expected}-${p.offset - 1} (before part ${p.index})`
          : `Part ${p.index} overlaps the previous part at byte ${p.offset}`,
      );
    }
    expected += p.size;
  }
  if (expected !== totalSize) {
    throw new StorageError(StorageErrorCode.SizeMismatch, `Parts cover ${expected} of ${totalSize} bytes`);
  }
  return sorted;
}

/**
 * Tells whether a pipeline failure started at the body stream (its own error, or it closed
 * before ending, as when an HTTP client aborts) or at the sink (the backend). Listeners are
 * attached before the pipeline's own, so the first event seen is the origin of the failure.
 */
export function watchFailureOrigin(body: Readable, sink: NodeJS.EventEmitter): { sourceFailed: () => boolean } {
  let origin: 'source' | 'sink' | undefined;
  const onSourceError = () => {
    origin ??= 'source';
  };
  const onSourceClose = () => {
    if (!body.readableEnded) origin ??= 'source';
  };
  const onSinkError = () => {
    origin ??= 'sink';
  };
  body.once('error', onSourceError);
  body.once('close', onSourceClose);
  sink.once('error', onSinkError);
  return {
    sourceFailed: () => {
      body.off('error', onSourceError);
      body.off('close', onSourceClose);
      sink.off('error', onSinkError);
      if (origin === undefined && body.destroyed && !body.readableEnded) origin = 'source';
      return origin === 'source';
    },
  };
}

/**
 * Pipes the body into the sink. A failure of the body (client abort, source error) — including one
 * that happened before this call, e.g. while a file was opening — becomes StorageError Aborted;
 * a failure of the sink is rethrown as is.
 */
export async function pump(body: Readable, sink: Writable): Promise<void> {
  if (body.errored !== null || (body.destroyed && !body.readableEnded)) {
    throw abortedError(body.errored ?? 'the body was closed early');
  }
  const origin = watchFailureOrigin(body, sink);
  try {
    await pipeline(body, sink);
  } catch (e) {
    if (origin.sourceFailed()) throw abortedError(e);
    throw e;
  }
  origin.sourceFailed();
}

export function abortedError(e: unknown): StorageError {
  return new StorageError(StorageErrorCode.Aborted, `The upload stream failed before it ended (${describeError(e)})`, {
    cause: e,
  });
}

/** Upload ids the providers generate (32 hex digits); anything else cannot be one of ours. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;

export function uploadNotFound(key: string, uploadId: string): StorageError {
  return new StorageError(
    StorageErrorCode.NotFound,
    `Multipart upload ${JSON.stringify(uploadId)} for "${key}" not found`,
  );
}

/**
 * The key given to abortMultipart: a valid key, or '' for an upload listed without one (which
 * then only matches an upload whose key the backend no longer knows).
 */
export function assertAbortKey(key: string): void {
  if (key !== '') assertValidKey(key);
}

export function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}

/**
 * The earliest of the dates given (ignoring invalid ones and the epoch, which file systems give
 * for an unknown birth time), as a fresh Date of this realm; undefined when there is none.
 */
export function earliest(...dates: Array<Date | undefined>): Date | undefined {
  let best: number | undefined;
  for (const d of dates) {
    const t = d?.getTime();
    if (t !== undefined && Number.isFinite(t) && t > 0 && (best === undefined || t < best)) best = t;
  }
  return best === undefined ? undefined : new Date(best);
}
