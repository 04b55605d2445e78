import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { MultipartJanitorService } from '../../src/modules/assets/multipart-janitor.service';
import { startTestApp, TestApp } from '../support/test-app';
import { bytes, createFeed, endpoint, hashesOf } from '../support/fixtures';

describe('chunked (multipart) upload (spec §4)', () => {
  let t: TestApp;
  let ep: ReturnType<typeof endpoint>;
  beforeAll(async () => {
    t = await startTestApp();
    await createFeed(t, 'mp');
    ep = endpoint(t, 'mp');
  });
  afterAll(() => t.close());

  const part = (
    path: string,
    id: string,
    index: number,
    offset: number,
    totalSize: number,
    data: Buffer,
    totalParts: number,
    headers: Record<string, string> = {},
  ) =>
    ep(
      `content/${path}?multipart=upload&id=${id}&index=${index}&offset=${offset}&totalSize=${totalSize}&partSize=${data.length}&totalParts=${totalParts}`,
      { method: 'POST', body: data, headers },
    );
  const complete = (path: string, id: string) => ep(`content/${path}?multipart=complete&id=${id}`, { method: 'POST' });

  function split(data: Buffer, size: number): Buffer[] {
    const parts: Buffer[] = [];
    for (let o = 0; o < data.length; o += size) parts.push(data.subarray(o, o + size));
    return parts;
  }

  it('assembles in-order parts; the file appears only at complete, with correct hashes', async () => {
    const data = bytes(1_000_000);
    const parts = split(data, 300_000);
    for (let i = 0; i < parts.length; i++) {
      expect((await part('big/file.bin', 'up-1', i, i * 300_000, data.length, parts[i], parts.length)).status).toBe(
        200,
      );
      expect((await ep('content/big/file.bin')).status).toBe(404);
    }
    const status = await (await ep('content/big/file.bin?multipart=status&id=up-1')).json();
    expect(status).toEqual({ id: 'up-1', totalSize: 1_000_000, totalParts: 4, received: [0, 1, 2, 3] });
    expect((await complete('big/file.bin', 'up-1')).status).toBe(200);
    expect(Buffer.from(await (await ep('content/big/file.bin')).arrayBuffer())).toEqual(data);
    expect(await (await ep('metadata/big/file.bin')).json()).toMatchObject({ size: 1_000_000, ...hashesOf(data) });
    expect((await ep('content/big/file.bin?multipart=status&id=up-1')).status).toBe(404);
  });

  it('accepts parts out of order, in parallel, and re-sent parts (re-reading only what it must)', async () => {
    const data = bytes(500_000);
    const parts = split(data, 100_000);
    const order = [3, 1, 4, 0, 2];
    await Promise.all(
      order.map((i) => part('ooo.bin', 'up-2', i, i * 100_000, data.length, i === 2 ? bytes(100_000) : parts[i], 5)),
    );
    expect((await part('ooo.bin', 'up-2', 2, 200_000, data.length, parts[2], 5)).status).toBe(200); // re-send replaces
    expect((await complete('ooo.bin', 'up-2')).status).toBe(200);
    expect(Buffer.from(await (await ep('content/ooo.bin')).arrayBuffer())).toEqual(data);
    expect(await (await ep('metadata/ooo.bin')).json()).toMatchObject(hashesOf(data));
  });

  it("handles totalParts=1, the empty-POST-first habit, and the first part's Content-Type", async () => {
    expect((await ep('content/habit.txt', { method: 'POST' })).status).toBe(201);
    const data = Buffer.from('one single part');
    expect(
      (await part('habit.txt', 'up-3', 0, 0, data.length, data, 1, { 'Content-Type': 'application/x-habit' })).status,
    ).toBe(200);
    expect((await complete('habit.txt', 'up-3')).status).toBe(200);
    const res = await ep('content/habit.txt');
    expect(await res.text()).toBe('one single part');
    expect(res.headers.get('content-type')).toBe('application/x-habit');
  });

  it('rejects inconsistent arguments with 400 and a reason, leaving nothing behind', async () => {
    const data = bytes(1000);
    const bad = [
      ['?multipart=upload&id=bad&index=0&offset=0&totalSize=100&partSize=1000&totalParts=1', /extends past totalSize/],
      ['?multipart=upload&id=bad&index=2&offset=0&totalSize=5000&partSize=1000&totalParts=2', /outside totalParts/],
      ['?multipart=upload&id=bad&index=0&offset=-1&totalSize=5000&partSize=1000&totalParts=2', /offset/],
      ['?multipart=upload&id=bad!id&index=0&offset=0&totalSize=5000&partSize=1000&totalParts=5', /id/],
      ['?multipart=upload&id=bad&index=0&offset=0&totalSize=5000&partSize=999&totalParts=5', /999/],
      ['?multipart=upload&index=0&offset=0&totalSize=5000&partSize=1000&totalParts=5', /id/],
      ['?multipart=frobnicate&id=bad', /Unknown multipart/],
    ] as const;
    for (const [query, reason] of bad) {
      const res = await ep(`content/bad.bin${query}`, { method: 'POST', body: data });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(reason);
    }
    // A totalSize that changes within one id.
    expect((await part('bad2.bin', 'up-4', 0, 0, 2000, data, 2)).status).toBe(200);
    const changed = await part('bad2.bin', 'up-4', 1, 1000, 3000, data, 2);
    expect(changed.status).toBe(400);
    expect(await changed.text()).toMatch(/totalSize changed/);
    // Overlapping parts.
    const overlap = await ep(
      'content/bad2.bin?multipart=upload&id=up-4&index=1&offset=500&totalSize=2000&partSize=1000&totalParts=2',
      { method: 'POST', body: data },
    );
    expect(overlap.status).toBe(400);
    expect(await overlap.text()).toMatch(/overlaps part 0/);
    // A missing part at complete.
    const incomplete = await complete('bad2.bin', 'up-4');
    expect(incomplete.status).toBe(400);
    expect(await incomplete.text()).toMatch(/missing/);
    expect((await ep('content/bad2.bin')).status).toBe(404);
    // Completing an unknown upload.
    const unknown = await complete('bad2.bin', 'never-started');
    expect(unknown.status).toBe(400);
    expect((await ep('dir/')).status).toBe(200);
  });

  it('refuses a multipart upload onto a folder', async () => {
    await ep('dir/afolder', { method: 'POST' });
    const res = await part('afolder', 'up-5', 0, 0, 4, Buffer.from('abcd'), 1);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/folder/);
  });

  it('purges uploads left unfinished longer than the configured age, and only those', async () => {
    const data = bytes(1000);
    expect((await part('abandoned.bin', 'old-1', 0, 0, 2000, data, 2)).status).toBe(200);
    expect((await part('fresh.bin', 'new-1', 0, 0, 2000, data, 2)).status).toBe(200);
    const db = new Client({ connectionString: t.db.url });
    await db.connect();
    await db.query(`UPDATE multipart_uploads SET updated_at = now() - interval '25 hours' WHERE client_id = 'old-1'`);
    await db.end();
    const multipartDir = join(t.config.dataDir, 'storage');
    const uploadsOnDisk = async () =>
      (await readdir(join(multipartDir, (await readdir(multipartDir))[0], '.multipart')).catch(() => [])).length;
    const before = await uploadsOnDisk();

    expect(await t.app.get(MultipartJanitorService).purgeAbandonedUploads()).toBe(1);
    expect((await ep('content/abandoned.bin?multipart=status&id=old-1')).status).toBe(404);
    expect((await ep('content/fresh.bin?multipart=status&id=new-1')).status).toBe(200);
    expect(await uploadsOnDisk()).toBe(before - 1);
    // The purged id can start over.
    expect((await part('abandoned.bin', 'old-1', 0, 0, 1000, data, 1)).status).toBe(200);
    expect((await complete('abandoned.bin', 'old-1')).status).toBe(200);
  });

  it('[ext] abort drops an unfinished upload and its stored parts at once; the id can start over', async () => {
    const data = bytes(1000);
    const multipartDir = join(t.config.dataDir, 'storage');
    const uploadsOnDisk = async () =>
      (await readdir(join(multipartDir, (await readdir(multipartDir))[0], '.multipart')).catch(() => [])).length;
    expect((await part('cancelled.bin', 'gone-1', 0, 0, 3000, data, 3)).status).toBe(200);
    expect((await part('cancelled.bin', 'gone-1', 1, 1000, 3000, data, 3)).status).toBe(200);
    const before = await uploadsOnDisk();

    const abort = (path: string, id: string) => ep(`content/${path}?multipart=abort&id=${id}`, { method: 'POST' });
    // Another path's name for the same id is not this upload.
    expect((await abort('other.bin', 'gone-1')).status).toBe(404);
    expect((await abort('cancelled.bin', 'gone-1')).status).toBe(200);
    expect(await uploadsOnDisk()).toBe(before - 1);
    expect((await ep('content/cancelled.bin?multipart=status&id=gone-1')).status).toBe(404);
    const late = await complete('cancelled.bin', 'gone-1');
    expect(late.status).toBe(400);
    expect(await late.text()).toMatch(/No multipart upload "gone-1"/);
    expect((await ep('content/cancelled.bin')).status).toBe(404);
    // Twice is a 404 with the reason, not an error.
    const again = await abort('cancelled.bin', 'gone-1');
    expect(again.status).toBe(404);
    expect(await again.text()).toMatch(/No multipart upload "gone-1" is in progress/);

    expect((await part('cancelled.bin', 'gone-1', 0, 0, 1000, data, 1)).status).toBe(200);
    expect((await complete('cancelled.bin', 'gone-1')).status).toBe(200);
  });
});
