import type { AssetItem, ReplicationJob, ReplicationRun } from '@stockroom/contracts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { ReplicationScheduler } from '../../src/modules/replication/replication-scheduler.service';
import { ReplicationService } from '../../src/modules/replication/replication.service';
import { CountingProxy } from '../support/counting-proxy';
import { bytes, createFeed, endpoint, eventually, hashesOf } from '../support/fixtures';
import { startServerProcess } from '../support/server-process';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';

const json = { 'Content-Type': 'application/json' };

/**
 * Replication (issue 20) between two real Stockroom servers: `local` runs the jobs, `remote` is
 * reached through a proxy that counts what is sent (so "nothing sent for unchanged files" is a
 * count, not a belief) and can hold one request (a remote that stalls, for the kill test).
 */
describe('replication', () => {
  let local: TestApp;
  let remote: TestApp;
  let proxy: CountingProxy;
  let remoteKey: string;
  let feedNo = 0;

  const api = (t: TestApp, path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', t.adminAuth);
    return fetch(`${t.url}${path}`, { ...init, headers });
  };
  const createJob = async (body: Record<string, unknown>) => {
    const res = await api(local, '/api/replication', { method: 'POST', headers: json, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as ReplicationJob & { message?: string } };
  };
  const job = async (body: Record<string, unknown>): Promise<ReplicationJob> => {
    const res = await createJob({ remoteUrl: proxy.url, apiKey: remoteKey, ...body });
    if (res.status !== 201) throw new Error(`create job: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const runNow = async (id: string): Promise<ReplicationRun> => {
    const res = await api(local, `/api/replication/${id}/run?wait=true`, { method: 'POST' });
    if (res.status !== 200) throw new Error(`run: ${res.status} ${await res.text()}`);
    return (await res.json()) as ReplicationRun;
  };
  const getRun = async (id: string, runId: string): Promise<ReplicationRun> =>
    (await (await api(local, `/api/replication/${id}/runs/${runId}`)).json()) as ReplicationRun;
  const put = async (t: TestApp, feed: string, path: string, body: Buffer | string, type?: string) => {
    const res = await endpoint(t, feed)(`content/${path}`, {
      method: 'POST',
      body,
      headers: type ? { 'Content-Type': type } : {},
    });
    expect(res.status).toBe(201);
  };
  const setMetadata = async (t: TestApp, feed: string, path: string, body: Record<string, unknown>) => {
    const res = await endpoint(t, feed)(`metadata/${path}`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  const read = async (t: TestApp, feed: string, path: string) => {
    const res = await endpoint(t, feed)(`content/${path}`);
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
  };
  const files = async (t: TestApp, feed: string): Promise<Map<string, AssetItem>> => {
    const items = (await (await endpoint(t, feed)('dir/?recursive=true')).json()) as AssetItem[];
    return new Map(items.filter((i) => i.type !== 'dir').map((i) => [i.parent ? `${i.parent}/${i.name}` : i.name, i]));
  };
  /** Every folder (with a trailing `/`) and file of a directory, sorted. */
  const tree = async (t: TestApp, feed: string): Promise<string[]> => {
    const items = (await (await endpoint(t, feed)('dir/?recursive=true')).json()) as AssetItem[];
    return items.map((i) => `${i.parent ? `${i.parent}/` : ''}${i.name}${i.type === 'dir' ? '/' : ''}`).sort();
  };
  const mkdir = async (t: TestApp, feed: string, path: string) =>
    expect((await endpoint(t, feed)(`dir/${path}`, { method: 'POST' })).status).toBe(201);
  /** A pair of directories of the same name on both servers. */
  const pair = async (): Promise<string> => {
    const name = `rep${++feedNo}`;
    await createFeed(local, name);
    await createFeed(remote, name);
    return name;
  };
  const contentRequests = (method: string, feed: string) => proxy.count(method, `/endpoints/${feed}/content/`);

  beforeAll(async () => {
    [local, remote] = await Promise.all([startTestApp(), startTestApp()]);
    // The tests tick the local scheduler themselves: its own timer could take an interrupted run over first.
    await local.app.get(ReplicationScheduler).onApplicationShutdown();
    proxy = new CountingProxy(remote.url);
    await proxy.start();
    const key = await api(remote, '/api/api-keys/create', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ type: 'System', displayName: 'replication' }),
    });
    expect(key.status).toBe(200);
    remoteKey = ((await key.json()) as { key: string }).key;
  });
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([local?.close(), remote?.close()]);
  });

  it('pull copies the remote files with their bytes, media type, metadata and cache setting', async () => {
    const feed = await pair();
    const a = bytes(70_000);
    await put(remote, feed, 'a.bin', a);
    await put(remote, feed, 'docs/readme.txt', 'hello', 'text/x-custom');
    await setMetadata(remote, feed, 'docs/readme.txt', {
      userMetadata: { owner: 'ops', 'X-Build': { value: '42', includeInResponseHeader: true } },
      cacheHeader: { type: 'TTL', value: 60 },
    });
    const j = await job({ feed, remoteFeed: feed, mode: 'pull' });
    expect(j).toEqual(
      expect.objectContaining({ feed, remoteFeed: feed, mode: 'pull', apiKey: '********', deletes: false }),
    );

    const run = await runNow(j.id);
    expect(run).toEqual(
      expect.objectContaining({
        state: 'completed',
        comparedFiles: 2,
        copiedFiles: 2,
        skippedFiles: 0,
        failedFiles: 0,
      }),
    );
    expect(run.bytes).toBe(a.length + 5);
    expect((await read(local, feed, 'a.bin')).body.equals(a)).toBe(true);
    const readme = await read(local, feed, 'docs/readme.txt');
    expect(readme.body.toString()).toBe('hello');
    expect(readme.headers.get('content-type')).toContain('text/x-custom');
    expect(readme.headers.get('cache-control')).toBe('public, max-age=60');
    expect(readme.headers.get('x-build')).toBe('42');
    const item = (await files(local, feed)).get('docs/readme.txt');
    expect(item?.userMetadata).toEqual({ owner: 'ops', 'X-Build': { value: '42', includeInResponseHeader: true } });
    expect(item?.sha256).toBe(hashesOf(Buffer.from('hello')).sha256);

    const withLog = await getRun(j.id, run.id);
    expect(withLog.files?.map((f) => [f.path, f.outcome, f.size]).sort()).toEqual([
      ['a.bin', 'copied', a.length],
      ['docs/readme.txt', 'copied', 5],
    ]);
    // The job reads back with its last run and the key masked.
    const got = (await (await api(local, `/api/replication/${j.id}`)).json()) as ReplicationJob;
    expect(got.apiKey).toBe('********');
    expect(got.lastRun?.id).toBe(run.id);
    expect(((await (await api(local, '/api/replication')).json()) as ReplicationJob[]).map((x) => x.id)).toContain(
      j.id,
    );
    // At rest, the key is encrypted (like storage secrets), never stored as given.
    const db = new Client({ connectionString: local.db.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ api_key: string }>(`SELECT api_key FROM replication_jobs WHERE id = $1`, [
        j.id,
      ]);
      expect(rows[0].api_key).toMatch(/^enc:v1:/);
      expect(rows[0].api_key).not.toContain(remoteKey);
    } finally {
      await db.end();
    }
  });

  it('sends nothing for unchanged files, and only the changed one after a change', async () => {
    const feed = await pair();
    for (let i = 0; i < 5; i++) await put(remote, feed, `f${i}.bin`, bytes(10_000));
    const j = await job({ feed, remoteFeed: feed, mode: 'pull' });
    expect((await runNow(j.id)).copiedFiles).toBe(5);

    proxy.reset();
    const again = await runNow(j.id);
    expect(again).toEqual(
      expect.objectContaining({ state: 'completed', comparedFiles: 5, copiedFiles: 0, skippedFiles: 5 }),
    );
    expect(contentRequests('GET', feed)).toBe(0);

    const changed = bytes(12_345);
    await put(remote, feed, 'f3.bin', changed);
    proxy.reset();
    const third = await runNow(j.id);
    expect(third).toEqual(expect.objectContaining({ copiedFiles: 1, skippedFiles: 4, bytes: changed.length }));
    expect(contentRequests('GET', feed)).toBe(1);
    expect((await read(local, feed, 'f3.bin')).body.equals(changed)).toBe(true);
  });

  it('push sends local files (with metadata) to the remote, and nothing the second time', async () => {
    const feed = await pair();
    const big = bytes(300_000);
    await put(local, feed, 'big.bin', big);
    await put(local, feed, 'sub/note.md', '# note', 'text/markdown');
    await setMetadata(local, feed, 'sub/note.md', { userMetadata: { tag: 'x' }, cacheHeader: { type: 'NoCache' } });
    const j = await job({ feed, remoteFeed: feed, mode: 'push' });
    proxy.reset();
    const run = await runNow(j.id);
    expect(run).toEqual(expect.objectContaining({ state: 'completed', copiedFiles: 2, bytes: big.length + 6 }));
    expect(proxy.bytesSent('POST', `/endpoints/${feed}/content/`)).toBe(big.length + 6);
    expect((await read(remote, feed, 'big.bin')).body.equals(big)).toBe(true);
    const note = await read(remote, feed, 'sub/note.md');
    expect(note.headers.get('content-type')).toContain('text/markdown');
    expect(note.headers.get('cache-control')).toBe('no-cache');
    expect((await files(remote, feed)).get('sub/note.md')?.userMetadata).toEqual({ tag: 'x' });
    // An empty folder is made there too, the next time.
    await mkdir(local, feed, 'blank');
    await runNow(j.id);
    expect(await tree(remote, feed)).toEqual(['big.bin', 'blank/', 'sub/', 'sub/note.md']);

    proxy.reset();
    expect(await runNow(j.id)).toEqual(expect.objectContaining({ copiedFiles: 0, skippedFiles: 2 }));
    expect(contentRequests('POST', feed)).toBe(0);
    expect(proxy.bytesSent('POST', `/endpoints/${feed}/content/`)).toBe(0);
  });

  it('push sends a large file in parts (the chunked protocol), each part read from storage as it goes', async () => {
    const feed = await pair();
    const service = local.app.get(ReplicationService);
    const saved = service.multipart;
    // Lowered for the test: "large" is 100 kB here, in parts of 40 kB.
    service.multipart = { aboveBytes: 100_000, partBytes: 40_000 };
    try {
      const large = bytes(150_000);
      await put(local, feed, 'large.iso', large, 'application/x-iso9660-image');
      const j = await job({ feed, remoteFeed: feed, mode: 'push' });
      proxy.reset();
      expect(await runNow(j.id)).toEqual(expect.objectContaining({ state: 'completed', copiedFiles: 1 }));
      const posts = proxy.requests.filter((r) => r.method === 'POST' && r.url.includes('/content/large.iso?'));
      expect(posts.filter((r) => r.url.includes('multipart=upload')).map((r) => r.sent)).toEqual([
        40_000, 40_000, 40_000, 30_000,
      ]);
      expect(posts.filter((r) => r.url.includes('multipart=complete'))).toHaveLength(1);
      const there = await read(remote, feed, 'large.iso');
      expect(there.body.equals(large)).toBe(true);
      expect(there.headers.get('content-type')).toContain('application/x-iso9660-image');
      expect((await files(remote, feed)).get('large.iso')?.sha256).toBe(hashesOf(large).sha256);
    } finally {
      service.multipart = saved;
    }
  });

  it('mirror makes the local directory an exact copy (deletes included)', async () => {
    const feed = await pair();
    await put(remote, feed, 'keep.txt', 'remote');
    await put(remote, feed, 'new/one.txt', 'one');
    await put(local, feed, 'keep.txt', 'local, older');
    await put(local, feed, 'extra.txt', 'only here');
    await put(local, feed, 'deep/extra2.txt', 'only here too');
    // Empty folders too: the remote's are made, those only here go.
    await mkdir(remote, feed, 'empty/inner');
    await mkdir(local, feed, 'gone/deeper');
    const j = await job({ feed, remoteFeed: feed, mode: 'mirror' });
    const run = await runNow(j.id);
    expect(run).toEqual(expect.objectContaining({ state: 'completed', copiedFiles: 2, deletedFiles: 2 }));
    expect(await tree(local, feed)).toEqual(await tree(remote, feed));
    expect(await tree(local, feed)).toEqual(['empty/', 'empty/inner/', 'keep.txt', 'new/', 'new/one.txt']);
    expect((await read(local, feed, 'keep.txt')).body.toString()).toBe('remote');
    const log = (await getRun(j.id, run.id)).files ?? [];
    expect(
      log
        .filter((f) => f.outcome === 'deleted')
        .map((f) => f.path)
        .sort(),
    ).toEqual(['deep/extra2.txt', 'extra.txt']);
  });

  it('pull and push delete only with "deletes"', async () => {
    const feed = await pair();
    await put(remote, feed, 'shared.txt', 'same');
    await put(local, feed, 'shared.txt', 'same');
    await put(local, feed, 'local-only.txt', 'L');
    await put(remote, feed, 'remote-only.txt', 'R');

    const pull = await job({ feed, remoteFeed: feed, mode: 'pull' });
    expect(await runNow(pull.id)).toEqual(
      expect.objectContaining({ copiedFiles: 1, deletedFiles: 0, skippedFiles: 1 }),
    );
    expect((await files(local, feed)).has('local-only.txt')).toBe(true);

    await put(local, feed, 'push-extra.txt', 'P');
    await endpoint(local, feed)('content/local-only.txt', { method: 'DELETE' });
    const push = await job({ feed, remoteFeed: feed, mode: 'push', deletes: true });
    const pushed = await runNow(push.id);
    // The remote had shared + remote-only; local now has shared + remote-only (pulled) + push-extra.
    expect(pushed).toEqual(expect.objectContaining({ copiedFiles: 1, deletedFiles: 0 }));
    await endpoint(local, feed)('content/remote-only.txt', { method: 'DELETE' });
    expect(await runNow(push.id)).toEqual(expect.objectContaining({ copiedFiles: 0, deletedFiles: 1 }));
    expect([...(await files(remote, feed)).keys()].sort()).toEqual(['push-extra.txt', 'shared.txt']);

    const pullDeleting = await job({ feed, remoteFeed: feed, mode: 'pull', deletes: true });
    await put(local, feed, 'stray.txt', 'S');
    expect(await runNow(pullDeleting.id)).toEqual(expect.objectContaining({ deletedFiles: 1 }));
    expect((await files(local, feed)).has('stray.txt')).toBe(false);
  });

  it('refuses hostile remote paths with a reason and copies the rest', async () => {
    const feed = `hostile${++feedNo}`;
    await createFeed(local, feed);
    const good = Buffer.from('good');
    const item = (name: string, parent?: string) => ({
      name,
      ...(parent !== undefined ? { parent } : {}),
      type: 'application/octet-stream',
      size: good.length,
      created: new Date().toISOString(),
      modified: new Date().toISOString(),
      sha256: hashesOf(good).sha256,
      cacheHeader: { type: 'Inherit' },
    });
    const listing = [
      item('..'),
      item('passwd', '/etc'),
      item('x.txt', 'a/../..'),
      item('ctl\u0001.txt'),
      item('back\\slash.txt'),
      item('a/b.txt'),
      item('ok.txt', 'fine'),
      { ...item('..', 'x'), type: 'dir' },
      { ...item('empty'), type: 'dir' },
    ];
    // A "remote" that lists what no Stockroom would: the only way to get such a listing.
    const evil: Server = createServer((req, res) => {
      if (req.url?.includes('/dir/')) {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(listing));
      } else if (req.url === `/endpoints/${feed}/content/fine/ok.txt`) res.end(good);
      else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
      const j = await job({ feed, remoteUrl: url, remoteFeed: feed, mode: 'pull' });
      const run = await runNow(j.id);
      expect(run).toEqual(
        expect.objectContaining({ state: 'completed', copiedFiles: 1, failedFiles: 0, skippedFiles: 7 }),
      );
      expect(await tree(local, feed)).toEqual(['empty/', 'fine/', 'fine/ok.txt']);
      const log = (await getRun(j.id, run.id)).files ?? [];
      const refused = log.filter((f) => f.outcome === 'skipped');
      expect(refused).toHaveLength(7);
      expect(refused.map((f) => f.path)).toContain('x/../');
      for (const f of refused) expect(f.reason).toMatch(/^refused remote path: /);
    } finally {
      evil.closeAllConnections();
      await new Promise((resolve) => evil.close(resolve));
    }
  });

  it('a listing without SHA-256 is compared by SHA-1, from the listing or the ETag; a file with no hash is copied', async () => {
    const feed = `old${++feedNo}`;
    await createFeed(local, feed);
    const same = Buffer.from('same bytes');
    const other = Buffer.from('other data');
    for (const name of ['by-sha1.txt', 'by-etag.txt', 'no-hash.txt']) await put(local, feed, name, same);
    const entry = (name: string, extra: Record<string, unknown>) => ({
      name,
      type: 'text/plain',
      size: same.length,
      created: new Date().toISOString(),
      modified: new Date().toISOString(),
      cacheHeader: { type: 'Inherit' },
      ...extra,
    });
    const listing = [
      entry('by-sha1.txt', { sha1: hashesOf(same).sha1 }),
      entry('by-etag.txt', {}),
      entry('no-hash.txt', {}),
    ];
    const asked: string[] = [];
    // A remote whose listing has no SHA-256 (as an older server's): no Stockroom lists that way.
    const old: Server = createServer((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      if (req.url?.includes('/dir/')) {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(listing));
      } else if (req.url?.endsWith('/by-etag.txt')) {
        res.setHeader('ETag', `"${hashesOf(same).sha1}"`);
        res.end(req.method === 'HEAD' ? undefined : same);
      } else if (req.url?.endsWith('/no-hash.txt')) res.end(req.method === 'HEAD' ? undefined : other);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(old.address() as AddressInfo).port}`;
      const j = await job({ feed, remoteUrl: url, remoteFeed: feed, mode: 'pull' });
      const run = await runNow(j.id);
      expect(run).toEqual(
        expect.objectContaining({ state: 'completed', comparedFiles: 3, skippedFiles: 2, copiedFiles: 1 }),
      );
      expect(asked.filter((a) => a.startsWith('GET') && a.includes('/content/'))).toEqual([
        `GET /endpoints/${feed}/content/no-hash.txt`,
      ]);
      expect((await read(local, feed, 'no-hash.txt')).body.equals(other)).toBe(true);
    } finally {
      old.closeAllConnections();
      await new Promise((resolve) => old.close(resolve));
    }
  });

  it('refuses replication between a directory and itself, also through another address', async () => {
    const feed = await pair();
    const self = await createJob({ feed, remoteUrl: local.url, remoteFeed: feed.toUpperCase(), mode: 'pull' });
    expect(self.status).toBe(400);
    expect(self.body.message).toMatch(/itself/);
    // Through a proxy (another address): the remote's identity says it is this server.
    const front = new CountingProxy(local.url);
    await front.start();
    try {
      expect((await createJob({ feed, remoteUrl: front.url, remoteFeed: feed, mode: 'push' })).status).toBe(400);
    } finally {
      await front.stop();
    }
    // Another directory on this same server is fine.
    await createFeed(local, `${feed}-copy`);
    expect((await createJob({ feed, remoteUrl: local.url, remoteFeed: `${feed}-copy`, mode: 'push' })).status).toBe(
      201,
    );
  });

  it('validates the job: URL, mode, schedule, directory', async () => {
    const feed = await pair();
    const bad = async (body: Record<string, unknown>) =>
      (await createJob({ feed, remoteUrl: proxy.url, remoteFeed: feed, mode: 'pull', ...body })).status;
    expect(await bad({ remoteUrl: 'ftp://example.com/' })).toBe(400);
    expect(await bad({ remoteUrl: 'not a url' })).toBe(400);
    expect(await bad({ mode: 'sideways' })).toBe(400);
    expect(await bad({ schedule: 'every day' })).toBe(400);
    expect(await bad({ remoteFeed: '../x' })).toBe(400);
    expect(await bad({ feed: 'no-such-directory' })).toBe(404);
    expect(await bad({ schedule: '*/5 * * * *' })).toBe(201);
    expect(await bad({ schedule: '0 */5 * * * *' })).toBe(201);
  });

  it('needs Administer', async () => {
    const feed = await pair();
    const j = await job({ feed, remoteFeed: feed, mode: 'pull' });
    const user = await api(local, '/api/security/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ userName: 'rep-manager', password: 'manager-password-1' }),
    });
    expect(user.status).toBe(201);
    const grant = await api(local, '/api/security/privileges', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ principalType: 'user', principalName: 'rep-manager', role: 'Manage Feed', feed }),
    });
    expect(grant.status).toBe(201);
    const auth = { authorization: basicAuth('rep-manager', 'manager-password-1') };
    const body = JSON.stringify({ feed, remoteUrl: proxy.url, remoteFeed: feed, mode: 'pull' });
    expect((await api(local, '/api/replication', { method: 'POST', headers: { ...json, ...auth }, body })).status).toBe(
      403,
    );
    expect((await api(local, '/api/replication', { headers: auth })).status).toBe(403);
    expect((await api(local, `/api/replication/${j.id}`, { headers: auth })).status).toBe(403);
    expect((await api(local, `/api/replication/${j.id}/run`, { method: 'POST', headers: auth })).status).toBe(403);
    expect((await api(local, `/api/replication/${j.id}/runs`, { headers: auth })).status).toBe(403);
    expect((await api(local, `/api/replication/${j.id}`, { method: 'DELETE', headers: auth })).status).toBe(403);
    expect((await fetch(`${local.url}/api/replication`)).status).toBe(401);
    // The admin can run and delete it; creating, running and deleting are audited (never the API key).
    await runNow(j.id);
    expect((await api(local, `/api/replication/${j.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(local, `/api/replication/${j.id}`)).status).toBe(404);
    const audit = await api(
      local,
      '/api/security/audit?action=replication.created,replication.run,replication.deleted',
    );
    const events = (
      (await audit.json()) as {
        events: { action: string; feed: string; target: string; details: Record<string, unknown> }[];
      }
    ).events.filter((e) => e.details['id'] === j.id);
    expect(events.map((e) => [e.action, e.feed, e.target])).toEqual([
      ['replication.deleted', feed, proxy.url],
      ['replication.run', feed, proxy.url],
      ['replication.created', feed, proxy.url],
    ]);
    expect(events[2].details).toEqual({ id: j.id, remoteFeed: feed, mode: 'pull', deletes: false, schedule: '' });
  });

  it('refuses a remote the outbound policy does not allow (403 with the reason)', async () => {
    const guarded = await startTestApp({ STOCKROOM_OUTBOUND_ALLOW: 'replica.example.com' });
    try {
      await createFeed(guarded, 'guarded');
      const res = await api(guarded, '/api/replication', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ feed: 'guarded', remoteUrl: proxy.url, remoteFeed: 'guarded', mode: 'pull' }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { message: string }).message).toMatch(/STOCKROOM_OUTBOUND_ALLOW/);
    } finally {
      await guarded.close();
    }
  });

  it("fails a run with the remote's reason (wrong key), and announces replication.failed / completed", async () => {
    const feed = await pair();
    await put(remote, feed, 'x.txt', 'x');
    const wrong = await job({ feed, remoteFeed: feed, mode: 'pull', apiKey: 'not-a-key' });
    const failed = await runNow(wrong.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/401/);
    const ok = await job({ feed, remoteFeed: feed, mode: 'pull' });
    const done = await runNow(ok.id);
    const db = new Client({ connectionString: local.db.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ type: string; details: Record<string, unknown> }>(
        `SELECT type, details FROM change_events WHERE type LIKE 'replication.%' AND directory = $1`,
        [feed],
      );
      expect(rows.find((r) => r.details['runId'] === failed.id)?.type).toBe('replication.failed');
      expect(rows.find((r) => r.details['runId'] === done.id)).toEqual({
        type: 'replication.completed',
        details: expect.objectContaining({ jobId: ok.id, copied: 1, failed: 0 }),
      });
    } finally {
      await db.end();
    }
  });

  it('deleting a job stops its run in progress before the next file', async () => {
    const feed = await pair();
    for (const n of ['a.txt', 'b.txt', 'c.txt']) await put(remote, feed, n, n);
    const j = await job({ feed, remoteFeed: feed, mode: 'pull' });
    const service = local.app.get(ReplicationService);
    // One file at a time, so that "the next file" is a file not yet asked for.
    service.transfers = 1;
    proxy.reset();
    proxy.holdWhen((method, url) => method === 'GET' && url === `/endpoints/${feed}/content/b.txt`);
    try {
      const res = await api(local, `/api/replication/${j.id}/run`, { method: 'POST' });
      expect(res.status).toBe(202);
      await eventually(async () => proxy.count('GET', `/endpoints/${feed}/content/b.txt`) === 1, 30_000);
      expect((await api(local, `/api/replication/${j.id}`, { method: 'DELETE' })).status).toBe(204);
      proxy.release();
      // b.txt was on its way; c.txt is never asked for.
      await eventually(async () => (await files(local, feed)).has('b.txt'), 30_000);
      expect((await api(local, `/api/replication/${j.id}/runs`)).status).toBe(404);
      expect(contentRequests('GET', feed)).toBe(2);
      expect([...(await files(local, feed)).keys()].sort()).toEqual(['a.txt', 'b.txt']);
    } finally {
      proxy.release();
      service.transfers = 4;
    }
  });

  it('runs on schedule: one run per slot, started by the scheduler', async () => {
    const feed = await pair();
    await put(remote, feed, 's.txt', 'scheduled');
    const j = await job({ feed, remoteFeed: feed, mode: 'pull', schedule: '* * * * *' });
    expect(j.nextRun).toBeDefined();
    await local.app.get(ReplicationScheduler).tick();
    const runs = async () => (await (await api(local, `/api/replication/${j.id}/runs`)).json()) as ReplicationRun[];
    // The tick starts the run; it goes on in the background.
    await eventually(async () => (await runs()).some((r) => r.state !== 'running'), 30_000);
    const [last] = await runs();
    expect(last).toEqual(
      expect.objectContaining({ trigger: 'scheduled', startedBy: 'scheduler', state: 'completed', copiedFiles: 1 }),
    );
    expect((await read(local, feed, 's.txt')).body.toString()).toBe('scheduled');
    // Ticking again (this node or another) never makes a second run for the same slot.
    await local.app.get(ReplicationScheduler).tick();
    await local.app.get(ReplicationScheduler).tick();
    const db = new Client({ connectionString: local.db.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM replication_runs WHERE job_id = $1 AND slot = (SELECT slot FROM replication_runs WHERE id = $2)`,
        [j.id, last.id],
      );
      expect(Number(rows[0].n)).toBe(1);
    } finally {
      await db.end();
    }
  });

  it.each([
    ['killed (SIGKILL)', 'kill'],
    ['stopped (SIGTERM: its transfer is aborted)', 'stop'],
  ] as const)('a run whose node is %s mid-way is taken over and does not send again what landed', async (_, how) => {
    const feed = await pair();
    const names = Array.from({ length: 10 }, (_, i) => `f${String(i).padStart(2, '0')}.bin`);
    const content = new Map(names.map((n) => [n, bytes(20_000)]));
    for (const [n, b] of content) await put(remote, feed, n, b);
    const j = await job({ feed, remoteFeed: feed, mode: 'pull' });
    // A second node of the local server (same database, same data dir: storage and encryption key): the one that dies.
    const node = await startServerProcess({ DATABASE_URL: local.db.url }, { dataDir: local.config.dataDir });
    proxy.reset();
    // The remote stalls on f05: every other file has landed when the node is killed.
    proxy.holdWhen((method, url) => method === 'GET' && url === `/endpoints/${feed}/content/f05.bin`);
    try {
      const res = await fetch(`${node.url}/api/replication/${j.id}/run`, {
        method: 'POST',
        headers: { authorization: node.adminAuth },
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as ReplicationRun;
      await eventually(async () => (await getRun(j.id, id)).copiedFiles === 9, 30_000);
      await eventually(async () => proxy.count('GET', `/endpoints/${feed}/content/f05.bin`) === 1, 30_000);
      // One node at a time per job: the other node is refused while this one holds the job.
      expect((await api(local, `/api/replication/${j.id}/run`, { method: 'POST' })).status).toBe(409);
      await (how === 'kill' ? node.kill() : node.stop());
      // A stopped node ends by itself (no SIGKILL after its grace time): the stalled transfer was aborted.
      if (how === 'stop') expect((await node.exited).signal).toBeNull();
      proxy.release();
      expect((await getRun(j.id, id)).state).toBe('running');
      if (how === 'kill') {
        // Once PostgreSQL has dropped the dead node's session (and its lock), a tick takes the run over.
        await eventually(async () => {
          await local.app.get(ReplicationScheduler).tick();
          return (await getRun(j.id, id)).state !== 'running';
        }, 30_000);
      } else {
        // The next start of the job takes the interrupted run over (rather than starting another).
        const resumed = await runNow(j.id);
        expect(resumed.id).toBe(id);
      }
      const run = await getRun(j.id, id);
      expect(run).toEqual(
        expect.objectContaining({ state: 'completed', copiedFiles: 10, failedFiles: 0, resumed: 1, comparedFiles: 10 }),
      );
      for (const n of names.filter((n) => n !== 'f05.bin'))
        expect(proxy.count('GET', `/endpoints/${feed}/content/${n}`)).toBe(1);
      for (const [n, b] of content) expect((await read(local, feed, n)).body.equals(b)).toBe(true);
    } finally {
      proxy.release();
      await node.stop();
    }
  });
});
