import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { ArchiveFormat, sniffArchiveFormat } from './archive-format';
import { ArchiveLimits, extractArchive, inspectArchive } from './archive-reader';
import { ArchiveSourceEntry, createArchiveStream } from './archive-writer';

const MiB = 1024 * 1024;
const LIMITS: ArchiveLimits = {
  maxExpandedBytes: 1024 * MiB,
  maxEntries: 1000,
  maxCompressionRatio: 200,
};
const FORMATS: ArchiveFormat[] = ['zip', 'tgz'];
const MODIFIED = new Date('2023-11-12T13:14:16Z');

let workDir: string;
let counter = 0;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'stockroom-archive-writer-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A source that yields `data` in small chunks, as storage would. */
function chunked(data: Buffer, chunkSize = 64 * 1024): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) {
        this.push(null);
        return;
      }
      this.push(data.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

function fileEntry(path: string, data: Buffer | string, open?: () => Promise<Readable>): ArchiveSourceEntry {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return {
    path,
    kind: 'file',
    size: bytes.length,
    modified: MODIFIED,
    open: open ?? (async () => chunked(bytes)),
  };
}

function dirEntry(path: string): ArchiveSourceEntry {
  return { path, kind: 'dir', size: 0, modified: MODIFIED };
}

async function* iterate(entries: ArchiveSourceEntry[], log?: string[]): AsyncIterable<ArchiveSourceEntry> {
  for (const entry of entries) {
    log?.push(`yield ${entry.path}`);
    yield entry;
  }
}

async function save(buffer: Buffer): Promise<string> {
  const path = join(workDir, `out-${counter++}`);
  await writeFile(path, buffer);
  return path;
}

function errorOf(stream: Readable): Promise<Error> {
  return new Promise((resolve, reject) => {
    stream.on('error', resolve);
    stream.on('end', () => reject(new Error('the stream ended without an error')));
    stream.resume();
  });
}

describe.each(FORMATS)('createArchiveStream(%s)', (format) => {
  it('round-trips through the reader with identical bytes and folders', async () => {
    const big = randomBytes(3 * MiB + 123);
    const text = 'hello, world\n'.repeat(1000);
    const sources: ArchiveSourceEntry[] = [
      dirEntry('assets'),
      fileEntry('assets/a.txt', text),
      dirEntry('assets/empty'),
      fileEntry('assets/img/big.bin', big),
      fileEntry('assets/photo.JPG', randomBytes(1000)),
      fileEntry('Ünïcødé ✓/long-' + 'x'.repeat(150) + '.txt', 'unicode'),
      { path: 'zero.dat', kind: 'file', size: 0, modified: MODIFIED }, // no open(): empty
      fileEntry('empty.txt', ''),
    ];
    const archive = await collect(createArchiveStream(format, iterate(sources)));
    expect(sniffArchiveFormat(archive.subarray(0, 4))).toBe(format);

    const path = await save(archive);
    const manifest = await inspectArchive(path, format, LIMITS);
    expect(manifest.map(({ path, kind, size }) => ({ path, kind, size }))).toEqual(
      sources.map(({ path, kind, size }) => ({
        path,
        kind,
        size: kind === 'dir' ? 0 : size,
      })),
    );
    for (const entry of manifest) expect(entry.modified?.toISOString()).toBe(MODIFIED.toISOString());

    const extracted = new Map<string, Buffer>();
    await extractArchive(path, format, async (entry, body) => {
      extracted.set(entry.path, await collect(body));
    });
    expect(extracted.get('assets/a.txt')?.toString()).toBe(text);
    expect(extracted.get('assets/img/big.bin')?.equals(big)).toBe(true);
    expect(extracted.get('Ünïcødé ✓/long-' + 'x'.repeat(150) + '.txt')?.toString()).toBe('unicode');
    expect(extracted.get('zero.dat')?.length).toBe(0);
    expect(extracted.get('empty.txt')?.length).toBe(0);
    expect(extracted.size).toBe(6);
  });

  it('writes a valid empty archive', async () => {
    const archive = await collect(createArchiveStream(format, iterate([])));
    expect(await inspectArchive(await save(archive), format, LIMITS)).toEqual([]);
  });

  it('fails the output when a source cannot be opened', async () => {
    const failure = new Error('blob is gone');
    const output = createArchiveStream(
      format,
      iterate([fileEntry('a.txt', 'a'), fileEntry('b.txt', 'b', () => Promise.reject(failure))]),
    );
    expect(await errorOf(output)).toBe(failure);
  });

  it('fails the output when a source fails while being read', async () => {
    const failure = new Error('read failed');
    const broken = () => {
      let sent = false;
      return Promise.resolve(
        new Readable({
          read() {
            if (!sent) {
              sent = true;
              this.push(Buffer.alloc(1000, 1));
            } else {
              this.destroy(failure);
            }
          },
        }),
      );
    };
    const output = createArchiveStream(format, iterate([fileEntry('a.bin', Buffer.alloc(5000), broken)]));
    expect(await errorOf(output)).toBe(failure);
  });

  it('fails the output when the entries themselves fail', async () => {
    const failure = new Error('database went away');
    async function* entries(): AsyncIterable<ArchiveSourceEntry> {
      yield fileEntry('a.txt', 'a');
      throw failure;
    }
    expect(await errorOf(createArchiveStream(format, entries()))).toBe(failure);
  });

  it('fails the output when a source is shorter than its size', async () => {
    const output = createArchiveStream(format, iterate([{ ...fileEntry('a.bin', 'abc'), size: 10 }]));
    expect(await errorOf(output)).toBeInstanceOf(Error);
  });

  it('pulls entries lazily: one file open at a time, driven by the consumer', async () => {
    const log: string[] = [];
    const first = randomBytes(8 * MiB);
    const openFirst = jest.fn(async () => {
      log.push('open first');
      return chunked(first);
    });
    const openSecond = jest.fn(async () => {
      log.push('open second');
      return chunked(Buffer.from('second'));
    });
    const output = createArchiveStream(
      format,
      iterate([fileEntry('first.bin', first, openFirst), fileEntry('second.txt', 'second', openSecond)], log),
    );

    // The first bytes leave quickly, long before the first file has been read.
    const head = await new Promise<Buffer>((resolve) => output.once('data', (chunk: Buffer) => resolve(chunk)));
    output.pause();
    expect(head.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(openFirst).toHaveBeenCalledTimes(1);
    expect(openSecond).not.toHaveBeenCalled();
    expect(log).toEqual(['yield first.bin', 'open first']);

    // Once the consumer reads on, the rest follows.
    const rest = await collect(output);
    expect(openSecond).toHaveBeenCalledTimes(1);
    expect(log).toEqual(['yield first.bin', 'open first', 'yield second.txt', 'open second']);
    const manifest = await inspectArchive(await save(Buffer.concat([head, rest])), format, LIMITS);
    expect(manifest.map((e) => [e.path, e.size])).toEqual([
      ['first.bin', first.length],
      ['second.txt', 6],
    ]);
  });

  it('sends the first bytes even when the next source is slow to open', async () => {
    let release: (stream: Readable) => void = () => undefined;
    const slow = new Promise<Readable>((resolve) => (release = resolve));
    const output = createArchiveStream(
      format,
      iterate([fileEntry('small.txt', 'just a few bytes'), fileEntry('slow.txt', 'late', () => slow)]),
    );
    const chunks: Buffer[] = [];
    output.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => output.on('end', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Not just a header: the first file's entry is out already.
    const sent = Buffer.concat(chunks);
    const visible = format === 'zip' ? sent : gunzipSync(sent, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    expect(visible.includes('small.txt')).toBe(true);
    expect(visible.includes('slow.txt')).toBe(false);
    release(chunked(Buffer.from('late')));
    await ended;
    const manifest = await inspectArchive(await save(Buffer.concat(chunks)), format, LIMITS);
    expect(manifest.map((e) => e.path)).toEqual(['small.txt', 'slow.txt']);
  });

  it('stops reading and closes the source when the consumer goes away', async () => {
    const first = randomBytes(8 * MiB);
    let source: Readable | undefined;
    let finished = false;
    async function* entries(): AsyncIterable<ArchiveSourceEntry> {
      try {
        yield fileEntry('first.bin', first, async () => (source = chunked(first)));
        yield fileEntry('second.txt', 'second');
      } finally {
        finished = true;
      }
    }
    const output = createArchiveStream(format, entries());
    await new Promise((resolve) => output.once('data', resolve));
    output.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(source?.destroyed).toBe(true);
    expect(finished).toBe(true); // the iterator was closed (e.g. a database cursor released)
  });
});
