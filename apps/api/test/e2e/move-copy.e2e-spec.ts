import { type AssetTransferResult, type AuditEvent, Privilege } from '@stockroom/contracts';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Clock } from '../../src/common/clock';
import { DownloadCounterService } from '../../src/modules/assets/download-counter.service';
import { MultipartJanitorService } from '../../src/modules/assets/multipart-janitor.service';
import { StorageService } from '../../src/modules/storage/storage.service';
import { createFeed } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';

const json = { 'Content-Type': 'application/json' };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const DAY = 24 * 3600 * 1000;
const PASSWORD = 'move-copy-password-1';

/** Every blob file under a disk storage folder, ignoring the provider's own dot-folders. */
async function blobsOnDisk(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).slice(root.length).includes('/.'))
    .map((e) => e.name);
}

/**
 * Rename, move and copy of files and folders (issue 17 §2): within and between directories, in one
 * storage (no bytes copied: blobs are shared and reclaimed only when no file uses them) and across
 * storages (bytes streamed and verified), with every conflict and privilege rule.
 */
describe('move and copy', () => {
  let t: TestApp;
  let sharedRoot: string;

  beforeAll(async () => {
    t = await startTestApp({ STOCKROOM_STORAGE_MOVE_GRACE_SECONDS: '0' });
    sharedRoot = join(t.workDir, 'shared-store');
    // A role with every directory privilege but Delete, and one with only Add.
    const { View, Download, Add, Overwrite, Delete } = Privilege;
    for (const [name, privileges] of [
      ['No delete', [View, Download, Add, Overwrite]],
      ['Add only', [View, Add]],
      ['Move here', [View, Download, Add, Delete]],
    ] as const) {
      const res = await api('POST', '/api/security/roles', { name, privileges });
      expect(res.status).toBe(201);
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    raw(t, method, path, {
      headers: { ...json, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function upload(feed: string, path: string, body: Buffer | string): Promise<void> {
    const res = await raw(t, 'POST', `/endpoints/${feed}/content/${path}`, { body });
    expect([path, res.status, res.text]).toEqual([path, 201, '']);
  }

  async function download(feed: string, path: string): Promise<Buffer> {
    const res = await raw(t, 'GET', `/endpoints/${feed}/content/${path}`);
    expect([feed, path, res.status]).toEqual([feed, path, 200]);
    return res.body;
  }

  const status = async (feed: string, path: string) =>
    (await raw(t, 'GET', `/endpoints/${feed}/content/${path}`)).status;

  const move = (feed: string, path: string, body: unknown, headers?: Record<string, string>) =>
    api('POST', `/endpoints/${feed}/move/${path}`, body, headers);
  const copy = (feed: string, path: string, body: unknown, headers?: Record<string, string>) =>
    api('POST', `/endpoints/${feed}/copy/${path}`, body, headers);
  const result = (res: RawResponse) => JSON.parse(res.text) as AssetTransferResult;

  async function listing(feed: string, path = ''): Promise<string[]> {
    const res = await raw(t, 'GET', `/endpoints/${feed}/dir/${path}?recursive=true`);
    expect(res.status).toBe(200);
    return (JSON.parse(res.text) as { parent: string; name: string; type?: string }[])
      .map((i) => (i.parent ? `${i.parent}/${i.name}` : i.name))
      .sort();
  }

  const metadata = async (feed: string, path: string) =>
    JSON.parse((await raw(t, 'GET', `/endpoints/${feed}/metadata/${path}`)).text) as Record<string, unknown>;

  /** Runs the blob sweep and the janitor's orphan pass (every age), as the background jobs would. */
  async function sweepAll(): Promise<void> {
    await t.app.get(StorageService).sweep();
    await t.app.get(MultipartJanitorService).removeStoreLeftovers(0);
  }

  /** A directory on the shared disk folder: directories on it share blobs. */
  async function sharedFeed(name: string): Promise<void> {
    await createFeed(t, name);
    const res = await api('POST', `/api/storage?feed=${name}`, { id: 'disk', properties: { Path: sharedRoot } });
    expect([name, res.status, res.text.slice(0, 200)]).toEqual([name, 200, expect.any(String)]);
  }

  async function grant(user: string, role: string, feed: string): Promise<void> {
    const res = await api('POST', '/api/security/privileges', {
      principalType: 'user',
      principalName: user,
      role,
      feed,
    });
    expect(res.status).toBe(201);
  }

  async function user(name: string): Promise<Record<string, string>> {
    const res = await api('POST', '/api/security/users', { userName: name, password: PASSWORD });
    expect(res.status).toBe(201);
    return { Authorization: basicAuth(name, PASSWORD) };
  }

  it('renames a file in place: same bytes, metadata, created date and download count; the old path is gone', async () => {
    await createFeed(t, 'files');
    const body = randomBytes(5000);
    await upload('files', 'a/report.bin', body);
    await download('files', 'a/report.bin');
    await t.app.get(DownloadCounterService).flush();
    const before = await metadata('files', 'a/report.bin');
    const res = await move('files', 'a/report.bin', { to: 'b/c/renamed.bin' });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(result(res)).toEqual({
      kind: 'file',
      directory: 'files',
      path: 'b/c/renamed.bin',
      items: 1,
      files: 1,
      bytesCopied: 0,
      replaced: false,
    });
    expect(await status('files', 'a/report.bin')).toBe(404);
    expect(sha256(await download('files', 'b/c/renamed.bin'))).toBe(sha256(body));
    const after = await metadata('files', 'b/c/renamed.bin');
    expect(after).toMatchObject({ created: before['created'], sha256: sha256(body), size: 5000 });
    expect(after['downloadCount']).toBe(1);
    expect(before['downloadCount']).toBe(1);
    // The parents of the target were made like an upload makes them; the old folder stays.
    expect(await listing('files')).toEqual(['a', 'b', 'b/c', 'b/c/renamed.bin']);

    // A child stored under another case of its folder's name keeps its place.
    await upload('files', 'Docs/Guide.txt', 'guide');
    await upload('files', 'docs/inner/x.txt', 'x');
    expect((await move('files', 'docs', { to: 'Manuals/v2' })).status).toBe(201);
    expect(await listing('files', 'Manuals')).toEqual([
      'Manuals/v2',
      'Manuals/v2/Guide.txt',
      'Manuals/v2/inner',
      'Manuals/v2/inner/x.txt',
    ]);
    expect((await download('files', 'manuals/V2/INNER/x.txt')).toString()).toBe('x');
    // A case-only rename is a rename, not "onto itself".
    expect((await move('files', 'b/c/renamed.bin', { to: 'b/c/Renamed.bin' })).status).toBe(201);
    expect(await listing('files', 'b')).toEqual(['b/c', 'b/c/Renamed.bin']);
  });

  it('copies a file: the copy shares the blob (no new bytes on disk) and starts at 0 downloads', async () => {
    await createFeed(t, 'copies');
    const body = randomBytes(3000);
    await upload('copies', 'src.bin', body);
    await download('copies', 'src.bin');
    await t.app.get(DownloadCounterService).flush();
    const root = JSON.parse((await api('GET', '/api/storage?feed=copies')).text).properties.Path as string;
    // Looked up (and missed) before: the copy must not hide behind a cached miss.
    expect(await status('copies', 'dup/copy.bin')).toBe(404);
    const res = await copy('copies', 'src.bin', { to: 'dup/copy.bin' });
    expect(res.status).toBe(201);
    expect(result(res)).toMatchObject({ kind: 'file', items: 1, files: 1, bytesCopied: 0, replaced: false });
    expect(sha256(await download('copies', 'dup/copy.bin'))).toBe(sha256(body));
    expect(await blobsOnDisk(root)).toHaveLength(1);
    const meta = await metadata('copies', 'dup/copy.bin');
    expect(meta['downloadCount']).toBe(0);
    expect((await metadata('copies', 'src.bin'))['downloadCount']).toBe(1);

    // Delete the original: after the sweep and the janitor the copy still reads byte-identical.
    expect((await raw(t, 'DELETE', '/endpoints/copies/content/src.bin')).status).toBe(200);
    await sweepAll();
    expect(sha256(await download('copies', 'dup/copy.bin'))).toBe(sha256(body));
    expect(await blobsOnDisk(root)).toHaveLength(1);
    // Overwrite the last user: now the blob goes.
    await upload('copies', 'dup/copy.bin', 'new content');
    await sweepAll();
    expect(await blobsOnDisk(root)).toHaveLength(1);
    expect((await download('copies', 'dup/copy.bin')).toString()).toBe('new content');
  });

  it('moves and copies whole folders in one go, keeping every file; a copied folder survives deleting the source', async () => {
    await createFeed(t, 'tree');
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 30; i++) files.set(`src/d${i % 3}/f${i}.bin`, randomBytes(100 + i));
    files.set('src/empty.txt', Buffer.alloc(0));
    for (const [p, b] of files) await upload('tree', p, b);
    await api('POST', '/endpoints/tree/dir/src/empty-folder');

    const copied = await copy('tree', 'src', { to: 'backup/src-copy' });
    expect(copied.status).toBe(201);
    expect(result(copied)).toMatchObject({ kind: 'dir', items: 31 + 3 + 1 + 1, files: 31, replaced: false });
    const moved = await move('tree', 'src', { to: 'renamed' });
    expect(moved.status).toBe(201);
    expect(result(moved)).toMatchObject({ kind: 'dir', path: 'renamed', items: 36, files: 31 });
    expect(await listing('tree', 'src')).toEqual([]);
    expect(await status('tree', 'src/d0/f0.bin')).toBe(404);
    for (const [p, b] of files) {
      const rest = p.slice('src/'.length);
      expect(sha256(await download('tree', `renamed/${rest}`))).toBe(sha256(b));
      expect(sha256(await download('tree', `backup/src-copy/${rest}`))).toBe(sha256(b));
    }
    expect(await listing('tree', 'renamed/empty-folder')).toEqual([]);
    expect((await metadata('tree', 'renamed/empty-folder'))['type']).toBe('dir');

    // Delete the moved folder: the copy keeps its bytes through the sweep and the janitor.
    expect((await raw(t, 'POST', '/endpoints/tree/delete/renamed?recursive=true')).status).toBe(200);
    await sweepAll();
    for (const [p, b] of files) expect(sha256(await download('tree', `backup/src-copy/${p.slice(4)}`))).toBe(sha256(b));
    const root = JSON.parse((await api('GET', '/api/storage?feed=tree')).text).properties.Path as string;
    expect(await blobsOnDisk(root)).toHaveLength(files.size);
  });

  it('refuses every conflict with a reason, and changes nothing', async () => {
    await createFeed(t, 'clash');
    await upload('clash', 'a.txt', 'A');
    await upload('clash', 'b.txt', 'B');
    await upload('clash', 'folder/inner.txt', 'inner');
    await upload('clash', 'other/x.txt', 'x');
    const expectRefused = async (res: RawResponse, code: number, reason: RegExp) => {
      expect([res.status, res.text]).toEqual([code, expect.stringMatching(reason)]);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
    };
    await expectRefused(await move('clash', 'a.txt', { to: 'b.txt' }), 409, /already exists.*overwrite/);
    await expectRefused(await copy('clash', 'a.txt', { to: 'b.txt', overwrite: false }), 409, /already exists/);
    await expectRefused(await move('clash', 'a.txt', { to: 'folder', overwrite: true }), 409, /a folder is there/);
    await expectRefused(await move('clash', 'folder', { to: 'a.txt', overwrite: true }), 409, /a file is there/);
    await expectRefused(await move('clash', 'folder', { to: 'other', overwrite: true }), 409, /not merged/);
    await expectRefused(await move('clash', 'other', { to: 'a.txt/below' }), 409, /"a\.txt" is a file/);
    await expectRefused(await move('clash', 'a.txt', { to: 'a.txt' }), 400, /onto itself/);
    await expectRefused(await copy('clash', 'folder', { to: 'folder' }), 400, /onto itself/);
    await expectRefused(await move('clash', 'folder', { to: 'folder/sub/deeper' }), 400, /into itself/);
    await expectRefused(await copy('clash', 'folder', { to: 'FOLDER/copy' }), 400, /into itself/);
    await expectRefused(await move('clash', 'missing.txt', { to: 'x.txt' }), 404, /not found/);
    await expectRefused(await move('clash', 'a.txt', { to: 'x.txt', toDirectory: 'no-such-dir' }), 404, /no-such-dir/);
    await expectRefused(await move('clash', '', { to: 'x' }), 400, /root/);
    // Bad bodies and every path rule of today on "to".
    await expectRefused(await move('clash', 'a.txt', {}), 400, /"to"/);
    await expectRefused(await move('clash', 'a.txt', { to: 'x', extra: 1 }), 400, /Unknown field/);
    await expectRefused(await move('clash', 'a.txt', { to: 'x', overwrite: 'yes' }), 400, /overwrite/);
    await expectRefused(await move('clash', 'a.txt', { to: '../escape.txt' }), 400, /"to"/);
    await expectRefused(await move('clash', 'a.txt', { to: 'nul.txt' }), 400, /.+/);
    await expectRefused(await move('clash', 'a.txt', { to: 'a\u202egnp.exe' }), 400, /.+/);
    await expectRefused(await move('clash', 'a.txt', { to: '/' }), 400, /"to"/);
    const bad = await raw(t, 'POST', '/endpoints/clash/move/a.txt', { headers: json, body: '{not json' });
    expect(bad.status).toBe(400);
    expect((await raw(t, 'GET', '/endpoints/clash/move/a.txt')).status).toBe(405);
    // Nothing moved.
    expect(await listing('clash')).toEqual(['a.txt', 'b.txt', 'folder', 'folder/inner.txt', 'other', 'other/x.txt']);
    expect((await download('clash', 'a.txt')).toString()).toBe('A');
  });

  it('overwrite replaces a file (200, replaced) and its blob is reclaimed only when unused', async () => {
    await createFeed(t, 'ow');
    await upload('ow', 'new.txt', 'new');
    await upload('ow', 'old.txt', 'old');
    await upload('ow', 'keep.txt', 'keep');
    const res = await move('ow', 'new.txt', { to: 'old.txt', overwrite: true });
    expect(res.status).toBe(200);
    expect(result(res)).toMatchObject({ replaced: true, path: 'old.txt' });
    expect((await download('ow', 'old.txt')).toString()).toBe('new');
    expect(await status('ow', 'new.txt')).toBe(404);
    const c = await copy('ow', 'keep.txt', { to: 'old.txt', overwrite: true });
    expect(c.status).toBe(200);
    expect((await download('ow', 'old.txt')).toString()).toBe('keep');
    expect((await download('ow', 'keep.txt')).toString()).toBe('keep');
    await sweepAll();
    expect((await download('ow', 'old.txt')).toString()).toBe('keep');
  });

  it('checks privileges at both ends: Delete (move) or Download (copy) here, Add there, Overwrite to replace', async () => {
    await createFeed(t, 'priv-src');
    await createFeed(t, 'priv-dst');
    await createFeed(t, 'priv-hidden');
    await upload('priv-src', 'f.txt', 'f');
    await upload('priv-dst', 'taken.txt', 'taken');
    const adder = await user('adder');
    await grant('adder', 'No delete', 'priv-src');
    await grant('adder', 'Add only', 'priv-dst');
    // Add at the target but no Delete at the source: 403 for a move; a copy only needs Download here.
    const refused = await move('priv-src', 'f.txt', { to: 'f.txt', toDirectory: 'priv-dst' }, adder);
    expect([refused.status, refused.text]).toEqual([403, expect.stringMatching(/.+/)]);
    expect(await status('priv-src', 'f.txt')).toBe(200);
    expect((await copy('priv-src', 'f.txt', { to: 'f.txt', toDirectory: 'priv-dst' }, adder)).status).toBe(201);
    // Replacing needs Overwrite at the target.
    expect(
      (await copy('priv-src', 'f.txt', { to: 'taken.txt', toDirectory: 'priv-dst', overwrite: true }, adder)).status,
    ).toBe(403);
    expect((await download('priv-dst', 'taken.txt')).toString()).toBe('taken');
    // A directory the caller cannot view answers as one that does not exist.
    const hidden = await copy('priv-src', 'f.txt', { to: 'f.txt', toDirectory: 'priv-hidden' }, adder);
    const missing = await copy('priv-src', 'f.txt', { to: 'f.txt', toDirectory: 'priv-nowhere' }, adder);
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    // Delete here and Add there: a move between directories.
    const mover = await user('mover');
    await grant('mover', 'Move here', 'priv-src');
    await grant('mover', 'Add only', 'priv-dst');
    expect((await move('priv-src', 'f.txt', { to: 'moved/f.txt', toDirectory: 'priv-dst' }, mover)).status).toBe(201);
    expect(await status('priv-src', 'f.txt')).toBe(404);
    expect((await download('priv-dst', 'moved/f.txt')).toString()).toBe('f');
  });

  it('two concurrent moves of one folder: one wins whole, nothing half-moved', async () => {
    await createFeed(t, 'race');
    for (let i = 0; i < 200; i++) await upload('race', `src/sub${i % 4}/f${i}.txt`, `file ${i}`);
    const [a, b] = await Promise.all([move('race', 'src', { to: 'left' }), move('race', 'src', { to: 'right' })]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 404]);
    const winner = a.status === 201 ? 'left' : 'right';
    const loser = winner === 'left' ? 'right' : 'left';
    const all = await listing('race');
    expect(all.filter((p) => p.startsWith(`${winner}/`) && p.endsWith('.txt'))).toHaveLength(200);
    expect(all.filter((p) => p.startsWith('src') || p.startsWith(loser))).toEqual([]);
    expect((await download('race', `${winner}/sub1/f1.txt`)).toString()).toBe('file 1');
  });

  it('two crossing moves (a → b and b → a, overwriting) run one after the other, never half-done', async () => {
    await createFeed(t, 'cross');
    for (let round = 0; round < 5; round++) {
      await upload('cross', `r${round}/a.txt`, 'A');
      await upload('cross', `r${round}/b.txt`, 'B');
      const answers = await Promise.all([
        move('cross', `r${round}/a.txt`, { to: `r${round}/b.txt`, overwrite: true }),
        move('cross', `r${round}/b.txt`, { to: `r${round}/a.txt`, overwrite: true }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
      const left = await listing('cross', `r${round}`);
      expect(left).toHaveLength(1);
      expect(['A', 'B']).toContain((await download('cross', left[0])).toString());
    }
  });

  it('between directories on one storage: no bytes copied, blobs shared and reclaimed right (deletes, retention, directory deletion, storage moves)', async () => {
    await sharedFeed('one');
    await sharedFeed('two');
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 5; i++) files.set(`pkg/f${i}.log`, randomBytes(2000 + i));
    for (const [p, b] of files) await upload('one', p, b);
    expect(await blobsOnDisk(sharedRoot)).toHaveLength(5);

    const res = await copy('one', 'pkg', { to: 'pkg', toDirectory: 'two' });
    expect(res.status).toBe(201);
    expect(result(res)).toMatchObject({ directory: 'two', files: 5, bytesCopied: 0 });
    expect(await blobsOnDisk(sharedRoot)).toHaveLength(5);
    const moved = await move('two', 'pkg/f0.log', { to: 'moved/f0.log', toDirectory: 'one' });
    expect(moved.status).toBe(201);
    expect(result(moved)).toMatchObject({ bytesCopied: 0 });

    // Retention deletes the files of "one" only.
    const clock = t.app.get(Clock);
    clock.travel(3 * DAY);
    const rules = await api('POST', '/api/management/feeds/update/one', {
      retentionRules: [{ deletePackageIds: ['*.log'], deleteOlderThanDays: 1 }],
    });
    expect(rules.status).toBe(200);
    const run = await api('POST', '/api/retention/one/run?wait=true');
    expect(run.status).toBe(200);
    expect(JSON.parse(run.text)).toMatchObject({ deletedFiles: 6 });
    await sweepAll();
    expect(await listing('one')).not.toContainEqual(expect.stringMatching(/\.log$/));
    for (let i = 1; i < 5; i++)
      expect(sha256(await download('two', `pkg/f${i}.log`))).toBe(sha256(files.get(`pkg/f${i}.log`) as Buffer));
    // f0 was moved into "one" and deleted there by retention: its blob went (no one else had it).
    expect(await blobsOnDisk(sharedRoot)).toHaveLength(4);

    // Copy back into "one", then move "two" to another storage: "one" still reads its (shared) blobs.
    expect((await copy('two', 'pkg', { to: 'back', toDirectory: 'one' })).status).toBe(201);
    const otherRoot = join(t.workDir, 'other-store');
    const change = await api('POST', '/api/storage?feed=two', { id: 'disk', properties: { Path: otherRoot } });
    expect(change.status).toBe(200);
    const moveId = (JSON.parse(change.text) as { move: { id: string } }).move.id;
    for (let tries = 0; ; tries++) {
      const state = JSON.parse((await api('GET', `/api/storage/moves/${moveId}`)).text).state as string;
      if (state === 'completed') break;
      if (tries > 200) throw new Error(`storage move ${state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await sweepAll();
    for (let i = 1; i < 5; i++) {
      const expected = sha256(files.get(`pkg/f${i}.log`) as Buffer);
      expect(sha256(await download('one', `back/f${i}.log`))).toBe(expected);
      expect(sha256(await download('two', `pkg/f${i}.log`))).toBe(expected);
    }
    expect(await blobsOnDisk(sharedRoot)).toHaveLength(4);
    expect(await blobsOnDisk(otherRoot)).toHaveLength(4);

    // Deleting directory "one" reclaims nothing "two" still uses (two has its own copies now), and
    // what only "one" used goes.
    expect((await api('DELETE', '/api/management/feeds/delete/one')).status).toBe(200);
    await sweepAll();
    expect(await blobsOnDisk(sharedRoot)).toHaveLength(0);
    for (let i = 1; i < 5; i++) expect((await download('two', `pkg/f${i}.log`)).length).toBe(2000 + i);
  });

  it('deleting a directory keeps the blobs another directory on the same storage still names', async () => {
    await sharedFeed('three');
    await sharedFeed('four');
    const body = randomBytes(4321);
    await upload('three', 'x/shared.bin', body);
    expect((await copy('three', 'x', { to: 'y', toDirectory: 'four' })).status).toBe(201);
    expect((await api('DELETE', '/api/management/feeds/delete/three')).status).toBe(200);
    await sweepAll();
    expect(sha256(await download('four', 'y/shared.bin'))).toBe(sha256(body));
  });

  it('across storages: the bytes are streamed and verified, the source blobs of a move reclaimed', async () => {
    await createFeed(t, 'disk-a');
    await createFeed(t, 'disk-b');
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 12; i++) files.set(`data/f${i}.bin`, randomBytes(10_000 + i * 1000));
    files.set('data/big.bin', randomBytes(3 * 1024 * 1024 + 7));
    for (const [p, b] of files) await upload('disk-a', p, b);
    const rootA = JSON.parse((await api('GET', '/api/storage?feed=disk-a')).text).properties.Path as string;
    const rootB = JSON.parse((await api('GET', '/api/storage?feed=disk-b')).text).properties.Path as string;
    expect(rootA).not.toBe(rootB);

    const copied = await copy('disk-a', 'data', { to: 'copied', toDirectory: 'disk-b' });
    expect(copied.status).toBe(201);
    const total = [...files.values()].reduce((n, b) => n + b.length, 0);
    expect(result(copied)).toMatchObject({ files: files.size, bytesCopied: total });
    const moved = await move('disk-a', 'data', { to: 'moved', toDirectory: 'disk-b' });
    expect(moved.status).toBe(201);
    expect(result(moved)).toMatchObject({ files: files.size, bytesCopied: total });
    await sweepAll();
    expect(await blobsOnDisk(rootA)).toHaveLength(0);
    expect(await blobsOnDisk(rootB)).toHaveLength(files.size * 2);
    for (const [p, b] of files) {
      const rest = p.slice('data/'.length);
      expect(sha256(await download('disk-b', `copied/${rest}`))).toBe(sha256(b));
      expect(sha256(await download('disk-b', `moved/${rest}`))).toBe(sha256(b));
      expect((await metadata('disk-b', `moved/${rest}`))['sha256']).toBe(sha256(b));
    }
    expect(await listing('disk-a')).toEqual([]);
  });

  it('a copy across storages whose source blob is gone fails whole: nothing changes, nothing is left behind', async () => {
    await createFeed(t, 'broken-a');
    await createFeed(t, 'broken-b');
    for (let i = 0; i < 4; i++) await upload('broken-a', `d/f${i}.bin`, randomBytes(500));
    const rootA = JSON.parse((await api('GET', '/api/storage?feed=broken-a')).text).properties.Path as string;
    const rootB = JSON.parse((await api('GET', '/api/storage?feed=broken-b')).text).properties.Path as string;
    // Lose one blob behind the server's back.
    const { rm } = await import('node:fs/promises');
    const entries = await readdir(rootA, { recursive: true, withFileTypes: true });
    const victim = entries.find((e) => e.isFile() && !e.parentPath.includes('/.'));
    if (!victim) throw new Error('no blob');
    await rm(join(victim.parentPath, victim.name));
    const res = await copy('broken-a', 'd', { to: 'd', toDirectory: 'broken-b' });
    expect([res.status, res.text]).toEqual([409, expect.stringMatching(/stored bytes of "d\/f\d\.bin" are missing/)]);
    expect(await listing('broken-b')).toEqual([]);
    expect(await blobsOnDisk(rootB)).toHaveLength(0);
  });

  it('records moves and copies in the audit log', async () => {
    await createFeed(t, 'audited');
    await upload('audited', 'a.txt', 'a');
    expect((await move('audited', 'a.txt', { to: 'b.txt' })).status).toBe(201);
    expect((await copy('audited', 'b.txt', { to: 'c.txt' })).status).toBe(201);
    const page = JSON.parse((await api('GET', '/api/security/audit?feed=audited')).text) as
      | { events: AuditEvent[] }
      | AuditEvent[];
    const events = Array.isArray(page) ? page : page.events;
    const actions = events.filter((e) => e.feed === 'audited').map((e) => [e.action, e.target]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['asset.moved', 'a.txt'],
        ['asset.copied', 'b.txt'],
      ]),
    );
  });
});
