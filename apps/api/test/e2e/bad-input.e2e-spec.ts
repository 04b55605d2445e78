import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../support/test-app';
import { bytes, createFeed, endpoint, eventually, sha1 } from '../support/fixtures';
import { raw } from '../support/http';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { TcpProxy } from '../support/tcp-proxy';

/** Every file under `dir`, at any depth. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name));
}

describe('bad input: clear 4xx, nothing changed', () => {
  let t: TestApp;
  let ep: ReturnType<typeof endpoint>;
  // The listing, without download counts: those of an earlier test's downloads are written up to
  // a second later, and are not what bad input could change.
  const snapshot = async () =>
    JSON.stringify(
      ((await (await ep('dir/?recursive=true')).json()) as Record<string, unknown>[]).map(
        ({ downloadCount: _count, lastDownloaded: _last, ...item }) => item,
      ),
    );

  beforeAll(async () => {
    t = await startTestApp();
    await createFeed(t, 'safe');
    ep = endpoint(t, 'safe');
    await ep('content/keep/original.txt', { method: 'POST', body: 'original' });
  });
  afterAll(() => t.close());

  const hostile = [
    ['..', '/endpoints/safe/content/../escape.txt'],
    ['.. deeper', '/endpoints/safe/content/keep/../../escape.txt'],
    ['%2e%2e', '/endpoints/safe/content/%2e%2e/escape.txt'],
    ['%2E%2e mixed', '/endpoints/safe/content/keep/%2E%2e/escape.txt'],
    ['.%2e', '/endpoints/safe/content/.%2e/escape.txt'],
    ['single dot', '/endpoints/safe/content/./escape.txt'],
    ['%2F inside a segment', '/endpoints/safe/content/keep%2F..%2Fescape.txt'],
    ['%2f lower', '/endpoints/safe/content/a%2fb.txt'],
    ['raw backslash', '/endpoints/safe/content/keep\\..\\escape.txt'],
    ['%5C backslash', '/endpoints/safe/content/keep%5C..%5Cescape.txt'],
    ['NUL', '/endpoints/safe/content/evil%00.txt'],
    ['control char', '/endpoints/safe/content/evil%01.txt'],
    ['DEL', '/endpoints/safe/content/evil%7F.txt'],
    ['newline', '/endpoints/safe/content/evil%0A.txt'],
    ['malformed escape', '/endpoints/safe/content/evil%zz.txt'],
    ['segment over 255 bytes', `/endpoints/safe/content/${'a'.repeat(256)}.txt`],
    ['multibyte segment over 255 bytes', `/endpoints/safe/content/${'%C3%A9'.repeat(128)}`],
    ['path over 2048 bytes', `/endpoints/safe/content/${Array.from({ length: 10 }, () => 'b'.repeat(250)).join('/')}`],
  ] as const;

  it.each(hostile)('rejects a path with %s on every operation (400 text/plain)', async (_name, path) => {
    const before = await snapshot();
    for (const [method, p] of [
      ['POST', path],
      ['PUT', path],
      ['GET', path],
      ['DELETE', path],
      ['POST', path.replace('/content/', '/dir/')],
      ['POST', path.replace('/content/', '/delete/') + '?recursive=true'],
      ['GET', path.replace('/content/', '/metadata/')],
    ] as const) {
      const res = await raw(t, method, p, { body: method === 'POST' || method === 'PUT' ? 'evil' : undefined });
      expect([method, p, res.status]).toEqual([method, p, 400]);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/Invalid path|Failed to decode/);
      expect(res.text).not.toMatch(/ at .*\.(ts|js):\d+/); // no stack trace
    }
    expect(await snapshot()).toBe(before);
    // Nothing written next to the data dir either: the test app's own folder holds it.
    expect(t.config.dataDir).toBe(join(t.workDir, 'data'));
    const files = await filesUnder(t.workDir);
    expect(files.length).toBeGreaterThan(0); // the stored original.txt: the walk sees the data
    expect(files).not.toContainEqual(expect.stringMatching(/escape\.txt$/));
  });

  it('ignores leading, trailing and doubled slashes', async () => {
    expect((await raw(t, 'POST', '/endpoints/safe/content//slashes///a.txt/', { body: 'ok' })).status).toBe(201);
    expect((await raw(t, 'GET', '/endpoints/safe/content/slashes/a.txt')).text).toBe('ok');
  });

  it('answers 404 for an unknown directory, on every operation', async () => {
    for (const [method, path] of [
      ['GET', '/endpoints/nope/content/a.txt'],
      ['POST', '/endpoints/nope/content/a.txt'],
      ['GET', '/endpoints/nope/dir/'],
      ['POST', '/endpoints/nope/import/'],
    ] as const) {
      const res = await raw(t, method, path, { body: method === 'POST' ? 'x' : undefined });
      expect(res.status).toBe(404);
      expect(res.text).toMatch(/"nope" was not found/);
    }
  });

  it('a folder where a file is expected, and the reverse, is 400 and changes nothing', async () => {
    const before = await snapshot();
    expect((await ep('content/keep', { method: 'POST', body: 'x' })).status).toBe(400);
    expect((await ep('content/keep', { method: 'PUT', body: 'x' })).status).toBe(400);
    expect((await ep('content/keep', { method: 'PATCH', body: 'x' })).status).toBe(400);
    expect((await ep('content/keep')).status).toBe(400);
    expect((await ep('dir/keep/original.txt', { method: 'POST' })).status).toBe(400);
    expect((await ep('content/keep/original.txt/child', { method: 'POST', body: 'x' })).status).toBe(400);
    expect((await ep('content/', { method: 'POST', body: 'x' })).status).toBe(400);
    expect(await snapshot()).toBe(before);
  });

  it('a client that disconnects mid-upload leaves the old content intact and no partial file', async () => {
    const storage = join(t.config.dataDir, 'storage');
    const blobsBefore = (await filesUnder(storage)).length;
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: t.port,
        method: 'POST',
        path: '/endpoints/safe/content/keep/original.txt',
        headers: { 'Content-Length': 10_000_000 },
      });
      req.on('error', () => resolve());
      req.write(bytes(2_000_000), () => setTimeout(() => req.destroy(), 200));
      req.on('close', () => resolve());
    });
    await eventually(async () => (await filesUnder(storage)).length === blobsBefore);
    expect(await (await ep('content/keep/original.txt')).text()).toBe('original');
    // An aborted new file leaves no trace either.
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: t.port,
        method: 'POST',
        path: '/endpoints/safe/content/keep/new.bin',
        headers: { 'Content-Length': 10_000_000 },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(bytes(1_000_000), () => setTimeout(() => req.destroy(), 200));
    });
    await eventually(async () => (await filesUnder(storage)).length === blobsBefore);
    expect((await ep('content/keep/new.bin')).status).toBe(404);
    expect((await (await ep('dir/keep')).json()).map((i: { name: string }) => i.name)).toEqual(['original.txt']);
  });

  it('50 concurrent uploads to one path: exactly one wins, whole, and its metadata matches its bytes', async () => {
    const bodies = Array.from({ length: 50 }, () => bytes(50_000 + Math.floor(Math.random() * 50_000)));
    const results = await Promise.all(bodies.map((b) => ep('content/race/target.bin', { method: 'POST', body: b })));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const res = await ep('content/race/target.bin');
    const served = Buffer.from(await res.arrayBuffer());
    const winner = bodies.find((b) => b.equals(served));
    expect(winner).toBeDefined();
    const meta = await (await ep('metadata/race/target.bin')).json();
    expect(meta.size).toBe(served.length);
    expect(meta.sha1).toBe(sha1(served));
    expect(res.headers.get('etag')).toBe(`"${sha1(served)}"`);
    expect(await (await ep('dir/race')).json()).toHaveLength(1);
    // The 49 losers' blobs are reclaimed.
    const storage = join(t.config.dataDir, 'storage');
    const files = (await (await ep('dir/?recursive=true')).json()).filter((i: { type: string }) => i.type !== 'dir');
    await eventually(async () => (await filesUnder(storage)).filter((f) => !f.includes('/.')).length === files.length);
  });

  it('refuses an upload over the configured limit before reading it (413)', async () => {
    const limited = await startTestApp({ STOCKROOM_MAX_UPLOAD_BYTES: '1000' });
    try {
      await createFeed(limited, 'small');
      const small = endpoint(limited, 'small');
      const res = await small('content/big.bin', { method: 'POST', body: bytes(5000) });
      expect(res.status).toBe(413);
      expect(await res.text()).toMatch(/limit/);
      const chunked = await raw(limited, 'POST', '/endpoints/small/content/big.bin', {
        headers: { 'Transfer-Encoding': 'chunked' },
        body: (await import('node:stream')).Readable.from([bytes(600), bytes(600)]),
      });
      expect(chunked.status).toBe(413);
      expect((await small('content/big.bin')).status).toBe(404);
    } finally {
      await limited.close();
    }
  });
});

describe('the database going away mid-request', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const u = new URL(db.url);
    proxy = new TcpProxy(u.hostname, Number(u.port || 5432));
    await proxy.start();
    t = await startTestApp({}, { url: proxy.wrap(db.url), drop: async () => undefined });
    await createFeed(t, 'fragile');
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
    await db.drop();
  });

  it('answers 503 with a reason, writes nothing half, and recovers when it returns', async () => {
    const ep = endpoint(t, 'fragile');
    expect((await ep('content/before.txt', { method: 'POST', body: 'before' })).status).toBe(201);
    const storage = join(t.config.dataDir, 'storage');
    const blobsBefore = (await filesUnder(storage)).length;

    proxy.cut();
    const upload = await ep('content/during.txt', { method: 'POST', body: bytes(200_000) });
    expect(upload.status).toBe(503);
    expect(upload.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await upload.text()).toMatch(/database is unavailable/);
    expect((await ep('dir/')).status).toBe(503);
    expect((await fetch(`${t.url}/health`)).status).toBe(503);
    const health = await (await fetch(`${t.url}/health`)).json();
    expect(health.databaseStatus).not.toBe('OK');

    proxy.restore();
    await eventually(async () => (await fetch(`${t.url}/health`)).status === 200, 15_000);
    expect((await ep('content/during.txt')).status).toBe(404);
    expect(await (await ep('content/before.txt')).text()).toBe('before');
    expect((await filesUnder(storage)).length).toBe(blobsBefore);
    expect((await ep('content/after.txt', { method: 'POST', body: 'after' })).status).toBe(201);
  });

  it('cut while the body streams: 503, no orphan blob, no row', async () => {
    const ep = endpoint(t, 'fragile');
    const storage = join(t.config.dataDir, 'storage');
    const blobsBefore = (await filesUnder(storage)).length;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: t.port,
          method: 'POST',
          path: '/endpoints/fragile/content/streaming.bin',
          headers: { 'Content-Length': 4_000_000 },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(bytes(2_000_000), () => {
        proxy.cut();
        setTimeout(() => req.end(bytes(2_000_000)), 100);
      });
    });
    expect(status).toBe(503);
    proxy.restore();
    await eventually(async () => (await fetch(`${t.url}/health`)).status === 200, 15_000);
    expect((await ep('content/streaming.bin')).status).toBe(404);
    expect((await filesUnder(storage)).length).toBe(blobsBefore);
  });
});
