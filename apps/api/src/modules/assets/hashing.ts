import { createHash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { ErrorCode } from '@stockroom/contracts';
import { AppError } from '../../common/errors/app-error';
import { ParallelHashSession } from './hash-workers';

export interface FileHashes {
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

/** The four digests of bytes already in memory (small archive entries: no worker round trip). */
export function hashBuffer(data: Buffer): FileHashes {
  const hex = (algorithm: string) => createHash(algorithm).update(data).digest('hex');
  return { md5: hex('md5'), sha1: hex('sha1'), sha256: hex('sha256'), sha512: hex('sha512') };
}

/**
 * A pass-through that counts bytes and feeds the four hashes (on worker threads, in parallel with
 * the I/O) as the body streams by, so a single upload is never read back. Fails with 413 once
 * `maxBytes` (0 = unlimited) is passed.
 */
export class HashingStream extends Transform {
  bytes = 0;

  /**
   * `maxBytes`: the server's upload limit (0 = none). `limit`: a further cap with its own error (the
   * bytes a directory's quota has left; 0 allows an empty body only).
   */
  constructor(
    private readonly maxBytes = 0,
    private readonly session = new ParallelHashSession(),
    private readonly limit?: { bytes: number; error: () => Error },
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.maxBytes > 0 && this.bytes > this.maxBytes) {
      done(new AppError(ErrorCode.PayloadTooLarge, `The upload is larger than the limit of ${this.maxBytes} bytes.`));
      return;
    }
    if (this.limit && this.bytes > this.limit.bytes) {
      done(this.limit.error());
      return;
    }
    let ready: boolean;
    try {
      ready = this.session.write(chunk);
    } catch (e) {
      done(e as Error);
      return;
    }
    // The chunk goes on to storage at once; only workers falling behind hold the stream.
    if (ready) done(null, chunk);
    else this.session.ready().then(() => done(null, chunk), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (error) this.session.discard();
    done(error);
  }

  /** Ends the hashing session without a digest (after save, or on failure). */
  discard(): void {
    this.session.discard();
  }

  /** The four digests; call once the stream has ended. */
  digest(): Promise<FileHashes> {
    return this.session.digest();
  }

  /** The resumable state after every byte that passed (resumable sessions only). */
  save(): Promise<SavedHashState> {
    return this.session.save();
  }
}

/** Saved resumable hash state, base64 per algorithm (stored with a chunked upload). */
export type SavedHashState = Record<keyof FileHashes, string>;
