import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Header, pack as tarPack } from 'tar-stream';
import { ZipFile } from 'yazl';
import { ArchiveError } from './archive-error';
import { ArchiveFormat, parseArchiveFormat, sniffArchiveFormat } from './archive-format';
import { ArchiveLimits, ArchiveManifestEntry, extractArchive, inspectArchive } from './archive-reader';

const MiB = 1024 * 1024;
type TarHeaders = Partial<Header> & Pick<Header, 'name'>;

const LIMITS: ArchiveLimits = {
  maxExpandedBytes: 1024 * MiB,
  maxEntries: 1000,
  maxCompressionRatio: 200,
};

// ---------------------------------------------------------------------------------------------
// Crafting archives
// ---------------------------------------------------------------------------------------------

interface ZipSpec {
  name: string;
  data?: Buffer | string;
  dir?: boolean;
  mode?: number;
  compress?: boolean;
  mtime?: Date;
}

/**
 * Builds a zip with yazl. yazl refuses (or rewrites) unsafe names, so each entry is written under
 * a placeholder of the same byte length and the real name is patched into both headers afterwards.
 */
async function buildZip(specs: ZipSpec[]): Promise<Buffer> {
  const zip = new ZipFile();
  const placeholders = specs.map((spec, i) => {
    const length = Buffer.byteLength(spec.name);
    const base = `p${i}`.padEnd(Math.max(length, 1), 'x').slice(0, length);
    return spec.dir && !base.endsWith('/') ? `${base.slice(0, -1)}/` : base;
  });
  specs.forEach((spec, i) => {
    const mtime = spec.mtime ?? new Date('2024-05-06T07:08:10Z');
    if (spec.dir) {
      zip.addEmptyDirectory(placeholders[i], {
        mtime,
        ...(spec.mode ? { mode: spec.mode } : {}),
      });
    } else {
      const data = typeof spec.data === 'string' ? Buffer.from(spec.data) : (spec.data ?? Buffer.alloc(0));
      zip.addBuffer(data, placeholders[i], {
        mtime,
        compress: spec.compress ?? true,
        ...(spec.mode ? { mode: spec.mode } : {}),
      });
    }
  });
  zip.end();
  const buffer = await collect(zip.outputStream as Readable);
  patchZip(buffer, (index, central, local) => {
    const name = Buffer.from(specs[index].name);
    name.copy(buffer, central + 46);
    name.copy(buffer, local + 30);
  });
  return buffer;
}

/** Visits every entry: offsets of its central directory record and of its local file header. */
function patchZip(buffer: Buffer, visit: (index: number, central: number, local: number) => void): void {
  const eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buffer.readUInt16LE(eocd + 10);
  let central = buffer.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    expect(buffer.readUInt32LE(central)).toBe(0x02014b50);
    const local = buffer.readUInt32LE(central + 42);
    expect(buffer.readUInt32LE(local)).toBe(0x04034b50);
    visit(i, central, local);
    central +=
      46 + buffer.readUInt16LE(central + 28) + buffer.readUInt16LE(central + 30) + buffer.readUInt16LE(central + 32);
  }
}

interface TarSpec {
  header: TarHeaders;
  data?: Buffer | string;
}

async function buildTar(specs: TarSpec[]): Promise<Buffer> {
  const pack = tarPack();
  const output = collect(pack);
  for (const spec of specs) {
    await new Promise<void>((resolve, reject) => {
      const done = (e?: Error | null) => (e ? reject(e) : resolve());
      if (spec.data !== undefined) pack.entry(spec.header, spec.data, done);
      else pack.entry(spec.header, done);
    });
  }
  pack.finalize();
  return output;
}

async function buildTgz(specs: TarSpec[]): Promise<Buffer> {
  return gzipSync(await buildTar(specs));
}

const file = (name: string, data: Buffer | string = 'x'): TarSpec => ({
  header: { name, type: 'file', mtime: new Date('2024-05-06T07:08:10Z') },
  data,
});
const dir = (name: string): TarSpec => ({
  header: { name, type: 'directory', mtime: new Date('2024-05-06T07:08:10Z') },
});

async function collect(stream: AsyncIterable<unknown> | Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

let workDir: string;
let counter = 0;

async function save(buffer: Buffer): Promise<string> {
  const path = join(workDir, `archive-${counter++}`);
  await writeFile(path, buffer);
  return path;
}

async function extractAll(
  path: string,
  format: ArchiveFormat,
): Promise<Map<string, { entry: ArchiveManifestEntry; bytes: Buffer }>> {
  const result = new Map<string, { entry: ArchiveManifestEntry; bytes: Buffer }>();
  await extractArchive(path, format, async (entry, body) => {
    result.set(entry.path, { entry, bytes: await collect(body) });
  });
  return result;
}

async function rejection(promise: Promise<unknown>): Promise<ArchiveError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ArchiveError);
    expect((e as Error).message).not.toMatch(/\n\s+at /); // never a stack trace
    return e as ArchiveError;
  }
  throw new Error('expected the archive to be rejected');
}

async function expectRejected(
  buffer: Buffer,
  format: ArchiveFormat,
  status: 400 | 413,
  message: RegExp,
  limits = LIMITS,
): Promise<ArchiveError> {
  const error = await rejection(inspectArchive(await save(buffer), format, limits));
  expect(error.status).toBe(status);
  expect(error.message).toMatch(message);
  return error;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'stockroom-archive-reader-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('archive format', () => {
  it('parses zip and tgz case-insensitively, and nothing else', () => {
    expect(parseArchiveFormat(undefined)).toBeUndefined();
    expect(parseArchiveFormat('')).toBeUndefined();
    expect(parseArchiveFormat('ZIP')).toBe('zip');
    expect(parseArchiveFormat('Tgz')).toBe('tgz');
    expect(() => parseArchiveFormat('rar')).toThrow(new ArchiveError(400, 'Unsupported format "rar": use zip or tgz.'));
    try {
      parseArchiveFormat('tar.gz');
    } catch (e) {
      expect((e as ArchiveError).status).toBe(400);
    }
  });

  it('sniffs zip (also empty) and gzip bodies', () => {
    expect(sniffArchiveFormat(Buffer.from('PK\x03\x04rest', 'latin1'))).toBe('zip');
    expect(sniffArchiveFormat(Buffer.from('PK\x05\x06', 'latin1'))).toBe('zip');
    expect(sniffArchiveFormat(Buffer.from([0x1f, 0x8b, 0x08, 0x00]))).toBe('tgz');
    expect(sniffArchiveFormat(Buffer.from('hello'))).toBeNull();
    expect(sniffArchiveFormat(Buffer.alloc(0))).toBeNull();
  });
});

describe('normal archives', () => {
  const big = randomBytes(300 * 1024);

  it('lists and extracts a nested zip', async () => {
    const path = await save(
      await buildZip([
        { name: 'docs/', dir: true },
        { name: 'docs/Readme.md', data: '# hello\n' },
        { name: 'docs/sub/deep.bin', data: big },
        { name: 'top.txt', data: 'top', compress: false },
        { name: 'empty/', dir: true },
        { name: 'zero.txt', data: '' },
      ]),
    );
    const manifest = await inspectArchive(path, 'zip', LIMITS);
    expect(manifest.map(({ path, kind, size }) => ({ path, kind, size }))).toEqual([
      { path: 'docs', kind: 'dir', size: 0 },
      { path: 'docs/Readme.md', kind: 'file', size: 8 },
      { path: 'docs/sub/deep.bin', kind: 'file', size: big.length },
      { path: 'top.txt', kind: 'file', size: 3 },
      { path: 'empty', kind: 'dir', size: 0 },
      { path: 'zero.txt', kind: 'file', size: 0 },
    ]);
    expect(manifest[1].modified?.toISOString()).toBe('2024-05-06T07:08:10.000Z');

    const files = await extractAll(path, 'zip');
    expect([...files.keys()]).toEqual(['docs/Readme.md', 'docs/sub/deep.bin', 'top.txt', 'zero.txt']);
    expect(files.get('docs/Readme.md')?.bytes.toString()).toBe('# hello\n');
    expect(files.get('docs/sub/deep.bin')?.bytes.equals(big)).toBe(true);
    expect(files.get('docs/sub/deep.bin')?.entry.size).toBe(big.length);
    expect(files.get('top.txt')?.bytes.toString()).toBe('top');
    expect(files.get('zero.txt')?.bytes.length).toBe(0);
  });

  it('lists and extracts a nested tgz', async () => {
    const path = await save(
      await buildTgz([
        dir('docs/'),
        file('docs/Readme.md', '# hello\n'),
        file('docs/sub/deep.bin', big),
        dir('empty'),
        file('zero.txt', ''),
      ]),
    );
    const manifest = await inspectArchive(path, 'tgz', LIMITS);
    expect(manifest.map(({ path, kind, size }) => ({ path, kind, size }))).toEqual([
      { path: 'docs', kind: 'dir', size: 0 },
      { path: 'docs/Readme.md', kind: 'file', size: 8 },
      { path: 'docs/sub/deep.bin', kind: 'file', size: big.length },
      { path: 'empty', kind: 'dir', size: 0 },
      { path: 'zero.txt', kind: 'file', size: 0 },
    ]);
    expect(manifest[1].modified?.toISOString()).toBe('2024-05-06T07:08:10.000Z');

    const files = await extractAll(path, 'tgz');
    expect([...files.keys()]).toEqual(['docs/Readme.md', 'docs/sub/deep.bin', 'zero.txt']);
    expect(files.get('docs/sub/deep.bin')?.bytes.equals(big)).toBe(true);
    expect(files.get('zero.txt')?.bytes.length).toBe(0);
  });

  it('keeps long and non-ASCII names (pax headers)', async () => {
    const long = `${'folder-'.repeat(20)}/Ünïcødé ✓.txt`;
    const path = await save(await buildTgz([file(long, 'u')]));
    expect((await inspectArchive(path, 'tgz', LIMITS)).map((e) => e.path)).toEqual([long]);
    const zipPath = await save(await buildZip([{ name: long, data: 'u' }]));
    expect((await inspectArchive(zipPath, 'zip', LIMITS)).map((e) => e.path)).toEqual([long]);
  });

  it('strips leading "./" silently and ignores the root entry', async () => {
    const path = await save(await buildTgz([dir('./'), dir('./a/'), file('./a/b.txt', 'b'), file('././c.txt', 'c')]));
    const manifest = await inspectArchive(path, 'tgz', LIMITS);
    expect(manifest.map((e) => [e.path, e.kind])).toEqual([
      ['a', 'dir'],
      ['a/b.txt', 'file'],
      ['c.txt', 'file'],
    ]);
    const files = await extractAll(path, 'tgz');
    expect(files.get('a/b.txt')?.bytes.toString()).toBe('b');

    const zipPath = await save(await buildZip([{ name: './x.txt', data: 'x' }]));
    expect((await inspectArchive(zipPath, 'zip', LIMITS)).map((e) => e.path)).toEqual(['x.txt']);
  });

  it('accepts an empty zip and a repeated folder entry', async () => {
    expect(await inspectArchive(await save(await buildZip([])), 'zip', LIMITS)).toEqual([]);
    const path = await save(await buildTgz([dir('a'), dir('A/'), file('a/x.txt')]));
    expect((await inspectArchive(path, 'tgz', LIMITS)).map((e) => e.path)).toEqual(['a', 'A', 'a/x.txt']);
  });

  it('passes errors of the callback through, and drains what the callback left unread', async () => {
    const path = await save(await buildTgz([file('a.bin', randomBytes(200 * 1024)), file('b.txt', 'b')]));
    const seen: string[] = [];
    await extractArchive(path, 'tgz', async (entry) => {
      seen.push(entry.path); // reads nothing
    });
    expect(seen).toEqual(['a.bin', 'b.txt']);

    const failure = new Error('storage is down');
    await expect(
      extractArchive(path, 'tgz', async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    const zipPath = await save(await buildZip([{ name: 'a.txt', data: 'a' }]));
    await expect(
      extractArchive(zipPath, 'zip', async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });
});

describe('unsafe entries reject the whole archive', () => {
  const unsafeNames: [string, RegExp][] = [
    ['../evil.txt', /^Unsafe archive entry "\.\.\/evil\.txt": ".." is not allowed/],
    ['a/../../x', /^Unsafe archive entry "a\/\.\.\/\.\.\/x": ".." is not allowed/],
    ['/etc/passwd', /^Unsafe archive entry "\/etc\/passwd": absolute paths are not allowed\.$/],
    ['C:/x', /^Unsafe archive entry "C:\/x": absolute paths are not allowed\.$/],
    ['..\\x.txt', /^Unsafe archive entry "\.\.\\x\.txt": "\\" is not allowed in a path\.$/],
    ['a\\b.txt', /^Unsafe archive entry "a\\b\.txt": "\\" is not allowed in a path\.$/],
    ['a\u0000b.txt', /^Unsafe archive entry "a\\u0000b\.txt": control characters are not allowed/],
    ['a/./b.txt', /^Unsafe archive entry "a\/\.\/b\.txt": "\." is not allowed/],
    [`${'n'.repeat(256)}.txt`, /^Unsafe archive entry "n+…": a segment is longer than 255 bytes\.$/],
  ];

  it.each(unsafeNames)('zip entry %j', async (name, message) => {
    await expectRejected(
      await buildZip([
        { name: 'ok.txt', data: 'ok' },
        { name, data: 'evil' },
      ]),
      'zip',
      400,
      message,
    );
  });

  it.each(unsafeNames)('tar entry %j', async (name, message) => {
    // A NUL cannot be stored in a plain tar header: it goes into a pax record.
    const header: TarHeaders = name.includes('\u0000')
      ? ({
          name: 'placeholder',
          type: 'file',
          pax: { path: name },
        } as TarHeaders)
      : { name, type: 'file' };
    await expectRejected(await buildTgz([file('ok.txt', 'ok'), { header, data: 'evil' }]), 'tgz', 400, message);
  });

  it('rejects an unsafe folder entry too', async () => {
    await expectRejected(
      await buildZip([{ name: '../up/', dir: true }]),
      'zip',
      400,
      /^Unsafe archive entry "\.\.\/up\/"/,
    );
    await expectRejected(await buildTgz([dir('/abs/')]), 'tgz', 400, /^Unsafe archive entry "\/abs\/": absolute paths/);
  });

  it('rejects symbolic links', async () => {
    await expectRejected(
      await buildZip([{ name: 'link', data: '/etc/passwd', mode: 0o120777 }]),
      'zip',
      400,
      /^Unsafe archive entry "link": symbolic links are not allowed\.$/,
    );
    await expectRejected(
      await buildTgz([{ header: { name: 'link', type: 'symlink', linkname: '/etc/passwd' } }]),
      'tgz',
      400,
      /^Unsafe archive entry "link": symbolic links are not allowed\.$/,
    );
  });

  it('rejects hard links, devices and FIFOs in tar', async () => {
    await expectRejected(
      await buildTgz([file('a.txt'), { header: { name: 'b.txt', type: 'link', linkname: 'a.txt' } }]),
      'tgz',
      400,
      /^Unsafe archive entry "b.txt": hard links are not allowed\.$/,
    );
    for (const type of ['character-device', 'block-device', 'fifo'] as const) {
      await expectRejected(
        await buildTgz([{ header: { name: 'dev', type } }]),
        'tgz',
        400,
        /^Unsafe archive entry "dev": device files/,
      );
    }
  });

  it('rejects devices in zip', async () => {
    await expectRejected(
      await buildZip([{ name: 'fifo', data: '', mode: 0o010644 }]),
      'zip',
      400,
      /^Unsafe archive entry "fifo": device files/,
    );
  });

  it('rejects encrypted zip entries', async () => {
    const buffer = await buildZip([{ name: 'secret.txt', data: 'secret '.repeat(100) }]);
    patchZip(buffer, (_i, central, local) => {
      buffer.writeUInt16LE(buffer.readUInt16LE(central + 8) | 1, central + 8);
      buffer.writeUInt16LE(buffer.readUInt16LE(local + 6) | 1, local + 6);
    });
    await expectRejected(
      buffer,
      'zip',
      400,
      /^Unsupported archive entry "secret.txt": encrypted entries are not supported\.$/,
    );
  });

  it('rejects duplicate entries, compared case-insensitively', async () => {
    const message = /^Invalid archive: duplicate entry "A.TXT" \(paths are case-insensitive\)\.$/;
    await expectRejected(
      await buildZip([
        { name: 'a.txt', data: '1' },
        { name: 'A.TXT', data: '2' },
      ]),
      'zip',
      400,
      message,
    );
    await expectRejected(await buildTgz([file('a.txt'), file('A.TXT')]), 'tgz', 400, message);
    await expectRejected(
      await buildTgz([file('x/a.txt'), file('./X/a.txt')]),
      'tgz',
      400,
      /duplicate entry "X\/a.txt"/,
    );
  });

  it('rejects a path that is both a file and a folder', async () => {
    await expectRejected(
      await buildZip([
        { name: 'a', data: '1' },
        { name: 'a/b', data: '2' },
      ]),
      'zip',
      400,
      /^Invalid archive: "a" is both a file and a folder\.$/,
    );
    await expectRejected(
      await buildTgz([file('A/b/c'), file('a/B')]),
      'tgz',
      400,
      /^Invalid archive: "a\/B" is both a file and a folder\.$/,
    );
    await expectRejected(
      await buildTgz([dir('a/'), file('A')]),
      'tgz',
      400,
      /^Invalid archive: "A" is both a file and a folder\.$/,
    );
    await expectRejected(
      await buildTgz([file('a'), dir('A/')]),
      'tgz',
      400,
      /^Invalid archive: "A" is both a file and a folder\.$/,
    );
  });
});

describe('corrupt bodies', () => {
  it('rejects a truncated zip', async () => {
    const buffer = await buildZip([
      { name: 'a.bin', data: randomBytes(64 * 1024) },
      { name: 'b.txt', data: 'b' },
    ]);
    await expectRejected(buffer.subarray(0, buffer.length >> 1), 'zip', 400, /^Not a valid zip archive: .+\.$/);
  });

  it('rejects a zip whose local data is damaged', async () => {
    const buffer = await buildZip([{ name: 'a.txt', data: 'hello world '.repeat(1000) }]);
    patchZip(buffer, (_i, _central, local) => buffer.fill(0xff, local + 30 + 5 + 10, local + 30 + 5 + 40));
    await expectRejected(buffer, 'zip', 400, /^Not a valid zip archive: /);
  });

  it('rejects a truncated tgz', async () => {
    const buffer = await buildTgz([file('a.bin', randomBytes(64 * 1024)), file('b.txt')]);
    await expectRejected(buffer.subarray(0, buffer.length >> 1), 'tgz', 400, /^Not a valid tgz archive: .+\.$/);
    // complete gzip, truncated tar inside
    const tar = await buildTar([file('a.bin', randomBytes(64 * 1024))]);
    await expectRejected(gzipSync(tar.subarray(0, 20 * 1024)), 'tgz', 400, /^Not a valid tgz archive: /);
  });

  it('rejects bodies that are not archives', async () => {
    const text = Buffer.from('this is not an archive at all, just some text\n'.repeat(20));
    await expectRejected(text, 'zip', 400, /^Not a valid zip archive: /);
    await expectRejected(text, 'tgz', 400, /^Not a valid tgz archive: /);
    await expectRejected(gzipSync(text), 'tgz', 400, /^Not a valid tgz archive: /);
    await expectRejected(Buffer.alloc(0), 'zip', 400, /^Not a valid zip archive: /);
    await expectRejected(await buildZip([{ name: 'a.txt' }]), 'tgz', 400, /^Not a valid tgz archive: /);
  });

  it('also fails cleanly when extracting a corrupt archive', async () => {
    const buffer = await buildTgz([file('a.bin', randomBytes(64 * 1024)), file('b.txt')]);
    const path = await save(buffer.subarray(0, buffer.length - 100));
    const error = await rejection(
      extractArchive(path, 'tgz', async (_entry, body) => void (await collect(body).catch(() => undefined))),
    );
    expect(error.status).toBe(400);
    const zipPath = await save((await buildZip([{ name: 'a.txt', data: 'a' }])).subarray(0, 30));
    expect((await rejection(extractArchive(zipPath, 'zip', async () => undefined))).status).toBe(400);
  });
});

describe('limits', () => {
  it('rejects more entries than allowed with 413', async () => {
    const limits = { ...LIMITS, maxEntries: 3 };
    const specs = ['a', 'b', 'c', 'd'].map((n) => ({
      name: `${n}.txt`,
      data: n,
    }));
    await expectRejected(await buildZip(specs), 'zip', 413, /^Archive rejected: more than 3 entries\.$/, limits);
    await expectRejected(
      await buildTgz(specs.map((s) => file(s.name, s.data))),
      'tgz',
      413,
      /^Archive rejected: more than 3 entries\.$/,
      limits,
    );
    // exactly at the limit is fine
    expect(await inspectArchive(await save(await buildZip(specs.slice(0, 3))), 'zip', limits)).toHaveLength(3);
  });

  it('rejects a total expanded size over the limit with 413', async () => {
    const limits = { ...LIMITS, maxExpandedBytes: 256 * 1024 };
    const chunk = randomBytes(100 * 1024);
    const names = ['a.bin', 'b.bin', 'c.bin'];
    const message = /^Archive rejected: the expanded size exceeds the limit of 256 KiB\.$/;
    await expectRejected(await buildZip(names.map((name) => ({ name, data: chunk }))), 'zip', 413, message, limits);
    await expectRejected(await buildTgz(names.map((name) => file(name, chunk))), 'tgz', 413, message, limits);
    expect(
      await inspectArchive(
        await save(await buildZip(names.slice(0, 2).map((name) => ({ name, data: chunk })))),
        'zip',
        limits,
      ),
    ).toHaveLength(2);
  });

  it('does not trust sizes in zip headers', async () => {
    const buffer = await buildZip([{ name: 'liar.bin', data: Buffer.alloc(4 * MiB) }]);
    patchZip(buffer, (_i, central) => buffer.writeUInt32LE(10, central + 24)); // claims 10 bytes
    await expectRejected(buffer, 'zip', 400, /^Not a valid zip archive: too many bytes/);
  });

  it('rejects a zip bomb by its compression ratio, before expanding it', async () => {
    const bomb = await buildZip([{ name: 'zeros.bin', data: Buffer.alloc(50 * MiB) }]);
    expect(bomb.length).toBeLessThan(MiB);
    const error = await expectRejected(
      bomb,
      'zip',
      400,
      /^Archive rejected: compression ratio \d+:1 .*exceeds the limit of 200:1\.$/,
    );
    // Stopped as soon as the ratio passed the limit: the full ratio is about 1000:1.
    const ratio = Number(/ratio (\d+):1/.exec(error.message)?.[1]);
    expect(ratio).toBeGreaterThan(200);
    expect(ratio).toBeLessThan(260);
  });

  it('rejects many moderately compressed entries by the total ratio', async () => {
    // each entry alone is under the 1 MiB threshold; together they are 4 MiB of zeros
    const specs = Array.from({ length: 8 }, (_, i) => ({
      name: `z${i}.bin`,
      data: Buffer.alloc(512 * 1024),
    }));
    await expectRejected(
      await buildZip(specs),
      'zip',
      400,
      /^Archive rejected: compression ratio \d+:1 exceeds the limit of 200:1\.$/,
    );
  });

  it('rejects a tgz bomb by its compression ratio, before expanding it', async () => {
    const bomb = gzipSync(await buildTar([file('zeros.bin', Buffer.alloc(50 * MiB))]));
    expect(bomb.length).toBeLessThan(MiB);
    const error = await expectRejected(
      bomb,
      'tgz',
      400,
      /^Archive rejected: compression ratio \d+:1 exceeds the limit of 200:1\.$/,
    );
    const ratio = Number(/ratio (\d+):1/.exec(error.message)?.[1]);
    expect(ratio).toBeLessThan(260);
  });

  it('accepts a compressible archive below the ratio limit, and small highly compressed ones', async () => {
    const text = Buffer.from(Array.from({ length: 40000 }, (_, i) => `line ${i} of a log file ${i * 7919}\n`).join(''));
    expect(
      await inspectArchive(await save(await buildZip([{ name: 'log.txt', data: text }])), 'zip', LIMITS),
    ).toHaveLength(1);
    expect(
      await inspectArchive(await save(await buildTgz([file('zeros', Buffer.alloc(512 * 1024))])), 'tgz', LIMITS),
    ).toHaveLength(1);
  });

  it('treats 0 as no limit', async () => {
    const none = { maxExpandedBytes: 0, maxEntries: 0, maxCompressionRatio: 0 };
    expect(
      await inspectArchive(
        await save(await buildZip([{ name: 'zeros.bin', data: Buffer.alloc(4 * MiB) }])),
        'zip',
        none,
      ),
    ).toHaveLength(1);
  });
});

describe('extract streams', () => {
  it('hands over a Readable that supports backpressure', async () => {
    const data = randomBytes(2 * MiB);
    const path = await save(await buildTgz([file('big.bin', data), file('after.txt', 'after')]));
    const received: Buffer[] = [];
    await extractArchive(path, 'tgz', async (entry, body) => {
      expect(body).toBeInstanceOf(Readable);
      if (entry.path === 'big.bin') {
        for await (const chunk of body) {
          received.push(chunk as Buffer);
          await new Promise((resolve) => setImmediate(resolve)); // a slow consumer
        }
      } else {
        expect((await collect(body)).toString()).toBe('after');
      }
    });
    expect(Buffer.concat(received).equals(data)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Checksums and name encodings (issue 13)
// ---------------------------------------------------------------------------------------------

/** Writes raw bytes as an entry's name in both zip headers and sets or clears the UTF-8 flag (bit 11). */
function patchZipName(buffer: Buffer, index: number, name: Buffer, utf8Flag: boolean): void {
  patchZip(buffer, (i, central, local) => {
    if (i !== index) return;
    expect(buffer.readUInt16LE(central + 28)).toBe(name.length);
    name.copy(buffer, central + 46);
    name.copy(buffer, local + 30);
    for (const offset of [central + 8, local + 6]) {
      const flags = buffer.readUInt16LE(offset);
      buffer.writeUInt16LE(utf8Flag ? flags | 0x800 : flags & ~0x800, offset);
    }
  });
}

/** Writes raw bytes as the ustar name of the tar's first entry and fixes the header checksum. */
function patchTarName(tar: Buffer, name: Buffer): Buffer {
  const header = tar.subarray(0, 512);
  header.fill(0, 0, 100);
  name.copy(header, 0);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return tar;
}

describe('checksums', () => {
  it('rejects a zip entry whose bytes do not match its CRC-32 (same size, stored)', async () => {
    const buffer = await buildZip([
      { name: 'ok.txt', data: 'fine' },
      { name: 'tampered.txt', data: 'hello world', compress: false },
    ]);
    patchZip(buffer, (i, _central, local) => {
      if (i !== 1) return;
      const data = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
      expect(buffer.subarray(data, data + 5).toString()).toBe('hello');
      buffer.write('HELLO', data);
    });
    await expectRejected(buffer, 'zip', 400, /^Invalid archive: entry "tampered\.txt" is corrupt \(its CRC-32/);
  });

  it('rejects a deflated entry with a wrong CRC-32 in its headers', async () => {
    const buffer = await buildZip([{ name: 'a.txt', data: 'some text '.repeat(50) }]);
    patchZip(buffer, (_i, central, local) => {
      buffer.writeUInt32LE(buffer.readUInt32LE(central + 16) ^ 1, central + 16);
      buffer.writeUInt32LE(buffer.readUInt32LE(local + 14) ^ 1, local + 14);
    });
    await expectRejected(buffer, 'zip', 400, /CRC-32/);
  });

  it('accepts intact entries, stored and deflated, empty included', async () => {
    const path = await save(
      await buildZip([
        { name: 'a.txt', data: 'a'.repeat(10_000) },
        { name: 'b.bin', data: randomBytes(70_000), compress: false },
        { name: 'empty.txt', data: '' },
      ]),
    );
    expect((await inspectArchive(path, 'zip', LIMITS)).map((e) => e.size)).toEqual([10_000, 70_000, 0]);
  });
});

describe('entry names must be UTF-8', () => {
  it('rejects a zip name flagged UTF-8 that is not', async () => {
    const buffer = await buildZip([{ name: 'abc.txt' }]);
    patchZipName(buffer, 0, Buffer.from([0x61, 0xff, 0x63, 0x2e, 0x74, 0x78, 0x74]), true);
    await expectRejected(buffer, 'zip', 400, /^Unsafe archive entry ".*": the name is not valid UTF-8/);
  });

  it('rejects a zip name in a legacy code page (no UTF-8 flag, not ASCII, not UTF-8)', async () => {
    const buffer = await buildZip([{ name: 'caf.txt' }]);
    patchZipName(buffer, 0, Buffer.from([0x63, 0x61, 0x82, 0x2e, 0x74, 0x78, 0x74]), false); // CP437 "caé.txt"
    await expectRejected(buffer, 'zip', 400, /not valid UTF-8/);
  });

  it('accepts ASCII names without the flag, and UTF-8 names without it (macOS), normalised to NFC', async () => {
    const buffer = await buildZip([{ name: 'plain.txt' }, { name: 'cafe\u0301.txt', data: 'nfd' }]);
    patchZipName(buffer, 0, Buffer.from('plain.txt'), false);
    patchZipName(buffer, 1, Buffer.from('cafe\u0301.txt'), false);
    const path = await save(buffer);
    expect((await inspectArchive(path, 'zip', LIMITS)).map((e) => e.path)).toEqual(['plain.txt', 'caf\u00e9.txt']);
    expect([...(await extractAll(path, 'zip')).keys()]).toEqual(['plain.txt', 'caf\u00e9.txt']);
  });

  it('rejects a tar name that is not UTF-8, accepts UTF-8 ones (NFC)', async () => {
    const bad = patchTarName(
      await buildTar([file('abc.txt', 'x')]),
      Buffer.from([0x61, 0xe9, 0x63, 0x2e, 0x74, 0x78, 0x74]),
    );
    await expectRejected(gzipSync(bad), 'tgz', 400, /not valid UTF-8/);
    const good = patchTarName(await buildTar([file('abcdef.txt', 'x')]), Buffer.from('cafe\u0301.txt'));
    const path = await save(gzipSync(good));
    expect((await inspectArchive(path, 'tgz', LIMITS)).map((e) => e.path)).toEqual(['caf\u00e9.txt']);
  });
});
