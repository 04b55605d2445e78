import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytes, createFeed } from '../support/fixtures';
import { raw } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * A real full file system: a 2 MiB tmpfs as the data folder (the machine and CI run as root). Where
 * mounting is not allowed, this suite says so and is skipped.
 */
async function mountTinyTmpfs(): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'stockroom-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch (e) {
    console.warn(`disk-full tests skipped: cannot mount a tmpfs (${(e as Error).message.split('\n')[0]})`);
    await rmdir(dir);
    return undefined;
  }
}

const mountPoint = mountTinyTmpfs();

describe('a full disk answers 507, naming the directory and never a blob key', () => {
  let t: TestApp | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    dir = await mountPoint;
    if (!dir) return;
    t = await startTestApp({ STOCKROOM_DATA_DIR: dir });
    await createFeed(t, 'files');
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    if (dir) {
      execFileSync('umount', ['-l', dir]);
      await rmdir(dir).catch(() => undefined);
    }
  });

  const filesOnDisk = async () =>
    (await readdir(dir as string, { recursive: true, withFileTypes: true })).filter(
      (e) => e.isFile() && !e.name.endsWith('.key'),
    ).length;

  it('a single upload larger than the room left is 507 and leaves nothing behind; a small one still works', async () => {
    if (!t) return;
    const before = await filesOnDisk();
    const res = await raw(t, 'PUT', '/endpoints/files/content/too-big.bin', { body: bytes(3 * 1024 * 1024) });
    expect(res.status).toBe(507);
    expect(res.text).toBe('The storage of asset directory "files" is full.');
    expect((await raw(t, 'GET', '/endpoints/files/content/too-big.bin')).status).toBe(404);
    expect(await filesOnDisk()).toBe(before); // no temp file, no partial blob
    const small = bytes(100_000);
    expect((await raw(t, 'PUT', '/endpoints/files/content/small.bin', { body: small })).status).toBe(201);
    expect((await raw(t, 'GET', '/endpoints/files/content/small.bin')).body.equals(small)).toBe(true);
  });

  it('a part of a chunked upload that does not fit is 507 too', async () => {
    if (!t) return;
    const total = 3 * 1024 * 1024;
    const res = await raw(
      t,
      'POST',
      `/endpoints/files/content/parts.bin?multipart=upload&id=full-1&index=0&offset=0&totalSize=${total}&partSize=${total}&totalParts=1`,
      { body: bytes(total) },
    );
    expect(res.text).toBe('The storage of asset directory "files" is full.');
    expect(res.status).toBe(507);
    expect(res.text).toBe('The storage of asset directory "files" is full.');
  });
});
