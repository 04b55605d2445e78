import { startTestApp, TestApp } from '../support/test-app';
import { createFeed, endpoint, hashesOf } from '../support/fixtures';

describe('folders, listing, delete and metadata (spec §2 #9-15, §3, §5)', () => {
  let t: TestApp;
  let ep: ReturnType<typeof endpoint>;
  beforeAll(async () => {
    t = await startTestApp();
    await createFeed(t, 'tree');
    ep = endpoint(t, 'tree');
  });
  afterAll(() => t.close());

  it('lists a folder as the exact item JSON of spec §3, folders first, then files, by name', async () => {
    const data = Buffer.from('hello world');
    await ep('content/top/b.txt', { method: 'POST', body: data });
    await ep('content/top/A.txt', { method: 'POST', body: 'a' });
    await ep('dir/top/zsub', { method: 'POST' });
    await ep('content/top/Sub/deep.txt', { method: 'POST', body: 'deep' });

    const res = await ep('dir/top');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const items = await res.json();
    expect(items.map((i: { name: string }) => i.name)).toEqual(['Sub', 'zsub', 'A.txt', 'b.txt']);
    const folder = items[0];
    expect(Object.keys(folder).sort()).toEqual(['cacheHeader', 'created', 'modified', 'name', 'parent', 'type']);
    expect(folder).toMatchObject({ name: 'Sub', parent: 'top', type: 'dir', cacheHeader: { type: 'Inherit' } });
    expect(folder.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const file = items[3];
    expect(file).toEqual({
      name: 'b.txt',
      parent: 'top',
      type: 'text/plain',
      size: 11,
      content: `${t.url}/endpoints/tree/content/top/b.txt`,
      created: expect.stringMatching(/Z$/),
      modified: expect.stringMatching(/Z$/),
      ...hashesOf(data),
      cacheHeader: { type: 'Inherit' },
      downloadCount: 0,
    });

    const root = await (await ep('dir/')).json();
    expect(root).toEqual([expect.objectContaining({ name: 'top', type: 'dir' })]);
    expect(root[0].parent).toBeUndefined(); // omitted at the root, never null
    expect(await (await ep('dir')).json()).toEqual(root); // `dir` and `dir/` both mean the root
  });

  it('lists recursively, flat, each with its parent; absorbs pgutil and .NET boolean spellings', async () => {
    for (const q of ['recursive=true', 'recursive=true)', 'Recursive=True', 'RECURSIVE=TRUE&x=1']) {
      const items = await (await ep(`dir/top?${q}`)).json();
      const paths = items.map((i: { parent?: string; name: string }) => `${i.parent}/${i.name}`);
      expect(paths).toEqual(['top/Sub', 'top/zsub', 'top/A.txt', 'top/b.txt', 'top/Sub/deep.txt']);
    }
    const flat = await (await ep('dir/top?recursive=false)')).json();
    expect(flat).toHaveLength(4);
  });

  it('lists each item exactly as its metadata/ answer, times to the millisecond included', async () => {
    await ep('content/same/f.bin', { method: 'POST', body: 'same' });
    const file = await (await ep('metadata/same/f.bin')).json();
    const folder = await (await ep('metadata/same')).json();
    expect(file.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await (await ep('dir/same')).json()).toEqual([file]);
    expect(await (await ep('dir/same?recursive=true')).json()).toEqual([file]);
    expect(await (await ep('dir/?recursive=true')).json()).toEqual(expect.arrayContaining([folder, file]));
  });

  it('lists a missing folder as [] and encodes content links', async () => {
    expect(await (await ep('dir/does/not/exist')).json()).toEqual([]);
    await ep('content/with%20space/na%C3%AFve%23.txt', { method: 'POST', body: 'x' });
    const [item] = await (await ep('dir/with%20space')).json();
    expect(item.name).toBe('naïve#.txt');
    expect(item.content).toBe(`${t.url}/endpoints/tree/content/with%20space/na%C3%AFve%23.txt`);
    expect((await fetch(item.content, { headers: { Authorization: t.adminAuth } })).status).toBe(200);
  });

  it('creates folders with parents, idempotently; a file in the way is 400', async () => {
    expect((await ep('dir/x/y/z', { method: 'POST' })).status).toBe(201);
    expect((await ep('dir/x/y/z', { method: 'POST' })).status).toBe(201);
    expect((await (await ep('dir/x/y')).json())[0]).toMatchObject({ name: 'z', type: 'dir' });
    await ep('content/x/file.txt', { method: 'POST', body: 'f' });
    const blocked = await ep('dir/x/file.txt/sub', { method: 'POST' });
    expect(blocked.status).toBe(400);
    expect(await blocked.text()).toMatch(/is a file/);
    expect((await ep('content/x/y/z', { method: 'POST', body: 'over a folder' })).status).toBe(400);
    expect((await ep('content/x/file.txt/inner.txt', { method: 'POST', body: 'under a file' })).status).toBe(400);
  });

  it('POST delete/ removes files and folders; non-empty folders need recursive', async () => {
    await ep('content/d/one/a.txt', { method: 'POST', body: 'a' });
    await ep('content/d/two.txt', { method: 'POST', body: 'b' });
    const refused = await ep('delete/d?recursive=false)', { method: 'POST' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/not empty/);
    expect((await ep('dir/d')).status).toBe(200);
    expect((await ep('delete/d/two.txt', { method: 'POST' })).status).toBe(200);
    expect((await ep('delete/d?recursive=true', { method: 'POST' })).status).toBe(200);
    expect(await (await ep('dir/d?recursive=true')).json()).toEqual([]);
    expect((await ep('metadata/d')).status).toBe(404);
    expect((await ep('delete/never/was', { method: 'POST' })).status).toBe(200);
    await ep('dir/emptyfolder', { method: 'POST' });
    expect((await ep('delete/emptyfolder', { method: 'POST' })).status).toBe(200);
  });

  it('updates media type, user metadata (update/replace) and cache settings, and serves them', async () => {
    await ep('content/meta/file.dat', { method: 'POST', body: 'm' });
    const post = (path: string, body: unknown) =>
      ep(`metadata/${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
      });
    expect((await post('meta/file.dat', { type: 'application/x-custom' })).status).toBe(200);
    expect(
      (
        await post('meta/file.dat', {
          userMetadata: { Owner: 'ops', 'X-Build': { value: '42', includeInResponseHeader: true } },
        })
      ).status,
    ).toBe(200);
    expect((await post('meta/file.dat', { userMetadata: { Team: 'infra' } })).status).toBe(200);
    let item = await (await ep('metadata/meta/file.dat')).json();
    expect(item.type).toBe('application/x-custom');
    expect(item.userMetadata).toEqual({
      Owner: 'ops',
      Team: 'infra',
      'X-Build': { value: '42', includeInResponseHeader: true },
    });

    let res = await ep('content/meta/file.dat');
    expect(res.headers.get('content-type')).toBe('application/x-custom');
    expect(res.headers.get('x-build')).toBe('42');
    expect(res.headers.get('owner')).toBeNull();

    await post('meta/file.dat', { userMetadataUpdateMode: 'replace', userMetadata: { Only: 'this' } });
    item = await (await ep('metadata/meta/file.dat')).json();
    expect(item.userMetadata).toEqual({ Only: 'this' });

    // Cache: file → nearest folder → directory default → public.
    expect((await ep('content/meta/file.dat')).headers.get('cache-control')).toBe('public');
    await post('meta', { cacheHeader: { type: 'ttl', value: '60' } });
    expect((await ep('content/meta/file.dat')).headers.get('cache-control')).toBe('public, max-age=60');
    expect((await (await ep('metadata/meta')).json()).cacheHeader).toEqual({ type: 'TTL', value: 60 });
    await post('meta/file.dat', { cacheHeader: { type: 'NOCACHE' } });
    expect((await ep('content/meta/file.dat')).headers.get('cache-control')).toBe('no-cache');
    await post('meta/file.dat', { cacheHeader: { type: 'Custom', value: 'private, max-age=5' } });
    res = await ep('content/meta/file.dat');
    expect(res.headers.get('cache-control')).toBe('private, max-age=5');
    expect((await (await ep('metadata/meta/file.dat')).json()).cacheHeader).toEqual({
      type: 'Custom',
      value: 'private, max-age=5',
    });
    await post('meta/file.dat', { cacheHeader: { type: 'inherit' } });
    expect((await ep('content/meta/file.dat')).headers.get('cache-control')).toBe('public, max-age=60');
  });

  it('leaves a metadata setting alone when its field is absent or null; a folder ignores "type"', async () => {
    await ep('content/meta3/f.txt', { method: 'POST', body: Buffer.from('x') });
    const post = (path: string, body: unknown) =>
      ep(`metadata/${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
      });
    const set = { type: 'text/markdown', userMetadata: { K: 'v' }, cacheHeader: { type: 'NoCache' } };
    expect((await post('meta3/f.txt', set)).status).toBe(200);
    const before = await (await ep('metadata/meta3/f.txt')).json();
    expect(before).toMatchObject({ type: 'text/markdown', userMetadata: { K: 'v' }, cacheHeader: { type: 'NoCache' } });
    for (const body of [
      {},
      { type: null, userMetadata: null, cacheHeader: null },
      // The mode is read only with userMetadata.
      { userMetadataUpdateMode: 'merge' },
      { userMetadataUpdateMode: 'replace', userMetadata: null },
    ]) {
      expect([JSON.stringify(body), (await post('meta3/f.txt', body)).status]).toEqual([JSON.stringify(body), 200]);
    }
    expect(await (await ep('metadata/meta3/f.txt')).json()).toEqual(before);
    // An empty replace clears it.
    expect((await post('meta3/f.txt', { userMetadataUpdateMode: 'replace', userMetadata: {} })).status).toBe(200);
    expect((await (await ep('metadata/meta3/f.txt')).json()).userMetadata).toBeUndefined();
    expect((await post('meta3', { type: 'text/plain' })).status).toBe(200);
    expect((await (await ep('metadata/meta3')).json()).type).toBe('dir');
  });

  it('rejects bad metadata bodies with 400 and changes nothing', async () => {
    await ep('content/meta2/f.txt', { method: 'POST', body: Buffer.from('x') });
    const post = (body: string) =>
      ep('metadata/meta2/f.txt', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    const bad = [
      '{not json',
      '[]',
      JSON.stringify({ type: 'nonsense' }),
      JSON.stringify({ userMetadata: { 'bad key': 'v' } }),
      JSON.stringify({ userMetadata: { k: 'x'.repeat(4097) } }),
      JSON.stringify({ userMetadata: { k: { value: 'line\nbreak', includeInResponseHeader: true } } }),
      JSON.stringify({ userMetadata: { ETag: { value: '"forged"', includeInResponseHeader: true } } }),
      JSON.stringify({ userMetadata: { 'content-length': { value: '1', includeInResponseHeader: true } } }),
      JSON.stringify({ userMetadata: { 'Set-Cookie': { value: 'session=x', includeInResponseHeader: true } } }),
      JSON.stringify({ userMetadataUpdateMode: 'merge', userMetadata: { k: 'v' } }),
      JSON.stringify({ cacheHeader: { type: 'ttl', value: -1 } }),
      JSON.stringify({ cacheHeader: { type: 'forever' } }),
    ];
    for (const body of bad) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    }
    const item = await (await ep('metadata/meta2/f.txt')).json();
    expect(item.userMetadata).toBeUndefined();
    expect(item.type).toBe('text/plain');
    expect((await ep('metadata/meta2/nothing.txt', { method: 'POST', body: '{}' })).status).toBe(404);
  });
});
