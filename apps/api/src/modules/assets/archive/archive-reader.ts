import { AssetPathError, lowerPath, parseDecodedPath } from '@stockroom/contracts';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PassThrough, Readable, Transform } from 'node:stream';
import { crc32, createGunzip } from 'node:zlib';
import { extract as tarExtract, Header as TarHeader } from 'tar-stream';
import { Entry as ZipEntry, open as yauzlOpen, ZipFile } from 'yauzl';
import { ArchiveError, displayName } from './archive-error';
import { ArchiveFormat } from './archive-format';

/**
 * Reading untrusted zip/tgz archives for import (spec §2 "Import").
 *
 * {@link inspectArchive} is the complete validation pass: it decompresses every entry (discarding
 * the bytes) so that limits are checked against the real expanded size, never against headers,
 * and it rejects the whole archive on the first problem. {@link extractArchive} then streams the
 * file entries of an archive that passed inspection.
 */

/** Import limits. A value of 0 (or less) disables that limit. */
export interface ArchiveLimits {
  maxExpandedBytes: number;
  maxEntries: number;
  maxCompressionRatio: number;
}

export interface ArchiveManifestEntry {
  /** Normalized: `/`-joined segments, no leading `./` or `/`, case preserved. */
  path: string;
  kind: 'file' | 'dir';
  /** Expanded bytes of a file (0 for a folder). */
  size: number;
  modified?: Date;
}

type EntryKind = ArchiveManifestEntry['kind'];

/** Compression ratios are only judged once this much has been expanded: small archives cannot be bombs. */
const RATIO_THRESHOLD = 1024 * 1024;
/** Allowance per tar entry for headers, pax records and padding, on top of the expanded-size limit. */
const TAR_OVERHEAD_PER_ENTRY = 8 * 1024;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export async function inspectArchive(
  file: string,
  format: ArchiveFormat,
  limits: ArchiveLimits,
): Promise<ArchiveManifestEntry[]> {
  const { size } = await stat(file);
  const manifest = new ManifestBuilder(limits);
  const meter = new ExpansionMeter(limits, size);
  if (format === 'zip') await inspectZip(file, limits, manifest, meter);
  else await inspectTgz(file, manifest, meter);
  return manifest.entries;
}

/**
 * Calls `onFile` for each file entry, in archive order, with a stream of its bytes; the callback
 * consumes the stream before it resolves (what it leaves unread is discarded). Folder entries are
 * not reported. Errors of the archive reject with {@link ArchiveError}; errors of `onFile` reject
 * unchanged.
 */
export async function extractArchive(
  file: string,
  format: ArchiveFormat,
  onFile: (entry: ArchiveManifestEntry, body: Readable) => Promise<void>,
): Promise<void> {
  try {
    if (format === 'zip') await extractZip(file, onFile);
    else await extractTgz(file, onFile);
  } catch (e) {
    throw e instanceof CallbackFailure ? e.error : e;
  }
}

// ---------------------------------------------------------------------------------------------
// Names, kinds and the manifest
// ---------------------------------------------------------------------------------------------

function unsafe(name: string, reason: string): ArchiveError {
  return new ArchiveError(400, `Unsafe archive entry "${displayName(name)}": ${reason}`);
}

/** Validates an entry name against the path rules (spec §1); returns the normalized path, `''` for the root. */
function normalizeEntryName(name: string): string {
  if (name.startsWith('/')) throw unsafe(name, 'absolute paths are not allowed.');
  let rest = name;
  while (rest.startsWith('./')) rest = rest.slice(2).replace(/^\/+/, ''); // tar's habit
  if (rest === '.') rest = '';
  if (/^[A-Za-z]:/.test(rest)) throw unsafe(name, 'absolute paths are not allowed.');
  try {
    return parseDecodedPath(rest).join('/');
  } catch (e) {
    if (e instanceof AssetPathError) throw unsafe(name, e.message.replace(/^Invalid path: /, ''));
    throw e;
  }
}

function tooManyEntries(max: number): ArchiveError {
  return new ArchiveError(413, `Archive rejected: more than ${max} entries.`);
}

function tooLarge(max: number): ArchiveError {
  return new ArchiveError(413, `Archive rejected: the expanded size exceeds the limit of ${formatBytes(max)}.`);
}

function formatBytes(n: number): string {
  const units: [number, string][] = [
    [1024 ** 4, 'TiB'],
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [unit, label] of units) {
    if (n >= unit && n % unit === 0) return `${n / unit} ${label}`;
  }
  return `${n} bytes`;
}

/** Builds the manifest while rejecting duplicates, file/folder conflicts and too many entries. */
class ManifestBuilder {
  readonly entries: ArchiveManifestEntry[] = [];
  private readonly files = new Set<string>();
  private readonly folders = new Set<string>();
  private count = 0;

  constructor(private readonly limits: ArchiveLimits) {}

  countEntry(): void {
    this.count++;
    if (this.limits.maxEntries > 0 && this.count > this.limits.maxEntries) throw tooManyEntries(this.limits.maxEntries);
  }

  get entryCount(): number {
    return this.count;
  }

  add(path: string, kind: EntryKind, modified: Date | undefined): ArchiveManifestEntry {
    const lower = lowerPath(path);
    if (kind === 'file') {
      if (this.files.has(lower)) {
        throw new ArchiveError(
          400,
          `Invalid archive: duplicate entry "${displayName(path)}" (paths are case-insensitive).`,
        );
      }
      if (this.folders.has(lower)) throw conflict(path);
    } else if (this.files.has(lower)) {
      throw conflict(path);
    }
    const segments = path.split('/');
    let prefix = '';
    for (let i = 0; i < segments.length - 1; i++) {
      prefix = i === 0 ? segments[0] : `${prefix}/${segments[i]}`;
      const key = lowerPath(prefix);
      if (this.files.has(key)) throw conflict(prefix);
      this.folders.add(key);
    }
    (kind === 'file' ? this.files : this.folders).add(lower);
    const entry: ArchiveManifestEntry = { path, kind, size: 0 };
    if (modified && !Number.isNaN(modified.getTime())) entry.modified = modified;
    this.entries.push(entry);
    return entry;
  }
}

function conflict(path: string): ArchiveError {
  return new ArchiveError(400, `Invalid archive: "${displayName(path)}" is both a file and a folder.`);
}

/** Counts expanded bytes against the size and compression-ratio limits. */
class ExpansionMeter {
  private declared = 0;
  private payload = 0;
  private stream = 0;

  constructor(
    private readonly limits: ArchiveLimits,
    private readonly archiveSize: number,
  ) {}

  /** Sizes from headers: only used to fail early, as real bytes can never be fewer (sizes are verified). */
  declare(bytes: number): void {
    this.declared += bytes;
    const max = this.limits.maxExpandedBytes;
    if (max > 0 && this.declared > max) throw tooLarge(max);
  }

  /** Real file bytes. `judgeRatio` when these are also what the ratio is measured on (zip). */
  addPayload(bytes: number, judgeRatio: boolean): void {
    this.payload += bytes;
    const max = this.limits.maxExpandedBytes;
    if (max > 0 && this.payload > max) throw tooLarge(max);
    if (judgeRatio) this.checkRatio(this.payload);
  }

  /** Real bytes of the whole decompressed stream (tgz: the tar, headers and padding included). */
  addStream(bytes: number, entries: number): void {
    this.stream += bytes;
    const max = this.limits.maxExpandedBytes;
    if (max > 0 && this.stream > max + (entries + 1) * TAR_OVERHEAD_PER_ENTRY + 64 * 1024) throw tooLarge(max);
    this.checkRatio(this.stream);
  }

  private checkRatio(expanded: number): void {
    const max = this.limits.maxCompressionRatio;
    if (max <= 0 || expanded <= RATIO_THRESHOLD) return;
    const ratio = expanded / Math.max(1, this.archiveSize);
    if (ratio > max) {
      throw new ArchiveError(
        400,
        `Archive rejected: compression ratio ${Math.ceil(ratio)}:1 exceeds the limit of ${max}:1.`,
      );
    }
  }

  checkEntryRatio(name: string, expanded: number, compressed: number): void {
    const max = this.limits.maxCompressionRatio;
    if (max <= 0 || compressed <= 0 || expanded <= RATIO_THRESHOLD) return;
    const ratio = expanded / compressed;
    if (ratio > max) {
      throw new ArchiveError(
        400,
        `Archive rejected: compression ratio ${Math.ceil(ratio)}:1 of entry "${displayName(name)}" exceeds the limit of ${max}:1.`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Stream helpers
// ---------------------------------------------------------------------------------------------

/** Wraps an error thrown by the caller's `onFile`, so that it is passed through untouched. */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

function messageOf(e: unknown): string {
  // Duck-typed: errors of node's core may come from another realm (e.g. under jest).
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(e);
}

/** Short reason of a library error, ending with a punctuation mark: first line only. */
function reasonOf(e: unknown): string {
  const line = (messageOf(e).split('\n')[0] ?? '').trim();
  const shown = displayName(line || 'unreadable data');
  return /[.?!…]$/.test(shown) ? shown : `${shown}.`;
}

/** Errors of the file system itself (not of the archive's content) are server faults and pass through. */
function isSystemError(e: unknown): boolean {
  return typeof (e as { syscall?: unknown } | null)?.syscall === 'string';
}

/** What the reader needs of a stream: node's Readable (zip entries) and streamx's (tar entries) both qualify. */
interface ByteStream {
  on(event: 'data', listener: (chunk: unknown) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(error?: Error): unknown;
}

/** Reads a stream to its end, reporting each chunk; `onChunk` may throw to abort. */
function consume(stream: ByteStream, onChunk?: (chunk: Buffer) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let total = 0;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      if (error === undefined) {
        resolve(total);
      } else {
        stream.destroy();
        reject(error);
      }
    };
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      if (settled) return;
      total += chunk.length;
      try {
        onChunk?.(chunk);
      } catch (e) {
        finish(e);
      }
    });
    stream.on('end', () => finish());
    stream.on('error', (e: unknown) => finish(e ?? new Error('read error')));
    stream.on('close', () => finish(new Error('Unexpected end of data')));
  });
}

/**
 * Hands an entry's stream to the caller's `onFile` through a PassThrough (errors mapped by
 * `mapError`), waits for the callback, then disposes of what was left unread with `discardRest`.
 * A failure of the entry's stream rejects even if the callback never settles.
 */
async function deliver(
  source: ByteStream,
  entry: ArchiveManifestEntry,
  onFile: (entry: ArchiveManifestEntry, body: Readable) => Promise<void>,
  mapError: (e: unknown) => unknown,
  discardRest: (source: ByteStream) => Promise<void>,
): Promise<void> {
  const body = new PassThrough();
  let detached = false;
  let ended = false;
  let failSource: (e: unknown) => void = () => undefined;
  const sourceFailed = new Promise<never>((_resolve, reject) => (failSource = reject));
  sourceFailed.catch(() => undefined);

  source.on('data', (data: unknown) => {
    const chunk = data as Buffer;
    if (detached) return;
    if (!body.write(chunk)) source.pause();
  });
  body.on('drain', () => {
    if (!detached) source.resume();
  });
  source.on('end', () => {
    ended = true;
    if (!detached) body.end();
  });
  source.on('error', (e: unknown) => {
    const mapped = mapError(e);
    body.destroy(mapped as Error);
    failSource(mapped);
  });
  // The callback may destroy its body early; the rest is discarded below.
  body.on('error', () => undefined);

  let callback: Promise<void>;
  try {
    callback = Promise.resolve(onFile(entry, body)).catch((e: unknown) => Promise.reject(new CallbackFailure(e)));
  } catch (e) {
    callback = Promise.reject(new CallbackFailure(e));
  }
  callback.catch(() => undefined);
  try {
    await Promise.race([callback, sourceFailed]);
  } catch (e) {
    detached = true;
    if (!ended) source.destroy(); // the whole extraction fails: release the entry's file handle now
    throw e;
  }
  detached = true;
  if (!ended) await Promise.race([discardRest(source), sourceFailed]);
}

// ---------------------------------------------------------------------------------------------
// zip
// ---------------------------------------------------------------------------------------------

const ZIP_NAME_ERRORS: [RegExp, string][] = [
  [/^invalid characters in fileName: ([\s\S]*)$/, '"\\" is not allowed in a path.'],
  [/^absolute path: ([\s\S]*)$/, 'absolute paths are not allowed.'],
  [/^invalid relative path: ([\s\S]*)$/, '".." is not allowed as a path segment.'],
];

function mapZipError(e: unknown): unknown {
  if (e instanceof ArchiveError || e instanceof CallbackFailure || isSystemError(e)) return e;
  const message = messageOf(e);
  for (const [pattern, reason] of ZIP_NAME_ERRORS) {
    const match = pattern.exec(message);
    if (match) return unsafe(match[1], reason);
  }
  if (/strong encryption/i.test(message)) {
    return new ArchiveError(400, 'Unsupported archive: encrypted entries are not supported.');
  }
  return new ArchiveError(400, `Not a valid zip archive: ${reasonOf(e)}`);
}

function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    // strictFileNames: a backslash is an error, not silently turned into "/".
    yauzlOpen(
      file,
      {
        lazyEntries: true,
        autoClose: true,
        validateEntrySizes: true,
        strictFileNames: true,
        decodeStrings: true,
      },
      (err, zip) => (err || !zip ? reject(mapZipError(err ?? new Error('cannot open'))) : resolve(zip)),
    );
  });
}

function openZipEntry(zip: ZipFile, entry: ZipEntry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) =>
      err || !stream ? reject(mapZipError(err ?? new Error('cannot read'))) : resolve(stream),
    );
  });
}

/** Visits the entries one at a time; the next is read only once `onEntry` resolved. */
function walkZip(zip: ZipFile, onEntry: (entry: ZipEntry) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      zip.close();
      reject(mapZipError(e));
    };
    zip.on('error', fail);
    zip.on('end', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    zip.on('entry', (entry: ZipEntry) => {
      onEntry(entry).then(() => {
        if (!settled) zip.readEntry();
      }, fail);
    });
    zip.readEntry();
  });
}

function zipEntryKind(entry: ZipEntry): EntryKind {
  const name = entry.fileName;
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (type === S_IFLNK) throw unsafe(name, 'symbolic links are not allowed.');
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR)
    throw unsafe(name, 'device files, FIFOs and sockets are not allowed.');
  if (entry.isEncrypted()) {
    throw new ArchiveError(
      400,
      `Unsupported archive entry "${displayName(name)}": encrypted entries are not supported.`,
    );
  }
  if (name.endsWith('/') || type === S_IFDIR) return 'dir';
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw new ArchiveError(
      400,
      `Unsupported archive entry "${displayName(name)}": compression method ${entry.compressionMethod} is not supported (use stored or deflate).`,
    );
  }
  return 'file';
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8, or `undefined` when they are not valid UTF-8. */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

function notUtf8(shown: string): ArchiveError {
  return unsafe(
    shown,
    'the name is not valid UTF-8 (names in a legacy code page are not supported: create the archive with UTF-8 names).',
  );
}

/**
 * The entry's name, decoded: names must be UTF-8. yauzl decodes names as UTF-8 when the entry says
 * so (flag bit 11 or the Info-ZIP Unicode Path field), else as CP437, and turns invalid bytes into
 * U+FFFD; both hide what the archive really holds, so the raw bytes are judged here. Without the
 * flag, pure ASCII is the same in every code page, and valid UTF-8 is taken as UTF-8 (macOS and many
 * tools write it without the flag); anything else would be a guess, and is refused.
 */
function zipEntryName(entry: ZipEntry): string {
  const raw = (entry as ZipEntry & { fileNameRaw?: Buffer }).fileNameRaw;
  if (!raw) return entry.fileName;
  const unicodePath = entry.extraFields.find(
    (f) => f.id === 0x7075 && f.data.length >= 6 && f.data.readUInt8(0) === 1 && f.data.readUInt32LE(1) === crc32(raw),
  );
  if (unicodePath) {
    if (utf8(unicodePath.data.subarray(5)) === undefined) throw notUtf8(entry.fileName);
    return entry.fileName;
  }
  const decoded = utf8(raw);
  if (decoded === undefined) throw notUtf8(entry.fileName);
  if ((entry.generalPurposeBitFlag & 0x800) !== 0) return entry.fileName;
  return decoded;
}

/** Kind and normalized path of an entry; `null` for an entry naming the root folder itself. */
function describeZipEntry(entry: ZipEntry): { kind: EntryKind; path: string } | null {
  const kind = zipEntryKind(entry);
  const path = normalizeEntryName(zipEntryName(entry));
  if (path === '') {
    if (kind === 'dir') return null;
    throw unsafe(entry.fileName, 'a file entry needs a name.');
  }
  return { kind, path };
}

function zipModified(entry: ZipEntry): Date | undefined {
  try {
    return entry.getLastModDate();
  } catch {
    return undefined;
  }
}

async function inspectZip(
  file: string,
  limits: ArchiveLimits,
  manifest: ManifestBuilder,
  meter: ExpansionMeter,
): Promise<void> {
  const zip = await openZip(file);
  const max = limits.maxEntries;
  if (max > 0 && zip.entryCount > max) {
    zip.close();
    throw tooManyEntries(max);
  }
  await walkZip(zip, async (entry) => {
    manifest.countEntry();
    const described = describeZipEntry(entry);
    if (!described) return;
    const item = manifest.add(described.path, described.kind, zipModified(entry));
    if (described.kind === 'dir') return;
    meter.declare(entry.uncompressedSize);
    const stream = await openZipEntry(zip, entry);
    let bytes = 0;
    let crc = 0;
    await consume(stream, (chunk) => {
      bytes += chunk.length;
      crc = crc32(chunk, crc);
      meter.addPayload(chunk.length, true);
      meter.checkEntryRatio(entry.fileName, bytes, entry.compressedSize);
    });
    // yauzl checks sizes, not checksums: a corrupt (or tampered) entry fails the whole import.
    if (crc !== entry.crc32) {
      throw new ArchiveError(
        400,
        `Invalid archive: entry "${displayName(entry.fileName)}" is corrupt (its CRC-32 does not match its content).`,
      );
    }
    item.size = bytes;
  });
}

async function extractZip(
  file: string,
  onFile: (entry: ArchiveManifestEntry, body: Readable) => Promise<void>,
): Promise<void> {
  const zip = await openZip(file);
  await walkZip(zip, async (entry) => {
    const described = describeZipEntry(entry);
    if (!described || described.kind === 'dir') return;
    const item: ArchiveManifestEntry = {
      path: described.path,
      kind: 'file',
      size: entry.uncompressedSize,
    };
    const modified = zipModified(entry);
    if (modified && !Number.isNaN(modified.getTime())) item.modified = modified;
    const stream = await openZipEntry(zip, entry);
    await deliver(stream, item, onFile, mapZipError, async (source) => {
      source.destroy(); // random access: no need to read the rest
    });
  });
}

// ---------------------------------------------------------------------------------------------
// tgz
// ---------------------------------------------------------------------------------------------

function mapTarError(e: unknown): unknown {
  if (e instanceof ArchiveError || e instanceof CallbackFailure || isSystemError(e)) return e;
  return new ArchiveError(400, `Not a valid tgz archive: ${reasonOf(e)}`);
}

/**
 * Runs file → gunzip → tar extract; `onEntry` must consume (or drain) the entry's stream, and the
 * next entry is parsed only once it resolved. `onStreamBytes` sees every decompressed byte.
 */
function walkTgz(
  file: string,
  onEntry: (header: TarHeader, stream: ByteStream) => Promise<void>,
  onStreamBytes?: (bytes: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const source = createReadStream(file);
    const gunzip = createGunzip();
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        try {
          onStreamBytes?.(chunk.length);
          done(null, chunk);
        } catch (e) {
          done(e as Error);
        }
      },
    });
    // latin1: one character per byte, so that names can be checked for valid UTF-8 (tarEntryName).
    const extract = tarExtract({ filenameEncoding: 'latin1' } as Parameters<typeof tarExtract>[0]);
    let settled = false;
    let finished = false;
    let pending: Promise<void> = Promise.resolve();
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      source.destroy();
      gunzip.destroy();
      meter.destroy();
      extract.destroy();
      reject(mapTarError(e));
    };
    source.on('error', fail);
    gunzip.on('error', fail);
    meter.on('error', fail);
    extract.on('error', fail);
    extract.on('entry', (header: TarHeader, stream: ByteStream, next: (error?: Error) => void) => {
      pending = onEntry(header, stream).then(
        () => {
          if (!settled) next();
        },
        (e: unknown) => fail(e),
      );
    });
    extract.on('finish', () => {
      finished = true;
      void pending.then(() => {
        if (settled) return;
        settled = true;
        resolve();
      });
    });
    extract.on('close', () => {
      if (!finished) void pending.then(() => fail(new Error('Unexpected end of data')));
    });
    source.pipe(gunzip).pipe(meter).pipe(extract);
  });
}

function tarEntryKind(header: TarHeader, name: string): EntryKind {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      throw unsafe(name, 'symbolic links are not allowed.');
    case 'link':
      throw unsafe(name, 'hard links are not allowed.');
    case 'character-device':
    case 'block-device':
    case 'fifo':
      throw unsafe(name, 'device files and FIFOs are not allowed.');
    default:
      throw new ArchiveError(
        400,
        `Unsupported archive entry "${displayName(name)}": this kind of tar entry is not supported.`,
      );
  }
}

/**
 * The entry's name, decoded: names must be UTF-8. Names from the ustar header or a GNU long name are
 * read as latin1 (see walkTgz), so their raw bytes can be judged; a pax `path` is UTF-8 by definition,
 * and tar-stream has already turned invalid bytes in it into U+FFFD.
 */
function tarEntryName(header: TarHeader): string {
  if (typeof (header.pax as { path?: unknown } | undefined)?.path === 'string') {
    if (header.name.includes('\ufffd')) throw notUtf8(header.name);
    return header.name;
  }
  const decoded = utf8(Buffer.from(header.name, 'latin1'));
  if (decoded === undefined) throw notUtf8(header.name);
  return decoded;
}

function describeTarEntry(header: TarHeader): { kind: EntryKind; path: string } | null {
  const name = tarEntryName(header);
  const kind = tarEntryKind(header, name);
  const path = normalizeEntryName(name);
  if (path === '') {
    if (kind === 'dir') return null;
    throw unsafe(name, 'a file entry needs a name.');
  }
  return { kind, path };
}

async function inspectTgz(file: string, manifest: ManifestBuilder, meter: ExpansionMeter): Promise<void> {
  await walkTgz(
    file,
    async (header, stream) => {
      manifest.countEntry();
      const described = describeTarEntry(header);
      if (!described || described.kind === 'dir') {
        if (described) manifest.add(described.path, 'dir', header.mtime);
        await consume(stream);
        return;
      }
      const item = manifest.add(described.path, 'file', header.mtime);
      meter.declare(header.size ?? 0);
      item.size = await consume(stream, (chunk) => meter.addPayload(chunk.length, false));
    },
    (n) => meter.addStream(n, manifest.entryCount),
  );
}

async function extractTgz(
  file: string,
  onFile: (entry: ArchiveManifestEntry, body: Readable) => Promise<void>,
): Promise<void> {
  await walkTgz(file, async (header, stream) => {
    const described = describeTarEntry(header);
    if (!described || described.kind === 'dir') {
      await consume(stream);
      return;
    }
    const item: ArchiveManifestEntry = {
      path: described.path,
      kind: 'file',
      size: header.size ?? 0,
    };
    if (header.mtime && !Number.isNaN(header.mtime.getTime())) item.modified = header.mtime;
    await deliver(stream, item, onFile, mapTarError, async (source) => {
      // tar is sequential: the rest must be read through to reach the next entry.
      const rest = consume(source);
      source.resume();
      await rest;
    });
  });
}
