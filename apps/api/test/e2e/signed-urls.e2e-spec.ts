import { Clock } from '../../src/common/clock';
import { createFeed, sha1 } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { ADMIN_PASSWORD, basicAuth, startTestApp, TestApp } from '../support/test-app';

/**
 * [ext] Signed download URLs (issue 13): `POST /api/signed-urls` mints a short-lived URL for one file
 * in one version; the URL alone downloads it (no cookie, no key), and nothing else.
 */

const PASSWORD = 'signed-urls-password-1';
const FEED = 'signed';
const HIDDEN = 'hidden';

interface Minted {
  url: string;
  expires: string;
}

/** The path and query of an absolute URL, as sent on the wire. */
function target(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/** The same signature with its first character changed (every bit of it counts). */
function flipFirst(signature: string): string {
  return (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
}

function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

async function setup(t: TestApp): Promise<void> {
  const admin = (method: string, path: string, body?: unknown) =>
    raw(t, method, path, {
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  await createFeed(t, FEED);
  await createFeed(t, HIDDEN);
  for (const user of ['viewer', 'downloader']) {
    expect((await admin('POST', '/api/security/users', { userName: user, password: PASSWORD })).status).toBe(201);
  }
  const grant = async (user: string, role: string) =>
    expect(
      (
        await admin('POST', '/api/security/privileges', {
          principalType: 'user',
          principalName: user,
          role,
          feed: FEED,
        })
      ).status,
    ).toBe(201);
  await grant('viewer', 'View & Download');
  await grant('downloader', 'View & Download');
  // "viewer" may see the directory but not download from it.
  expect(
    (await admin('POST', '/api/security/roles', { name: 'Only view', privileges: ['Feeds_ViewFeed'] })).status,
  ).toBe(201);
  const rules = JSON.parse((await admin('GET', `/api/security/privileges?feed=${FEED}`)).text) as {
    id: number;
    principalName: string;
  }[];
  const viewerRule = rules.find((r) => r.principalName === 'viewer');
  expect((await admin('DELETE', `/api/security/privileges/${viewerRule?.id}`)).status).toBe(204);
  await grant('viewer', 'Only view');
}

async function upload(t: TestApp, feed: string, path: string, body: string | Buffer): Promise<void> {
  const res = await raw(t, 'POST', `/endpoints/${feed}/content/${path}`, { body });
  if (res.status !== 201) throw new Error(`upload ${path}: ${res.status} ${res.text}`);
}

function mint(
  t: TestApp,
  body: Record<string, unknown>,
  headers: Record<string, string> = { Authorization: t.adminAuth },
): Promise<RawResponse> {
  return raw(t.url, 'POST', '/api/signed-urls', {
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function minted(t: TestApp, feed: string, path: string, extra: Record<string, unknown> = {}): Promise<Minted> {
  const res = await mint(t, { feed, path, ...extra });
  if (res.status !== 200) throw new Error(`mint ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as Minted;
}

describe('signed download URLs', () => {
  let t: TestApp;
  const A = 'docs/Report A.txt';
  const B = 'docs/b.txt';
  const bodyA = 'the contents of A, long enough for a range: 0123456789';

  beforeAll(async () => {
    t = await startTestApp();
    await setup(t);
    await upload(t, FEED, encodeURI(A), bodyA);
    await upload(t, FEED, B, 'the contents of B');
    await upload(t, HIDDEN, 'secret.txt', 'hidden');
  });
  afterAll(() => t?.close());

  describe('minting: POST /api/signed-urls', () => {
    it('answers an absolute URL on this server and when it expires (minutes from now)', async () => {
      const before = Date.now();
      const { url, expires } = await minted(t, FEED, A);
      expect(url.startsWith(`${t.url}/endpoints/${FEED}/content/docs/Report%20A.txt?`)).toBe(true);
      const params = new URL(url).searchParams;
      expect(params.get('version')).toBe(sha1(bodyA));
      expect(params.get('signature')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(params.has('key')).toBe(false);
      const lifetime = Date.parse(expires) - before;
      expect(lifetime).toBeGreaterThan(240_000);
      expect(lifetime).toBeLessThanOrEqual(301_000);
    });

    it('needs Download: View only is 403, a hidden directory is the same 404 as a missing one', async () => {
      const as = (user: string) => ({ Authorization: basicAuth(user, PASSWORD) });
      expect((await mint(t, { feed: FEED, path: A }, as('downloader'))).status).toBe(200);
      expect((await mint(t, { feed: FEED, path: A }, as('viewer'))).status).toBe(403);
      const hidden = await mint(t, { feed: HIDDEN, path: 'secret.txt' }, as('downloader'));
      const missing = await mint(t, { feed: 'no-such-dir', path: 'secret.txt' }, as('downloader'));
      expect([hidden.status, missing.status]).toEqual([404, 404]);
      expect(JSON.parse(hidden.text).message).toBe(
        (JSON.parse(missing.text) as { message: string }).message.replace('no-such-dir', HIDDEN),
      );
      const anonymous = await mint(t, { feed: FEED, path: A }, {});
      expect(anonymous.status).toBe(401);
    });

    it('refuses a missing file (404), a folder (400), a bad path or body (400)', async () => {
      expect((await mint(t, { feed: FEED, path: 'docs/nope.txt' })).status).toBe(404);
      expect((await mint(t, { feed: FEED, path: 'docs' })).status).toBe(400);
      expect((await mint(t, { feed: FEED, path: '' })).status).toBe(400);
      expect((await mint(t, { feed: FEED, path: 'a/../b' })).status).toBe(400);
      expect((await mint(t, { feed: FEED, path: A, extra: 1 })).status).toBe(400);
      expect((await mint(t, { feed: FEED })).status).toBe(400);
    });
  });

  describe('serving', () => {
    it('downloads the file with no other credential (GET and HEAD), with its usual headers', async () => {
      const { url } = await minted(t, FEED, A);
      const res = await raw(t.url, 'GET', target(url));
      expect(res.status).toBe(200);
      expect(res.text).toBe(bodyA);
      expect(res.headers['etag']).toBe(`"${sha1(bodyA)}"`);
      expect(res.headers['accept-ranges']).toBe('bytes');
      const head = await raw(t.url, 'HEAD', target(url));
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(bodyA.length));
      // Without the signature the same request is anonymous: refused.
      expect((await raw(t.url, 'GET', new URL(url).pathname)).status).toBe(401);
    });

    it('honours Range and validators (206, 304) like any download', async () => {
      const { url } = await minted(t, FEED, A);
      const range = await raw(t.url, 'GET', target(url), { headers: { Range: 'bytes=4-11' } });
      expect(range.status).toBe(206);
      expect(range.text).toBe(bodyA.slice(4, 12));
      expect(range.headers['content-range']).toBe(`bytes 4-11/${bodyA.length}`);
      const cached = await raw(t.url, 'GET', target(url), { headers: { 'If-None-Match': `"${sha1(bodyA)}"` } });
      expect(cached.status).toBe(304);
      expect(cached.body.length).toBe(0);
    });

    it('adds Content-Disposition: attachment when minted for a download', async () => {
      const { url } = await minted(t, FEED, A, { download: true });
      const res = await raw(t.url, 'GET', target(url));
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toMatch(/^attachment;.*filename="Report A\.txt"/);
    });

    it('ignores cookies and other credentials: a stale session cookie is neither read nor cleared', async () => {
      const { url } = await minted(t, FEED, A);
      const res = await raw(t.url, 'GET', target(url), {
        headers: { Cookie: 'stockroom_session=not-a-session', 'X-ApiKey': 'not-a-key' },
      });
      expect(res.status).toBe(200);
      expect(res.text).toBe(bodyA);
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('a URL for file A never serves file B, another directory, a listing or a write', async () => {
      const { url } = await minted(t, FEED, A);
      const query = new URL(url).search;
      const refused = async (method: string, path: string) => {
        // Admin's own credentials ride along: a signed request never falls back to them.
        const res = await raw(t.url, method, path, {
          headers: { Authorization: t.adminAuth },
          body: method === 'GET' || method === 'DELETE' ? undefined : 'x',
        });
        return [res.status, res.headers['content-type']?.split(';')[0], res.text.length > 0];
      };
      expect(await refused('GET', `/endpoints/${FEED}/content/${B}${query}`)).toEqual([403, 'text/plain', true]);
      expect(await refused('GET', `/endpoints/${HIDDEN}/content/docs/Report%20A.txt${query}`)).toEqual([
        403,
        'text/plain',
        true,
      ]);
      expect(await refused('GET', `/endpoints/${FEED}/dir/docs${query}`)).toEqual([403, 'text/plain', true]);
      expect(await refused('GET', `/endpoints/${FEED}/metadata/docs/Report%20A.txt${query}`)).toEqual([
        403,
        'text/plain',
        true,
      ]);
      expect(await refused('GET', `/endpoints/${FEED}/export/docs${query}&format=zip`)).toEqual([
        403,
        'text/plain',
        true,
      ]);
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        expect([method, ...(await refused(method, target(url)))]).toEqual([method, 403, 'text/plain', true]);
      }
      // Nothing was written or deleted.
      expect((await raw(t, 'GET', `/endpoints/${FEED}/content/docs/Report%20A.txt`)).text).toBe(bodyA);
    });

    it('refuses a tampered URL (path, expiry, version, signature) with a clear text/plain reason', async () => {
      const { url } = await minted(t, FEED, A);
      const params = new URL(url).searchParams;
      const cases: [string, string][] = [
        ['path', url.replace('Report%20A.txt', 'Report%20B.txt')],
        ['expires', withParam(url, 'expires', String(Number(params.get('expires')) + 3600))],
        ['version', withParam(url, 'version', sha1('something else'))],
        ['signature', withParam(url, 'signature', flipFirst(params.get('signature') ?? ''))],
      ];
      for (const [what, tampered] of cases) {
        const res = await raw(t.url, 'GET', target(tampered), { headers: { Authorization: t.adminAuth } });
        expect([what, res.status, res.headers['content-type']]).toEqual([what, 403, 'text/plain; charset=utf-8']);
        expect(res.text).toMatch(/signed URL is not valid/);
      }
      const noExpiry = new URL(url);
      noExpiry.searchParams.delete('expires');
      const res = await raw(t.url, 'GET', target(noExpiry.toString()));
      expect([res.status, res.text]).toEqual([403, 'The signed URL is incomplete or malformed.']);
    });

    it('refuses an expired URL', async () => {
      const { url } = await minted(t, FEED, A);
      const clock = t.app.get(Clock);
      clock.travel(301_000);
      try {
        const res = await raw(t.url, 'GET', target(url));
        expect([res.status, res.text]).toEqual([403, 'The signed URL has expired; ask for a new one.']);
      } finally {
        clock.travel(-301_000);
      }
      expect((await raw(t.url, 'GET', target(url))).status).toBe(200);
    });

    it('stops working once the file is overwritten (bound to its content), and a new one works', async () => {
      await upload(t, FEED, 'changing.txt', 'version one');
      const old = await minted(t, FEED, 'changing.txt');
      expect((await raw(t.url, 'GET', target(old.url))).text).toBe('version one');
      await upload(t, FEED, 'changing.txt', 'version two');
      const res = await raw(t.url, 'GET', target(old.url));
      expect([res.status, res.text]).toEqual([
        403,
        'The file has changed since this signed URL was made; ask for a new one.',
      ]);
      const fresh = await minted(t, FEED, 'changing.txt');
      expect((await raw(t.url, 'GET', target(fresh.url))).text).toBe('version two');
    });

    it("another installation's URL is refused (the key is per install, kept in the database)", async () => {
      const other = await startTestApp();
      try {
        await createFeed(other, FEED);
        await upload(other, FEED, encodeURI(A), bodyA);
        const foreign = await minted(other, FEED, A);
        const res = await raw(t.url, 'GET', target(foreign.url));
        expect(res.status).toBe(403);
        // The same install keeps its key across restarts (a second node on the same database, too;
        // HEAD: this test's second node has its own data folder, so not the blobs).
        const { url } = await minted(t, FEED, A);
        const node2 = await startTestApp({}, t.db);
        try {
          const head = await raw(node2.url, 'HEAD', target(url));
          expect([head.status, head.headers['etag']]).toEqual([200, `"${sha1(bodyA)}"`]);
          expect((await raw(node2.url, 'HEAD', target(foreign.url))).status).toBe(403);
        } finally {
          await node2.close();
        }
      } finally {
        await other.close();
      }
    });
  });
});

describe('separate content origin (STOCKROOM_CONTENT_URL)', () => {
  let t: TestApp;
  let main: string;
  let content: string;
  const body = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';

  beforeAll(async () => {
    // The same server under two host names: 127.0.0.1 (console) and localhost (content).
    // The server must know its own port: it is taken first and handed to the server.
    t = await startTestApp((port) => {
      main = `127.0.0.1:${port}`;
      content = `localhost:${port}`;
      return { STOCKROOM_BASE_URL: `http://${main}`, STOCKROOM_CONTENT_URL: `http://${content}` };
    });
    await setup(t);
    await upload(t, FEED, 'image.svg', body);
  });
  afterAll(() => t?.close());

  /** A request to this server under the content host name. */
  const onContent = (method: string, path: string, headers: Record<string, string> = {}) =>
    raw(t.url, method, path, { headers: { Host: content, ...headers } });

  async function sessionCookie(): Promise<string> {
    const res = await raw(t.url, 'POST', '/api/security/login', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userName: 'Admin', password: ADMIN_PASSWORD }),
    });
    expect(res.status).toBe(200);
    return (res.headers['set-cookie'] ?? []).map((l) => l.split(';')[0]).join('; ');
  }

  it('mints URLs on the content origin, and they download there without any cookie', async () => {
    const { url } = await minted(t, FEED, 'image.svg');
    expect(url.startsWith(`http://${content}/endpoints/${FEED}/content/image.svg?`)).toBe(true);
    const res = await onContent('GET', target(url));
    expect(res.status).toBe(200);
    expect(res.text).toBe(body);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['set-cookie']).toBeUndefined();
    // The console on the main origin may read a range of it (its text preview).
    const preflight = await onContent('OPTIONS', target(url), {
      Origin: `http://${main}`,
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'range',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/\bRange\b/);
    const range = await onContent('GET', target(url), { Range: 'bytes=0-3', Origin: `http://${main}` });
    expect([range.status, range.text]).toEqual([206, body.slice(0, 4)]);
    expect(range.headers['access-control-expose-headers']).toMatch(/Content-Range/);
  });

  it('serves nothing else on the content host name: console, /api, unsigned /endpoints (cookie or key ignored)', async () => {
    const cookie = await sessionCookie();
    // The cookie works on the main origin…
    expect((await raw(t.url, 'GET', '/api/security/me', { headers: { Cookie: cookie } })).text).toContain('"Admin"');
    // …and is no use on the content origin, nor is any other credential.
    const credentials: Record<string, string>[] = [{ Cookie: cookie }, { Authorization: t.adminAuth }, {}];
    for (const headers of credentials) {
      for (const path of [
        '/api/security/me',
        '/api/management/feeds/list',
        `/endpoints/${FEED}/content/image.svg`,
        `/endpoints/${FEED}/dir/`,
        `/endpoints/${FEED}/metadata/image.svg`,
      ]) {
        const res = await onContent('GET', path, headers);
        expect([path, res.status, res.headers['content-type']]).toEqual([path, 404, 'text/plain; charset=utf-8']);
      }
      const write = await onContent('POST', `/endpoints/${FEED}/content/new.txt`, headers);
      expect(write.status).toBe(404);
      const signIn = await onContent('POST', '/api/security/login', { 'Content-Type': 'application/json', ...headers });
      expect(signIn.status).toBe(404);
    }
    expect((await raw(t, 'GET', `/endpoints/${FEED}/content/new.txt`)).status).toBe(404);
  });

  it('sends someone who opens the console on the content host name to the main origin', async () => {
    const res = await onContent('GET', '/feeds/signed/browse', { Accept: 'text/html' });
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe(`http://${main}/feeds/signed/browse`);
    expect((await onContent('GET', '/health')).status).toBe(200);
  });

  it("leaves the API's own answers alone: content links and ProGet downloads on the main origin", async () => {
    const meta = JSON.parse((await raw(t, 'GET', `/endpoints/${FEED}/metadata/image.svg`)).text) as {
      content: string;
    };
    expect(meta.content).toBe(`http://${main}/endpoints/${FEED}/content/image.svg`);
    const res = await raw(t, 'GET', `/endpoints/${FEED}/content/image.svg`);
    expect([res.status, res.text]).toEqual([200, body]);
    // A signed URL works on the main origin as well (the console without a content origin uses it so).
    const { url } = await minted(t, FEED, 'image.svg');
    expect((await raw(t.url, 'GET', target(url))).status).toBe(200);
  });
});
