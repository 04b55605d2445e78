import { Readable } from 'node:stream';
import { createFeed, sha1 } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { basicAuth, startTestApp, type TestApp } from '../support/test-app';

/**
 * WebDAV at /dav/ (issue 18 §1) over real HTTP: each method, credentials (never the session cookie),
 * privileges, policies and quota through the shared services, and the bad-input list of the issue.
 * The litmus conformance suite runs against the same server in its own test.
 */

const PASSWORD = 'dav-user-password-1';
const json = { 'Content-Type': 'application/json' };
const xml = { 'Content-Type': 'application/xml; charset=utf-8' };
const LOCKINFO = (scope: 'exclusive' | 'shared' = 'exclusive') =>
  `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope>` +
  `<D:locktype><D:write/></D:locktype><D:owner>tester</D:owner></D:lockinfo>`;

describe('WebDAV at /dav/', () => {
  let t: TestApp;
  const as = (user: string) => ({ Authorization: basicAuth(user, PASSWORD) });
  const dav = (
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string | Buffer | Readable } = {},
  ) => raw(t, method, path, options);
  const must = async (res: Promise<RawResponse>, status: number) => {
    const r = await res;
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text.slice(0, 300)}`);
    return r;
  };
  const put = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    dav('PUT', path, { body, headers });
  const propfind = (path: string, depth: string, body?: string, headers: Record<string, string> = {}) =>
    dav('PROPFIND', path, { headers: { Depth: depth, ...(body ? xml : {}), ...headers }, body });
  const hrefs = (multistatus: string) => [...multistatus.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => m[1]);

  beforeAll(async () => {
    t = await startTestApp({
      STOCKROOM_LOGIN_FAILURES_PER_USER: '1000',
      STOCKROOM_LOGIN_FAILURES_PER_ADDRESS: '1000',
    });
    for (const feed of ['files', 'other', 'public', 'frozen', 'small']) await createFeed(t, feed);
    for (const user of ['viewer', 'publisher']) {
      await must(
        raw(t, 'POST', '/api/security/users', {
          headers: json,
          body: JSON.stringify({ userName: user, password: PASSWORD }),
        }),
        201,
      );
    }
    const grant = (principalType: string, principalName: string, role: string, feed: string) =>
      must(
        raw(t, 'POST', '/api/security/privileges', {
          headers: json,
          body: JSON.stringify({ principalType, principalName, role, feed }),
        }),
        201,
      );
    await grant('user', 'viewer', 'View & Download', 'files');
    await grant('user', 'publisher', 'Publish', 'files');
    await grant('pseudo', 'Anonymous', 'View & Download', 'public');
    const update = (feed: string, body: unknown) =>
      must(raw(t, 'POST', `/api/management/feeds/update/${feed}`, { headers: json, body: JSON.stringify(body) }), 200);
    await update('frozen', { writePolicy: 'read-only' });
    await update('small', { quotaBytes: 100 });
    await must(put('/dav/public/readme.txt', 'for everyone'), 201);
  });

  afterAll(() => t?.close());

  describe('OPTIONS and credentials', () => {
    it('OPTIONS announces class 1 and 2 and the methods, without credentials', async () => {
      const res = await raw(t.url, 'OPTIONS', '/dav/files/');
      expect(res.status).toBe(200);
      expect(res.headers['dav']).toBe('1, 2');
      expect(res.headers['ms-author-via']).toBe('DAV');
      expect(String(res.headers['allow'])).toEqual(expect.stringContaining('PROPFIND'));
      expect(String(res.headers['allow'])).toEqual(expect.stringContaining('LOCK'));
    });

    it("OPTIONS on the server's root says WebDAV too (Windows asks there first)", async () => {
      const res = await raw(t.url, 'OPTIONS', '/');
      expect([res.status, res.headers['dav'], res.headers['ms-author-via']]).toEqual([200, '1, 2', 'DAV']);
    });

    it('anonymous without the privilege: 401 with a Basic challenge; the root always challenges', async () => {
      for (const [method, path] of [
        ['PROPFIND', '/dav/files/'],
        ['PUT', '/dav/files/anon.txt'],
        ['PROPFIND', '/dav/'],
        ['GET', '/dav/files/'],
      ]) {
        const res = await raw(t.url, method, path, {
          headers: { Depth: '1' },
          body: method === 'PUT' ? 'x' : undefined,
        });
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm="Stockroom"/);
      }
    });

    it('anonymous where Anonymous may view: listing and download work', async () => {
      const list = await raw(t.url, 'PROPFIND', '/dav/public/', { headers: { Depth: '1' } });
      expect(list.status).toBe(207);
      expect(hrefs(list.text)).toEqual(['/dav/public/', '/dav/public/readme.txt']);
      const get = await raw(t.url, 'GET', '/dav/public/readme.txt');
      expect([get.status, get.text]).toEqual([200, 'for everyone']);
    });

    it("never reads the console's session cookie: a cookie alone is anonymous (401), not the user", async () => {
      const login = await must(
        raw(t.url, 'POST', '/api/security/login', {
          headers: json,
          body: JSON.stringify({ userName: 'Admin', password: 'test-admin-password' }),
        }),
        200,
      );
      const cookie = (login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
      expect(cookie).toContain('stockroom_session=');
      const csrf = /XSRF-TOKEN=([^;]*)/.exec(cookie)?.[1] ?? '';
      // The same cookie works on /api …
      expect((await raw(t.url, 'GET', '/api/security/me', { headers: { Cookie: cookie } })).text).toContain('"Admin"');
      // … and is ignored on /dav, even with the CSRF token.
      await must(put('/dav/files/cookie.txt', 'secret'), 201);
      for (const method of ['PROPFIND', 'PUT', 'DELETE', 'MKCOL', 'GET', 'HEAD']) {
        const res = await raw(t.url, method, '/dav/files/cookie.txt', {
          headers: { Cookie: cookie, 'X-XSRF-TOKEN': csrf, Depth: '0' },
          body: method === 'PUT' ? 'x' : undefined,
        });
        expect([method, res.status]).toEqual([method, 401]);
      }
    });

    it('accepts Basic user:password, Basic api:KEY and X-ApiKey', async () => {
      const created = await must(
        raw(t, 'POST', '/api/api-keys/create', { headers: json, body: JSON.stringify({ type: 'System' }) }),
        200,
      );
      const { key } = JSON.parse(created.text) as { key: string };
      const forms: Record<string, string>[] = [
        { Authorization: t.adminAuth },
        { Authorization: basicAuth('api', key) },
        { 'X-ApiKey': key },
      ];
      for (const headers of forms) {
        expect((await raw(t.url, 'PROPFIND', '/dav/files/', { headers: { ...headers, Depth: '0' } })).status).toBe(207);
      }
    });

    it('a signed-in caller without the privilege gets 403; a directory it cannot view does not exist (404)', async () => {
      expect((await dav('PUT', '/dav/files/v.txt', { headers: as('viewer'), body: 'x' })).status).toBe(403);
      expect((await dav('PROPFIND', '/dav/other/', { headers: { ...as('viewer'), Depth: '0' } })).status).toBe(404);
      // The root lists only what the caller may view.
      const root = await dav('PROPFIND', '/dav/', { headers: { ...as('viewer'), Depth: '1' } });
      expect(hrefs(root.text)).toEqual(['/dav/', '/dav/files/']);
    });
  });

  describe('PROPFIND, GET, PUT', () => {
    it('PUT creates (201) then replaces (204); GET and PROPFIND agree on ETag, size and type', async () => {
      expect((await put('/dav/files/a%20b/', 'x')).status).toBe(405); // a collection URL
      expect((await put('/dav/files/missing/deep.txt', 'x')).status).toBe(409);
      expect((await put('/dav/files/partial.txt', 'x', { 'Content-Range': 'bytes 0-0/10' })).status).toBe(400);
      expect((await put('/dav/files/hello.txt', 'hello', { 'Content-Type': 'text/plain' })).status).toBe(201);
      expect((await put('/dav/files/hello.txt', 'x', { 'If-None-Match': '*' })).status).toBe(412);
      expect((await put('/dav/files/hello.txt', 'x', { 'If-Match': '"0000"' })).status).toBe(412);
      expect((await put('/dav/files/nothing.txt', 'x', { 'If-Match': '*' })).status).toBe(412);
      const ifMatch = { 'If-Match': `"${sha1('hello')}"`, 'Content-Type': 'text/plain' };
      expect((await put('/dav/files/hello.txt', 'hello again', ifMatch)).status).toBe(204);
      const get = await dav('GET', '/dav/files/hello.txt');
      expect([get.status, get.text, get.headers['etag']]).toEqual([200, 'hello again', `"${sha1('hello again')}"`]);
      expect(get.headers['content-security-policy']).toBeDefined();
      const range = await dav('GET', '/dav/files/hello.txt', { headers: { Range: 'bytes=6-' } });
      expect([range.status, range.text]).toEqual([206, 'again']);
      const cached = await dav('GET', '/dav/files/hello.txt', {
        headers: { 'If-None-Match': `"${sha1('hello again')}"` },
      });
      expect(cached.status).toBe(304);

      const one = await propfind(
        '/dav/files/hello.txt',
        '0',
        '<D:propfind xmlns:D="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:z="urn:z"><D:prop><D:getetag/><D:getcontentlength/>' +
          '<D:getcontenttype/><D:getlastmodified/><D:resourcetype/><oc:checksums/><z:unknown/></D:prop></D:propfind>',
      );
      expect(one.status).toBe(207);
      expect(one.text).toContain(`<D:getetag>"${sha1('hello again')}"</D:getetag>`);
      expect(one.text).toContain('<D:getcontentlength>11</D:getcontentlength>');
      expect(one.text).toContain('<D:getcontenttype>text/plain</D:getcontenttype>');
      expect(one.text).toMatch(/<D:getlastmodified>\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT<\/D:getlastmodified>/);
      expect(one.text).toContain(`<oc:checksum>SHA1:${sha1('hello again')} MD5:`);
      expect(one.text).toMatch(/<x:unknown xmlns:x="urn:z"\/><\/D:prop><D:status>HTTP\/1.1 404 Not Found/);
    });

    it('PROPFIND depth 1 lists children with encoded hrefs (collections end with /); depth infinity is refused', async () => {
      await must(dav('MKCOL', '/dav/files/sub%20dir'), 201);
      await must(put('/dav/files/sub%20dir/caf%C3%A9%20%231.txt', 'x'), 201);
      const list = await propfind('/dav/files/sub%20dir', '1');
      expect(hrefs(list.text)).toEqual(['/dav/files/sub%20dir/', '/dav/files/sub%20dir/caf%C3%A9%20%231.txt']);
      const inf = await propfind('/dav/files/', 'infinity');
      expect([inf.status, inf.text]).toEqual([403, expect.stringContaining('<D:propfind-finite-depth/>')]);
      expect((await propfind('/dav/files/nothing-here', '0')).status).toBe(404);
    });

    it('GET of a collection: 301 to the slash form, then an HTML index with relative links', async () => {
      const redirect = await dav('GET', '/dav/files/sub%20dir');
      expect([redirect.status, redirect.headers['location']]).toEqual([301, '/dav/files/sub%20dir/']);
      const index = await dav('GET', '/dav/files/sub%20dir/');
      expect(index.status).toBe(200);
      expect(index.headers['content-type']).toMatch(/^text\/html/);
      expect(index.text).toContain('href="./caf%C3%A9%20%231.txt"');
      expect(index.text).not.toMatch(/<script/i);
    });

    it('quota: a PUT past it is 507 with DAV:quota-not-exceeded; policies hold (read-only: 403)', async () => {
      expect((await put('/dav/small/fits.txt', Buffer.alloc(60))).status).toBe(201);
      const over = await put('/dav/small/over.txt', Buffer.alloc(60));
      expect([over.status, over.text]).toEqual([507, expect.stringContaining('<D:quota-not-exceeded/>')]);
      // Without a declared length: cut off while it streams, the same answer.
      const streamed = await dav('PUT', '/dav/small/streamed.bin', {
        headers: { 'Transfer-Encoding': 'chunked' },
        body: Readable.from([Buffer.alloc(30), Buffer.alloc(30)]),
      });
      expect([streamed.status, streamed.text]).toEqual([507, expect.stringContaining('<D:quota-not-exceeded/>')]);
      const quota = await propfind(
        '/dav/small/',
        '0',
        '<D:propfind xmlns:D="DAV:"><D:prop><D:quota-available-bytes/><D:quota-used-bytes/></D:prop></D:propfind>',
      );
      expect(quota.text).toContain('<D:quota-available-bytes>40</D:quota-available-bytes>');
      expect(quota.text).toContain('<D:quota-used-bytes>60</D:quota-used-bytes>');
      expect((await put('/dav/frozen/x.txt', 'x')).status).toBe(403);
      expect((await dav('MKCOL', '/dav/frozen/d')).status).toBe(403);
    });

    it('macOS metadata files are refused cleanly by default (403), and not listed', async () => {
      expect((await put('/dav/files/._hello.txt', 'x')).status).toBe(403);
      expect((await put('/dav/files/.DS_Store', 'x')).status).toBe(403);
      expect((await dav('MKCOL', '/dav/files/._dir')).status).toBe(403);
      // Stored another way (the asset API), they are still left out of WebDAV listings.
      await must(raw(t, 'POST', '/endpoints/files/content/mac/.DS_Store', { body: 'ds' }), 201);
      await must(raw(t, 'POST', '/endpoints/files/content/mac/seen.txt', { body: 's' }), 201);
      expect(hrefs((await propfind('/dav/files/mac/', '1')).text)).toEqual([
        '/dav/files/mac/',
        '/dav/files/mac/seen.txt',
      ]);
    });

    it('a large folder is listed streamed (depth 1), every entry once', async () => {
      // Made through the archive import (one request), listed through PROPFIND.
      const names = Array.from({ length: 3000 }, (_, i) => `f${String(i).padStart(5, '0')}.txt`);
      const { zipOf } = await import('../support/fixtures');
      const zip = await zipOf(Object.fromEntries(names.map((n) => [n, 'x'])));
      await must(raw(t, 'POST', '/endpoints/files/import/big?format=zip', { body: zip }), 200);
      const started = Date.now();
      const list = await propfind('/dav/files/big/', '1');
      expect(list.status).toBe(207);
      expect(list.headers['content-length']).toBeUndefined(); // streamed (chunked)
      expect(hrefs(list.text).length).toBe(3001);
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });

  describe('MKCOL, DELETE, COPY, MOVE', () => {
    it('MKCOL: 201, again 405, missing parent 409, with a body 415', async () => {
      expect((await dav('MKCOL', '/dav/files/col')).status).toBe(201);
      expect((await dav('MKCOL', '/dav/files/col')).status).toBe(405);
      expect((await dav('MKCOL', '/dav/files/no/parent')).status).toBe(409);
      expect((await dav('MKCOL', '/dav/files/withbody', { headers: xml, body: '<x/>' })).status).toBe(415);
    });

    it('COPY and MOVE within and across directories, Overwrite T/F, Depth 0', async () => {
      await must(put('/dav/files/col/one.txt', 'one'), 201);
      await must(
        dav('PROPPATCH', '/dav/files/col/one.txt', {
          headers: xml,
          body: '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><z:tag xmlns:z="urn:z">blue</z:tag></D:prop></D:set></D:propertyupdate>',
        }),
        207,
      );
      const copy = await dav('COPY', '/dav/files/col', { headers: { Destination: '/dav/other/col-copy' } });
      expect(copy.status).toBe(201);
      expect((await dav('GET', '/dav/other/col-copy/one.txt')).text).toBe('one');
      // Dead properties were copied along.
      const props = await propfind(
        '/dav/other/col-copy/one.txt',
        '0',
        '<D:propfind xmlns:D="DAV:"><D:prop><z:tag xmlns:z="urn:z"/></D:prop></D:propfind>',
      );
      expect(props.text).toContain('<x:tag xmlns:x="urn:z">blue</x:tag>');
      const shallow = await dav('COPY', '/dav/files/col', {
        headers: { Destination: '/dav/files/col-shallow', Depth: '0' },
      });
      expect(shallow.status).toBe(201);
      expect(hrefs((await propfind('/dav/files/col-shallow/', '1')).text)).toEqual(['/dav/files/col-shallow/']);

      await must(put('/dav/files/two.txt', 'two'), 201);
      const noOverwrite = await dav('COPY', '/dav/files/two.txt', {
        headers: { Destination: '/dav/files/col/one.txt', Overwrite: 'F' },
      });
      expect(noOverwrite.status).toBe(412);
      const overwrite = await dav('COPY', '/dav/files/two.txt', {
        headers: { Destination: `${t.url}/dav/files/col/one.txt` },
      });
      expect(overwrite.status).toBe(204);
      expect((await dav('GET', '/dav/files/col/one.txt')).text).toBe('two');

      // The replaced file's dead properties went with it (RFC 4918 §9.8.4: the destination is deleted first).
      const replaced = await propfind(
        '/dav/files/col/one.txt',
        '0',
        '<D:propfind xmlns:D="DAV:"><D:prop><z:tag xmlns:z="urn:z"/></D:prop></D:propfind>',
      );
      expect(replaced.text).toContain('404 Not Found');
      await must(
        dav('PROPPATCH', '/dav/files/col/one.txt', {
          headers: xml,
          body: '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><z:tag xmlns:z="urn:z">green</z:tag></D:prop></D:set></D:propertyupdate>',
        }),
        207,
      );
      const move = await dav('MOVE', '/dav/files/col/one.txt', { headers: { Destination: '/dav/other/moved.txt' } });
      expect(move.status).toBe(201);
      expect((await dav('GET', '/dav/files/col/one.txt')).status).toBe(404);
      expect((await dav('GET', '/dav/other/moved.txt')).text).toBe('two');
      // The dead property followed the file (same item).
      const moved = await propfind(
        '/dav/other/moved.txt',
        '0',
        '<D:propfind xmlns:D="DAV:"><D:prop><z:tag xmlns:z="urn:z"/></D:prop></D:propfind>',
      );
      expect(moved.text).toContain('<x:tag xmlns:x="urn:z">green</x:tag>');
    });

    it('bad Destinations: another host 502, outside /dav/ 502, ".." and encoded separators 400, into itself 403', async () => {
      await must(dav('MKCOL', '/dav/files/src'), 201);
      const cases: [string, number][] = [
        ['http://elsewhere.example/dav/files/x', 502],
        ['/endpoints/files/content/x', 502],
        ['/dav/files/src/../../other/x', 400],
        ['/dav/files/a%2Fb', 400],
        ['/dav/files/a%5Cb', 400],
        ['/dav/files/src/inside', 403],
        ['/dav/files/nope/x', 409],
      ];
      for (const [destination, status] of cases) {
        const res = await dav('MOVE', '/dav/files/src', { headers: { Destination: destination } });
        expect([destination, res.status]).toEqual([destination, status]);
      }
      expect((await dav('MOVE', '/dav/files/src')).status).toBe(400); // no Destination
      expect((await dav('PROPFIND', '/dav/files/src/')).status).toBe(403); // still there (Depth: infinity refused)
    });

    it('DELETE is recursive and 404 for a missing item', async () => {
      await must(dav('MKCOL', '/dav/files/gone'), 201);
      await must(put('/dav/files/gone/f.txt', 'f'), 201);
      expect((await dav('DELETE', '/dav/files/gone')).status).toBe(204);
      expect((await dav('GET', '/dav/files/gone/f.txt')).status).toBe(404);
      expect((await dav('DELETE', '/dav/files/gone')).status).toBe(404);
    });
  });

  describe('request bodies that are not acceptable', () => {
    it('not XML, DOCTYPE, external entities and billion laughs: 400 without expanding anything', async () => {
      const bodies = [
        'this is not xml',
        '<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop>&e;</D:prop></D:propfind>',
        `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><D:propfind xmlns:D="DAV:"><D:prop>&lol9;</D:prop></D:propfind>`,
        '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop>', // unclosed
        '<x:propfind xmlns:x="urn:not-dav"><x:allprop/></x:propfind>',
      ];
      // A path Express cannot even decode is answered as text too, never JSON.
      const undecodable = await propfind('/dav/files/%ZZ', '0');
      expect([undecodable.status, undecodable.headers['content-type']]).toEqual([
        400,
        expect.stringMatching(/^text\/plain/),
      ]);
      for (const body of bodies) {
        const res = await propfind('/dav/files/', '0', body);
        expect([body.slice(0, 40), res.status, res.headers['content-type']]).toEqual([
          body.slice(0, 40),
          400,
          expect.stringMatching(/^text\/plain/),
        ]);
        expect(res.text).not.toContain('root:');
      }
    });

    it('a huge PROPPATCH is refused (413), an oversized value 507, protected properties 403 with 424 for the rest', async () => {
      await must(put('/dav/files/props.txt', 'p'), 201);
      const huge = `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><z:big xmlns:z="urn:z">${'a'.repeat(2 * 1024 * 1024)}</z:big></D:prop></D:set></D:propertyupdate>`;
      expect((await dav('PROPPATCH', '/dav/files/props.txt', { headers: xml, body: huge })).status).toBe(413);
      const big = `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><z:big xmlns:z="urn:z">${'a'.repeat(100 * 1024)}</z:big></D:prop></D:set></D:propertyupdate>`;
      const bigRes = await dav('PROPPATCH', '/dav/files/props.txt', { headers: xml, body: big });
      expect([bigRes.status, bigRes.text]).toEqual([207, expect.stringContaining('507 Insufficient Storage')]);
      const mixed = await dav('PROPPATCH', '/dav/files/props.txt', {
        headers: xml,
        body:
          '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>x</D:getetag>' +
          '<z:ok xmlns:z="urn:z">fine</z:ok></D:prop></D:set></D:propertyupdate>',
      });
      expect(mixed.text).toMatch(/<D:getetag\/><\/D:prop><D:status>HTTP\/1.1 403/);
      expect(mixed.text).toMatch(/<x:ok xmlns:x="urn:z"\/><\/D:prop><D:status>HTTP\/1.1 424/);
      const after = await propfind(
        '/dav/files/props.txt',
        '0',
        '<D:propfind xmlns:D="DAV:"><D:prop><z:ok xmlns:z="urn:z"/></D:prop></D:propfind>',
      );
      expect(after.text).toContain('404 Not Found'); // nothing was applied
      // More properties than an item may hold: refused whole (507), nothing applied.
      const many = Array.from({ length: 201 }, (_, i) => `<z:p${i} xmlns:z="urn:z">${i}</z:p${i}>`).join('');
      const tooMany = await dav('PROPPATCH', '/dav/files/props.txt', {
        headers: xml,
        body: `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>${many}</D:prop></D:set></D:propertyupdate>`,
      });
      expect([tooMany.status, tooMany.text]).toEqual([507, expect.stringContaining('<D:insufficient-storage/>')]);
      const none = await propfind(
        '/dav/files/props.txt',
        '0',
        '<D:propfind xmlns:D="DAV:"><D:prop><z:p0 xmlns:z="urn:z"/></D:prop></D:propfind>',
      );
      expect(none.text).toContain('404 Not Found');
      // Windows' Win32 times are stored as dead properties.
      const win = await dav('PROPPATCH', '/dav/files/props.txt', {
        headers: xml,
        body:
          '<D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>' +
          '<Z:Win32LastModifiedTime>Sun, 06 Dec 2026 10:00:00 GMT</Z:Win32LastModifiedTime></D:prop></D:set></D:propertyupdate>',
      });
      expect(win.text).toContain('200 OK');
      // Never as a response header.
      const get = await dav('GET', '/dav/files/props.txt');
      expect(JSON.stringify(get.headers)).not.toContain('Win32');
    });
  });

  describe('locks', () => {
    const lock = (path: string, headers: Record<string, string> = {}, body = LOCKINFO()) =>
      dav('LOCK', path, { headers: { ...xml, ...headers }, body });
    const tokenOf = (res: RawResponse) => String(res.headers['lock-token']).replace(/^<|>$/g, '');

    it('lock-null: LOCK on a missing file makes an empty one (201); the Windows habit (zero-byte PUT, then the body) works', async () => {
      const res = await lock('/dav/files/word.docx', { Timeout: 'Infinite, Second-4100000000', Depth: '0' });
      expect(res.status).toBe(201);
      const token = tokenOf(res);
      expect(token).toMatch(/^opaquelocktoken:[0-9a-f-]{36}$/);
      expect(res.text).toContain(`<D:href>${token}</D:href>`);
      expect(res.text).toMatch(/<D:timeout>Second-\d+<\/D:timeout>/);
      expect((await dav('GET', '/dav/files/word.docx')).text).toBe('');
      // Without the token: 423; with a wrong one: 412 (no list holds) or 423 (the lock is not submitted).
      expect((await put('/dav/files/word.docx', 'body')).status).toBe(423);
      expect(
        (await put('/dav/files/word.docx', 'body', { If: '(<opaquelocktoken:00000000-0000-0000-0000-000000000000>)' }))
          .status,
      ).toBe(412);
      expect((await put('/dav/files/word.docx', 'body', { If: `(<${token}x>) (Not <DAV:no-lock>)` })).status).toBe(423);
      expect((await dav('DELETE', '/dav/files/word.docx')).status).toBe(423);
      // Another user, even with the token, is not the lock's owner.
      await must(put('/dav/files/publisher.txt', 'p'), 201);
      expect((await put('/dav/files/word.docx', 'x', { ...as('publisher'), If: `(<${token}>)` })).status).toBe(423);
      // The owner, with the token: the zero-byte file and then the body.
      expect((await put('/dav/files/word.docx', '', { If: `(<${token}>)` })).status).toBe(204);
      expect((await put('/dav/files/word.docx', 'the document', { If: `(<${token}>)` })).status).toBe(204);
      expect((await dav('GET', '/dav/files/word.docx')).text).toBe('the document');
      expect((await dav('UNLOCK', '/dav/files/word.docx', { headers: { 'Lock-Token': `<${token}>` } })).status).toBe(
        204,
      );
      expect((await put('/dav/files/word.docx', 'free')).status).toBe(204);
    });

    it('a publisher (Add, no Overwrite) fills its own lock-null file', async () => {
      const res = await lock('/dav/files/by-publisher.txt', as('publisher'));
      expect(res.status).toBe(201);
      const put2 = await put('/dav/files/by-publisher.txt', 'content', {
        ...as('publisher'),
        If: `(<${tokenOf(res)}>)`,
      });
      expect(put2.status).toBe(204);
    });

    it('exclusive vs shared, depth infinity on a folder, refresh, lockdiscovery, expiry', async () => {
      await must(dav('MKCOL', '/dav/files/locked'), 201);
      const deep = await lock('/dav/files/locked/', { Depth: 'infinity', Timeout: 'Second-60' });
      expect(deep.status).toBe(200);
      const token = tokenOf(deep);
      expect((await put('/dav/files/locked/new.txt', 'x')).status).toBe(423);
      expect((await dav('MKCOL', '/dav/files/locked/sub')).status).toBe(423);
      expect((await lock('/dav/files/locked/new.txt')).status).toBe(423); // conflicts with the deep lock
      expect((await put('/dav/files/locked/new.txt', 'x', { If: `</dav/files/locked/> (<${token}>)` })).status).toBe(
        201,
      );
      const discovery = await propfind(
        '/dav/files/locked/new.txt',
        '0',
        '<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>',
      );
      expect(discovery.text).toContain(token);
      expect(discovery.text).toContain('<D:depth>infinity</D:depth>');
      // Refresh with the If header and no body.
      const refreshed = await dav('LOCK', '/dav/files/locked/', {
        headers: { If: `(<${token}>)`, Timeout: 'Second-120' },
      });
      expect([refreshed.status, refreshed.text]).toEqual([200, expect.stringMatching(/Second-1[12]\d/)]);
      const wrong = await dav('LOCK', '/dav/files/locked/', { headers: { If: '(<opaquelocktoken:nope>)' } });
      expect(wrong.status).toBe(412);

      // Shared locks coexist; an exclusive one does not.
      await must(put('/dav/files/shared.txt', 's'), 201);
      expect((await lock('/dav/files/shared.txt', {}, LOCKINFO('shared'))).status).toBe(200);
      expect((await lock('/dav/files/shared.txt', {}, LOCKINFO('shared'))).status).toBe(200);
      expect((await lock('/dav/files/shared.txt')).status).toBe(423);

      // An expired lock no longer holds.
      await must(put('/dav/files/expiring.txt', 'e'), 201);
      await must(lock('/dav/files/expiring.txt', { Timeout: 'Second-1' }), 200);
      expect((await put('/dav/files/expiring.txt', 'x')).status).toBe(423);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await put('/dav/files/expiring.txt', 'x')).status).toBe(204);
    });

    it('UNLOCK: a wrong token is 409, a malformed header 400', async () => {
      await must(put('/dav/files/u.txt', 'u'), 201);
      expect(
        (await dav('UNLOCK', '/dav/files/u.txt', { headers: { 'Lock-Token': '<opaquelocktoken:nope>' } })).status,
      ).toBe(409);
      expect((await dav('UNLOCK', '/dav/files/u.txt', { headers: { 'Lock-Token': 'garbage' } })).status).toBe(400);
      expect((await put('/dav/files/u.txt', 'x', { If: '(not closed' })).status).toBe(400);
    });

    it('locks hold on every node: a second instance on the same database honours them', async () => {
      const second = await startTestApp({}, t.db);
      try {
        await must(put('/dav/files/shared-node.txt', 'n'), 201);
        const res = await lock('/dav/files/shared-node.txt');
        expect(res.status).toBe(200);
        const other = await raw(second, 'DELETE', '/dav/files/shared-node.txt');
        expect(other.status).toBe(423);
        const unlocked = await raw(second, 'UNLOCK', '/dav/files/shared-node.txt', {
          headers: { 'Lock-Token': String(res.headers['lock-token']) },
        });
        expect(unlocked.status).toBe(204);
        expect((await dav('DELETE', '/dav/files/shared-node.txt')).status).toBe(204);
      } finally {
        await second.close();
      }
    });
  });
});

describe('WebDAV with STOCKROOM_DAV_MAC_FILES=store', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ STOCKROOM_DAV_MAC_FILES: 'store' });
    await createFeed(t, 'mac');
  });
  afterAll(() => t?.close());

  it("stores Finder's ._ files and .DS_Store like any file, and lists them", async () => {
    expect((await raw(t, 'PUT', '/dav/mac/._photo.jpg', { body: 'apple double' })).status).toBe(201);
    expect((await raw(t, 'PUT', '/dav/mac/.DS_Store', { body: 'ds' })).status).toBe(201);
    const list = await raw(t, 'PROPFIND', '/dav/mac/', { headers: { Depth: '1' } });
    expect(list.text).toContain('<D:href>/dav/mac/._photo.jpg</D:href>');
    expect(list.text).toContain('<D:href>/dav/mac/.DS_Store</D:href>');
  });
});
