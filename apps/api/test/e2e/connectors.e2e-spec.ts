import type { ConnectorStatus, Feed } from '@stockroom/contracts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Clock } from '../../src/common/clock';
import { bytes, createFeed, endpoint, eventually, sha1 } from '../support/fixtures';
import { Nginx } from '../support/nginx';
import { ADMIN_PASSWORD, basicAuth, startTestApp, type TestApp } from '../support/test-app';

const json = { 'Content-Type': 'application/json' };
const PASSWORD = 'connectors-password';
const MINUTE = 60_000;
const MAX_UPLOAD = 8 * 1024 * 1024;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

/**
 * Issue 20 §1: connectors. A directory with an upstream (nginx as an HTTP file source, a second
 * Stockroom as a `stockroom` upstream) fetches what it lacks once, stores it with its hashes and the
 * upstream's dates, serves it locally, revalidates it, and keeps serving it when the upstream is gone.
 */
describe('connectors', () => {
  let t: TestApp;
  let upstream: TestApp;
  let nginx: Nginx;
  let clock: Clock;
  /** A Node server for faults nginx cannot produce: a body that stalls, a hostile listing. */
  let faults: Server;
  let faultsUrl = '';

  const api = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', t.adminAuth);
    return fetch(`${t.url}${path}`, { ...init, headers });
  };
  const createWith = async (name: string, connector: unknown, extra: Record<string, unknown> = {}) => {
    const res = await api('/api/management/feeds/create', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name, feedType: 'asset', connector, ...extra }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Feed;
  };
  const update = (feed: string, body: unknown, headers: Record<string, string> = {}) =>
    api(`/api/management/feeds/update/${feed}`, {
      method: 'POST',
      headers: { ...json, ...headers },
      body: JSON.stringify(body),
    });
  const status = async (feed: string): Promise<ConnectorStatus> => {
    const res = await api(`/api/connectors/${feed}/status`);
    expect(res.status).toBe(200);
    return (await res.json()) as ConnectorStatus;
  };
  const listing = async (feed: string, path = ''): Promise<{ name: string }[]> => {
    const res = await endpoint(t, feed)(`dir/${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { name: string }[];
  };
  const gets = async (uri: string) => (await nginx.requests(uri)).filter((l) => l.startsWith('GET '));

  beforeAll(async () => {
    nginx = await Nginx.start({
      locations: `
    location = /broken.bin { return 500 "upstream exploded"; }
    location = /bounce.bin { return 302 http://127.0.0.2:9/secret.bin; }
`,
    });
    faults = createServer((req, res) => {
      if (req.url === '/stall.bin') {
        // Announces 1 MiB, sends 64 KiB, then nothing: the connector's idle timeout must cut it.
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(1024 * 1024) });
        res.write(Buffer.alloc(64 * 1024, 1));
        return;
      }
      if (req.url === '/reset.bin') {
        res.writeHead(200, { 'Content-Length': String(512 * 1024) });
        res.write(Buffer.alloc(128 * 1024, 2), () => res.socket?.destroy());
        return;
      }
      if (req.url?.startsWith('/endpoints/hostile/dir/')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify([
            {
              name: 'good.txt',
              type: 'text/plain',
              size: 5,
              created: '2026-01-01T00:00:00Z',
              modified: '2026-01-02T00:00:00Z',
            },
            { name: 'sub', type: 'dir', created: '2026-01-01T00:00:00Z', modified: '2026-01-01T00:00:00Z' },
            { name: '..', type: 'dir' },
            { name: '../../etc/passwd', type: 'text/plain', size: 1 },
            { name: 'a\\b', type: 'text/plain', size: 1 },
            { name: 'bell\u0007', type: 'text/plain', size: 1 },
            { name: 'x'.repeat(5000), type: 'text/plain', size: 1 },
            { name: 42, type: 'text/plain' },
            'not an item',
          ]),
        );
        return;
      }
      res.writeHead(404).end();
    });
    faultsUrl = await listen(faults);
    upstream = await startTestApp();
    t = await startTestApp({ STOCKROOM_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) });
    clock = t.app.get(Clock);
    const res = await api('/api/security/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ userName: 'manager', password: PASSWORD }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
    await nginx?.stop();
    await new Promise((r) => faults?.close(r));
  });

  it('fetches a missing file once, stores it with its hashes and dates, then serves it locally', async () => {
    const content = bytes(300_000);
    const modified = new Date('2026-03-04T05:06:07Z');
    await nginx.put('releases/v1/tool.tar.gz', content, modified);
    await createWith('mirror', { url: `${nginx.url}/releases/`, type: 'http' });

    const first = await endpoint(t, 'mirror')('content/v1/tool.tar.gz');
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer()).equals(content)).toBe(true);
    expect(first.headers.get('last-modified')).toBe(modified.toUTCString());

    const second = await endpoint(t, 'mirror')('content/v1/tool.tar.gz');
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).toBe(`"${sha1(content)}"`);
    expect(Buffer.from(await second.arrayBuffer()).equals(content)).toBe(true);
    expect(await gets('/releases/v1/tool.tar.gz')).toHaveLength(1);

    const meta = await endpoint(t, 'mirror')('metadata/v1/tool.tar.gz');
    const item = (await meta.json()) as {
      sha1: string;
      size: number;
      type: string;
      modified: string;
    };
    expect(item).toEqual(
      expect.objectContaining({
        sha1: sha1(content),
        size: content.length,
        type: 'application/gzip',
        modified: modified.toISOString(),
      }),
    );
    // Both downloads count (the first, streamed from the upstream, too): retention's "unused" rules read them.
    await eventually(
      async () =>
        ((await (await endpoint(t, 'mirror')('metadata/v1/tool.tar.gz')).json()) as { downloadCount: number })
          .downloadCount === 2,
    );
    // `dir/` lists what the directory holds: the fetched file is one of its files.
    expect((await listing('mirror', 'v1')).map((i) => i.name)).toEqual(['tool.tar.gz']);

    const s = await status('mirror');
    expect(s).toEqual(
      expect.objectContaining({ cachedFiles: 1, cachedBytes: content.length, hits: 1, misses: 1, errors: 0 }),
    );
    expect(s.hitRate).toBeCloseTo(0.5);
    expect(s.lastFetchAt).not.toBeNull();
  });

  it('100 concurrent requests for one uncached file make exactly one upstream request, and all get every byte', async () => {
    const content = bytes(4 * 1024 * 1024);
    await nginx.put('crowd/big.bin', content);
    await createWith('crowd', { url: `${nginx.url}/crowd/`, type: 'http' });
    const answers = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const res = await endpoint(t, 'crowd')('content/big.bin');
        return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
      }),
    );
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.equals(content)).toBe(true);
    }
    expect(await gets('/crowd/big.bin')).toHaveLength(1);
  });

  it('HEAD of a missing file asks the upstream for its HEAD and fetches nothing', async () => {
    const content = bytes(12_345);
    await nginx.put('heads/file.bin', content, new Date('2026-02-02T02:02:02Z'));
    await createWith('heads', { url: `${nginx.url}/heads/`, type: 'http' });
    const res = await endpoint(t, 'heads')('content/file.bin', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('12345');
    expect(res.headers.get('last-modified')).toBe(new Date('2026-02-02T02:02:02Z').toUTCString());
    expect(await nginx.requests('/heads/file.bin')).toEqual(['HEAD /heads/file.bin 200']);
    expect(await listing('heads')).toEqual([]);
  });

  it("remembers an upstream's 404 for negativeCacheMinutes", async () => {
    await createWith('misses', { url: `${nginx.url}/misses/`, type: 'http', negativeCacheMinutes: 5 });
    expect((await endpoint(t, 'misses')('content/nope.bin')).status).toBe(404);
    expect((await endpoint(t, 'misses')('content/nope.bin')).status).toBe(404);
    expect(await gets('/misses/nope.bin')).toHaveLength(1);
    clock.travel(6 * MINUTE);
    await nginx.put('misses/nope.bin', 'there now');
    const res = await endpoint(t, 'misses')('content/nope.bin');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('there now');
  });

  it("an upstream's 500 is a 502 carrying its error, counted and reported in the status", async () => {
    await createWith('broken', { url: `${nginx.url}/`, type: 'http' });
    const res = await endpoint(t, 'broken')('content/broken.bin');
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/upstream answered 500: upstream exploded/);
    const s = await status('broken');
    expect(s.errors).toBe(1);
    expect(s.lastError).toEqual(expect.objectContaining({ path: 'broken.bin', message: expect.stringMatching(/500/) }));
    expect(await listing('broken')).toEqual([]);
    // Announced to webhooks (the outbox), with the upstream's error.
    const db = new pg.Client({ connectionString: t.db.url });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT path, details FROM change_events WHERE type = 'connector.fetch_failed' AND directory = 'broken'`,
      );
      expect(rows).toEqual([
        { path: 'broken.bin', details: expect.objectContaining({ error: expect.stringMatching(/upstream exploded/) }) },
      ]);
    } finally {
      await db.end();
    }
  });

  it('a redirect to an internal address is not followed', async () => {
    await createWith('bouncy', { url: `${nginx.url}/`, type: 'http' });
    const res = await endpoint(t, 'bouncy')('content/bounce.bin');
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/127\.0\.0\.2 is not an allowed address/);
  });

  it('a body that stalls or breaks off is never served as complete, nor kept', async () => {
    await createWith('stalls', { url: `${faultsUrl}/`, type: 'http', timeoutSeconds: 1 });
    for (const name of ['stall.bin', 'reset.bin']) {
      const res = await endpoint(t, 'stalls')(`content/${name}`);
      // The stalled answer starts with the first bytes, then is cut off, never ended as if complete; the
      // reset one is cut off too, or refused with 502 when it broke before storage read a byte.
      if (name === 'stall.bin') expect(res.status).toBe(200);
      if (res.status === 200) await expect(res.arrayBuffer()).rejects.toThrow();
      else expect(res.status).toBe(502);
      expect(await listing('stalls')).toEqual([]);
    }
    expect((await status('stalls')).errors).toBe(2);
  });

  it('revalidates after cacheMinutes: unchanged stays, changed is replaced', async () => {
    await nginx.put('fresh/app.txt', 'version 1', new Date('2026-01-01T00:00:00Z'));
    await createWith('fresh', { url: `${nginx.url}/fresh/`, type: 'http', cacheMinutes: 10 });
    expect(await (await endpoint(t, 'fresh')('content/app.txt')).text()).toBe('version 1');

    clock.travel(11 * MINUTE);
    expect(await (await endpoint(t, 'fresh')('content/app.txt')).text()).toBe('version 1');
    expect(await nginx.requests('/fresh/app.txt')).toEqual(['GET /fresh/app.txt 200', 'GET /fresh/app.txt 304']);

    await nginx.put('fresh/app.txt', 'version 2!', new Date('2026-01-05T00:00:00Z'));
    expect(await (await endpoint(t, 'fresh')('content/app.txt')).text()).toBe('version 1'); // still fresh
    clock.travel(11 * MINUTE);
    const res = await endpoint(t, 'fresh')('content/app.txt');
    expect(await res.text()).toBe('version 2!');
    expect(res.headers.get('last-modified')).toBe(new Date('2026-01-05T00:00:00Z').toUTCString());
  });

  it('a new upstream serves the fetched files once their cache time is over; an unchanged file makes no new version', async () => {
    await nginx.put('old/same.txt', 'same everywhere');
    await nginx.put('old/moved.txt', 'old upstream');
    await nginx.put('new/same.txt', 'same everywhere');
    await nginx.put('new/moved.txt', 'new upstream');
    const connector = { url: `${nginx.url}/old/`, type: 'http', cacheMinutes: 1 };
    await createWith('switch', connector, { fileHistory: { enabled: true, keep: 5 } });
    expect(await (await endpoint(t, 'switch')('content/same.txt')).text()).toBe('same everywhere');
    expect(await (await endpoint(t, 'switch')('content/moved.txt')).text()).toBe('old upstream');

    expect((await update('switch', { connector: { ...connector, url: `${nginx.url}/new/` } })).status).toBe(200);
    clock.travel(2 * MINUTE);
    expect(await (await endpoint(t, 'switch')('content/same.txt')).text()).toBe('same everywhere');
    expect(await (await endpoint(t, 'switch')('content/moved.txt')).text()).toBe('new upstream');
    expect(await (await endpoint(t, 'switch')('versions/same.txt')).json()).toEqual([]);
    expect(await (await endpoint(t, 'switch')('versions/moved.txt')).json()).toHaveLength(1);
  });

  it('local uploads shadow the upstream and are never revalidated or replaced', async () => {
    await nginx.put('shadow/conf.txt', 'from upstream');
    await createWith('shadow', { url: `${nginx.url}/shadow/`, type: 'http', cacheMinutes: 1 });
    const put = await endpoint(t, 'shadow')('content/conf.txt', { method: 'POST', body: 'local' });
    expect(put.status).toBe(201);
    clock.travel(5 * MINUTE);
    expect(await (await endpoint(t, 'shadow')('content/conf.txt')).text()).toBe('local');
    expect(await nginx.requests('/shadow/conf.txt')).toEqual([]);
  });

  it('with the upstream gone (or offline), cached files are served and missing ones answer 502', async () => {
    const gone = await Nginx.start();
    await gone.put('kept.txt', 'kept');
    await createWith('orphan', { url: `${gone.url}/`, type: 'http', cacheMinutes: 1 });
    expect(await (await endpoint(t, 'orphan')('content/kept.txt')).text()).toBe('kept');
    await gone.stop();
    clock.travel(5 * MINUTE);
    const cached = await endpoint(t, 'orphan')('content/kept.txt');
    expect(cached.status).toBe(200);
    expect(await cached.text()).toBe('kept');
    const missing = await endpoint(t, 'orphan')('content/other.txt');
    expect(missing.status).toBe(502);
    expect(await missing.text()).toMatch(/could not be reached \(ECONNREFUSED\)/);

    expect((await update('orphan', { connector: { url: `${gone.url}/`, type: 'http', offline: true } })).status).toBe(
      200,
    );
    expect(await (await endpoint(t, 'orphan')('content/kept.txt')).text()).toBe('kept');
    const offline = await endpoint(t, 'orphan')('content/other.txt');
    expect(offline.status).toBe(502);
    expect(await offline.text()).toMatch(/offline/);
  });

  it('files over the quota or the upload limit are refused with the reason, and nothing is stored', async () => {
    await nginx.put('limits/big.bin', bytes(5000));
    await nginx.put('limits/huge.bin', bytes(MAX_UPLOAD + 1));
    await createWith('limits', { url: `${nginx.url}/limits/`, type: 'http' }, { quotaBytes: 1000 });
    const big = await endpoint(t, 'limits')('content/big.bin');
    expect(big.status).toBe(507);
    expect(await big.text()).toMatch(/does not fit in the quota of asset directory "limits"/);
    expect((await update('limits', { quotaBytes: null })).status).toBe(200);
    const huge = await endpoint(t, 'limits')('content/huge.bin');
    expect(huge.status).toBe(502);
    expect(await huge.text()).toMatch(/upload limit/);
    expect(await listing('limits')).toEqual([]);
  });

  it('a second Stockroom as a "stockroom" upstream: files fetched with credentials, folders listed', async () => {
    const content = bytes(70_000);
    await createFeed(upstream, 'origin');
    const up = await endpoint(upstream, 'origin')('content/pkg/lib.so', { method: 'POST', body: content });
    expect(up.status).toBe(201);
    await createWith('downstream', {
      url: `${upstream.url}/endpoints/origin/`,
      type: 'stockroom',
      username: 'Admin',
      password: ADMIN_PASSWORD,
    });
    const res = await endpoint(t, 'downstream')('content/pkg/lib.so');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(content)).toBe(true);

    const listed = await endpoint(t, 'downstream')('dir/pkg?upstream=true');
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual([
      expect.objectContaining({
        name: 'lib.so',
        parent: 'pkg',
        size: content.length,
        sha1: sha1(content),
        content: `${t.url}/endpoints/downstream/content/pkg/lib.so`,
      }),
    ]);
    // `dir/` itself still lists the local files only.
    expect((await listing('downstream', 'pkg')).map((i) => i.name)).toEqual(['lib.so']);
  });

  it("drops hostile names from a stockroom upstream's listing; an http upstream has none", async () => {
    await createWith('hostile', { url: `${faultsUrl}/endpoints/hostile/`, type: 'stockroom' });
    const res = await endpoint(t, 'hostile')('dir/?upstream=true');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }[]).map((i) => i.name)).toEqual(['good.txt', 'sub']);
    expect((await endpoint(t, 'mirror')('dir/?upstream=true')).status).toBe(400);
  });

  it('secrets are encrypted at rest and read back masked; a masked secret sent back keeps the saved one', async () => {
    const created = await createWith('secret', {
      url: `${upstream.url}/endpoints/origin/`,
      type: 'stockroom',
      username: 'Admin',
      password: ADMIN_PASSWORD,
    });
    expect(created.connector).toEqual({
      url: `${upstream.url}/endpoints/origin/`,
      type: 'stockroom',
      username: 'Admin',
      password: '********',
      cacheMinutes: 1440,
      negativeCacheMinutes: 5,
      timeoutSeconds: 30,
      offline: false,
    });
    const db = new pg.Client({ connectionString: t.db.url });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT connector::text AS c FROM feeds WHERE name = 'secret'`);
      expect(rows[0].c).not.toContain(ADMIN_PASSWORD);
    } finally {
      await db.end();
    }
    const kept = await update('secret', { connector: { ...created.connector, timeoutSeconds: 10 } });
    expect(kept.status).toBe(200);
    expect(((await kept.json()) as Feed).connector?.password).toBe('********');
    const res = await endpoint(t, 'secret')('content/pkg/lib.so');
    expect(res.status).toBe(200); // the saved password still works
  });

  it('only an administrator sets, changes or removes a connector; bad settings are 400', async () => {
    await createFeed(t, 'managed');
    const grant = await api('/api/security/privileges', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ principalType: 'user', principalName: 'manager', role: 'Manage Feed', feed: 'managed' }),
    });
    expect(grant.status).toBe(201);
    const manager = { Authorization: basicAuth('manager', PASSWORD) };
    const refused = await update('managed', { connector: { url: `${nginx.url}/`, type: 'http' } }, manager);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /Only an administrator can set, change or remove "connector"/,
    );

    for (const bad of [
      { url: 'ftp://example.org/', type: 'http' },
      { url: `${nginx.url}/`, type: 'svn' },
      { url: `${nginx.url}/`, cacheMinutes: -1 },
    ]) {
      expect((await update('managed', { connector: bad })).status).toBe(400);
    }
    expect((await update('managed', { connector: { url: `${nginx.url}/`, type: 'http' } })).status).toBe(200);
    // The manager may send the feed back as is, and read the status; not remove the connector.
    const feed = (await (await api('/api/management/feeds/get/managed')).json()) as Feed;
    expect((await update('managed', { description: 'x', connector: feed.connector }, manager)).status).toBe(200);
    expect((await api('/api/connectors/managed/status', { headers: manager })).status).toBe(200);
    expect((await update('managed', { connector: null }, manager)).status).toBe(403);
    expect((await update('managed', { connector: null })).status).toBe(200);
    expect(((await (await api('/api/management/feeds/get/managed')).json()) as Feed).connector).toBeUndefined();
  });
});

/** "Once" across nodes: two servers on one database wait on the same advisory lock. */
describe('connectors on two nodes', () => {
  let a: TestApp;
  let b: TestApp;
  let nginx: Nginx;
  let shared: string;

  beforeAll(async () => {
    nginx = await Nginx.start();
    shared = await mkdtemp(join(tmpdir(), 'stockroom-connector-nodes-'));
    a = await startTestApp({ STOCKROOM_DATA_DIR: shared });
    b = await startTestApp({ STOCKROOM_DATA_DIR: shared }, a.db);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await nginx?.stop();
    await rm(shared, { recursive: true, force: true });
  });

  it('requests for one uncached file on both nodes make exactly one upstream request', async () => {
    const content = bytes(2 * 1024 * 1024);
    await nginx.put('dist/shared.bin', content);
    const res = await fetch(`${a.url}/api/management/feeds/create`, {
      method: 'POST',
      headers: { ...json, Authorization: a.adminAuth },
      body: JSON.stringify({ name: 'both', feedType: 'asset', connector: { url: `${nginx.url}/dist/`, type: 'http' } }),
    });
    expect(res.status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const node = i % 2 === 0 ? a : b;
        const r = await endpoint(node, 'both')('content/shared.bin');
        return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
      }),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.equals(content)).toBe(true);
    }
    expect((await nginx.requests('/dist/shared.bin')).filter((l) => l.startsWith('GET '))).toHaveLength(1);
  });
});

/** STOCKROOM_OUTBOUND_ALLOW applies to a connector's address when it is saved (and on every connection). */
describe('connectors and the outbound policy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ STOCKROOM_OUTBOUND_ALLOW: 'files.example.org' });
  });
  afterAll(() => t?.close());

  it('refuses an address the allow list does not name (403)', async () => {
    const res = await fetch(`${t.url}/api/management/feeds/create`, {
      method: 'POST',
      headers: { ...json, Authorization: t.adminAuth },
      body: JSON.stringify({
        name: 'walled',
        feedType: 'asset',
        connector: { url: 'http://127.0.0.1:9/', type: 'http' },
      }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/not allowed by STOCKROOM_OUTBOUND_ALLOW/);
  });
});
