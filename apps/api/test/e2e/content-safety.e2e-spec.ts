import { Client } from 'pg';
import { cloudBackends } from '../support/cloud-backends';
import { createFeed, endpoint } from '../support/fixtures';
import { raw, type RawResponse } from '../support/http';
import { basicAuth, startTestApp, type TestApp } from '../support/test-app';

const json = { 'Content-Type': 'application/json' };
const PASSWORD = 'content-safety-password';

/** What every answer carrying user content must say, whatever the file. */
function expectSandboxed(res: Response | RawResponse): void {
  const get = (name: string) =>
    res instanceof Response ? res.headers.get(name) : ((res.headers[name] as string | undefined) ?? null);
  expect(get('x-content-type-options')).toBe('nosniff');
  const csp = get('content-security-policy') ?? '';
  expect(csp.split(/\s+/)[0]).toBe('sandbox');
  expect(csp).not.toMatch(/allow-same-origin/);
}

/**
 * Issue 13: an uploaded file can never run as the console. Every content and export answer is
 * sandboxed and `nosniff`; active types are attachments unless an administrator allows them inline;
 * per-file response headers come from an allowlist, on write and on serve.
 */
describe('content safety: user content never runs as the console', () => {
  let t: TestApp;
  let ep: ReturnType<typeof endpoint>;

  const admin = (method: string, path: string, body?: unknown) =>
    raw(t, method, path, { headers: json, body: body === undefined ? undefined : JSON.stringify(body) });
  const as = (user: string) => ({ Authorization: basicAuth(user, PASSWORD) });
  const upload = async (path: string, body: string, contentType?: string) => {
    const res = await ep(`content/${path}`, {
      method: 'PUT',
      body: Buffer.from(body), // a string body would be sent as text/plain
      headers: contentType === undefined ? {} : { 'Content-Type': contentType },
    });
    if (res.status !== 201) throw new Error(`upload ${path}: ${res.status} ${await res.text()}`);
  };
  const setMetadata = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    ep(`metadata/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { ...json, ...headers } });

  beforeAll(async () => {
    t = await startTestApp();
    await createFeed(t, 'files');
    ep = endpoint(t, 'files');
    for (const user of ['manager', 'publisher']) {
      expect((await admin('POST', '/api/security/users', { userName: user, password: PASSWORD })).status).toBe(201);
    }
    const grant = (principalName: string, role: string) =>
      admin('POST', '/api/security/privileges', { principalType: 'user', principalName, role, feed: 'files' });
    expect((await grant('manager', 'Manage Feed')).status).toBe(201);
    expect((await grant('publisher', 'Publish')).status).toBe(201);
  });
  afterAll(() => t?.close());

  it('a plain file keeps its type, inline, with nosniff and the sandbox on GET, HEAD, 206 and 304', async () => {
    await upload('plain/notes.txt', 'hello world', 'text/plain; charset=utf-8');
    const get = await ep('content/plain/notes.txt');
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(get.headers.get('content-disposition')).toBeNull();
    expect(await get.text()).toBe('hello world');
    expectSandboxed(get);
    expect(get.headers.get('content-security-policy')).toBe('sandbox');
    const etag = get.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);

    const head = await ep('content/plain/notes.txt', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expectSandboxed(head);
    const part = await ep('content/plain/notes.txt', { headers: { Range: 'bytes=0-4' } });
    expect([part.status, await part.text()]).toEqual([206, 'hello']);
    expect(part.headers.get('content-range')).toBe('bytes 0-4/11');
    expectSandboxed(part);
    const notModified = await ep('content/plain/notes.txt', { headers: { 'If-None-Match': etag } });
    expect(notModified.status).toBe(304);
    expectSandboxed(notModified);
    // Errors and listings under /endpoints are sandboxed too.
    expectSandboxed(await ep('content/plain/missing.txt'));
  });

  it('export answers (zip and tar.gz) are sandboxed attachments', async () => {
    await upload('exp/page.html', '<script>alert(1)</script>');
    for (const format of ['zip', 'tgz']) {
      const res = await ep(`export/exp?format=${format}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; /);
      expectSandboxed(res);
      await res.arrayBuffer();
      expectSandboxed(await ep(`export/exp?format=${format}`, { method: 'HEAD' }));
    }
  });

  // Each way an uploader chooses the type: the Content-Type of the upload, else the file name.
  const activeByUpload: [string, string | undefined][] = [
    ['a.bin', 'text/html'],
    ['b.bin', 'TEXT/HTML; Charset=UTF-8'],
    ['c.bin', 'application/xhtml+xml'],
    ['d.bin', 'image/svg+xml'],
    ['e.bin', 'text/xml'],
    ['f.bin', 'application/xml; charset=utf-8'],
    ['g.bin', 'application/rss+xml'],
    ['h.bin', 'text/xsl'],
    ['i.bin', 'text/javascript'],
    ['j.bin', 'application/javascript'],
    ['k.bin', 'text/ecmascript'],
    ['l.bin', 'application/x-javascript'],
    ['m.bin', 'multipart/x-mixed-replace; boundary=x'],
    ['x.html', undefined],
    ['x.htm', undefined],
    ['x.svg', undefined],
    ['x.xhtml', undefined],
    ['x.xml', undefined],
    ['x.js', undefined],
    ['x.mjs', undefined],
    ['x.xsl', undefined],
  ];

  it.each(activeByUpload)('%s uploaded as %s is an attachment that keeps its real type', async (name, type) => {
    await upload(`active/${name}`, '<script>parent.document.title = document.cookie</script>', type);
    const stored = (await (await ep(`metadata/active/${name}`)).json()).type as string;
    if (type !== undefined) expect(stored).toBe(type);
    for (const method of ['GET', 'HEAD']) {
      const res = await ep(`content/active/${name}`, { method });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(stored);
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}"`);
      expectSandboxed(res);
    }
  });

  it('a harmless file whose type is changed through metadata becomes an attachment', async () => {
    await upload('meta/readme.txt', '<script>alert(1)</script>');
    expect((await ep('content/meta/readme.txt')).headers.get('content-disposition')).toBeNull();
    expect((await setMetadata('meta/readme.txt', { type: 'text/html' }, as('publisher'))).status).toBe(200);
    const res = await ep('content/meta/readme.txt');
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="readme.txt"');
    expectSandboxed(res);
  });

  it('a stored type that is empty or malformed is an attachment; plain types stay inline', async () => {
    for (const name of ['empty.dat', 'bad.dat', 'png.dat', 'pdf.dat', 'json.dat']) await upload(`odd/${name}`, 'x');
    const db = new Client({ connectionString: t.db.url });
    await db.connect();
    try {
      const set = (name: string, type: string) =>
        db.query(`UPDATE asset_items SET media_type = $1 WHERE path_lower = $2`, [type, `odd/${name}`]);
      await set('empty.dat', '');
      await set('bad.dat', 'html');
      await set('png.dat', 'image/png');
      await set('pdf.dat', 'application/pdf');
      await set('json.dat', 'application/json');
    } finally {
      await db.end();
    }
    for (const name of ['empty.dat', 'bad.dat']) {
      const res = await ep(`content/odd/${name}`);
      expect([res.status, res.headers.get('content-disposition')]).toEqual([200, `attachment; filename="${name}"`]);
    }
    for (const name of ['png.dat', 'pdf.dat', 'json.dat']) {
      const res = await ep(`content/odd/${name}`);
      expect([res.status, res.headers.get('content-disposition')]).toEqual([200, null]);
      expectSandboxed(res);
    }
  });

  it('only an administrator may let a directory show active files inline; they stay sandboxed', async () => {
    const update = (body: unknown, headers: Record<string, string>) =>
      fetch(`${t.url}/api/management/feeds/update/files`, {
        method: 'POST',
        headers: { ...json, ...headers },
        body: JSON.stringify(body),
      });
    expect(
      (await (await fetch(`${t.url}/api/management/feeds/get/files`, { headers: as('manager') })).json()).inlineContent,
    ).toBe(false);

    const refused = await update({ inlineContent: true }, as('manager'));
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toMatch(/Only an administrator can change "inlineContent"/);
    // Sending the current value (a form that posts every field) is not a change.
    const same = await update({ description: 'docs', inlineContent: false }, as('manager'));
    expect(same.status).toBe(200);
    await upload('inline/page.html', '<p>hi</p>');
    expect((await ep('content/inline/page.html')).headers.get('content-disposition')).toMatch(/^attachment/);

    const allowed = await update({ inlineContent: true }, { Authorization: t.adminAuth });
    expect(allowed.status).toBe(200);
    expect((await allowed.json()).inlineContent).toBe(true);
    const res = await ep('content/inline/page.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('content-disposition')).toBeNull();
    expectSandboxed(res);
    // Scripts may run, but only in an opaque origin: no allow-same-origin, no top navigation.
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox .*allow-scripts/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/allow-top-navigation/);
    // A download asked for is still a download.
    expect((await ep('content/inline/page.html?download=true')).headers.get('content-disposition')).toBe(
      'attachment; filename="page.html"',
    );
    // A manager may not take it back either; an administrator may.
    expect((await update({ inlineContent: false }, as('manager'))).status).toBe(403);
    expect((await update({ inlineContent: false }, { Authorization: t.adminAuth })).status).toBe(200);
    expect((await ep('content/inline/page.html')).headers.get('content-disposition')).toMatch(/^attachment/);

    const created = await fetch(`${t.url}/api/management/feeds/create`, {
      method: 'POST',
      headers: { ...json, Authorization: t.adminAuth },
      body: JSON.stringify({ name: 'reports', feedType: 'asset', inlineContent: true }),
    });
    expect((await created.json()).inlineContent).toBe(true);
  });

  describe('per-file response headers', () => {
    const header = (value: string) => ({ value, includeInResponseHeader: true });

    it('refuses, on write, every name outside the allowlist, saying which and why', async () => {
      await upload('hdr/a.txt', 'a');
      const forbidden = [
        'Content-Disposition',
        'Content-Type',
        'Content-Length',
        'Access-Control-Allow-Origin',
        'Access-Control-Allow-Credentials',
        'Content-Security-Policy',
        'Strict-Transport-Security',
        'Refresh',
        'Link',
        'Clear-Site-Data',
        'Content-Location',
        'Set-Cookie',
        'Location',
        'X-Frame-Options',
        'X-Content-Type-Options',
        'X-XSS-Protection',
        'X-Forwarded-For',
        'X-ProGet-Version',
        'X-Accel-Redirect',
        'X-Sendfile',
        'X-Powered-By',
      ];
      for (const name of forbidden) {
        const res = await setMetadata('hdr/a.txt', { userMetadata: { [name]: header('x') } });
        expect([name, res.status]).toEqual([name, 400]);
        expect(await res.text()).toMatch(new RegExp(`"${name}" cannot be sent as a response header: .+`));
      }
      // Kept as metadata only, any valid key is fine.
      expect((await setMetadata('hdr/a.txt', { userMetadata: { Refresh: '0; url=/x', Link: 'y' } })).status).toBe(200);
      // A value breaking the header line is refused as before.
      for (const value of ['a\r\nSet-Cookie: x=1', 'a\nb', 'a\u0000b']) {
        expect((await setMetadata('hdr/a.txt', { userMetadata: { 'X-Ok': header(value) } })).status).toBe(400);
      }
      const ok = await setMetadata('hdr/a.txt', {
        userMetadata: { 'X-Build': header('42'), 'Content-Language': header('de') },
      });
      expect(ok.status).toBe(200);
      const res = await ep('content/hdr/a.txt');
      expect([res.headers.get('x-build'), res.headers.get('content-language')]).toEqual(['42', 'de']);
      expect(res.headers.get('refresh')).toBeNull();
    });

    it('caps names and values at 8 KiB per file on write', async () => {
      await upload('hdr/cap.txt', 'c');
      const big = Object.fromEntries([1, 2, 3].map((i) => [`X-Part-${i}`, header('v'.repeat(3000))]));
      const res = await setMetadata('hdr/cap.txt', { userMetadata: big });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/limit is 8192/);
      // Merged with what is stored: two fit, a third added later does not.
      const two = { 'X-Part-1': big['X-Part-1'], 'X-Part-2': big['X-Part-2'] };
      expect((await setMetadata('hdr/cap.txt', { userMetadata: two })).status).toBe(200);
      expect((await setMetadata('hdr/cap.txt', { userMetadata: { 'X-Part-3': big['X-Part-3'] } })).status).toBe(400);
    });

    it('filters, on serve, rows written before the allowlist, and drops what passes the cap', async () => {
      await upload('hdr/old.txt', 'old');
      const stored: Record<string, { value: string; includeInResponseHeader: boolean }> = {
        'X-Good': header('yes'),
        Refresh: header('0; url=https://evil.example/'),
        'Clear-Site-Data': header('"*"'),
        'Content-Security-Policy': header("default-src *; script-src 'unsafe-inline'"),
        'Access-Control-Allow-Origin': header('https://evil.example'),
        'Access-Control-Allow-Credentials': header('true'),
        'Strict-Transport-Security': header('max-age=0'),
        Link: header('<https://evil.example/x.css>; rel=stylesheet'),
        'X-Frame-Options': header('ALLOWALL'),
        'Content-Location': header('/elsewhere'),
        'Content-Disposition': header('inline'),
        'Set-Cookie': header('session=x'),
        'X-Broken': header('a\r\nb'),
      };
      // The 60 × 4,000-byte headers that made the file undownloadable for Node clients.
      for (let i = 0; i < 60; i++) stored[`X-Filler-${i}`] = header('f'.repeat(4000));
      const db = new Client({ connectionString: t.db.url });
      await db.connect();
      try {
        const updated = await db.query(`UPDATE asset_items SET user_metadata = $1 WHERE path_lower = 'hdr/old.txt'`, [
          JSON.stringify(stored),
        ]);
        expect(updated.rowCount).toBe(1);
      } finally {
        await db.end();
      }
      const res = await ep('content/hdr/old.txt');
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('old');
      expect(res.headers.get('x-good')).toBe('yes');
      for (const name of Object.keys(stored).filter((n) => !n.startsWith('X-Filler') && n !== 'X-Good')) {
        if (name === 'X-Frame-Options' || name === 'Content-Security-Policy') continue; // the server's own, below
        expect([name, res.headers.get(name)]).toEqual([name, null]);
      }
      expect(res.headers.get('x-frame-options')).toBeNull();
      expectSandboxed(res);
      expect(res.headers.get('content-security-policy')).toBe('sandbox');
      const fillers = [...res.headers.keys()].filter((k) => k.startsWith('x-filler-'));
      expect(fillers.length).toBe(2); // 3 + 3 + 2 × 4,009 bytes fit in 8 KiB, a third would not
    });
  });
});

/** A presigned redirect goes to the store's origin: active types are attachments there too. */
describe.each(cloudBackends)('content safety: presigned redirects on $name', (backend) => {
  let t: TestApp;
  let stopBackend: () => Promise<void>;

  beforeAll(async () => {
    const started = await backend.start();
    stopBackend = started.stop;
    t = await startTestApp();
    await createFeed(t, 'cloud');
    const settings = { ...started.settings, properties: { ...started.settings.properties, RedirectDownloads: true } };
    const saved = await raw(t, 'POST', '/api/storage?feed=cloud', { headers: json, body: JSON.stringify(settings) });
    expect(saved.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await stopBackend?.();
  });

  it('an HTML or SVG file redirects to a URL that answers as an attachment; a PNG stays inline', async () => {
    const ep = endpoint(t, 'cloud');
    for (const name of ['x.html', 'x.svg', 'x.png']) {
      expect(
        (await ep(`content/${name}`, { method: 'PUT', body: Buffer.from('<svg onload="alert(1)"/>') })).status,
      ).toBe(201);
      const res = await raw(t, 'GET', `/endpoints/cloud/content/${name}`);
      expect(res.status).toBe(302);
      const direct = await fetch(String(res.headers.location));
      expect(direct.status).toBe(200);
      expect(direct.headers.get('content-disposition')).toBe(
        name === 'x.png' ? null : `attachment; filename="${name}"`,
      );
      await direct.arrayBuffer();
    }
  });

  it('with inlineContent, an HTML file is not redirected (the store could not sandbox it) but sent sandboxed', async () => {
    const update = (inlineContent: boolean) =>
      raw(t, 'POST', '/api/management/feeds/update/cloud', { headers: json, body: JSON.stringify({ inlineContent }) });
    expect((await update(true)).status).toBe(200);
    try {
      const html = await raw(t, 'GET', '/endpoints/cloud/content/x.html');
      expect(html.status).toBe(200);
      expect(html.headers['content-disposition']).toBeUndefined();
      expect(html.headers['content-security-policy']).toMatch(/^sandbox /);
      expect(html.text).toBe('<svg onload="alert(1)"/>');
      // Other files still go to the store.
      expect((await raw(t, 'GET', '/endpoints/cloud/content/x.png')).status).toBe(302);
      expect((await raw(t, 'GET', '/endpoints/cloud/content/x.html?download=true')).status).toBe(302);
    } finally {
      expect((await update(false)).status).toBe(200);
    }
  });
});
