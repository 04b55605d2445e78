import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { FileHistoryService } from '../../src/modules/assets/file-history.service';
import { StorageService } from '../../src/modules/storage/storage.service';
import { createFeed, endpoint, eventually, hashesOf, zipOf } from '../support/fixtures';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';

const PASSWORD = 'history-test-password';

interface Version {
  path?: string;
  version: number;
  size: number;
  modified: string;
  replacedAt: string;
  replacedBy: string | null;
  deleted: boolean;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
  type: string;
}

/**
 * [ext] File history (issue 17 §1): overwritten and deleted files keep their content as numbered
 * versions that can be listed, downloaded with every header rule of a current file, and restored.
 */
describe('file history', () => {
  let t: TestApp;
  let ep: ReturnType<typeof endpoint>;

  const admin = (path: string, body: unknown) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: t.adminAuth },
      body: JSON.stringify(body),
    });
  const setHistory = async (feed: string, fileHistory: unknown) => {
    const res = await admin(`/api/management/feeds/update/${feed}`, { fileHistory });
    expect([res.status, await res.text()]).toEqual([200, expect.any(String)]);
  };
  const put = async (path: string, body: Buffer | string, e = ep) => {
    const res = await e(`content/${path}`, { method: 'POST', body });
    expect(res.status).toBe(201);
  };
  const versions = async (path: string, e = ep): Promise<Version[]> => {
    const res = await e(`versions/${path}`);
    expect(res.status).toBe(200);
    return res.json();
  };
  const text = async (res: Response) => Buffer.from(await res.arrayBuffer()).toString();

  /** Every blob file under the data dir's storage holding exactly these bytes. */
  async function blobsHolding(content: Buffer): Promise<string[]> {
    const root = join(t.config.dataDir, 'storage');
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    const found: string[] = [];
    for (const e of entries) {
      if (!e.isFile() || join(e.parentPath, e.name).slice(root.length).includes('/.')) continue;
      const path = join(e.parentPath, e.name);
      const bytes = await readFile(path).catch(() => undefined);
      if (bytes?.equals(content)) found.push(path);
    }
    return found;
  }
  const sweep = () => t.app.get(StorageService).sweep();
  /**
   * Every copy of `content` is gone from storage. Sweeps until then: a sweep skips deletions that the
   * server's own periodic sweep holds at that moment (FOR UPDATE SKIP LOCKED) and returns before it ends.
   */
  const sweptAway = (content: Buffer) =>
    eventually(async () => {
      await sweep();
      return (await blobsHolding(content)).length === 0;
    });

  beforeAll(async () => {
    // Old copies of a storage move go at once (the move test below checks they are gone).
    t = await startTestApp({ STOCKROOM_STORAGE_MOVE_GRACE_SECONDS: '0' });
    await createFeed(t, 'hist');
    ep = endpoint(t, 'hist');
  });
  afterAll(() => t.close());

  it('is off by default, shown by feeds/get and list, replaced whole by an update, and validated', async () => {
    const get = async () =>
      (
        await (
          await fetch(`${t.url}/api/management/feeds/get/hist`, { headers: { Authorization: t.adminAuth } })
        ).json()
      ).fileHistory;
    expect(await get()).toEqual({ enabled: false, keep: 10, keepDays: 0 });
    await setHistory('hist', { enabled: true, keep: 3, keepDays: 30 });
    expect(await get()).toEqual({ enabled: true, keep: 3, keepDays: 30 });
    await setHistory('hist', { enabled: true });
    expect(await get()).toEqual({ enabled: true, keep: 10, keepDays: 0 }); // replaced whole
    const list = await (
      await fetch(`${t.url}/api/management/feeds/list`, { headers: { Authorization: t.adminAuth } })
    ).json();
    expect(list.find((f: { name: string }) => f.name === 'hist').fileHistory).toEqual({
      enabled: true,
      keep: 10,
      keepDays: 0,
    });
    for (const [bad, message] of [
      [{ enabled: true, keep: -1 }, /fileHistory\.keep.*integer/],
      [{ enabled: true, keepDays: 1.5 }, /fileHistory\.keepDays.*integer/],
      [{ enabled: 'yes' }, /fileHistory\.enabled/],
      [{ enabled: true, keeep: 3 }, /fileHistory\.keeep.*unknown/],
      [[1], /"fileHistory" must be an object/],
    ] as const) {
      const res = await admin('/api/management/feeds/update/hist', { fileHistory: bad });
      expect(res.status).toBe(400);
      expect((await res.json()).message).toMatch(message);
    }
    expect(await get()).toEqual({ enabled: true, keep: 10, keepDays: 0 }); // nothing changed
  });

  it('keeps each overwritten content as a version, newest first, with hashes and who replaced it', async () => {
    const v1 = randomBytes(1000);
    const v2 = randomBytes(2000);
    const v3 = randomBytes(3000);
    await put('app/setup.bin', v1);
    expect(await versions('app/setup.bin')).toEqual([]); // a file with no history yet
    await put('app/setup.bin', v2);
    const res = await ep('content/app/setup.bin', { method: 'PATCH', body: v3 });
    expect(res.status).toBe(201);

    const list = await versions('app/setup.bin');
    expect(list).toEqual([
      {
        version: 2,
        size: 2000,
        modified: expect.stringMatching(/Z$/),
        replacedAt: expect.stringMatching(/Z$/),
        replacedBy: 'Admin',
        deleted: false,
        ...hashesOf(v2),
        type: 'application/octet-stream',
      },
      expect.objectContaining({ version: 1, size: 1000, ...hashesOf(v1), replacedBy: 'Admin', deleted: false }),
    ]);
    expect(Date.parse(list[0].replacedAt)).toBeGreaterThanOrEqual(Date.parse(list[1].replacedAt));
    // The listing shows the current file only.
    const dir = await (await ep('dir/app')).json();
    expect(dir).toEqual([expect.objectContaining({ name: 'setup.bin', size: 3000 })]);
    // A path with neither versions nor a file.
    expect((await ep('versions/app/nothing.bin')).status).toBe(404);
  });

  it('numbers concurrent overwrites of one path without gaps or twins', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => `concurrent ${i}`);
    await put('race.txt', 'first');
    await Promise.all(bodies.map((b) => put('race.txt', b)));
    const list = await versions('race.txt');
    expect(list.map((v) => v.version)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    // Every content but the current one is a version, exactly once.
    const current = await text(await ep('content/race.txt'));
    const kept = await Promise.all(list.map(async (v) => text(await ep(`content/race.txt?version=${v.version}`))));
    expect([...kept, current].sort()).toEqual(['first', ...bodies].sort());
  });

  it('serves an old version with the headers of a current file: bytes, Range, ETag and 304', async () => {
    const v1 = Buffer.from('first version of the notes');
    await put('notes.txt', v1);
    await put('notes.txt', 'second');
    const res = await ep('content/notes.txt?version=1');
    expect(res.status).toBe(200);
    expect(await text(res)).toBe(v1.toString());
    expect(res.headers.get('content-length')).toBe(String(v1.length));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = res.headers.get('etag') as string;
    expect(etag).toContain(hashesOf(v1).sha1);

    const range = await ep('content/notes.txt?version=1', { headers: { Range: 'bytes=6-12' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 6-12/${v1.length}`);
    expect(await text(range)).toBe('version');

    const cached = await ep('content/notes.txt?version=1', { headers: { 'If-None-Match': etag } });
    expect(cached.status).toBe(304);
    const head = await ep('content/notes.txt?version=1', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    // The current file is unchanged.
    expect(await text(await ep('content/notes.txt'))).toBe('second');

    for (const bad of ['0', '-1', 'abc', '1.5', '']) {
      const r = await ep(`content/notes.txt?version=${bad}`);
      expect([bad, r.status]).toEqual([bad, 404]); // "not a number or unknown (404)"
      expect(await r.text()).toMatch(/no version.*positive integers/);
    }
    const unknown = await ep('content/notes.txt?version=9');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toMatch(/no version 9/);
  });

  it('keeps a deleted file, lists it under its folder with ?deleted=true, and restores it', async () => {
    const content = Buffer.from('report of the quarter');
    await put('reports/q1.txt', content);
    await put('reports/q2.txt', 'kept');
    expect((await ep('content/reports/q1.txt', { method: 'DELETE' })).status).toBe(200);
    expect((await ep('content/reports/q1.txt')).status).toBe(404);

    const deleted: Version[] = await (await ep('versions/reports?deleted=true')).json();
    expect(deleted).toEqual([
      expect.objectContaining({ path: 'reports/q1.txt', version: 1, deleted: true, ...hashesOf(content) }),
    ]);
    expect(await versions('reports/q1.txt')).toEqual([expect.objectContaining({ version: 1, deleted: true })]);

    const restored = await ep('restore/reports/q1.txt?version=1', { method: 'POST' });
    expect(restored.status).toBe(200);
    expect(await text(await ep('content/reports/q1.txt'))).toBe(content.toString());
    expect(await (await ep('versions/reports?deleted=true')).json()).toEqual([]);
  });

  it('restores the files of a recursively deleted folder (the folders come back too)', async () => {
    await put('build/a/one.txt', 'one');
    await put('build/a/b/two.txt', 'two');
    expect((await ep('delete/build?recursive=true', { method: 'POST' })).status).toBe(200);
    expect(await (await ep('dir/')).json()).not.toContainEqual(expect.objectContaining({ name: 'build' }));

    const deleted: Version[] = await (await ep('versions/build?deleted=true')).json();
    expect(deleted.map((v) => [v.path, v.version, v.deleted])).toEqual([
      ['build/a/b/two.txt', 1, true],
      ['build/a/one.txt', 1, true],
    ]);
    for (const v of deleted) {
      expect((await ep(`restore/${v.path}?version=${v.version}`, { method: 'POST' })).status).toBe(200);
    }
    expect(await text(await ep('content/build/a/one.txt'))).toBe('one');
    expect(await text(await ep('content/build/a/b/two.txt'))).toBe('two');
    const tree = await (await ep('dir/build?recursive=true')).json();
    expect(tree.map((i: { parent: string; name: string }) => `${i.parent}/${i.name}`)).toEqual([
      'build/a',
      'build/a/b',
      'build/a/b/two.txt',
      'build/a/one.txt',
    ]);
  });

  it('restores over the current file, which becomes a new version; numbers are never reused', async () => {
    await put('cfg.json', '{"v":1}');
    await put('cfg.json', '{"v":2}');
    await put('cfg.json', '{"v":3}');
    expect((await ep('restore/cfg.json?version=1', { method: 'POST' })).status).toBe(200);
    expect(await text(await ep('content/cfg.json'))).toBe('{"v":1}');
    const list = await versions('cfg.json');
    expect(list.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(await text(await ep('content/cfg.json?version=3'))).toBe('{"v":3}');
    expect(await text(await ep('content/cfg.json?version=1'))).toBe('{"v":1}'); // shares the blob
    // A restored version whose content is shared is still readable once the restore is overwritten.
    await put('cfg.json', '{"v":4}');
    await sweep();
    expect(await text(await ep('content/cfg.json?version=1'))).toBe('{"v":1}');
    expect(await text(await ep('content/cfg.json?version=4'))).toBe('{"v":1}');

    for (const bad of ['', 'x', '0']) {
      const r = await ep(`restore/cfg.json?version=${bad}`, { method: 'POST' });
      expect([bad, r.status]).toEqual([bad, 404]);
    }
    expect((await ep('restore/cfg.json', { method: 'POST' })).status).toBe(400); // no version named at all
    expect((await ep('restore/cfg.json?version=99', { method: 'POST' })).status).toBe(404);
  });

  it("keeps a version's metadata and cache setting: served with it, and restored with it", async () => {
    const meta = (path: string, body: unknown) =>
      ep(`metadata/${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
      });
    await put('tagged.txt', 'v1');
    expect(
      (
        await meta('tagged.txt', {
          type: 'application/x-first',
          userMetadata: { Owner: 'ops', 'X-Build': { value: '42', includeInResponseHeader: true } },
          cacheHeader: { type: 'TTL', value: 60 },
        })
      ).status,
    ).toBe(200);
    await put('tagged.txt', 'v2');
    expect(
      (
        await meta('tagged.txt', {
          type: 'text/plain',
          userMetadataUpdateMode: 'replace',
          userMetadata: { 'X-Build': { value: '43', includeInResponseHeader: true } },
          cacheHeader: { type: 'NoCache' },
        })
      ).status,
    ).toBe(200);
    const old = await ep('content/tagged.txt?version=1');
    expect(old.headers.get('x-build')).toBe('42');
    expect(old.headers.get('content-type')).toBe('application/x-first');
    expect(old.headers.get('cache-control')).toMatch(/max-age=60/);
    expect(await text(old)).toBe('v1');
    expect((await versions('tagged.txt'))[0].type).toBe('application/x-first');

    expect((await ep('restore/tagged.txt?version=1', { method: 'POST' })).status).toBe(200);
    const item = await (await ep('metadata/tagged.txt')).json();
    expect(item).toMatchObject({
      type: 'application/x-first',
      userMetadata: { Owner: 'ops', 'X-Build': { value: '42', includeInResponseHeader: true } },
      cacheHeader: { type: 'TTL', value: 60 },
    });
    const current = await ep('content/tagged.txt');
    expect(current.headers.get('x-build')).toBe('42'); // the download cache saw the restore
    expect(await text(current)).toBe('v1');
    // The replaced current file became version 2, with its own metadata.
    expect((await ep('content/tagged.txt?version=2')).headers.get('x-build')).toBe('43');
  });

  it('drops versions beyond keep and reclaims their bytes; keep 0 keeps none', async () => {
    await createFeed(t, 'kept');
    await setHistory('kept', { enabled: true, keep: 2 });
    const e = endpoint(t, 'kept');
    const contents = [1, 2, 3, 4].map(() => randomBytes(5000));
    for (const c of contents) await put('pkg.zip', c, e);
    expect((await versions('pkg.zip', e)).map((v) => v.version)).toEqual([3, 2]);
    await sweep();
    await sweptAway(contents[0]);
    expect(await blobsHolding(contents[1])).toHaveLength(1);
    expect(await blobsHolding(contents[2])).toHaveLength(1);
    expect((await e('content/pkg.zip?version=1')).status).toBe(404);

    await setHistory('kept', { enabled: true, keep: 0 });
    const fifth = randomBytes(5000);
    await put('pkg.zip', fifth, e);
    expect(await versions('pkg.zip', e)).toEqual([]);
    await sweep();
    for (const c of contents) await sweptAway(c);
    expect(await blobsHolding(fifth)).toHaveLength(1);
  });

  it('keeps what a chunked upload and an archive import replace', async () => {
    await put('multi.bin', 'before multipart');
    const body = Buffer.from('after multipart');
    const part = await ep(
      `content/multi.bin?multipart=upload&id=mh1&index=0&offset=0&totalSize=${body.length}&partSize=${body.length}&totalParts=1`,
      { method: 'POST', body },
    );
    expect(part.status).toBe(200);
    expect((await ep('content/multi.bin?multipart=complete&id=mh1', { method: 'POST' })).status).toBe(200);
    expect(await text(await ep('content/multi.bin'))).toBe('after multipart');
    expect(await text(await ep('content/multi.bin?version=1'))).toBe('before multipart');

    await put('imp/a.txt', 'before import');
    const zip = await zipOf({ 'a.txt': 'after import', 'b.txt': 'new' });
    const imported = await ep('import/imp?format=zip&overwrite=true', { method: 'POST', body: zip });
    expect(imported.status).toBe(200);
    expect(await text(await ep('content/imp/a.txt'))).toBe('after import');
    expect(await versions('imp/a.txt')).toEqual([expect.objectContaining({ version: 1, replacedBy: 'Admin' })]);
    expect(await text(await ep('content/imp/a.txt?version=1'))).toBe('before import');
  });

  it('drops versions older than keepDays in the periodic sweep, also with history switched off', async () => {
    await createFeed(t, 'aged');
    await setHistory('aged', { enabled: true, keep: 10, keepDays: 2 });
    const e = endpoint(t, 'aged');
    const old = randomBytes(3500);
    const recent = randomBytes(3500);
    await put('r.bin', old, e);
    await put('r.bin', recent, e);
    await put('r.bin', 'current', e);
    await setHistory('aged', { enabled: false, keep: 10, keepDays: 2 });
    const db = new Client({ connectionString: t.db.url });
    await db.connect();
    try {
      // Version 1 was replaced three days ago.
      await db.query(`UPDATE asset_versions SET replaced_at = now() - interval '3 days' WHERE version = 1
        AND feed_id = (SELECT id FROM feeds WHERE name = 'aged')`);
    } finally {
      await db.end();
    }
    expect(await t.app.get(FileHistoryService).dropAged()).toBe(1);
    await sweep();
    expect((await versions('r.bin', e)).map((v) => v.version)).toEqual([2]);
    await sweptAway(old);
    expect(await blobsHolding(recent)).toHaveLength(1);
  });

  it('records nothing with history off; switching it off keeps the versions there are', async () => {
    await createFeed(t, 'plain');
    const e = endpoint(t, 'plain');
    const old = randomBytes(3000);
    await put('f.bin', old, e);
    await put('f.bin', 'new', e);
    expect((await e('versions/f.bin')).status).toBe(200);
    expect(await versions('f.bin', e)).toEqual([]);
    await sweep();
    await sweptAway(old);

    await setHistory('plain', { enabled: true, keep: 5 });
    const kept = randomBytes(3000);
    await put('g.bin', kept, e);
    await put('g.bin', 'newer', e);
    await setHistory('plain', { enabled: false, keep: 5 });
    await put('g.bin', 'newest', e);
    await sweep();
    expect((await versions('g.bin', e)).map((v) => v.version)).toEqual([1]);
    expect(Buffer.from(await (await e('content/g.bin?version=1')).arrayBuffer())).toEqual(kept);
  });

  it('answers 409 and changes nothing when a version’s bytes are gone from storage', async () => {
    const lost = randomBytes(4000);
    await put('lost.bin', lost);
    await put('lost.bin', 'current');
    const [blob] = await blobsHolding(lost);
    await rm(blob);
    const res = await ep('restore/lost.bin?version=1', { method: 'POST' });
    expect(res.status).toBe(409);
    expect(await res.text()).toMatch(/no longer in storage/);
    expect(await text(await ep('content/lost.bin'))).toBe('current');
    expect((await versions('lost.bin')).map((v) => v.version)).toEqual([1]);
  });

  it('needs View to list, Download to fetch a version, Overwrite to restore, plus Add when nothing is there', async () => {
    const json = { 'Content-Type': 'application/json', Authorization: t.adminAuth };
    const post = (path: string, body: unknown) =>
      fetch(`${t.url}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) });
    await post('/api/security/roles', { name: 'Viewer', privileges: ['Feeds_ViewFeed'] });
    await post('/api/security/roles', {
      name: 'Overwriter',
      privileges: ['Feeds_ViewFeed', 'Feeds_DownloadPackage', 'Feeds_OverwritePackage'],
    });
    for (const [user, role] of [
      ['viewer', 'Viewer'],
      ['overwriter', 'Overwriter'],
    ]) {
      expect((await post('/api/security/users', { userName: user, password: PASSWORD })).status).toBe(201);
      const granted = await post('/api/security/privileges', {
        principalType: 'user',
        principalName: user,
        role,
        feed: 'hist',
      });
      expect(granted.status).toBe(201);
    }
    const as = (user: string) => ({ Authorization: basicAuth(user, PASSWORD) });
    await put('priv.txt', 'one');
    await put('priv.txt', 'two');

    expect((await ep('versions/priv.txt', { headers: as('viewer') })).status).toBe(200);
    expect((await ep('content/priv.txt?version=1', { headers: as('viewer') })).status).toBe(403);
    expect((await ep('restore/priv.txt?version=1', { method: 'POST', headers: as('viewer') })).status).toBe(403);
    expect(await text(await ep('content/priv.txt'))).toBe('two');

    expect(await text(await ep('content/priv.txt?version=1', { headers: as('overwriter') }))).toBe('one');
    const restored = await ep('restore/priv.txt?version=1', { method: 'POST', headers: as('overwriter') });
    expect(restored.status).toBe(200);
    expect((await versions('priv.txt'))[0]).toMatchObject({ version: 2, replacedBy: 'overwriter' });

    // Nothing at the path: Add is needed too.
    expect((await ep('content/priv.txt', { method: 'DELETE' })).status).toBe(200);
    const refused = await ep('restore/priv.txt?version=1', { method: 'POST', headers: as('overwriter') });
    expect(refused.status).toBe(403);
    expect((await ep('content/priv.txt')).status).toBe(404);

    // The audit log names the restore.
    const audit = await (
      await fetch(`${t.url}/api/security/audit?action=asset.restored`, { headers: { Authorization: t.adminAuth } })
    ).json();
    expect(JSON.stringify(audit)).toContain('priv.txt');
  });

  it('moves the kept versions with their directory to another storage', async () => {
    await createFeed(t, 'moving');
    await setHistory('moving', { enabled: true, keep: 5 });
    const e = endpoint(t, 'moving');
    const old = randomBytes(4500);
    await put('m.bin', old, e);
    await put('m.bin', 'current', e);
    const started = await admin('/api/storage?feed=moving', {
      id: 'disk',
      properties: { Path: join(t.config.dataDir, 'elsewhere') },
    });
    expect(started.status).toBe(200);
    const moveId = (await started.json()).move.id;
    await eventually(async () => {
      const moves = await (
        await fetch(`${t.url}/api/storage/moves?feed=moving`, { headers: { Authorization: t.adminAuth } })
      ).json();
      return moves.find((m: { id: string; state: string }) => m.id === moveId)?.state === 'completed';
    }, 20_000);
    await sweep();
    await sweptAway(old); // the old storage's copy went
    expect(Buffer.from(await (await e('content/m.bin?version=1')).arrayBuffer())).toEqual(old);
  });

  it('drops every version with the directory', async () => {
    await createFeed(t, 'gone');
    await setHistory('gone', { enabled: true, keep: 5 });
    const e = endpoint(t, 'gone');
    const old = randomBytes(2500);
    await put('x.bin', old, e);
    await put('x.bin', 'now', e);
    expect(await blobsHolding(old)).toHaveLength(1);
    const res = await fetch(`${t.url}/api/management/feeds/delete/gone`, {
      method: 'DELETE',
      headers: { Authorization: t.adminAuth },
    });
    expect(res.status).toBe(200);
    await sweep();
    await sweptAway(old);
  });
  describe('follows a moved file (issue 17 §2)', () => {
    const move = (path: string, body: unknown, e = ep) =>
      e(`move/${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());
    beforeAll(() => setHistory('hist', { enabled: true, keep: 10 }));

    it('a renamed file keeps its versions: listed and served at the new path, none at the old', async () => {
      const v1 = randomBytes(1200);
      const v2 = randomBytes(1300);
      await put('follow/a.bin', v1);
      await put('follow/a.bin', v2);
      await put('follow/a.bin', 'current');
      expect((await move('follow/a.bin', { to: 'follow/renamed/b.bin' })).status).toBe(201);
      expect((await versions('follow/renamed/b.bin')).map((v) => [v.version, v.size])).toEqual([
        [2, 1300],
        [1, 1200],
      ]);
      expect(await bytesOf(await ep('content/follow/renamed/b.bin?version=1'))).toEqual(v1);
      expect(await bytesOf(await ep('content/follow/renamed/b.bin?version=2'))).toEqual(v2);
      expect(await text(await ep('content/follow/renamed/b.bin'))).toBe('current');
      expect((await ep('versions/follow/a.bin')).status).toBe(404);
      expect((await ep('content/follow/a.bin?version=1')).status).toBe(404);
      // A case-only rename keeps the numbers; a copy is a new file without history.
      expect((await move('follow/renamed/b.bin', { to: 'follow/renamed/B.bin' })).status).toBe(201);
      expect((await versions('follow/renamed/B.bin')).map((v) => v.version)).toEqual([2, 1]);
      const copied = await ep('copy/follow/renamed/B.bin', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ to: 'follow/copy.bin' }),
      });
      expect(copied.status).toBe(201);
      expect(await versions('follow/copy.bin')).toEqual([]);
      expect((await versions('follow/renamed/B.bin')).map((v) => v.version)).toEqual([2, 1]);
    });

    it('a folder moved to another directory (and storage) takes its deleted files’ histories; restore works there', async () => {
      await createFeed(t, 'hist-to');
      const to = endpoint(t, 'hist-to');
      const gone = randomBytes(900);
      await put('proj/keep.txt', 'kept');
      await put('proj/sub/gone.bin', gone);
      expect((await ep('content/proj/sub/gone.bin', { method: 'DELETE' })).status).toBe(200);
      expect((await (await ep('versions/proj?deleted=true')).json()).map((v: Version) => v.path)).toEqual([
        'proj/sub/gone.bin',
      ]);
      const movedProj = await move('proj', { to: 'archive/proj', toDirectory: 'hist-to' });
      // Another directory, another storage here: the kept version's bytes are streamed across too.
      expect([movedProj.status, await movedProj.json()]).toEqual([
        201,
        expect.objectContaining({ files: 1, bytesCopied: 4 + 900 }),
      ]);
      const deleted: Version[] = await (await to('versions/archive/proj?deleted=true')).json();
      expect(deleted.map((v) => [v.path, v.version, v.deleted, v.size])).toEqual([
        ['archive/proj/sub/gone.bin', 1, true, 900],
      ]);
      expect(await (await ep('versions/proj?deleted=true')).json()).toEqual([]);
      expect((await to('restore/archive/proj/sub/gone.bin?version=1', { method: 'POST' })).status).toBe(200);
      expect(await bytesOf(await to('content/archive/proj/sub/gone.bin'))).toEqual(gone);
      expect(await text(await to('content/archive/proj/keep.txt'))).toBe('kept');
    });

    it('moved onto a file with overwrite, the versions are numbered after the target’s: none reused', async () => {
      const [t1, t2, s1] = [randomBytes(101), randomBytes(102), randomBytes(201)];
      await put('num/target.bin', t1);
      await put('num/target.bin', t2);
      await put('num/src.bin', s1);
      await put('num/src.bin', 'src now');
      expect((await move('num/src.bin', { to: 'num/target.bin', overwrite: true })).status).toBe(200);
      // target: v1 = t1, v2 = t2 (replaced by the move); the source's v1 comes after them.
      expect((await versions('num/target.bin')).map((v) => [v.version, v.size])).toEqual([
        [3, 201],
        [2, 102],
        [1, 101],
      ]);
      expect(await bytesOf(await ep('content/num/target.bin?version=3'))).toEqual(s1);
      expect(await bytesOf(await ep('content/num/target.bin?version=2'))).toEqual(t2);
      expect(await text(await ep('content/num/target.bin'))).toBe('src now');
      await put('num/target.bin', 'newer');
      expect((await versions('num/target.bin')).map((v) => v.version)).toEqual([4, 3, 2, 1]);
      expect(await text(await ep('content/num/target.bin?version=4'))).toBe('src now');
    });
  });

  describe('counts kept versions in the quota (issue 17 §3)', () => {
    const update = (body: unknown) => admin('/api/management/feeds/update/hq', body);
    const used = async (): Promise<number> =>
      (await (await fetch(`${t.url}/api/management/feeds/get/hq`, { headers: { Authorization: t.adminAuth } })).json())
        .quotaUsedBytes;

    it('an overwrite needs room for old and new; a delete never 413s; pruning frees bytes', async () => {
      await createFeed(t, 'hq');
      const e = endpoint(t, 'hq');
      await setHistory('hq', { enabled: true, keep: 2 });
      expect((await update({ quotaBytes: 10_000 })).status).toBe(200);
      await put('a.bin', randomBytes(3000), e);
      expect(await used()).toBe(3000);
      const second = randomBytes(4000);
      await put('a.bin', second, e); // 3000 kept as version 1
      expect(await used()).toBe(7000);
      // 3000 + 4000 kept, 5000 new: 12,000 > 10,000.
      const refused = await e('content/a.bin', { method: 'POST', body: randomBytes(5000) });
      expect(refused.status).toBe(413);
      expect(await text(refused)).toMatch(/quota: 5000 more bytes, with 7000 of its 10000 bytes in use/);
      expect(await used()).toBe(7000);
      expect((await versions('a.bin', e)).map((v) => v.size)).toEqual([3000]);
      expect(Buffer.from(await (await e('content/a.bin')).arrayBuffer())).toEqual(second);
      // Exactly full: 3000 + 4000 kept, 3000 new.
      await put('a.bin', randomBytes(3000), e);
      expect(await used()).toBe(10_000);
      // keep 1: the overwrite drops versions 1 and 2 before keeping version 3: 3000 kept + 1 new.
      await setHistory('hq', { enabled: true, keep: 1 });
      await put('a.bin', 'x', e);
      expect(await used()).toBe(3001);
      expect((await versions('a.bin', e)).map((v) => [v.version, v.size])).toEqual([[3, 3000]]);
      // A quota lowered under the use: deleting still works and moves the file's bytes into a version.
      await setHistory('hq', { enabled: true, keep: 2 });
      expect((await update({ quotaBytes: 100 })).status).toBe(200);
      expect((await e('content/a.bin', { method: 'DELETE' })).status).toBe(200);
      expect(await used()).toBe(3001);
      expect((await versions('a.bin', e)).map((v) => [v.version, v.size, v.deleted])).toEqual([
        [4, 1, true],
        [3, 3000, false],
      ]);
    });

    it('concurrent overwrites keeping versions fill the quota exactly, never past it', async () => {
      await createFeed(t, 'hq-race');
      await setHistory('hq-race', { enabled: true, keep: 10 });
      expect((await admin('/api/management/feeds/update/hq-race', { quotaBytes: 10_000 })).status).toBe(200);
      const e = endpoint(t, 'hq-race');
      for (let i = 0; i < 5; i++) await put(`f${i}.bin`, randomBytes(1000), e);
      // Each overwrite adds 1000 bytes (the old content stays as a version): room for 5 of 20.
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          e(`content/f${i % 5}.bin`, { method: 'POST', body: randomBytes(1000) }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
      expect(statuses.filter((s) => s !== 201 && s !== 413)).toEqual([]);
      const get = await fetch(`${t.url}/api/management/feeds/get/hq-race`, { headers: { Authorization: t.adminAuth } });
      expect((await get.json()).quotaUsedBytes).toBe(10_000);
      let kept = 0;
      for (let i = 0; i < 5; i++) kept += (await versions(`f${i}.bin`, e)).reduce((sum, v) => sum + v.size, 0);
      expect(kept).toBe(5000);
    });

    it('a move into another directory brings its versions’ bytes: 413 when they do not fit, nothing moved', async () => {
      await createFeed(t, 'hq-src');
      await createFeed(t, 'hq-dst');
      await setHistory('hq-src', { enabled: true, keep: 10 });
      expect((await admin('/api/management/feeds/update/hq-dst', { quotaBytes: 3000 })).status).toBe(200);
      const src = endpoint(t, 'hq-src');
      await put('pkg/a.bin', randomBytes(2000), src);
      await put('pkg/a.bin', randomBytes(1500), src); // 2000 kept: 3500 in all
      const move = (to: string) =>
        src('move/pkg', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ to, toDirectory: 'hq-dst' }),
        });
      const refused = await move('pkg');
      expect(refused.status).toBe(413);
      expect(await text(refused)).toMatch(/quota: 3500 more bytes, with 0 of its 3000 bytes in use/);
      expect((await versions('pkg/a.bin', src)).map((v) => v.size)).toEqual([2000]);
      expect((await admin('/api/management/feeds/update/hq-dst', { quotaBytes: 3500 })).status).toBe(200);
      expect((await move('pkg')).status).toBe(201);
      const get = await fetch(`${t.url}/api/management/feeds/get/hq-dst`, { headers: { Authorization: t.adminAuth } });
      expect((await get.json()).quotaUsedBytes).toBe(3500);
      expect((await versions('pkg/a.bin', endpoint(t, 'hq-dst'))).map((v) => v.size)).toEqual([2000]);
    });
  });
});
