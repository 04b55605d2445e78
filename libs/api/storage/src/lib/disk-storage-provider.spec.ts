import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  abortedBody,
  bodyOf,
  describeStorageProviderContract,
  expectStorageError,
  failingBody,
  listKeys,
  listUploads,
  readObject,
} from '../testing';
import { DiskStorageProvider } from './disk-storage-provider';
import { LocalFileReadable } from './local-file-readable';
import { ownedTempName } from './temp-files';
import { StorageErrorCode } from './storage-error';

const MiB = 1024 * 1024;

async function makeRoot(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'stockroom-storage-'));
}

describeStorageProviderContract('disk', async () => {
  const root = await makeRoot();
  return {
    provider: new DiskStorageProvider(root),
    cleanup: () => fsp.rm(root, { recursive: true, force: true }),
  };
});

describe('DiskStorageProvider (disk specifics)', () => {
  let root: string;
  let provider: DiskStorageProvider;

  beforeEach(async () => {
    root = await makeRoot();
    provider = new DiskStorageProvider(root);
  });

  afterEach(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  const tmpFiles = async () => fsp.readdir(path.join(root, '.tmp')).catch(() => [] as string[]);

  it('stores a key as a file under the root', async () => {
    await provider.write('blobs/ab/cd/abcd', bodyOf('hello'));
    expect(await fsp.readFile(path.join(root, 'blobs/ab/cd/abcd'), 'utf8')).toBe('hello');
    expect(await tmpFiles()).toEqual([]);
  });

  it('leaves no temp file after an aborted or failed write', async () => {
    await provider.write('k/obj', bodyOf('original'));
    await expectStorageError(
      provider.write('k/obj', failingBody(Buffer.alloc(512 * 1024, 1))),
      StorageErrorCode.Aborted,
    );
    await expectStorageError(
      provider.write('k/obj', abortedBody(Buffer.alloc(512 * 1024, 2))),
      StorageErrorCode.Aborted,
    );
    expect(await tmpFiles()).toEqual([]);
    expect((await readObject(provider, 'k/obj')).toString()).toBe('original');
  });

  it('stores every byte of a write longer than the background flush interval (64 MiB), or nothing if it fails after one', async () => {
    const data = Buffer.alloc(70 * MiB + 3);
    for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;
    await provider.write('k/big', bodyOf(data, MiB));
    expect((await readObject(provider, 'k/big')).equals(data)).toBe(true);
    await expectStorageError(
      provider.write('k/big2', failingBody(data.subarray(0, 66 * MiB))),
      StorageErrorCode.Aborted,
    );
    expect(await tmpFiles()).toEqual([]);
    expect(await provider.stat('k/big2')).toBeNull();
  });

  it('creates the multipart data file sparse', async () => {
    const size = 256 * MiB;
    const uploadId = await provider.createMultipart('big/file', size);
    const st = await fsp.stat(path.join(root, '.multipart', uploadId, 'data'));
    expect(st.size).toBe(size);
    expect(st.blocks * 512).toBeLessThan(MiB);
    await provider.abortMultipart('big/file', uploadId);
    await expect(fsp.stat(path.join(root, '.multipart', uploadId))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('removes the upload folder on completion', async () => {
    const uploadId = await provider.createMultipart('mp/x', 3);
    const part = await provider.writePart('mp/x', uploadId, { index: 0, offset: 0, size: 3 }, bodyOf('abc'));
    await provider.completeMultipart('mp/x', uploadId, [part]);
    expect(await fsp.readdir(path.join(root, '.multipart'))).toEqual([]);
    expect((await readObject(provider, 'mp/x')).toString()).toBe('abc');
  });

  it('refuses parts outside the declared total size', async () => {
    const uploadId = await provider.createMultipart('mp/x', 10);
    await expectStorageError(
      provider.writePart('mp/x', uploadId, { index: 1, offset: 8, size: 3 }, bodyOf('abc')),
      StorageErrorCode.SizeMismatch,
    );
    await expectStorageError(
      provider.writePart('mp/x', uploadId, { index: -1, offset: 0, size: 1 }, bodyOf('a')),
      StorageErrorCode.SizeMismatch,
    );
  });

  it('does not write past a part that carries too many bytes', async () => {
    const uploadId = await provider.createMultipart('mp/x', 8);
    const p1 = await provider.writePart('mp/x', uploadId, { index: 1, offset: 4, size: 4 }, bodyOf('WXYZ'));
    await expectStorageError(
      provider.writePart('mp/x', uploadId, { index: 0, offset: 0, size: 4 }, bodyOf('abcdefgh', 1)),
      StorageErrorCode.SizeMismatch,
    );
    const p0 = await provider.writePart('mp/x', uploadId, { index: 0, offset: 0, size: 4 }, bodyOf('abcd'));
    await provider.completeMultipart('mp/x', uploadId, [p0, p1]);
    expect((await readObject(provider, 'mp/x')).toString()).toBe('abcdWXYZ');
  });

  it('treats malformed or foreign upload ids as not found', async () => {
    await expectStorageError(
      provider.writePart('mp/x', '../../etc', { index: 0, offset: 0, size: 1 }, bodyOf('a')),
      StorageErrorCode.NotFound,
    );
    const uploadId = await provider.createMultipart('mp/x', 1);
    await expectStorageError(
      provider.writePart('mp/other', uploadId, { index: 0, offset: 0, size: 1 }, bodyOf('a')),
      StorageErrorCode.NotFound,
    );
    // Aborting under another key leaves the upload alone.
    await provider.abortMultipart('mp/other', uploadId);
    const part = await provider.writePart('mp/x', uploadId, { index: 0, offset: 0, size: 1 }, bodyOf('a'));
    await provider.completeMultipart('mp/x', uploadId, [part]);
    expect((await readObject(provider, 'mp/x')).toString()).toBe('a');
  });

  it('list skips the internal folders', async () => {
    await provider.write('a/b', bodyOf('1'));
    await provider.createMultipart('a/c', 10);
    await fsp.mkdir(path.join(root, '.tmp'), { recursive: true });
    await fsp.writeFile(path.join(root, '.tmp', 'stray'), 'x');
    expect(await listKeys(provider, '')).toEqual(['a/b']);
    expect(await listKeys(provider, '.tmp')).toEqual([]);
    expect(await listKeys(provider, '../')).toEqual([]);
  });

  it('clamps a range that runs past the end of the object', async () => {
    await provider.write('r', bodyOf('abc'));
    const read = async (start: number, end: number) => {
      const chunks: Buffer[] = [];
      for await (const c of await provider.read('r', { start, end })) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString();
    };
    expect(await read(1, 100)).toBe('bc');
    expect(await read(5, 10)).toBe('');
    await expect(provider.read('r', { start: 2, end: 1 })).rejects.toBeInstanceOf(RangeError);
  });

  it('reads open a file that can also be read positionally, then ended or destroyed (closing it)', async () => {
    await provider.write('p', bodyOf('0123456789'));
    const file = await provider.read('p', { start: 2, end: 7 });
    expect(file).toBeInstanceOf(LocalFileReadable);
    const local = file as LocalFileReadable;
    expect(local.length).toBe(6);
    const buffer = Buffer.alloc(4);
    expect(await local.readAt(buffer, 0)).toBe(4);
    expect(buffer.toString()).toBe('2345');
    expect(await local.readAt(buffer, 4)).toBe(2);
    expect(buffer.subarray(0, 2).toString()).toBe('67');
    expect(await local.readAt(buffer, 6)).toBe(0);
    local.consumed();
    await once(local, 'close');
    expect(local.readableEnded).toBe(true);
    await expect(local.readAt(buffer, 0)).rejects.toThrow(); // the file is closed

    const left = (await provider.read('p')) as LocalFileReadable;
    left.destroy();
    await once(left, 'close');
    expect(left.readableEnded).toBe(false);
    await expect(left.readAt(buffer, 0)).rejects.toThrow();
  });

  it('listUploads lists upload folders a crash left without (readable) meta, and abort removes them', async () => {
    const multipart = path.join(root, '.multipart');
    expect(await listUploads(provider)).toEqual([]); // no .multipart folder yet
    const noMeta = 'a'.repeat(32);
    const badMeta = 'b'.repeat(32);
    await fsp.mkdir(path.join(multipart, noMeta), { recursive: true });
    await fsp.writeFile(path.join(multipart, noMeta, 'data'), 'xx');
    await fsp.mkdir(path.join(multipart, badMeta), { recursive: true });
    await fsp.writeFile(path.join(multipart, badMeta, 'meta.json'), '{"key":"a/b","tot');
    await fsp.mkdir(path.join(multipart, 'not-an-upload-id'));
    const live = await provider.createMultipart('mp/live', 4);
    const old = new Date(Date.now() - 3 * 60 * 60 * 1000);
    await fsp.utimes(path.join(multipart, noMeta), old, old);

    const uploads = await listUploads(provider);
    const byId = new Map(uploads.map((u) => [u.uploadId, u]));
    expect([...byId.keys()].sort()).toEqual([noMeta, badMeta, live].sort());
    expect(byId.get(live)?.key).toBe('mp/live');
    expect(byId.get(noMeta)?.key).toBeUndefined();
    expect(byId.get(badMeta)?.key).toBeUndefined();
    // The oldest trace: the folder's birth time, or its modification time when that is older.
    expect(byId.get(noMeta)?.startedAt.getTime()).toBeLessThan(Date.now() - 60_000 + 1);

    for (const u of uploads) await provider.abortMultipart(u.key ?? '', u.uploadId);
    expect(await listUploads(provider)).toEqual([]);
    expect(await fsp.readdir(multipart)).toEqual(['not-an-upload-id']);
  });

  it('cleanupStale removes only old temp files', async () => {
    const tmp = path.join(root, '.tmp');
    await fsp.mkdir(tmp, { recursive: true });
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    for (const name of ['old1.tmp', 'old2.tmp', 'fresh.tmp']) {
      await fsp.writeFile(path.join(tmp, name), 'x');
    }
    await fsp.utimes(path.join(tmp, 'old1.tmp'), old, old);
    await fsp.utimes(path.join(tmp, 'old2.tmp'), old, old);
    expect(await provider.cleanupStale(60 * 60 * 1000)).toBe(2);
    expect(await fsp.readdir(tmp)).toEqual(['fresh.tmp']);
    expect(await new DiskStorageProvider(path.join(root, 'nothing-here')).cleanupStale(0)).toBe(0);
  });

  it("cleanupStale removes the temp files of a dead process of this host at once, another node's only when idle", async () => {
    const tmp = path.join(root, '.tmp');
    await fsp.mkdir(tmp, { recursive: true });
    const ours = ownedTempName('upload', '.tmp');
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid as number;
    const [kind, host, pid, start, rest] = ours.split('_');
    expect(Number(pid)).toBe(process.pid);
    const names = {
      ours,
      deadProcess: [kind, host, deadPid, start, rest].join('_'),
      earlierStartSamePid: [kind, host, pid, start === '00000000' ? '11111111' : '00000000', rest].join('_'),
      otherNodeFresh: `upload_other-node.example_${process.pid}_${start}_01.tmp`,
      otherNodeIdle: `upload_other-node.example_${process.pid}_${start}_02.tmp`,
    };
    for (const name of Object.values(names)) await fsp.writeFile(path.join(tmp, name), 'x');
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await fsp.utimes(path.join(tmp, names.otherNodeIdle), old, old);
    expect(await provider.cleanupStale(60 * 60 * 1000)).toBe(3);
    expect((await fsp.readdir(tmp)).sort()).toEqual([names.ours, names.otherNodeFresh].sort());
  });

  it('keeps stored bytes private (folders 0700, files 0600) whatever the umask', async () => {
    const umask = process.umask(0);
    try {
      await provider.write('blobs/ab/one', bodyOf('secret'));
      const uploadId = await provider.createMultipart('blobs/cd/two', 4);
      await provider.writePart('blobs/cd/two', uploadId, { index: 0, offset: 0, size: 4 }, bodyOf('abcd'));
      const mode = async (p: string) => ((await fsp.stat(path.join(root, p))).mode & 0o777).toString(8);
      for (const folder of ['blobs', 'blobs/ab', '.tmp', '.multipart', `.multipart/${uploadId}`]) {
        expect([folder, await mode(folder)]).toEqual([folder, '700']);
      }
      for (const file of ['blobs/ab/one', `.multipart/${uploadId}/data`, `.multipart/${uploadId}/meta.json`]) {
        expect([file, await mode(file)]).toEqual([file, '600']);
      }
      await provider.completeMultipart('blobs/cd/two', uploadId, [{ index: 0, offset: 0, size: 4 }]);
      expect(await mode('blobs/cd/two')).toBe('600');
      expect(await mode('blobs/cd')).toBe('700');
    } finally {
      process.umask(umask);
    }
  });

  it('checkHealth fails with Unavailable when the root cannot be used', async () => {
    const file = path.join(root, 'a-file');
    await fsp.writeFile(file, 'x');
    const broken = new DiskStorageProvider(path.join(file, 'storage'));
    const err = await expectStorageError(broken.checkHealth(), StorageErrorCode.Unavailable);
    expect(err.message).not.toContain(root);
  });

  it('reports keys that clash with existing objects or folders as InvalidKey', async () => {
    await provider.write('f', bodyOf('file'));
    const err = await expectStorageError(provider.write('f/child', bodyOf('x')), StorageErrorCode.InvalidKey);
    expect(err.message).not.toContain(root);
    await provider.write('d/child', bodyOf('x'));
    await expectStorageError(provider.write('d', bodyOf('y')), StorageErrorCode.InvalidKey);
    expect(await tmpFiles()).toEqual([]);
    expect((await readObject(provider, 'f')).toString()).toBe('file');
  });
});
