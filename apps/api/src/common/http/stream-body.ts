import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { LocalFileReadable } from '@stockroom/storage';

/** Bodies up to this size leave with their headers in one write (keys, certificates, manifests…). */
const SMALL_BODY_BYTES = 64 * 1024;
/** One read, one socket write: large enough that per-chunk costs vanish beside the copies. */
const CHUNK = 1024 * 1024;
/** Free chunk buffers kept for the next downloads (at most 8 MiB); more are left to the GC. */
const POOL_MAX = 8;
const pool: Buffer[] = [];

const takeChunkBuffer = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);

function giveBack(buffer: Buffer): void {
  if (buffer.length === CHUNK && pool.length < POOL_MAX) pool.push(buffer);
}

const ignore = () => undefined;

/**
 * Sends an opened body of `length` bytes as the answer (status and headers already set), then ends
 * it; resolves once the last byte is handed to the socket, or when the client leaves. Works with a
 * plain `http.ServerResponse` (Express's is one).
 *
 * A local file ({@link LocalFileReadable}) is read straight into buffers the response writes: see
 * {@link sendLocalFile}. Other bodies (S3, Azure…) are piped, with backpressure and abort
 * propagation from `pipeline`.
 */
export async function streamBody(body: Readable, res: ServerResponse, length: number): Promise<void> {
  if (body instanceof LocalFileReadable) return sendLocalFile(body, res, length);
  if (length <= SMALL_BODY_BYTES) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    res.end(Buffer.concat(chunks));
    return;
  }
  await pipeline(body, res);
}

/**
 * A file sent with at most two 1 MiB buffers of a small shared pool: while the socket sends one,
 * the next chunk is read into the other; the next write waits until the socket has taken the
 * previous chunk (its write callback — backpressure, and the moment that chunk's buffer is free
 * again). A buffer goes back to the pool only after a successful write callback, never while the
 * socket may still hold it. No stream sits between the file and the socket: no per-chunk
 * allocation, no copy.
 *
 * The file stream still tells how it went: ended once every byte was read, destroyed (and the
 * file closed) when the client leaves — counted as aborted — or with the read's error.
 *
 * Relies on `res.write`'s callback: whatever wraps the response's `write` must pass it on (the
 * byte counting of http-metrics does; `compression` would not, which is why downloads never go
 * through it).
 */
async function sendLocalFile(file: LocalFileReadable, res: ServerResponse, length: number): Promise<void> {
  // Read errors are reported through this function's promise; the stream's own listeners
  // (metrics) see them too, but without one here `destroy(e)` would be an uncaught 'error'.
  file.on('error', ignore);
  try {
    if (length <= SMALL_BODY_BYTES) {
      const data = Buffer.allocUnsafe(length);
      await readFully(file, data, 0, length);
      file.consumed();
      res.end(data);
      return;
    }
    let offset = 0;
    let previous: Promise<boolean> = Promise.resolve(true);
    while (offset < length) {
      const buffer = length >= CHUNK ? takeChunkBuffer() : Buffer.allocUnsafeSlow(length);
      const n = await readFully(file, buffer, offset, Math.min(buffer.length, length - offset)).catch((e) => {
        giveBack(buffer);
        throw e;
      });
      // The client left (or the socket failed): the pending write's callback reports it.
      if (!(await previous) || res.destroyed) {
        giveBack(buffer);
        file.destroy();
        return;
      }
      offset += n;
      if (offset === length) file.consumed();
      previous = write(res, n === buffer.length ? buffer : buffer.subarray(0, n), buffer);
    }
  } catch (e) {
    file.destroy(e as Error);
    // Once the headers are out, an error can no longer be answered: the client sees the
    // connection close before Content-Length bytes.
    if (res.headersSent) res.destroy();
    throw e;
  }
  res.end();
  await finished(res);
}

/** Fills `buffer[0, length)` from `offset` of the range; a file shorter than announced is an error. */
async function readFully(file: LocalFileReadable, buffer: Buffer, offset: number, length: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await file.readAt(buffer.subarray(done), offset + done, length - done);
    if (n === 0) throw new Error("The stored file is shorter than the answer's Content-Length");
    done += n;
  }
  return done;
}

/**
 * Writes `chunk` (a view of `buffer`); resolves true once the socket has taken it (the buffer is
 * then back in the pool), false when the response failed or closed first (the buffer is then
 * dropped: a failed write may have left it queued).
 */
function write(res: ServerResponse, chunk: Buffer, buffer: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const closed = () => resolve(false);
    res.once('close', closed);
    res.write(chunk, (e) => {
      res.off('close', closed);
      if (e) {
        resolve(false);
        return;
      }
      giveBack(buffer);
      resolve(true);
    });
  });
}
