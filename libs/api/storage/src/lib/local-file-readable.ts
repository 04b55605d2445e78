import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

const CHUNK = 1024 * 1024;

/**
 * An inclusive byte range of a local file held open, read as a stream of 1 MiB chunks like
 * `fs.ReadStream` — or, by a consumer that sends the bytes itself, positionally into its own buffers
 * ({@link readAt}, then {@link consumed}): an HTTP download then reuses a few buffers instead of
 * allocating one per chunk (see apps/api stream-body.ts). Either way the stream owns the file: it
 * closes it when it ends or is destroyed, and its `end`/`close`/`error` events say how the reading
 * went, so whoever watches the stream (transfer and storage metrics) sees both kinds of reading alike.
 */
export class LocalFileReadable extends Readable {
  /** Bytes in the range. */
  readonly length: number;
  /** The next byte the stream side reads (absolute file position). */
  private position: number;

  constructor(
    private readonly handle: FileHandle,
    private readonly start: number,
    end: number,
  ) {
    super({ highWaterMark: CHUNK });
    this.length = end - start + 1;
    this.position = start;
  }

  /**
   * Reads up to `length` bytes of the range, from `offset` within it, into the start of `buffer`;
   * resolves with how many were read: fewer at the end of the range, 0 past it (or when the file
   * was cut short under it).
   */
  async readAt(buffer: Buffer, offset: number, length = buffer.length): Promise<number> {
    const wanted = Math.min(length, this.length - offset);
    if (wanted <= 0) return 0;
    const { bytesRead } = await this.handle.read(buffer, 0, wanted, this.start + offset);
    return bytesRead;
  }

  /**
   * Says that the consumer has read the whole range through {@link readAt}: the stream ends ('end',
   * then 'close' once the file is closed) as if its chunks had been read.
   */
  consumed(): void {
    this.push(null);
    this.resume();
  }

  override _read(): void {
    const remaining = this.length - (this.position - this.start);
    if (remaining <= 0) {
      this.push(null);
      return;
    }
    // A new buffer per chunk: a stream's consumer may keep the chunks it was given.
    const buffer = Buffer.allocUnsafeSlow(Math.min(CHUNK, remaining));
    this.handle.read(buffer, 0, buffer.length, this.position).then(
      ({ bytesRead }) => {
        this.position += bytesRead;
        // 0: the file ends before the range does (cut short under us): end here, as fs.ReadStream does.
        this.push(bytesRead === 0 ? null : bytesRead < buffer.length ? buffer.subarray(0, bytesRead) : buffer);
      },
      (e: Error) => this.destroy(e),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close().then(
      () => callback(error),
      (e: Error) => callback(error ?? e),
    );
  }
}
