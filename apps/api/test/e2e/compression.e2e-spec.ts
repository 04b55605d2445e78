import { randomBytes } from 'node:crypto';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { createFeed, eventually, sha1, zipOf } from '../support/fixtures';
import { cutAfter, raw, RawResponse } from '../support/http';
import { startServerProcess, ServerProcess } from '../support/server-process';
import { TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const FILES = 3000;

function decoded(res: RawResponse): string {
  const encoding = res.headers['content-encoding'];
  if (encoding === 'gzip') return gunzipSync(res.body).toString('utf8');
  if (encoding === 'br') return brotliDecompressSync(res.body).toString('utf8');
  if (encoding === 'deflate') return inflateSync(res.body).toString('utf8');
  if (encoding === undefined) return res.text;
  throw new Error(`unexpected Content-Encoding ${encoding}`);
}

function varies(res: RawResponse): string[] {
  return String(res.headers.vary ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase());
}

describe('compressed JSON answers of the asset API, never compressed downloads (child-process server)', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  const json = JSON.stringify({ items: Array.from({ length: 4000 }, (_, i) => ({ i, name: `entry-${i}` })) });
  const text = 'all work and no play makes a dull download\n'.repeat(5000);

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startServerProcess({ DATABASE_URL: db.url });
    await createFeed(server as unknown as TestApp, 'files');
    // Names with random parts: the listing still compresses, but stays larger than socket buffers.
    const entries: Record<string, string> = {};
    for (let i = 0; i < FILES; i++) entries[`many/f-${i}-${randomBytes(24).toString('hex')}.txt`] = `${i}`;
    const imported = await raw(server, 'POST', '/endpoints/files/import?format=zip', { body: await zipOf(entries) });
    expect(imported.status).toBe(200);
    for (const [name, body, type] of [
      ['data.json', json, 'application/json'],
      ['notes.txt', text, 'text/plain'],
    ]) {
      const put = await raw(server, 'PUT', `/endpoints/files/content/${name}`, {
        body,
        headers: { 'Content-Type': type },
      });
      expect(put.status).toBe(201);
    }
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('gzip, br and deflate listings decode to the same JSON as the plain one, which is sent as is', async () => {
    const plain = await raw(server, 'GET', '/endpoints/files/dir/many');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(varies(plain)).toContain('accept-encoding');
    const items = JSON.parse(plain.text) as unknown[];
    expect(items).toHaveLength(FILES);
    for (const encoding of ['gzip', 'br', 'deflate']) {
      const res = await raw(server, 'GET', '/endpoints/files/dir/many', { headers: { 'Accept-Encoding': encoding } });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(varies(res)).toContain('accept-encoding');
      expect(res.headers['content-length']).toBeUndefined(); // streamed
      expect(res.body.length).toBeLessThan(plain.body.length / 2);
      expect(JSON.parse(decoded(res))).toEqual(items);
    }
    // A browser's usual header: br is preferred over gzip.
    const browser = await raw(server, 'GET', '/endpoints/files/dir/many', {
      headers: { 'Accept-Encoding': 'gzip, deflate, br' },
    });
    expect(browser.headers['content-encoding']).toBe('br');
    expect(JSON.parse(decoded(browser))).toEqual(items);
    // An empty folder's listing is still an (encoded) empty array.
    expect((await raw(server, 'POST', '/endpoints/files/dir/empty')).status).toBe(201);
    const empty = await raw(server, 'GET', '/endpoints/files/dir/empty', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(JSON.parse(decoded(empty))).toEqual([]);
  });

  it('no Accept-Encoding (or identity only, or gzip refused) means no compression', async () => {
    const asked: Record<string, string>[] = [
      {},
      { 'Accept-Encoding': 'identity' },
      { 'Accept-Encoding': 'gzip;q=0, br;q=0' },
    ];
    for (const headers of asked) {
      const res = await raw(server, 'GET', '/endpoints/files/dir/many', { headers });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(res.text)).toHaveLength(FILES);
    }
  });

  it('a HEAD of a listing carries the headers of its GET, without reading the listing', async () => {
    for (const encoding of [undefined, 'gzip', 'br']) {
      const headers: Record<string, string> = encoding ? { 'Accept-Encoding': encoding } : {};
      const get = await raw(server, 'GET', '/endpoints/files/dir/many', { headers });
      const head = await raw(server, 'HEAD', '/endpoints/files/dir/many', { headers });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      for (const name of ['content-encoding', 'content-type', 'vary', 'content-length']) {
        expect([name, head.headers[name]]).toEqual([name, get.headers[name]]);
      }
    }
  });

  it('metadata/ answers are JSON that may be compressed, with Vary, and HEAD agrees with GET', async () => {
    const plain = await raw(server, 'GET', '/endpoints/files/metadata/data.json');
    expect(plain.status).toBe(200);
    expect(varies(plain)).toContain('accept-encoding');
    const gz = await raw(server, 'GET', '/endpoints/files/metadata/data.json', {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(JSON.parse(decoded(gz))).toEqual(JSON.parse(plain.text));
    const head = await raw(server, 'HEAD', '/endpoints/files/metadata/data.json', {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(head.headers['content-encoding']).toBe(gz.headers['content-encoding']);
    expect(head.headers['content-length']).toBe(gz.headers['content-length']);
  });

  it('content/ downloads are never compressed, even JSON and text asked for with gzip or br', async () => {
    for (const [name, body] of [
      ['data.json', json],
      ['notes.txt', text],
    ]) {
      const size = Buffer.byteLength(body);
      for (const ae of ['gzip', 'br', 'gzip, deflate, br']) {
        const headers = { 'Accept-Encoding': ae };
        const get = await raw(server, 'GET', `/endpoints/files/content/${name}`, { headers });
        expect(get.status).toBe(200);
        expect(get.headers['content-encoding']).toBeUndefined();
        expect(get.headers['content-length']).toBe(String(size));
        expect(get.headers.etag).toBe(`"${sha1(body)}"`);
        expect(varies(get)).not.toContain('accept-encoding');
        expect(get.text).toBe(body);

        const head = await raw(server, 'HEAD', `/endpoints/files/content/${name}`, { headers });
        expect(head.headers['content-encoding']).toBeUndefined();
        expect(head.headers['content-length']).toBe(String(size));

        const range = await raw(server, 'GET', `/endpoints/files/content/${name}`, {
          headers: { ...headers, Range: 'bytes=100-1123' },
        });
        expect(range.status).toBe(206);
        expect(range.headers['content-encoding']).toBeUndefined();
        expect(range.headers['content-range']).toBe(`bytes 100-1123/${size}`);
        expect(range.headers['content-length']).toBe('1024');
        expect(range.text).toBe(body.slice(100, 1124));
      }
    }
  });

  it('export/ archives are never compressed again', async () => {
    const res = await raw(server, 'GET', '/endpoints/files/export/many?format=zip', {
      headers: { 'Accept-Encoding': 'gzip, br' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
  });

  it('clients that leave mid-way through compressed listings leave the server serving the others', async () => {
    const mark = server.output().length;
    // More cuts than the database pool has connections: a leaked cursor would starve the next listing.
    for (let i = 0; i < 24; i++) {
      const encoding = i % 2 === 0 ? 'gzip' : 'br';
      const head =
        `GET /endpoints/files/dir/many HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${server.adminAuth}\r\n` +
        `Accept-Encoding: ${encoding}\r\n\r\n`;
      expect(await cutAfter(server.port, head, Buffer.alloc(0), 1)).toBeGreaterThan(0);
    }
    const listings = await Promise.all(
      ['gzip', 'br', 'gzip', 'br', undefined].map((encoding) =>
        raw(server, 'GET', '/endpoints/files/dir/many', {
          headers: encoding ? { 'Accept-Encoding': encoding } : {},
        }),
      ),
    );
    for (const listing of listings) {
      expect(listing.status).toBe(200);
      expect(JSON.parse(decoded(listing))).toHaveLength(FILES);
    }
    expect((await raw(server, 'GET', '/health')).status).toBe(200);
    // Cuts that came while the server was still writing (most; a listing already in the socket
    // buffers completes) are logged as aborts, never as errors.
    const aborted = /GET \/endpoints\/files\/dir\/many: aborted by the client/;
    await eventually(async () => aborted.test(server.output().slice(mark)), 10_000);
    expect(server.output().slice(mark)).not.toMatch(/Internal server error|ERROR|[Uu]nhandled/);
  });
});
