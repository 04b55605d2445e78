import type { AssetTransferResult, Feed } from '@stockroom/contracts';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bytes, createFeed } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';

const json = { 'Content-Type': 'application/json' };

/** Every file under a disk storage folder, ignoring the provider's own dot-folders. */
async function blobsOnDisk(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).slice(root.length).includes('/.'))
    .map((e) => e.name);
}

/**
 * Issue 17: move and copy under the directory policies. A move deletes at its source and creates
 * (or, with overwrite, replaces) at its target — a rename within one directory is both there; a copy
 * only creates or replaces at its target. A refusal is a 403 naming the policy and refuses the whole
 * operation; a copy, or a move into another directory, past the target's quota is a 413 with the
 * figures. Either way nothing changes, at either end.
 */
describe('move and copy under directory policies', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const api = (method: string, path: string, body?: unknown) =>
    raw(t, method, path, { headers: json, body: body === undefined ? undefined : JSON.stringify(body) });
  const move = (feed: string, path: string, body: unknown) => api('POST', `/endpoints/${feed}/move/${path}`, body);
  const copy = (feed: string, path: string, body: unknown) => api('POST', `/endpoints/${feed}/copy/${path}`, body);
  const result = (res: RawResponse) => JSON.parse(res.text) as AssetTransferResult;

  async function upload(feed: string, path: string, body: Buffer | string): Promise<void> {
    const res = await raw(t, 'POST', `/endpoints/${feed}/content/${path}`, { body });
    expect([feed, path, res.status, res.text]).toEqual([feed, path, 201, '']);
  }
  const content = async (feed: string, path: string) => {
    const res = await raw(t, 'GET', `/endpoints/${feed}/content/${path}`);
    return res.status === 200 ? res.text : res.status;
  };
  async function listing(feed: string): Promise<string[]> {
    const res = await raw(t, 'GET', `/endpoints/${feed}/dir/?recursive=true`);
    expect(res.status).toBe(200);
    return (JSON.parse(res.text) as { parent: string; name: string }[])
      .map((i) => (i.parent ? `${i.parent}/${i.name}` : i.name))
      .sort();
  }
  async function setPolicy(feed: string, body: Record<string, unknown>): Promise<void> {
    const res = await api('POST', `/api/management/feeds/update/${feed}`, body);
    expect([feed, res.status, res.text.slice(0, 200)]).toEqual([feed, 200, expect.any(String)]);
  }
  const used = async (feed: string) =>
    (JSON.parse((await api('GET', `/api/management/feeds/get/${feed}`)).text) as Feed).quotaUsedBytes;
  /** A refusal as a ProGet client sees it: the status and the text body. */
  const expectRefused = (res: RawResponse, status: number, message: RegExp) => {
    expect([res.status, res.headers['content-type'], res.text]).toEqual([
      status,
      expect.stringMatching(/^text\/plain/),
      expect.stringMatching(message),
    ]);
  };

  it('create-only: nothing moves out or is renamed (403, nothing changed); copies out and new paths in are fine', async () => {
    await createFeed(t, 'released');
    await createFeed(t, 'open');
    await upload('released', 'v1/app.zip', 'release one');
    await upload('released', 'v1/notes.txt', 'notes');
    await upload('released', 'readme', 'read me');
    await setPolicy('released', { writePolicy: 'create-only' });
    const before = await listing('released');

    // Out of it, into another directory: a delete at the source.
    expectRefused(
      await move('released', 'v1/app.zip', { to: 'app.zip', toDirectory: 'open' }),
      403,
      /"released" is create-only: "v1\/app\.zip" cannot be deleted/,
    );
    expectRefused(await move('released', 'v1', { to: 'v1', toDirectory: 'open' }), 403, /create-only/);
    // A rename within it is a delete there too — files, folders, and a change of case alike.
    expectRefused(await move('released', 'v1/app.zip', { to: 'v1/app-final.zip' }), 403, /create-only/);
    expectRefused(await move('released', 'v1', { to: 'v1.0' }), 403, /create-only.*"v1" cannot be deleted/);
    expectRefused(await move('released', 'readme', { to: 'README' }), 403, /create-only/);
    // Even a fresh 0-byte placeholder of the mover's own: the rule lets its writer replace it once,
    // never take the path away (DELETE cannot either).
    await upload('released', 'placeholder.bin', '');
    expectRefused(await move('released', 'placeholder.bin', { to: 'elsewhere.bin' }), 403, /create-only/);

    expect(await listing('released')).toEqual([...before, 'placeholder.bin'].sort());
    expect(await listing('open')).toEqual([]);
    expect(await content('released', 'v1/app.zip')).toBe('release one');

    // A copy changes nothing at its source; a new path in a create-only directory is a create.
    expect((await copy('released', 'v1', { to: 'v1', toDirectory: 'open' })).status).toBe(201);
    expect(await listing('open')).toEqual(['v1', 'v1/app.zip', 'v1/notes.txt']);
    expect((await copy('released', 'v1', { to: 'v1-copy' })).status).toBe(201);
    expect(await content('released', 'v1-copy/app.zip')).toBe('release one');
    expect((await move('open', 'v1/notes.txt', { to: 'v2/notes.txt', toDirectory: 'released' })).status).toBe(201);
    expect(await content('released', 'v2/notes.txt')).toBe('notes');
    expect(await content('open', 'v1/notes.txt')).toBe(404);
  });

  it('create-only: overwrite onto a file is refused (403), unless it is the writer’s own fresh placeholder', async () => {
    await createFeed(t, 'sealed');
    await createFeed(t, 'drafts');
    await upload('sealed', 'app.zip', 'sealed bytes');
    await upload('drafts', 'app.zip', 'draft bytes');
    await upload('drafts', 'tool.exe', 'the tool');
    await setPolicy('sealed', { writePolicy: 'create-only' });

    expectRefused(
      await copy('drafts', 'app.zip', { to: 'app.zip', toDirectory: 'sealed', overwrite: true }),
      403,
      /"sealed" is create-only: "app\.zip" already exists and cannot be overwritten/,
    );
    expectRefused(
      await move('drafts', 'app.zip', { to: 'app.zip', toDirectory: 'sealed', overwrite: true }),
      403,
      /already exists and cannot be overwritten/,
    );
    // Within the directory too (a copy: its source is untouched, its target is a replace).
    expectRefused(await copy('sealed', 'app.zip', { to: 'app.zip', overwrite: true }), 400, /onto itself/);
    await upload('sealed', 'other.zip', 'other');
    expectRefused(await copy('sealed', 'other.zip', { to: 'app.zip', overwrite: true }), 403, /cannot be overwritten/);
    expect(await content('sealed', 'app.zip')).toBe('sealed bytes');
    expect(await content('drafts', 'app.zip')).toBe('draft bytes');

    // The placeholder habit: an empty file first, its bytes brought in by a copy — once.
    await upload('sealed', 'tool.exe', '');
    const filled = await copy('drafts', 'tool.exe', { to: 'tool.exe', toDirectory: 'sealed', overwrite: true });
    expect([filled.status, result(filled).replaced]).toEqual([200, true]);
    expect(await content('sealed', 'tool.exe')).toBe('the tool');
    expectRefused(
      await copy('drafts', 'app.zip', { to: 'tool.exe', toDirectory: 'sealed', overwrite: true }),
      403,
      /"tool\.exe" already exists and cannot be overwritten/,
    );
    expect(await content('sealed', 'tool.exe')).toBe('the tool');
  });

  it('read-only: nothing moves or is copied in, out of it or within it (403); copies out are fine', async () => {
    await createFeed(t, 'frozen');
    await createFeed(t, 'work');
    await upload('frozen', 'kept/a.txt', 'kept a');
    await upload('work', 'new/b.txt', 'new b');
    await upload('work', 'a.txt', 'work a');
    await setPolicy('frozen', { writePolicy: 'read-only' });
    const readOnly = /"frozen" is read-only/;

    expectRefused(await move('work', 'new', { to: 'new', toDirectory: 'frozen' }), 403, readOnly);
    expectRefused(await copy('work', 'new', { to: 'new', toDirectory: 'frozen' }), 403, readOnly);
    expectRefused(
      await copy('work', 'a.txt', { to: 'kept/a.txt', toDirectory: 'frozen', overwrite: true }),
      403,
      readOnly,
    );
    expectRefused(await move('frozen', 'kept', { to: 'kept', toDirectory: 'work' }), 403, readOnly);
    expectRefused(await move('frozen', 'kept/a.txt', { to: 'kept/z.txt' }), 403, readOnly);
    expectRefused(await copy('frozen', 'kept/a.txt', { to: 'kept/z.txt' }), 403, readOnly);

    expect(await listing('frozen')).toEqual(['kept', 'kept/a.txt']);
    expect(await listing('work')).toEqual(['a.txt', 'new', 'new/b.txt']);

    expect((await copy('frozen', 'kept', { to: 'from-frozen', toDirectory: 'work' })).status).toBe(201);
    expect(await content('work', 'from-frozen/a.txt')).toBe('kept a');
    expect(await listing('frozen')).toEqual(['kept', 'kept/a.txt']);
  });

  it('a copy past the target’s quota is 413 with the figures; nothing changes and its use stays', async () => {
    await createFeed(t, 'source');
    await createFeed(t, 'capped');
    await upload('source', 'big/one.bin', bytes(3000));
    await upload('source', 'big/two.bin', bytes(3000));
    await upload('capped', 'have.bin', bytes(5000));
    await setPolicy('capped', { quotaBytes: 10_000 });
    expect(await used('capped')).toBe(5000);

    expectRefused(
      await copy('source', 'big', { to: 'big', toDirectory: 'capped' }),
      413,
      /"capped" would exceed its quota: 6000 more bytes, with 5000 of its 10000 bytes in use/,
    );
    expect(await content('capped', 'big/one.bin')).toBe(404);
    expect(await listing('capped')).toEqual(['have.bin']);
    expect(await used('capped')).toBe(5000);
    // A move is refused the same way, and leaves its source as it was.
    expectRefused(await move('source', 'big', { to: 'big', toDirectory: 'capped' }), 413, /6000 more bytes/);
    expect(await listing('source')).toEqual(['big', 'big/one.bin', 'big/two.bin']);
    expect([await used('source'), await used('capped')]).toEqual([6000, 5000]);

    // A copy within the directory counts in full too (the copy shares its blob, the quota does not):
    // up to the quota exactly, then no further.
    expect((await copy('capped', 'have.bin', { to: 'have-2.bin' })).status).toBe(201);
    expect(await used('capped')).toBe(10_000);
    expectRefused(
      await copy('capped', 'have.bin', { to: 'have-3.bin' }),
      413,
      /5000 more bytes, with 10000 of its 10000/,
    );
    expect(await listing('capped')).toEqual(['have-2.bin', 'have.bin']);
    // An overwrite counts what it replaces: 5000 out, 3000 in.
    const replaced = await copy('source', 'big/one.bin', { to: 'have.bin', toDirectory: 'capped', overwrite: true });
    expect([replaced.status, result(replaced).replaced]).toEqual([200, true]);
    expect(await used('capped')).toBe(8000);
    // A rename within a full directory changes no use: always allowed.
    await setPolicy('capped', { quotaBytes: 8000 });
    expect((await move('capped', 'have.bin', { to: 'renamed/have.bin' })).status).toBe(201);
    expect(await used('capped')).toBe(8000);
  });

  it('a folder copy of several files within the quota succeeds and counts them in full', async () => {
    await createFeed(t, 'kit');
    await createFeed(t, 'roomy');
    for (const [i, size] of [1000, 2000, 1500, 500].entries()) await upload('kit', `parts/p${i}.bin`, bytes(size));
    await upload('kit', 'parts/empty.txt', '');
    await setPolicy('roomy', { quotaBytes: 10_000 });

    const res = await copy('kit', 'parts', { to: 'copied/parts', toDirectory: 'roomy' });
    expect([res.status, result(res)]).toEqual([
      201,
      expect.objectContaining({ kind: 'dir', directory: 'roomy', path: 'copied/parts', items: 6, files: 5 }),
    ]);
    expect(await used('roomy')).toBe(5000);
    expect(await used('kit')).toBe(5000);
    // Once more within the directory: 10,000 exactly, then full.
    expect((await copy('roomy', 'copied/parts', { to: 'again' })).status).toBe(201);
    expect(await used('roomy')).toBe(10_000);
    expectRefused(await copy('kit', 'parts/p3.bin', { to: 'p3.bin', toDirectory: 'roomy' }), 413, /quota/);
    // The empty file still fits (nothing more).
    expect((await copy('kit', 'parts/empty.txt', { to: 'empty.txt', toDirectory: 'roomy' })).status).toBe(201);
  });

  it('a move between directories moves its bytes from one use to the other', async () => {
    await createFeed(t, 'outbox');
    await createFeed(t, 'inbox');
    await upload('outbox', 'batch/a.bin', bytes(1200));
    await upload('outbox', 'batch/b.bin', bytes(800));
    await upload('outbox', 'stays.bin', bytes(100));
    await setPolicy('inbox', { quotaBytes: 2500 });
    expect([await used('outbox'), await used('inbox')]).toEqual([2100, 0]);

    const res = await move('outbox', 'batch', { to: 'received', toDirectory: 'inbox' });
    expect([res.status, result(res).files]).toEqual([201, 2]);
    expect([await used('outbox'), await used('inbox')]).toEqual([100, 2000]);
    expect(await listing('inbox')).toEqual(['received', 'received/a.bin', 'received/b.bin']);

    // And back again: the source had no quota, the target gives its room back.
    expect((await move('inbox', 'received/a.bin', { to: 'a.bin', toDirectory: 'outbox' })).status).toBe(201);
    expect([await used('outbox'), await used('inbox')]).toEqual([1300, 800]);
    // Past what is left (1700): refused, both uses as they were.
    await upload('outbox', 'c.bin', bytes(1701));
    expectRefused(
      await move('outbox', 'c.bin', { to: 'c.bin', toDirectory: 'inbox' }),
      413,
      /"inbox" would exceed its quota: 1701 more bytes, with 800 of its 2500 bytes in use/,
    );
    expect([await used('outbox'), await used('inbox')]).toEqual([3001, 800]);
    expect(await content('inbox', 'c.bin')).toBe(404);
  });

  it('concurrent copies and crossing moves: the quota holds exactly and nothing deadlocks', async () => {
    await createFeed(t, 'pool');
    await createFeed(t, 'east');
    await createFeed(t, 'west');
    await upload('pool', 'unit.bin', bytes(3000));
    await setPolicy('east', { quotaBytes: 10_000 });
    await setPolicy('west', { quotaBytes: 10_000 });

    // Eight copies of 3000 bytes at once into 10,000: exactly three fit, the others are 413.
    const copies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => copy('pool', 'unit.bin', { to: `c${i}.bin`, toDirectory: 'east' })),
    );
    const statuses = copies.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 413, 413, 413, 413, 413]);
    expect(await used('east')).toBe(9000);
    expect((await listing('east')).length).toBe(3);

    // Moves crossing between two directories (each locking both usage rows, in one order), each
    // fitting in whatever order they commit (east at most 9000 + 900).
    for (let i = 0; i < 3; i++) await upload('west', `w${i}.bin`, bytes(300));
    const east = (await listing('east')).slice(0, 2);
    const moves = await Promise.all([
      ...east.map((name) => move('east', name, { to: name, toDirectory: 'west' })),
      ...[0, 1, 2].map((i) => move('west', `w${i}.bin`, { to: `w${i}.bin`, toDirectory: 'east' })),
    ]);
    expect(moves.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect([await used('east'), await used('west')]).toEqual([3900, 6000]);
  });

  it('a copy across storages past the quota is refused on the figures, before a byte is read or written', async () => {
    await createFeed(t, 'far');
    await createFeed(t, 'near');
    const farRoot = join(t.workDir, 'far-store');
    const res = await api('POST', '/api/storage?feed=far', { id: 'disk', properties: { Path: farRoot } });
    expect([res.status, res.text.slice(0, 200)]).toEqual([200, expect.any(String)]);
    await upload('near', 'huge.bin', bytes(4000));
    await upload('far', 'small.bin', bytes(10));
    await setPolicy('far', { quotaBytes: 1000 });
    const blobsBefore = (await blobsOnDisk(farRoot)).sort();
    // The source's bytes gone behind the server's back: a copy that read them would fail with a 409
    // (see move-copy.e2e-spec); refused on the figures first, it never gets that far.
    const nearRoot = (JSON.parse((await api('GET', '/api/storage?feed=near')).text) as { properties: { Path: string } })
      .properties.Path;
    const blobs = (await readdir(nearRoot, { recursive: true, withFileTypes: true })).filter(
      (e) => e.isFile() && !join(e.parentPath, e.name).slice(nearRoot.length).includes('/.'),
    );
    expect(blobs).toHaveLength(1);
    await rm(join(blobs[0].parentPath, blobs[0].name));

    expectRefused(
      await copy('near', 'huge.bin', { to: 'huge.bin', toDirectory: 'far' }),
      413,
      /"far" would exceed its quota: 4000 more bytes, with 10 of its 1000 bytes in use/,
    );
    expect((await blobsOnDisk(farRoot)).sort()).toEqual(blobsBefore);
    expect(await listing('far')).toEqual(['small.bin']);
    expect(await used('far')).toBe(10);
  });
});
