import { startTestApp, TestApp } from '../support/test-app';
import { createFeed, endpoint } from '../support/fixtures';

describe('feed management API (spec §7)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const api = (path: string, init?: RequestInit) =>
    fetch(`${t.url}/api/management/feeds/${path}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', Authorization: t.adminAuth, ...init?.headers },
    });

  it('creates, lists, gets, updates and deletes an asset directory', async () => {
    const created = await api('create', {
      method: 'POST',
      body: JSON.stringify({ name: 'Installers', feedType: 'asset', description: 'setup files' }),
    });
    expect(created.status).toBe(200);
    expect(created.headers.get('cache-control')).toBe('no-store'); // answers depend on who asks
    expect(await created.json()).toEqual({
      name: 'Installers',
      feedType: 'asset',
      description: 'setup files',
      active: true,
      retentionRules: [],
      retentionRulesEnabled: false,
      retentionDryRun: false,
      inlineContent: false,
      // [ext] directory policies (directory-policies.e2e-spec.ts)
      writePolicy: 'allow',
      quotaBytes: null,
      quotaUsedBytes: 0,
      fileHistory: { enabled: false, keep: 10, keepDays: 0 },
      // [ext] for the console (feed-console-fields.e2e-spec.ts)
      privileges: expect.any(Array),
      storageType: 'disk',
    });
    const list = await (await api('list')).json();
    expect(list.map((f: { name: string }) => f.name)).toContain('Installers');
    expect((await (await api('get/installers')).json()).name).toBe('Installers');

    const updated = await api('update/Installers', {
      method: 'POST',
      body: JSON.stringify({ description: 'new', active: false }),
    });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ name: 'Installers', description: 'new', active: false });

    expect((await api('delete/Installers', { method: 'DELETE' })).status).toBe(200);
    expect((await api('get/Installers')).status).toBe(404);
  });

  it('rejects duplicate names case-insensitively, bad names and unknown feed types with 400', async () => {
    await createFeed(t, 'Builds');
    const dup = await api('create', { method: 'POST', body: JSON.stringify({ name: 'BUILDS', feedType: 'asset' }) });
    expect(dup.status).toBe(400);
    expect((await dup.json()).message).toMatch(/already exists/);
    for (const name of ['-leading-dash', 'has space', 'a/b', '', 'x'.repeat(101), 'ünïcode']) {
      const res = await api('create', { method: 'POST', body: JSON.stringify({ name, feedType: 'asset' }) });
      expect(res.status).toBe(400);
    }
    const nuget = await api('create', { method: 'POST', body: JSON.stringify({ name: 'pkgs', feedType: 'nuget' }) });
    expect(nuget.status).toBe(400);
    expect((await nuget.json()).message).toMatch(/feedType/);
    const notJson = await api('create', { method: 'POST', body: '{nope' });
    expect(notJson.status).toBe(400);
  });

  it('deleting a directory removes its items and reclaims their storage', async () => {
    await createFeed(t, 'Temp');
    const ep = endpoint(t, 'Temp');
    expect((await ep('content/a/b.txt', { method: 'POST', body: 'hello' })).status).toBe(201);
    const { readdir } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const countFiles = async (dir: string): Promise<number> => {
      let n = 0;
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (e.isDirectory()) n += await countFiles(join(dir, e.name));
        else n++;
      }
      return n;
    };
    // An unfinished chunked upload too.
    const part = await ep(
      'content/big.bin?multipart=upload&id=u1&index=0&offset=0&totalSize=10&partSize=5&totalParts=2',
      {
        method: 'POST',
        body: Buffer.from('12345'),
      },
    );
    expect(part.status).toBe(200);
    const storageRoot = join(t.config.dataDir, 'storage');
    expect(await countFiles(storageRoot)).toBeGreaterThan(1);
    expect((await api('delete/Temp', { method: 'DELETE' })).status).toBe(200);
    // Reclaimed in the request's wake by the sweep.
    for (let i = 0; i < 50 && (await countFiles(storageRoot)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await countFiles(storageRoot)).toBe(0);
    expect((await ep('dir/')).status).toBe(404);
    await createFeed(t, 'Temp');
    expect(await (await ep('dir/?recursive=true')).json()).toEqual([]);
  });
});
