import { Readable } from 'node:stream';
import { startTestApp, TestApp } from '../support/test-app';
import { bytes, createFeed, endpoint, hashesOf, sha1 } from '../support/fixtures';
import { raw } from '../support/http';

describe('content: upload and download (spec §2 #1-8)', () => {
  let t: TestApp;
  let ep: ReturnType<typeof endpoint>;
  beforeAll(async () => {
    t = await startTestApp();
    await createFeed(t, 'files');
    ep = endpoint(t, 'files');
  });
  afterAll(() => t.close());

  it('stores a raw body and serves it back with every download header', async () => {
    const data = bytes(100_000);
    const put = await ep('content/Docs/Setup.PDF', { method: 'POST', body: data });
    expect(put.status).toBe(201);
    expect(put.headers.get('x-proget-version')).toBeTruthy();

    const res = await ep('content/docs/setup.pdf'); // case-insensitive
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(data);
    expect(res.headers.get('content-type')).toBe('application/pdf'); // from the extension, case-insensitively
    expect(res.headers.get('content-length')).toBe('100000');
    expect(res.headers.get('etag')).toBe(`"${sha1(data)}"`);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('cache-control')).toBe('public');
    // …but a shared cache keys it by the caller's credentials.
    expect(res.headers.get('vary')).toBe('Authorization, X-ApiKey, X-ProGet-ApiKey, Cookie');
    expect(new Date(res.headers.get('last-modified') ?? '').getTime()).toBeGreaterThan(Date.now() - 60_000);

    const meta = await (await ep('metadata/Docs/Setup.PDF')).json();
    expect(meta).toMatchObject({ name: 'Setup.PDF', parent: 'Docs', size: 100000, ...hashesOf(data) });
  });

  it('stores a specific Content-Type and ignores habitual ones', async () => {
    await ep('content/a.bin', { method: 'POST', body: 'x', headers: { 'Content-Type': 'text/csv' } });
    expect((await ep('content/a.bin')).headers.get('content-type')).toBe('text/csv');
    for (const habitual of [
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      await ep('content/readme.txt', { method: 'POST', body: 'hello', headers: { 'Content-Type': habitual } });
      const res = await ep('content/readme.txt');
      expect(res.headers.get('content-type')).toBe('text/plain');
      expect(await res.text()).toBe('hello'); // a form content type must not be parsed as a form
    }
    await ep('content/unknown.zzzq', { method: 'POST', body: Buffer.from('x') }); // fetch sends no Content-Type for bytes
    expect((await ep('content/unknown.zzzq')).headers.get('content-type')).toBe('application/octet-stream');
  });

  it('accepts chunked transfer (no Content-Length) and empty bodies', async () => {
    const data = bytes(300_000);
    const res = await raw(t, 'POST', '/endpoints/files/content/chunked.bin', {
      headers: { 'Transfer-Encoding': 'chunked' },
      body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
    });
    expect(res.status).toBe(201);
    expect(Buffer.from(await (await ep('content/chunked.bin')).arrayBuffer())).toEqual(data);

    expect((await ep('content/empty.txt', { method: 'POST' })).status).toBe(201);
    const empty = await ep('content/empty.txt');
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-length')).toBe('0');
    expect(await empty.text()).toBe('');
  });

  it('PUT creates only, PATCH overwrites only, POST does both', async () => {
    expect((await ep('content/p.txt', { method: 'PUT', body: 'one' })).status).toBe(201);
    const again = await ep('content/P.TXT', { method: 'PUT', body: 'two' });
    expect(again.status).toBe(400);
    expect(again.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await again.text()).toMatch(/already exists/);
    expect(await (await ep('content/p.txt')).text()).toBe('one');

    expect((await ep('content/missing.txt', { method: 'PATCH', body: 'x' })).status).toBe(404);
    expect((await ep('content/missing.txt')).status).toBe(404);
    expect((await ep('content/p.txt', { method: 'PATCH', body: 'three' })).status).toBe(201);
    expect(await (await ep('content/p.txt')).text()).toBe('three');
    expect((await ep('content/p.txt', { method: 'POST', body: 'four' })).status).toBe(201);
    expect(await (await ep('content/p.txt')).text()).toBe('four');
  });

  it('overwriting keeps the name as first written, replaces the bytes and hashes', async () => {
    await ep('content/Keep/Name.txt', { method: 'POST', body: 'v1' });
    await ep('content/keep/name.TXT', { method: 'POST', body: 'version 2' });
    const list = await (await ep('dir/keep')).json();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'Name.txt', size: 9, sha1: sha1('version 2') });
  });

  it('answers single byte ranges with 206 and exactly those bytes', async () => {
    const data = bytes(10_000);
    await ep('content/range.bin', { method: 'POST', body: data });
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=9990-', 9990, 9999],
      ['bytes=-10', 9990, 9999],
      ['bytes=500-20000', 500, 9999],
    ];
    for (const [range, start, end] of cases) {
      const res = await ep('content/range.bin', { headers: { Range: range } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/10000`);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(data.subarray(start, end + 1));
    }
    const unsatisfiable = await ep('content/range.bin', { headers: { Range: 'bytes=20000-' } });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get('content-range')).toBe('bytes */10000');
    const multi = await ep('content/range.bin', { headers: { Range: 'bytes=0-1,5-6' } });
    expect(multi.status).toBe(200);
    expect(Buffer.from(await multi.arrayBuffer())).toEqual(data);
    // If-Range with a stale validator: the whole file.
    const stale = await ep('content/range.bin', {
      headers: { Range: 'bytes=0-9', 'If-Range': '"0000000000000000000000000000000000000000"' },
    });
    expect(stale.status).toBe(200);
    const fresh = await ep('content/range.bin', { headers: { Range: 'bytes=0-9', 'If-Range': `"${sha1(data)}"` } });
    expect(fresh.status).toBe(206);
  });

  it('answers 304 to a matching If-None-Match (quoted, bare or *) and If-Modified-Since', async () => {
    await ep('content/etag.txt', { method: 'POST', body: 'etag me' });
    const first = await ep('content/etag.txt');
    const etag = first.headers.get('etag') ?? '';
    for (const value of [etag, etag.replace(/"/g, ''), '*', `"nope", ${etag}`]) {
      const res = await ep('content/etag.txt', { headers: { 'If-None-Match': value } });
      expect(res.status).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
    }
    expect((await ep('content/etag.txt', { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
    const lastModified = first.headers.get('last-modified') ?? '';
    expect((await ep('content/etag.txt', { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
    expect(
      (await ep('content/etag.txt', { headers: { 'If-Modified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' } })).status,
    ).toBe(200);
  });

  it('HEAD answers headers only: 200 when present, 404 when missing (Cake add-in)', async () => {
    await ep('content/head.txt', { method: 'POST', body: 'twelve bytes' });
    const res = await raw(t, 'HEAD', '/endpoints/files/content/head.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('12');
    expect(res.body.length).toBe(0);
    expect((await raw(t, 'HEAD', '/endpoints/files/content/nothing.txt')).status).toBe(404);
  });

  it('?download=true adds an RFC 6266 attachment disposition', async () => {
    await ep('content/R%C3%A9sum%C3%A9%20final.pdf', { method: 'POST', body: 'pdf' });
    const res = await ep('content/R%C3%A9sum%C3%A9%20final.pdf?download=true');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="R?sum? final.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20final.pdf`,
    );
    expect((await ep('content/R%C3%A9sum%C3%A9%20final.pdf')).headers.get('content-disposition')).toBeNull();
  });

  it('DELETE content deletes a file, is fine when absent, and refuses a folder', async () => {
    await ep('content/del/x.txt', { method: 'POST', body: 'x' });
    expect((await ep('content/del/x.txt', { method: 'DELETE' })).status).toBe(200);
    expect((await ep('content/del/x.txt')).status).toBe(404);
    expect((await ep('content/del/x.txt', { method: 'DELETE' })).status).toBe(200);
    const folder = await ep('content/del', { method: 'DELETE' });
    expect(folder.status).toBe(400);
    expect(await folder.text()).toMatch(/folder/);
  });

  it('GET on a folder is 400; on a missing file 404; both text/plain', async () => {
    await ep('dir/somefolder', { method: 'POST' });
    const folder = await ep('content/somefolder');
    expect(folder.status).toBe(400);
    expect(folder.headers.get('content-type')).toMatch(/^text\/plain/);
    const missing = await ep('content/nope.txt');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/not found/);
  });
});
