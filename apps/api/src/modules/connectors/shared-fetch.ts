import { open, type FileHandle, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 1024 * 1024;
/** How far the spool may lag what storage has been handed (see SharedFetch.spool). */
const SPOOL_BATCH = 1024 * 1024;
/**
 * The last bytes handed on, kept in memory: clients that keep up read them from here, and the spool
 * only serves those that fall further behind or join late. Larger than the spool's lag.
 */
const WINDOW = 8 * 1024 * 1024;

/** What the fetch is doing: waiting for the lock or the upstream, streaming a body, over. */
export type FetchState = 'pending' | 'streaming' | 'done' | 'failed';

/**
 * One upstream fetch of one file, shared by every request of this process that wants it (the
 * in-process half of "fetch once"; the advisory lock is the cross-node half). The body is spooled to
 * a temporary file as it passes on its way into storage, and every waiting client reads it as it
 * grows, at its own pace — from the last WINDOW bytes in memory while it keeps up, else from the spool: a slow client never slows the fetch, a fast one never waits for
 * more than the upstream. A client is never told a body is complete before the file is stored: the
 * last byte of a body of known length (and the end of one of unknown length) is held back until
 * then, and a failed fetch cuts every client off.
 */
export class SharedFetch {
  state: FetchState = 'pending';
  error: unknown;
  /** Bytes handed on to storage so far (the last of them in the window). */
  received = 0;
  /** Bytes spooled so far. */
  written = 0;
  /** The upstream's Content-Length, when it sent one. */
  total?: number;
  mediaType = 'application/octet-stream';
  lastModified = new Date(0);
  /** Resolves (never rejects) once a client can be answered: a first byte spooled, or the fetch over. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  /** Resolves once the fetch is over: true when the file was stored. */
  readonly stored: Promise<boolean>;
  private markOver!: (stored: boolean) => void;
  private waiters: (() => void)[] = [];
  private spoolFile?: FileHandle;
  private spoolPath?: string;
  /** The last chunks handed on (WINDOW bytes and less than a chunk more), oldest first, and where each starts. */
  private window: Buffer[] = [];
  private windowStarts: number[] = [];
  private windowBytes = 0;

  constructor() {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.stored = new Promise((resolve) => (this.markOver = resolve));
  }

  get over(): boolean {
    return this.state === 'done' || this.state === 'failed';
  }

  /**
   * The upstream body as storage reads it: each chunk is spooled before it is handed on, and only
   * when storage asks for it (nothing is spooled, and no client answered, before the write path's
   * checks have passed). A body shorter or longer than announced fails.
   */
  async spool(dir: string, source: Readable, total: number | undefined): Promise<Readable> {
    this.total = total;
    this.spoolPath = join(dir, `${randomUUID()}.part`);
    const spool = await open(this.spoolPath, 'w+');
    this.spoolFile = spool;
    this.state = 'streaming';
    // Chunks go on to storage at once; the spool is written behind them, one write at a time, each
    // taking every chunk that arrived while the previous one ran (a few large writes under load, each
    // chunk at once when the upstream is slow). Clients see what the spool holds.
    const generate = async function* (this: SharedFetch): AsyncGenerator<Buffer> {
      let received = 0;
      let queued = 0;
      let batch: Buffer[] = [];
      let batchBytes = 0;
      let busy = false;
      let writing: Promise<void> = Promise.resolve();
      const flush = (): void => {
        if (busy || batchBytes === 0) return;
        const buffers = batch;
        const bytes = batchBytes;
        const at = queued;
        batch = [];
        batchBytes = 0;
        queued += bytes;
        busy = true;
        writing = spool.writev(buffers, at).then(() => {
          this.written += bytes;
          busy = false;
          this.notify();
          flush();
        });
        // Awaited below, or the fetch has failed already: never an unhandled rejection.
        writing.catch(() => undefined);
      };
      for await (const chunk of source as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (this.total !== undefined && received > this.total)
          throw new Error(`the upstream sent more than the ${this.total} bytes it announced`);
        batch.push(chunk);
        batchBytes += chunk.length;
        flush();
        // The spool may lag storage by SPOOL_BATCH at most.
        while (batchBytes >= SPOOL_BATCH) await writing;
        this.remember(chunk);
        yield chunk;
      }
      if (this.total !== undefined && received !== this.total)
        throw new Error(`the upstream sent ${received} of the ${this.total} bytes it announced`);
      while (busy || batchBytes > 0) {
        flush();
        await writing;
      }
    };
    return Readable.from(generate.call(this), { objectMode: false });
  }

  /** The file is stored: clients get their last bytes. */
  finish(): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'done';
    this.notify();
    this.markOver(true);
  }

  /** The fetch failed: every client is cut off (or answered with the error, if none had started). */
  fail(error: unknown): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'failed';
    this.error = error;
    this.notify();
    this.markOver(false);
  }

  /** Removes the spool (readers keep their open handles: the file lives until they close them). */
  async cleanup(): Promise<void> {
    this.forget();
    const spool = this.spoolFile;
    this.spoolFile = undefined;
    await spool?.close().catch(() => undefined);
    if (this.spoolPath) await unlink(this.spoolPath).catch(() => undefined);
  }

  /**
   * A client's view of the body, opened now (before the spool can go); null when the fetch is over
   * by then (the file is stored, or failed: see `state`).
   */
  async reader(): Promise<Readable | null> {
    if (this.state !== 'streaming' || !this.spoolPath) return null;
    let handle: FileHandle;
    try {
      handle = await open(this.spoolPath, 'r');
    } catch {
      return null; // cleaned up meanwhile: the fetch is over
    }
    return new SpoolReader(this, handle);
  }

  /** How far a client may read: all when stored; otherwise the last byte waits for the commit. */
  readableBytes(): number {
    if (this.state === 'done') return this.received;
    return this.total === undefined ? this.received : Math.min(this.received, this.total - 1);
  }

  /** The bytes from `position` to the end of their chunk (or `limit`), if the window still holds them. */
  fromWindow(position: number, limit: number): Buffer | undefined {
    if (position < (this.windowStarts[0] ?? Infinity)) return undefined;
    // Clients that keep up read near the end: look from there.
    for (let i = this.window.length - 1; i >= 0; i--) {
      const start = this.windowStarts[i];
      if (position < start) continue;
      const chunk = this.window[i];
      return position < start + chunk.length ? chunk.subarray(position - start, limit - start) : undefined;
    }
    return undefined;
  }

  private remember(chunk: Buffer): void {
    this.window.push(chunk);
    this.windowStarts.push(this.received);
    this.windowBytes += chunk.length;
    this.received += chunk.length;
    while (this.windowBytes - this.window[0].length >= WINDOW) {
      this.windowBytes -= this.window[0].length;
      this.window.shift();
      this.windowStarts.shift();
    }
    this.notify();
  }

  private forget(): void {
    this.window = [];
    this.windowStarts = [];
    this.windowBytes = 0;
  }

  /** Resolves at the next change (bytes spooled, done, failed). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    if (this.received > 0 || this.state === 'done' || this.state === 'failed') this.markReady();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Reads a fetch's body from its start as it grows: from the window while it holds it, else from the spool. */
class SpoolReader extends Readable {
  private position = 0;
  private pumping = false;

  constructor(
    private readonly fetch: SharedFetch,
    private readonly handle: FileHandle,
  ) {
    super({ highWaterMark: CHUNK });
  }

  override _read(): void {
    if (this.pumping) return;
    this.pumping = true;
    this.pump().catch((e: unknown) => this.destroy(e as Error));
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.destroyed) return;
      if (this.fetch.state === 'failed') {
        const reason = (this.fetch.error as Error | undefined)?.message ?? 'the upstream fetch failed';
        throw new Error(`The upstream fetch failed: ${reason}`);
      }
      const limit = this.fetch.readableBytes();
      if (this.position < limit) {
        const next = this.fetch.fromWindow(this.position, limit) ?? (await this.fromSpool(limit));
        if (!next) {
          await this.fetch.changed();
          continue;
        }
        this.position += next.length;
        if (!this.push(next)) {
          this.pumping = false;
          return;
        }
        continue;
      }
      if (this.fetch.state === 'done') {
        this.push(null);
        return;
      }
      await this.fetch.changed();
    }
  }

  /** The next bytes from the spool file; none when it has not got so far yet (it lags the window a little). */
  private async fromSpool(limit: number): Promise<Buffer | undefined> {
    const length = Math.min(Math.min(limit, this.fetch.written) - this.position, CHUNK);
    if (length <= 0) return undefined;
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, this.position);
    if (bytesRead === 0) throw new Error('The spooled body is shorter than what was written.');
    return buffer.subarray(0, bytesRead);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close().then(
      () => callback(error),
      () => callback(error),
    );
  }
}
