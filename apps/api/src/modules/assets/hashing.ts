import { Transform, TransformCallback } from 'node:stream';
import { createMD5, createSHA1, createSHA256, createSHA512, IHasher } from 'hash-wasm';
import { ErrorCode } from '@stockroom/contracts';
import { AppError } from '../../common/errors/app-error';
import { ParallelHashSession } from './hash-workers';

export interface FileHashes {
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

const ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512'] as const;

/**
 * A pass-through that counts bytes and feeds the four hashes (on worker threads, in parallel with
 * the I/O) as the body streams by, so a single upload is never read back. Fails with 413 once
 * `maxBytes` (0 = unlimited) is passed.
 */
export class HashingStream extends Transform {
  private readonly session = new ParallelHashSession();
  bytes = 0;

  constructor(private readonly maxBytes = 0) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.maxBytes > 0 && this.bytes > this.maxBytes) {
      done(new AppError(ErrorCode.PayloadTooLarge, `The upload is larger than the limit of ${this.maxBytes} bytes.`));
      return;
    }
    this.session.update(chunk).then(() => done(null, chunk), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (error) this.session.discard();
    done(error);
  }

  /** The four digests; call once the stream has ended. */
  digest(): Promise<FileHashes> {
    return this.session.digest();
  }
}

export type SavedHashState = Record<(typeof ALGORITHMS)[number], string>;

/**
 * Hashes whose intermediate state can be saved to the database and resumed on any node: a
 * multipart upload whose parts arrive in order is hashed as they arrive, so completing it
 * never re-reads the file.
 */
export class ResumableHashes {
  private constructor(private readonly hashers: IHasher[]) {}

  static async create(saved?: SavedHashState | null): Promise<ResumableHashes> {
    const hashers = await Promise.all([createMD5(), createSHA1(), createSHA256(), createSHA512()]);
    hashers.forEach((h, i) => {
      h.init();
      if (saved) h.load(Buffer.from(saved[ALGORITHMS[i]], 'base64'));
    });
    return new ResumableHashes(hashers);
  }

  update(chunk: Uint8Array): void {
    for (const h of this.hashers) h.update(chunk);
  }

  /** A pass-through stream that feeds these hashes. */
  tap(): Transform {
    return new Transform({
      highWaterMark: 1024 * 1024,
      transform: (chunk: Buffer, _enc, done) => {
        this.update(chunk);
        done(null, chunk);
      },
    });
  }

  save(): SavedHashState {
    const [md5, sha1, sha256, sha512] = this.hashers.map((h) => Buffer.from(h.save()).toString('base64'));
    return { md5, sha1, sha256, sha512 };
  }

  digest(): FileHashes {
    const [md5, sha1, sha256, sha512] = this.hashers.map((h) => h.digest('hex'));
    return { md5, sha1, sha256, sha512 };
  }
}
