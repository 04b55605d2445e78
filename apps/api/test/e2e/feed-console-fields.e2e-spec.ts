import { Feed, Privilege } from '@stockroom/contracts';
import { createFeed, endpoint } from '../support/fixtures';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';

/**
 * [ext] Feed fields the console needs (issue 6): the caller's privileges on each directory, its
 * file count and size, and its storage type — on list, get, create and update.
 */
describe('feed management API: console fields', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const call = (path: string, init: RequestInit = {}, auth: string | null = t.adminAuth) =>
    fetch(`${t.url}${path}`, {
      ...init,
      headers: {
        'Content-Type': 'application/json',
        ...(auth === null ? {} : { Authorization: auth }),
        ...init.headers,
      },
    });
  const api = (path: string, init?: RequestInit, auth?: string | null) =>
    call(`/api/management/feeds/${path}`, init, auth);
  const must = async (res: Promise<Response>, status = 200): Promise<Response> => {
    const r = await res;
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status} ${await r.text()}`);
    return r;
  };
  const list = async (auth?: string | null): Promise<Feed[]> => (await must(api('list', {}, auth))).json();
  /** With the [ext] counts (`?stats=true`). */
  const get = async (name: string, auth?: string | null): Promise<Feed> =>
    (await must(api(`get/${name}?stats=true`, {}, auth))).json();
  const grant = (principalType: string, principalName: string, role: string, feed?: string, deny = false) =>
    must(
      call('/api/security/privileges', {
        method: 'POST',
        body: JSON.stringify({ principalType, principalName, role, feed, deny }),
      }),
      201,
    );
  const ALL = Object.values(Privilege).sort();

  it('counts files (not folders) and their bytes, after uploads, overwrites and deletes', async () => {
    const created = await (
      await must(api('create', { method: 'POST', body: JSON.stringify({ name: 'Counted', feedType: 'asset' }) }))
    ).json();
    expect(created).toMatchObject({ name: 'Counted', storageType: 'disk' });
    expect(created.privileges).toEqual(ALL);
    expect(await get('Counted')).toMatchObject({ fileCount: 0, totalBytes: 0 });

    const ep = endpoint(t, 'Counted');
    await must(ep('content/a/b/one.txt', { method: 'POST', body: '12345' }), 201);
    await must(ep('content/two.bin', { method: 'POST', body: Buffer.alloc(1000) }), 201);
    await must(ep('content/a/three.txt', { method: 'POST', body: 'abc' }), 201);
    // Folders a and a/b exist too, and are not counted.
    expect(await get('counted')).toMatchObject({ fileCount: 3, totalBytes: 1008 });
    // Without ?stats=true the answer skips the count (pages ask for the directory on every view).
    const plain = await (await must(api('get/counted'))).json();
    expect(plain).toMatchObject({ name: 'Counted', privileges: ALL, storageType: 'disk' });
    expect(plain).not.toHaveProperty('fileCount');
    expect(plain).not.toHaveProperty('totalBytes');

    // An overwrite replaces the size; deletes (a file, then a folder with its contents) remove it.
    await must(ep('content/two.bin', { method: 'POST', body: Buffer.alloc(10) }), 201);
    expect(await get('Counted')).toMatchObject({ fileCount: 3, totalBytes: 18 });
    await must(ep('content/a/three.txt', { method: 'DELETE' }));
    expect(await get('Counted')).toMatchObject({ fileCount: 2, totalBytes: 15 });
    await must(ep('delete/a?recursive=true', { method: 'POST' }));
    expect(await get('Counted')).toMatchObject({ fileCount: 1, totalBytes: 10 });

    // The list carries the same numbers, each directory its own (an empty one: zeros).
    await createFeed(t, 'Empty');
    const all = await list();
    expect(all.find((f) => f.name === 'Counted')).toMatchObject({ fileCount: 1, totalBytes: 10, privileges: ALL });
    expect(all.find((f) => f.name === 'Empty')).toMatchObject({ fileCount: 0, totalBytes: 0, storageType: 'disk' });

    // Update answers carry the privileges and storage (not the counts); ProGet's fields are all still there.
    const updated = await (
      await must(api('update/Counted', { method: 'POST', body: JSON.stringify({ description: 'sized' }) }))
    ).json();
    expect(updated).toEqual({
      name: 'Counted',
      feedType: 'asset',
      description: 'sized',
      active: true,
      retentionRules: [],
      retentionRulesEnabled: false,
      retentionDryRun: false,
      inlineContent: false,
      writePolicy: 'allow',
      quotaBytes: null,
      quotaUsedBytes: 10, // what the counts said: the same files, counted by the quota's triggers
      fileHistory: { enabled: false, keep: 10, keepDays: 0 },
      privileges: ALL,
      storageType: 'disk',
    });
  });

  it('shows each caller only its own privileges, on the directories it may view', async () => {
    await createFeed(t, 'Shared');
    await createFeed(t, 'Managed');
    await createFeed(t, 'Hidden');
    await must(endpoint(t, 'Shared')('content/x.txt', { method: 'POST', body: 'xyz' }), 201);
    await must(
      call('/api/security/users', {
        method: 'POST',
        body: JSON.stringify({ userName: 'limited', password: 'limited-Passw0rd' }),
      }),
      201,
    );
    await grant('user', 'limited', 'View & Download', 'Shared');
    await grant('user', 'limited', 'Manage Feed', 'Managed');
    await grant('user', 'limited', 'Publish', 'Hidden');
    await grant('user', 'limited', 'View & Download', 'Hidden', true); // deny View: hidden
    await grant('pseudo', 'Anonymous', 'View & Download', 'Shared');
    const limited = basicAuth('limited', 'limited-Passw0rd');

    const theirs = await list(limited);
    expect(theirs.map((f) => f.name)).toEqual(['Managed', 'Shared']);
    expect(theirs[0].privileges).toEqual(
      [
        Privilege.View,
        Privilege.Download,
        Privilege.Add,
        Privilege.Overwrite,
        Privilege.Delete,
        Privilege.ShareAsset,
        Privilege.ManageFeed,
      ].sort(),
    );
    expect(theirs[1]).toMatchObject({
      privileges: [Privilege.View, Privilege.Download].sort(),
      fileCount: 1,
      totalBytes: 3,
    });
    expect((await get('shared', limited)).privileges).toEqual([Privilege.View, Privilege.Download].sort());
    expect((await api('get/Hidden', {}, limited)).status).toBe(404);

    const anonymous = await list(null);
    expect(anonymous.map((f) => f.name)).toEqual(['Shared']);
    expect(anonymous[0].privileges).toEqual([Privilege.View, Privilege.Download].sort());
    expect((await get('Shared', null)).privileges).toEqual([Privilege.View, Privilege.Download].sort());

    // A rename by a Manage Feed holder answers with its own privileges.
    const renamed = await (
      await must(api('update/Managed', { method: 'POST', body: JSON.stringify({ name: 'Managed2' }) }, limited))
    ).json();
    expect(renamed).toMatchObject({ name: 'Managed2' });
    expect(renamed.privileges).toContain(Privilege.ManageFeed);
    expect(renamed.privileges).not.toContain(Privilege.Administer);
  });

  it("reports the storage type from the directory's settings", async () => {
    await createFeed(t, 'Cloudy');
    expect((await get('Cloudy')).storageType).toBe('disk');
    await must(
      call('/api/storage?feed=Cloudy', {
        method: 'POST',
        body: JSON.stringify({ id: 's3', properties: { BucketName: 'assets', RegionEndpoint: 'eu-west-1' } }),
      }),
    );
    expect((await get('Cloudy')).storageType).toBe('s3');
    expect((await list()).find((f) => f.name === 'Cloudy')?.storageType).toBe('s3');
    await must(call('/api/storage?feed=Cloudy', { method: 'POST', body: JSON.stringify({ id: 'disk' }) }));
    expect((await get('Cloudy')).storageType).toBe('disk');
  });
});
