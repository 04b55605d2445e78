import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { StorageError, StorageErrorCode } from '../lib/storage-error';
import type { PartDescriptor, PendingUpload, StorageProvider, StoredObject } from '../lib/storage-provider';

export interface StorageContractFixture {
  provider: StorageProvider;
  cleanup: () => Promise<void>;
}

export interface StorageContractOptions {
  /**
   * Tests a test double cannot pass although the real backend does, with the reason (printed
   * in the skipped test's name). Never for a limitation of the provider itself.
   */
  backendLimitations?: {
    /** The emulator writes concurrent PUTs of one key into the same file (s3rver). */
    concurrentWritesToOneKey?: string;
  };
}

const MiB = 1024 * 1024;
/** S3 refuses parts under 5 MiB (the last excepted), so the suite uses that size everywhere. */
const PART = 5 * MiB;

// ---- helpers, exported for provider-specific specs -------------------------------------------

export function bodyOf(data: Buffer | string, chunkSize = 64 * 1024): Readable {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunkSize) chunks.push(buf.subarray(i, i + chunkSize));
  return Readable.from(chunks, { objectMode: false });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

export async function readObject(provider: StorageProvider, key: string): Promise<Buffer> {
  return readAll(await provider.read(key));
}

export async function listKeys(provider: StorageProvider, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const obj of provider.list(prefix)) keys.push(obj.key);
  return keys.sort();
}

export async function listUploads(provider: StorageProvider): Promise<PendingUpload[]> {
  const uploads: PendingUpload[] = [];
  for await (const upload of provider.listUploads()) uploads.push(upload);
  return uploads;
}

/** A stream that sends `prefix` and then fails (as when a client connection breaks). */
export function failingBody(prefix: Buffer, error = new Error('client went away')): Readable {
  async function* gen() {
    yield prefix;
    await new Promise((r) => setTimeout(r, 5));
    throw error;
  }
  return Readable.from(gen(), { objectMode: false });
}

/** A stream that sends `prefix` and is then destroyed without an error (a client abort). */
export function abortedBody(prefix: Buffer): Readable {
  const stream = new Readable({
    read() {
      // data is pushed up front; nothing to do on demand
    },
  });
  stream.push(prefix);
  setTimeout(() => stream.destroy(), 5);
  return stream;
}

/** Expects the promise to reject with a StorageError (optionally with the given code). */
export async function expectStorageError(promise: Promise<unknown>, code?: StorageErrorCode): Promise<StorageError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(StorageError);
  const err = caught as StorageError;
  if (code !== undefined) expect(err.code).toBe(code);
  expect(err.message).not.toMatch(/\n\s+at /); // never a stack in the message
  return err;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const bytes = (size: number): Buffer => randomBytes(size);

// ---- the suite ------------------------------------------------------------------------------

/**
 * Defines the behaviour every StorageProvider must have. Call it inside a spec file; `setup`
 * runs once for the block, and every test works under its own random key prefix, so a shared
 * bucket or folder is fine.
 */
export function describeStorageProviderContract(
  name: string,
  setup: () => Promise<StorageContractFixture>,
  options: StorageContractOptions = {},
): void {
  const concurrentWritesLimit = options.backendLimitations?.concurrentWritesToOneKey;
  describe(`StorageProvider contract: ${name}`, () => {
    let fixture: StorageContractFixture | undefined;
    let provider: StorageProvider;
    let ns: string;

    beforeAll(async () => {
      fixture = await setup();
      provider = fixture.provider;
    });

    afterAll(async () => {
      await fixture?.cleanup();
    });

    /** A key under a namespace unique to the calling test. */
    const k = (rest: string) => `${ns}/${rest}`;
    const freshNamespace = () => {
      ns = `contract-${randomBytes(6).toString('hex')}`;
    };

    describe('write and read', () => {
      it('round-trips binary bytes and reports the size', async () => {
        freshNamespace();
        const data = Buffer.from([0, 1, 2, 255, 254, 0, 10, 13, 0x80, 0x7f]);
        const result = await provider.write(k('bin'), bodyOf(data));
        expect(result.size).toBe(data.length);
        expect(await readObject(provider, k('bin'))).toEqual(data);
      });

      it('stores a 0-byte object', async () => {
        freshNamespace();
        const result = await provider.write(k('empty'), bodyOf(Buffer.alloc(0)));
        expect(result.size).toBe(0);
        expect((await readObject(provider, k('empty'))).length).toBe(0);
        expect((await provider.stat(k('empty')))?.size).toBe(0);
      });

      it('streams a ~20 MiB object from a generator, byte for byte', async () => {
        freshNamespace();
        const hash = createHash('sha256');
        let total = 0;
        async function* gen() {
          for (let i = 0; i < 321; i++) {
            const chunk = randomBytes(i === 320 ? 12345 : 64 * 1024);
            hash.update(chunk);
            total += chunk.length;
            yield chunk;
          }
        }
        const result = await provider.write(k('big'), Readable.from(gen(), { objectMode: false }));
        const expected = hash.digest('hex');
        expect(result.size).toBe(total);
        expect(total).toBeGreaterThan(20 * MiB);

        const readHash = createHash('sha256');
        let readTotal = 0;
        for await (const chunk of await provider.read(k('big'))) {
          readHash.update(chunk as Buffer);
          readTotal += (chunk as Buffer).length;
        }
        expect(readTotal).toBe(total);
        expect(readHash.digest('hex')).toBe(expected);
        expect((await provider.stat(k('big')))?.size).toBe(total);
      }, 60_000);

      it('overwriting a key replaces the object', async () => {
        freshNamespace();
        await provider.write(k('obj'), bodyOf('first version, longer than the second'));
        const result = await provider.write(k('obj'), bodyOf('second'));
        expect(result.size).toBe(6);
        expect((await readObject(provider, k('obj'))).toString()).toBe('second');
        expect((await provider.stat(k('obj')))?.size).toBe(6);
        expect(await listKeys(provider, `${ns}/`)).toEqual([k('obj')]);
      });

      (concurrentWritesLimit ? it.skip : it)(
        `concurrent writes to one key leave one complete version${concurrentWritesLimit ? ` (skipped: ${concurrentWritesLimit})` : ''}`,
        async () => {
          freshNamespace();
          const a = bytes(300 * 1024);
          const b = bytes(200 * 1024);
          await Promise.all([provider.write(k('race'), bodyOf(a)), provider.write(k('race'), bodyOf(b))]);
          const got = sha256(await readObject(provider, k('race')));
          expect([sha256(a), sha256(b)]).toContain(got);
        },
      );

      it('reading a missing key fails with NotFound', async () => {
        freshNamespace();
        await expectStorageError(provider.read(k('missing')), StorageErrorCode.NotFound);
      });

      it('a key that is only a folder of other keys is not an object', async () => {
        freshNamespace();
        await provider.write(k('dir/child'), bodyOf('x'));
        await expectStorageError(provider.read(k('dir')), StorageErrorCode.NotFound);
        expect(await provider.stat(k('dir'))).toBeNull();
        await provider.delete(k('dir'));
        expect((await readObject(provider, k('dir/child'))).toString()).toBe('x');
      });
    });

    describe('range reads (inclusive)', () => {
      const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');

      it('returns the start, middle, last byte and the whole object', async () => {
        freshNamespace();
        await provider.write(k('r'), bodyOf(data));
        const range = async (start: number, end: number) =>
          (await readAll(await provider.read(k('r'), { start, end }))).toString();
        expect(await range(0, 9)).toBe('0123456789');
        expect(await range(10, 15)).toBe('abcdef');
        expect(await range(data.length - 1, data.length - 1)).toBe('z');
        expect(await range(0, 0)).toBe('0');
        expect(await range(0, data.length - 1)).toBe(data.toString());
      });

      it('a range of a large object crossing internal chunk boundaries', async () => {
        freshNamespace();
        const big = bytes(3 * MiB + 17);
        await provider.write(k('big'), bodyOf(big));
        const start = MiB - 5;
        const end = 2 * MiB + 3;
        const got = await readAll(await provider.read(k('big'), { start, end }));
        expect(got.equals(big.subarray(start, end + 1))).toBe(true);
      });

      it('a range read of a missing key fails with NotFound', async () => {
        freshNamespace();
        await expectStorageError(provider.read(k('missing'), { start: 0, end: 1 }), StorageErrorCode.NotFound);
      });
    });

    describe('stat, delete, list', () => {
      it('stat gives the size, and null for a missing key', async () => {
        freshNamespace();
        await provider.write(k('s'), bodyOf(Buffer.alloc(1234, 7)));
        const st = await provider.stat(k('s'));
        expect(st).toMatchObject({ key: k('s'), size: 1234 });
        expect(await provider.stat(k('nope'))).toBeNull();
      });

      it('delete removes the object; deleting a missing key succeeds', async () => {
        freshNamespace();
        await provider.write(k('d'), bodyOf('bye'));
        await provider.delete(k('d'));
        await expectStorageError(provider.read(k('d')), StorageErrorCode.NotFound);
        expect(await provider.stat(k('d'))).toBeNull();
        await expect(provider.delete(k('d'))).resolves.toBeUndefined();
        await expect(provider.delete(k('never/existed'))).resolves.toBeUndefined();
      });

      it('list(prefix) yields exactly the objects whose key starts with the prefix', async () => {
        freshNamespace();
        const keys = ['a/1', 'a/2', 'ab/3', 'ab/c/4', 'b/5', 'top'].map(k);
        for (const key of keys) await provider.write(key, bodyOf(key));

        expect(await listKeys(provider, `${ns}/`)).toEqual([...keys].sort());
        expect(await listKeys(provider, k('a/'))).toEqual([k('a/1'), k('a/2')]);
        expect(await listKeys(provider, k('a'))).toEqual([k('a/1'), k('a/2'), k('ab/3'), k('ab/c/4')].sort());
        expect(await listKeys(provider, k('ab/c'))).toEqual([k('ab/c/4')]);
        expect(await listKeys(provider, k('t'))).toEqual([k('top')]);
        expect(await listKeys(provider, k('zzz/'))).toEqual([]);
        expect(await listKeys(provider, `${ns}-other/`)).toEqual([]);

        const listed: StoredObject[] = [];
        for await (const obj of provider.list(k('ab/'))) listed.push(obj);
        expect(listed.find((o) => o.key === k('ab/3'))?.size).toBe(k('ab/3').length);
      });
    });

    describe('failed writes', () => {
      it('a body that errors midway rejects and leaves the previous object intact', async () => {
        freshNamespace();
        await provider.write(k('keep'), bodyOf('the original'));
        const err = await expectStorageError(provider.write(k('keep'), failingBody(bytes(256 * 1024))));
        expect(err.code).toBe(StorageErrorCode.Aborted);
        expect((await readObject(provider, k('keep'))).toString()).toBe('the original');
        expect(await listKeys(provider, `${ns}/`)).toEqual([k('keep')]);
      });

      it('a body destroyed without an error (client abort) rejects with Aborted', async () => {
        freshNamespace();
        await provider.write(k('keep'), bodyOf('the original'));
        await expectStorageError(provider.write(k('keep'), abortedBody(bytes(100 * 1024))), StorageErrorCode.Aborted);
        expect((await readObject(provider, k('keep'))).toString()).toBe('the original');
        expect(await listKeys(provider, `${ns}/`)).toEqual([k('keep')]);
      });

      it('a failed first write leaves no object', async () => {
        freshNamespace();
        await expectStorageError(provider.write(k('new'), failingBody(bytes(1024))));
        expect(await provider.stat(k('new'))).toBeNull();
        expect(await listKeys(provider, `${ns}/`)).toEqual([]);
      });
    });

    describe('invalid keys', () => {
      const invalid = ['../x', 'a//b', '/abs', 'a/./b', '', 'a/../b', 'a/', '.hidden', 'a b'];

      it.each(invalid)('rejects %j with InvalidKey everywhere', async (key) => {
        await expectStorageError(provider.write(key, bodyOf('x')), StorageErrorCode.InvalidKey);
        await expectStorageError(provider.read(key), StorageErrorCode.InvalidKey);
        await expectStorageError(provider.stat(key), StorageErrorCode.InvalidKey);
        await expectStorageError(provider.delete(key), StorageErrorCode.InvalidKey);
        await expectStorageError(provider.createMultipart(key, 10), StorageErrorCode.InvalidKey);
      });
    });

    describe('multipart uploads', () => {
      /** Three parts: two full ones and a short last one. */
      const layout = (data: Buffer): PartDescriptor[] => {
        const parts: PartDescriptor[] = [];
        for (let offset = 0, index = 0; offset < data.length; offset += PART, index++) {
          parts.push({
            index,
            offset,
            size: Math.min(PART, data.length - offset),
          });
        }
        return parts;
      };
      const slice = (data: Buffer, p: PartDescriptor) => data.subarray(p.offset, p.offset + p.size);

      it('parts written out of order and in parallel assemble into the exact bytes', async () => {
        freshNamespace();
        const data = bytes(2 * PART + 123_457);
        const parts = layout(data);
        expect(parts).toHaveLength(3);
        const uploadId = await provider.createMultipart(k('mp'), data.length);
        expect(typeof uploadId).toBe('string');

        const order = [2, 0, 1];
        const stored = await Promise.all(
          order.map((i) => provider.writePart(k('mp'), uploadId, parts[i], bodyOf(slice(data, parts[i])))),
        );
        for (const [n, i] of order.entries()) {
          expect(stored[n]).toMatchObject({
            index: parts[i].index,
            offset: parts[i].offset,
            size: parts[i].size,
          });
        }

        // Nothing is visible before completion.
        expect(await provider.stat(k('mp'))).toBeNull();
        await expectStorageError(provider.read(k('mp')), StorageErrorCode.NotFound);
        expect(await listKeys(provider, `${ns}/`)).toEqual([]);

        const byIndex = new Map(stored.map((p) => [p.index, p]));
        await provider.completeMultipart(
          k('mp'),
          uploadId,
          parts.map((p) => byIndex.get(p.index) as PartDescriptor),
        );
        const got = await readObject(provider, k('mp'));
        expect(got.length).toBe(data.length);
        expect(sha256(got)).toBe(sha256(data));
        expect((await provider.stat(k('mp')))?.size).toBe(data.length);
        expect(await listKeys(provider, `${ns}/`)).toEqual([k('mp')]);
      }, 60_000);

      it('completing replaces an existing object under the key', async () => {
        freshNamespace();
        await provider.write(k('mp'), bodyOf('old'));
        const data = bytes(1000);
        const uploadId = await provider.createMultipart(k('mp'), data.length);
        const part = await provider.writePart(
          k('mp'),
          uploadId,
          { index: 0, offset: 0, size: data.length },
          bodyOf(data),
        );
        expect((await readObject(provider, k('mp'))).toString()).toBe('old');
        await provider.completeMultipart(k('mp'), uploadId, [part]);
        expect((await readObject(provider, k('mp'))).equals(data)).toBe(true);
      });

      it('re-sending a part replaces it', async () => {
        freshNamespace();
        const data = bytes(PART + 1000);
        const parts = layout(data);
        const uploadId = await provider.createMultipart(k('mp'), data.length);
        await provider.writePart(k('mp'), uploadId, parts[0], bodyOf(Buffer.alloc(PART, 0xee)));
        const p1 = await provider.writePart(k('mp'), uploadId, parts[1], bodyOf(slice(data, parts[1])));
        const p0 = await provider.writePart(k('mp'), uploadId, parts[0], bodyOf(slice(data, parts[0])));
        await provider.completeMultipart(k('mp'), uploadId, [p0, p1]);
        expect(sha256(await readObject(provider, k('mp')))).toBe(sha256(data));
      }, 60_000);

      it('parts smaller than 5 MiB, mixed with larger ones, in any order, assemble exactly', async () => {
        freshNamespace();
        // Small runs before large parts, a tiny part between large ones, a 1-byte part, a short last part.
        const sizes = [MiB, 3, PART + 1, 2 * MiB, 1, PART, 700 * 1024, 6 * MiB, 17];
        const data = bytes(sizes.reduce((s, n) => s + n, 0));
        const parts: PartDescriptor[] = [];
        let offset = 0;
        sizes.forEach((size, index) => {
          parts.push({ index, offset, size });
          offset += size;
        });
        const uploadId = await provider.createMultipart(k('mixed'), data.length);
        const order = [7, 1, 8, 0, 4, 3, 6, 2, 5];
        const stored = await Promise.all(
          order.map((i) => provider.writePart(k('mixed'), uploadId, parts[i], bodyOf(slice(data, parts[i])))),
        );
        expect(await provider.stat(k('mixed'))).toBeNull();
        await provider.completeMultipart(k('mixed'), uploadId, stored);
        const got = await readObject(provider, k('mixed'));
        expect(got.length).toBe(data.length);
        expect(sha256(got)).toBe(sha256(data));
        expect(await listKeys(provider, `${ns}/`)).toEqual([k('mixed')]);
      }, 60_000);

      it('many small parts (64 KiB) sent in reverse order; a small part re-sent replaces it', async () => {
        freshNamespace();
        const size = 64 * 1024;
        const data = bytes(40 * size + 5);
        const parts = Array.from({ length: 41 }, (_, index) => ({
          index,
          offset: index * size,
          size: Math.min(size, data.length - index * size),
        }));
        const uploadId = await provider.createMultipart(k('small'), data.length);
        await provider.writePart(k('small'), uploadId, parts[3], bodyOf(Buffer.alloc(size, 0xee)));
        const stored: PartDescriptor[] = [];
        for (let i = parts.length - 1; i >= 0; i -= 8) {
          const batch = parts.slice(Math.max(0, i - 7), i + 1);
          stored.push(
            ...(await Promise.all(
              batch.map((p) => provider.writePart(k('small'), uploadId, p, bodyOf(slice(data, p)))),
            )),
          );
        }
        await provider.completeMultipart(k('small'), uploadId, stored);
        expect(sha256(await readObject(provider, k('small')))).toBe(sha256(data));
        const range = await readAll(await provider.read(k('small'), { start: size - 2, end: 3 * size + 1 }));
        expect(range.equals(data.subarray(size - 2, 3 * size + 2))).toBe(true);
      }, 60_000);

      it('a part with fewer or more bytes than declared fails with SizeMismatch', async () => {
        freshNamespace();
        const data = bytes(4000);
        const uploadId = await provider.createMultipart(k('mp'), data.length);
        const part = { index: 0, offset: 0, size: data.length };
        await expectStorageError(
          provider.writePart(k('mp'), uploadId, part, bodyOf(data.subarray(0, 3999))),
          StorageErrorCode.SizeMismatch,
        );
        await expectStorageError(
          provider.writePart(k('mp'), uploadId, part, bodyOf(Buffer.concat([data, data]))),
          StorageErrorCode.SizeMismatch,
        );
        // The upload is still usable: a correct re-send completes it.
        const ok = await provider.writePart(k('mp'), uploadId, part, bodyOf(data));
        await provider.completeMultipart(k('mp'), uploadId, [ok]);
        expect((await readObject(provider, k('mp'))).equals(data)).toBe(true);
      });

      it('a part body that errors midway rejects with Aborted', async () => {
        freshNamespace();
        const uploadId = await provider.createMultipart(k('mp'), 200 * 1024);
        await expectStorageError(
          provider.writePart(
            k('mp'),
            uploadId,
            { index: 0, offset: 0, size: 200 * 1024 },
            failingBody(bytes(100 * 1024)),
          ),
          StorageErrorCode.Aborted,
        );
        await provider.abortMultipart(k('mp'), uploadId);
      });

      it('completion with a missing part rejects and creates nothing', async () => {
        freshNamespace();
        const data = bytes(2 * PART + 10);
        const parts = layout(data);
        const uploadId = await provider.createMultipart(k('mp'), data.length);
        const p0 = await provider.writePart(k('mp'), uploadId, parts[0], bodyOf(slice(data, parts[0])));
        const p2 = await provider.writePart(k('mp'), uploadId, parts[2], bodyOf(slice(data, parts[2])));

        // A gap in the list.
        await expectStorageError(
          provider.completeMultipart(k('mp'), uploadId, [p0, p2]),
          StorageErrorCode.SizeMismatch,
        );
        // Listed, but never stored.
        await expectStorageError(provider.completeMultipart(k('mp'), uploadId, [p0, parts[1], p2]));
        expect(await provider.stat(k('mp'))).toBeNull();

        // Sending the missing part then completes.
        const p1 = await provider.writePart(k('mp'), uploadId, parts[1], bodyOf(slice(data, parts[1])));
        await provider.completeMultipart(k('mp'), uploadId, [p0, p1, p2]);
        expect(sha256(await readObject(provider, k('mp')))).toBe(sha256(data));
      }, 60_000);

      it('abort discards the upload; the object never appears; abort is idempotent', async () => {
        freshNamespace();
        const data = bytes(1024);
        const uploadId = await provider.createMultipart(k('mp'), data.length);
        const part = await provider.writePart(
          k('mp'),
          uploadId,
          { index: 0, offset: 0, size: data.length },
          bodyOf(data),
        );
        await provider.abortMultipart(k('mp'), uploadId);
        await expect(provider.abortMultipart(k('mp'), uploadId)).resolves.toBeUndefined();
        expect(await provider.stat(k('mp'))).toBeNull();
        await expectStorageError(provider.completeMultipart(k('mp'), uploadId, [part]));
        expect(await provider.stat(k('mp'))).toBeNull();
        expect(await listKeys(provider, `${ns}/`)).toEqual([]);
      });

      it('an unknown upload id fails with NotFound', async () => {
        freshNamespace();
        const unknown = randomBytes(16).toString('hex');
        await expectStorageError(
          provider.writePart(k('mp'), unknown, { index: 0, offset: 0, size: 1 }, bodyOf('x')),
          StorageErrorCode.NotFound,
        );
        await expectStorageError(
          provider.completeMultipart(k('mp'), unknown, [{ index: 0, offset: 0, size: 1 }]),
          StorageErrorCode.NotFound,
        );
      });
    });

    describe('listing multipart uploads (for a janitor)', () => {
      const MINUTE = 60_000;

      it('lists an open upload with its key and start time, but not completed or aborted ones', async () => {
        freshNamespace();
        const open = await provider.createMultipart(k('open'), 10);
        await provider.writePart(k('open'), open, { index: 0, offset: 0, size: 4 }, bodyOf('abcd'));
        const done = await provider.createMultipart(k('done'), 3);
        const part = await provider.writePart(k('done'), done, { index: 0, offset: 0, size: 3 }, bodyOf('abc'));
        await provider.completeMultipart(k('done'), done, [part]);
        const aborted = await provider.createMultipart(k('aborted'), 3);
        await provider.writePart(k('aborted'), aborted, { index: 0, offset: 0, size: 3 }, bodyOf('abc'));
        await provider.abortMultipart(k('aborted'), aborted);

        const uploads = await listUploads(provider);
        const ids = uploads.map((u) => u.uploadId);
        expect(new Set(ids).size).toBe(ids.length); // each upload once
        expect(ids).not.toContain(done);
        expect(ids).not.toContain(aborted);
        const mine = uploads.filter((u) => u.key?.startsWith(`${ns}/`));
        expect(mine).toHaveLength(1);
        expect(mine[0]).toMatchObject({ uploadId: open, key: k('open') });
        expect(mine[0].startedAt).toBeInstanceOf(Date);
        expect(Math.abs(mine[0].startedAt.getTime() - Date.now())).toBeLessThan(MINUTE);

        await provider.abortMultipart(k('open'), open);
      });

      it('abortMultipart with a listed id removes the upload and everything it stored', async () => {
        freshNamespace();
        const objectsBefore = await listKeys(provider, '');
        const uploadsBefore = (await listUploads(provider)).map((u) => u.uploadId).sort();
        const uploadId = await provider.createMultipart(k('gone'), 2000);
        await provider.writePart(k('gone'), uploadId, { index: 1, offset: 1000, size: 1000 }, bodyOf(bytes(1000)));
        await provider.writePart(k('gone'), uploadId, { index: 0, offset: 0, size: 1000 }, bodyOf(bytes(1000)));

        const listed = (await listUploads(provider)).find((u) => u.uploadId === uploadId);
        expect(listed).toBeDefined();
        const { key, uploadId: id } = listed as PendingUpload;
        expect(key).toBe(k('gone'));
        // '' stands for an upload listed without a key: one with a key is left alone.
        await provider.abortMultipart('', id);
        expect((await listUploads(provider)).map((u) => u.uploadId)).toContain(id);

        await provider.abortMultipart(key ?? '', id);
        expect((await listUploads(provider)).map((u) => u.uploadId).sort()).toEqual(uploadsBefore);
        await expectStorageError(
          provider.writePart(k('gone'), id, { index: 0, offset: 0, size: 1 }, bodyOf('x')),
          StorageErrorCode.NotFound,
        );
        expect(await provider.stat(k('gone'))).toBeNull();
        expect(await listKeys(provider, '')).toEqual(objectsBefore);
        await expect(provider.abortMultipart(key ?? '', id)).resolves.toBeUndefined();
      });
    });

    describe('health', () => {
      it('checkHealth resolves', async () => {
        await expect(provider.checkHealth()).resolves.toBeUndefined();
      });
    });
  });
}
