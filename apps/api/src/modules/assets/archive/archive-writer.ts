import { parseDecodedPath } from '@stockroom/contracts';
import { finished, PassThrough, Readable } from 'node:stream';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { ZipFile } from 'yazl';
import { ArchiveFormat } from './archive-format';

/**
 * Streaming archive output for export (spec §2 "Export"): entries are pulled from the iterable
 * one at a time, and a file is opened only once the previous one has been written out, so at most
 * one source is open, nothing is buffered whole, and the output's pace drives the reading.
 */

export interface ArchiveSourceEntry {
  /** Relative path inside the archive, `/`-separated. */
  path: string;
  kind: 'file' | 'dir';
  size: number;
  modified: Date;
  /** Opens a file's bytes; a file without it is written empty. */
  open?: () => Promise<Readable>;
}

export function createArchiveStream(format: ArchiveFormat, entries: AsyncIterable<ArchiveSourceEntry>): Readable {
  return format === 'zip' ? createZipStream(entries) : createTgzStream(entries);
}

/** Extensions of formats that are already compressed: deflating them again only costs time. */
// prettier-ignore
const STORED_EXTENSIONS = new Set([
  '7z', 'apk', 'avi', 'br', 'bz2', 'cab', 'crate', 'deb', 'docx', 'ear', 'gem', 'gif', 'gz', 'heic', 'jar', 'jpeg', 'jpg',
  'lz', 'lz4', 'lzma', 'm4a', 'mkv', 'mov', 'mp3', 'mp4', 'nupkg', 'odt', 'ogg', 'png', 'pptx', 'rar', 'rpm', 'snupkg',
  'tbz2', 'tgz', 'txz', 'vsix', 'war', 'webm', 'webp', 'whl', 'woff', 'woff2', 'xlsx', 'xz', 'zip', 'zst',
]);

function shouldCompress(path: string): boolean {
  const dot = path.lastIndexOf('.');
  return dot < 0 || !STORED_EXTENSIONS.has(path.slice(dot + 1).toLowerCase());
}

/** Tar flushes the gzip stream this often at most, so that slow sources still yield early bytes. */
const GZIP_FLUSH_INTERVAL_MS = 1000;

function validDate(date: Date): Date {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date : new Date();
}

/** Checks and normalizes an entry path; `''` is the root folder itself. */
function entryName(entry: ArchiveSourceEntry): string {
  const path = parseDecodedPath(entry.path).join('/');
  if (path === '' && entry.kind === 'file') throw new Error('An archive file entry needs a name.');
  return path;
}

async function openSource(entry: ArchiveSourceEntry): Promise<Readable> {
  return entry.open ? entry.open() : Readable.from([]);
}

/** Waits until `source` has been read to its end (or failed). */
function whenRead(source: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    finished(source, { writable: false }, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Drives one output: tracks the open source, stops when the consumer goes away, and turns any
 * failure into the destruction of the output.
 */
class Pump {
  stopped = false;
  current: Readable | undefined;
  private complete = false;

  constructor(private readonly output: Readable) {
    output.once('end', () => (this.complete = true));
    output.once('close', () => {
      if (!this.complete) this.stop();
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.current?.destroy();
  }

  fail(error: unknown): void {
    this.stop();
    if (!this.output.destroyed) this.output.destroy(error as Error);
  }

  async run(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      this.fail(e);
    }
  }
}

function createZipStream(entries: AsyncIterable<ArchiveSourceEntry>): Readable {
  const zip = new ZipFile();
  const output = zip.outputStream as PassThrough;
  const pump = new Pump(output);
  zip.on('error', (e: unknown) => pump.fail(e));

  void pump.run(async () => {
    for await (const entry of entries) {
      if (pump.stopped) break;
      const name = entryName(entry);
      if (name === '') continue;
      const mtime = validDate(entry.modified);
      if (entry.kind === 'dir') {
        zip.addEmptyDirectory(name, { mtime });
        continue;
      }
      const source = await openSource(entry);
      if (pump.stopped) {
        source.destroy();
        break;
      }
      pump.current = source;
      const done = whenRead(source);
      zip.addReadStream(source, name, {
        size: entry.size,
        mtime,
        compress: shouldCompress(name),
      });
      await done; // the next file is opened only once this one has been read through
      pump.current = undefined;
    }
    if (!pump.stopped) zip.end();
  });
  return output;
}

function createTgzStream(entries: AsyncIterable<ArchiveSourceEntry>): Readable {
  const pack = tarPack();
  const gzip = createGzip({ level: 6 });
  const pump = new Pump(gzip);
  pack.on('error', (e: unknown) => pump.fail(e));
  pack.pipe(gzip, (e?: Error | null) => {
    if (e) pump.fail(e);
  });

  void pump.run(async () => {
    let lastFlush = 0;
    for await (const entry of entries) {
      if (pump.stopped) break;
      const name = entryName(entry);
      if (name === '') continue;
      const mtime = validDate(entry.modified);
      if (entry.kind === 'dir') {
        await new Promise<void>((resolve, reject) => {
          const sink = pack.entry({ name: `${name}/`, type: 'directory', mtime, mode: 0o755 }, (e) =>
            e ? reject(e) : resolve(),
          );
          sink.on('error', () => undefined);
        });
        continue;
      }
      const source = await openSource(entry);
      if (pump.stopped) {
        source.destroy();
        break;
      }
      pump.current = source;
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ name, type: 'file', size: entry.size, mtime, mode: 0o644 }, (e) =>
          e ? reject(e) : resolve(),
        );
        sink.on('error', () => undefined); // reported through the entry's callback
        // An error or a premature close of the source (e.g. the consumer went away) fails the entry.
        finished(source, { writable: false }, (e) => e && reject(e));
        source.pipe(sink);
      });
      pump.current = undefined;
      const now = Date.now();
      if (now - lastFlush >= GZIP_FLUSH_INTERVAL_MS && !pump.stopped) {
        lastFlush = now;
        gzip.flush(zlibConstants.Z_SYNC_FLUSH);
      }
    }
    if (!pump.stopped) pack.finalize();
  });
  return gzip;
}
