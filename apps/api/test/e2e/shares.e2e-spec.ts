import type { AuditPage, CreatedShare, Share } from '@stockroom/contracts';
import * as yauzl from 'yauzl';
import { Clock } from '../../src/common/clock';
import { ShareUsageRecorder } from '../../src/modules/shares/share-usage-recorder';
import { createFeed, eventually, sha1, streamToBuffer } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';

/**
 * [ext] Share links (issue 18): `POST/GET/DELETE /api/shares` manage them; `/s/{token}` serves a file or
 * a folder without an account, over real HTTP, with every bad input the issue lists.
 */

const PASSWORD = 'shares-password-1';
const FEED = 'shared';
const HIDDEN = 'hidden';
const MAX_DAYS = 7;

const as = (user: string) => ({ Authorization: basicAuth(user, PASSWORD) });

function unzip(buf: Buffer): Promise<Record<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: Record<string, Buffer> = {};
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (e, s) => {
          if (e || !s) return reject(e);
          streamToBuffer(s).then((b) => {
            out[entry.fileName] = b;
            zip.readEntry();
          }, reject);
        });
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

/** The path and query of an absolute URL, as sent on the wire. */
const target = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

describe('share links', () => {
  let t: TestApp;
  const report = Buffer.from('the shared report, long enough for ranges: 0123456789abcdef');
  const inner = Buffer.from('a file in the shared folder');
  const deep = Buffer.from('a file in a subfolder of the shared folder');

  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    raw(t.url, method, path, {
      headers: { 'Content-Type': 'application/json', Authorization: t.adminAuth, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  async function upload(path: string, body: string | Buffer, feed = FEED): Promise<void> {
    const res = await raw(t, 'PUT', `/endpoints/${feed}/content/${path}`, { body });
    if (res.status !== 201) throw new Error(`upload ${path}: ${res.status} ${res.text}`);
  }

  function create(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<RawResponse> {
    return api('POST', '/api/shares', body, headers);
  }

  async function share(path: string, extra: Record<string, unknown> = {}, headers = {}): Promise<CreatedShare> {
    const res = await create({ feed: FEED, path, expiresInMinutes: 60, ...extra }, headers);
    if (res.status !== 201) throw new Error(`share ${path}: ${res.status} ${res.text}`);
    return JSON.parse(res.text) as CreatedShare;
  }

  /** A request without any account. */
  const anon = (method: string, path: string, headers: Record<string, string> = {}, localAddress?: string) =>
    raw(t.url, method, path, { headers, localAddress });

  const list = async (headers: Record<string, string> = {}) => {
    const res = await api('GET', `/api/shares?feed=${FEED}`, undefined, headers);
    expect(res.status).toBe(200);
    return JSON.parse(res.text) as Share[];
  };

  beforeAll(async () => {
    t = await startTestApp({
      STOCKROOM_SHARE_MAX_DAYS: String(MAX_DAYS),
      STOCKROOM_LOGIN_FAILURES_PER_USER: '3',
    });
    await createFeed(t, FEED);
    await createFeed(t, HIDDEN);
    expect(
      (
        await api('POST', '/api/security/roles', {
          name: 'Share',
          privileges: ['Feeds_ViewFeed', 'Feeds_DownloadPackage', 'Feeds_ShareAsset'],
        })
      ).status,
    ).toBe(201);
    for (const [user, role] of [
      ['sharer', 'Share'],
      ['other', 'Share'],
      ['downloader', 'View & Download'],
      ['manager', 'Manage Feed'],
    ]) {
      expect((await api('POST', '/api/security/users', { userName: user, password: PASSWORD })).status).toBe(201);
      const rule = { principalType: 'user', principalName: user, role, feed: FEED };
      expect((await api('POST', '/api/security/privileges', rule)).status).toBe(201);
    }
    await upload('docs/report.txt', report);
    await upload('docs/page.html', '<html><script>alert(1)</script></html>');
    await upload('folder/inner.txt', inner);
    await upload('folder/sub/deep.bin', deep);
    await upload('folder/my%20file.txt', 'a space');
    await upload('secret.txt', 'not shared', HIDDEN);
  }, 60_000);
  afterAll(() => t?.close());

  describe('creating: POST /api/shares', () => {
    it('answers the link (absolute, a 256-bit token) and when it expires', async () => {
      const before = Date.now();
      const created = await share('docs/report.txt');
      expect(created.id).toEqual(expect.any(Number));
      expect(created.url).toMatch(new RegExp(`^${t.url}/s/[A-Za-z0-9_-]{43}$`));
      const lifetime = Date.parse(created.expiresAt) - before;
      expect(lifetime).toBeGreaterThan(59 * 60_000);
      expect(lifetime).toBeLessThanOrEqual(60 * 60_000 + 1000);
      // Another link to the same file has another token.
      expect((await share('docs/report.txt')).url).not.toBe(created.url);
    });

    it('needs Download on the path and Feeds_ShareAsset: View & Download alone is 403, Manage Feed may', async () => {
      const body = { feed: FEED, path: 'docs/report.txt', expiresInMinutes: 10 };
      expect((await create(body, as('downloader'))).status).toBe(403);
      expect((await create(body, as('manager'))).status).toBe(201);
      expect((await create(body, as('sharer'))).status).toBe(201);
      const anonymous = await raw(t.url, 'POST', '/api/shares', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(anonymous.status).toBe(401);
      // A directory the user cannot see is the same 404 as one that does not exist.
      const hidden = await create({ ...body, feed: HIDDEN, path: 'secret.txt' }, as('sharer'));
      const missing = await create({ ...body, feed: 'no-such-dir', path: 'secret.txt' }, as('sharer'));
      expect([hidden.status, missing.status]).toEqual([404, 404]);
      expect(JSON.parse(hidden.text).code).toBe(JSON.parse(missing.text).code);
    });

    it('refuses bad bounds and bad input with a 400 that says why', async () => {
      const base = { feed: FEED, path: 'docs/report.txt' };
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ ...base, expiresInMinutes: MAX_DAYS * 1440 + 1 }, /at most 7 days/],
        [{ ...base, expiresAt: new Date(Date.now() + (MAX_DAYS + 1) * 86_400_000).toISOString() }, /at most 7 days/],
        [{ ...base, expiresAt: new Date(Date.now() - 60_000).toISOString() }, /past/],
        [{ ...base, expiresAt: 'tomorrow' }, /ISO-8601/],
        [{ ...base, expiresAt: new Date(Date.now() + 3_600_000).toISOString().replace('Z', '') }, /with its zone/],
        [{ ...base, expiresAt: new Date(Date.now() + 60_000).toISOString(), expiresInMinutes: 5 }, /exactly one/],
        [base, /exactly one/],
        [{ ...base, expiresInMinutes: 0 }, /expiresInMinutes/],
        [{ ...base, expiresInMinutes: 1.5 }, /expiresInMinutes/],
        [{ ...base, expiresInMinutes: 5, maxDownloads: 0 }, /maxDownloads/],
        [{ ...base, expiresInMinutes: 5, maxDownloads: 'two' }, /maxDownloads/],
        [{ ...base, expiresInMinutes: 5, password: '' }, /password/],
        [{ ...base, path: 'docs/../secret.txt', expiresInMinutes: 5 }, /./],
        [{ feed: FEED, expiresInMinutes: 5 }, /path/],
        [{ ...base, expiresInMinutes: 5, extra: 1 }, /extra/],
      ];
      for (const [body, message] of cases) {
        const res = await create(body);
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
        const parsed = JSON.parse(res.text) as { code: string; message: string };
        expect(parsed.message).toMatch(message);
      }
      // A time in another zone is fine.
      const inAnHour = new Date(Date.now() + 3_600_000);
      const local = new Date(inAnHour.getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
      const zoned = await create({ ...base, expiresAt: local });
      expect(zoned.status).toBe(201);
      expect(
        Math.abs(Date.parse((JSON.parse(zoned.text) as CreatedShare).expiresAt) - inAnHour.getTime()),
      ).toBeLessThan(1000);
      // The longest allowed is fine.
      expect((await create({ ...base, expiresInMinutes: MAX_DAYS * 1440 })).status).toBe(201);
      // Nothing there: 404.
      expect((await create({ ...base, path: 'docs/nope.txt', expiresInMinutes: 5 })).status).toBe(404);
    });
  });

  describe('a shared file: GET /s/{token}', () => {
    it('downloads without an account, with Range, ETag and the content-safety headers', async () => {
      const { url } = await share('docs/report.txt');
      const res = await anon('GET', target(url));
      expect(res.status).toBe(200);
      expect(res.body.equals(report)).toBe(true);
      expect(res.headers['etag']).toBe(`"${sha1(report)}"`);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe('sandbox');
      expect(res.headers['accept-ranges']).toBe('bytes');
      // No shared cache may keep it (a revoked link must stop at once).
      expect(res.headers['cache-control']).toMatch(/private/);
      // Not for search engines; the token is not handed on as a referrer.
      expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      const part = await anon('GET', target(url), { Range: 'bytes=4-9' });
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 4-9/${report.length}`);
      expect(part.body.equals(report.subarray(4, 10))).toBe(true);
      const notModified = await anon('GET', target(url), { 'If-None-Match': `"${sha1(report)}"` });
      expect(notModified.status).toBe(304);
      const download = await anon('GET', `${target(url)}?download=true`);
      expect(download.headers['content-disposition']).toMatch(/^attachment; filename="report.txt"/);
      expect(res.headers['content-disposition']).toBeUndefined();
      const head = await anon('HEAD', target(url));
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(report.length));
    });

    it('ignores credentials: a session cookie or a wrong password means nothing to a link without one', async () => {
      const { url } = await share('docs/report.txt');
      const withCookie = await anon('GET', target(url), { Cookie: 'stockroom_session=forged; XSRF-TOKEN=x' });
      expect(withCookie.status).toBe(200);
      const wrong = await anon('GET', target(url), { Authorization: basicAuth('Admin', 'wrong') });
      expect(wrong.status).toBe(200);
      expect(wrong.body.equals(report)).toBe(true);
    });

    it('serves an HTML file as an attachment, sandboxed, as everywhere else', async () => {
      const { url } = await share('docs/page.html');
      const res = await anon('GET', target(url));
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toMatch(/^attachment/);
      expect(res.headers['content-security-policy']).toBe('sandbox');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it('names nothing below a file link (404)', async () => {
      const { url } = await share('docs/report.txt');
      expect((await anon('GET', `${target(url)}/other.txt`)).status).toBe(404);
    });
  });

  describe('a shared folder', () => {
    let base: string;
    beforeAll(async () => {
      base = target((await share('folder')).url);
    });

    it('redirects to the index URL with a slash, whose HTML has no script and relative links', async () => {
      const bare = await anon('GET', base);
      expect(bare.status).toBe(301);
      expect(bare.headers['location']).toBe(`${base}/`);
      const res = await anon('GET', `${base}/`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.text).not.toMatch(/<script/i);
      expect(res.text).toContain('href="./inner.txt"');
      expect(res.text).toContain('href="./sub/"');
      expect(res.text).toContain('href="./my%20file.txt"');
      expect(res.text).not.toContain('../');
    });

    it('follows its relative links: a file, a subfolder index, a file in it', async () => {
      const file = await anon('GET', `${base}/inner.txt`);
      expect(file.status).toBe(200);
      expect(file.body.equals(inner)).toBe(true);
      expect(file.headers['content-security-policy']).toBe('sandbox');
      const sub = await anon('GET', `${base}/sub/`);
      expect(sub.status).toBe(200);
      expect(sub.text).toContain('href="./deep.bin"');
      expect(sub.text).toContain('href="../"');
      const deepFile = await anon('GET', `${base}/sub/deep.bin`);
      expect(deepFile.body.equals(deep)).toBe(true);
      const spaced = await anon('GET', `${base}/my%20file.txt`);
      expect(spaced.text).toBe('a space');
      expect((await anon('GET', `${base}/missing.txt`)).status).toBe(404);
    });

    it('answers ?format=zip with the whole folder, byte for byte', async () => {
      const res = await anon('GET', `${base}/?format=zip`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="folder.zip"/);
      const files = await unzip(res.body);
      expect(Object.keys(files).sort()).toEqual(['inner.txt', 'my file.txt', 'sub/deep.bin']);
      expect(files['inner.txt'].equals(inner)).toBe(true);
      expect(files['sub/deep.bin'].equals(deep)).toBe(true);
      const subZip = await unzip((await anon('GET', `${base}/sub?format=zip`)).body);
      expect(Object.keys(subZip)).toEqual(['deep.bin']);
    });

    it('refuses to leave the folder: .., encoded dots and separators', async () => {
      for (const path of [
        `${base}/../..`,
        `${base}/../docs/report.txt`,
        `${base}/%2e%2e/docs/report.txt`,
        `${base}/sub/..%2f..%2fdocs%2freport.txt`,
        `${base}/..%5cdocs`,
      ]) {
        const res = await anon('GET', path);
        expect([path, res.status < 500 && res.status >= 400]).toEqual([path, true]);
        expect(res.text).not.toContain('the shared report');
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
      }
    });

    it('shares the whole directory with path "" or "/"', async () => {
      for (const path of ['', '/']) {
        const root = target((await share(path)).url);
        const index = await anon('GET', `${root}/`);
        expect(index.status).toBe(200);
        expect(index.text).toContain('href="./docs/"');
        expect(index.text).not.toContain('href="../"');
        expect((await anon('GET', `${root}/docs/report.txt`)).body.equals(report)).toBe(true);
      }
    });
  });

  describe('passwords', () => {
    let path: string;
    beforeAll(async () => {
      path = target((await share('docs/report.txt', { password: 'open sesame' })).url);
    });

    it('asks with a Basic challenge; a wrong password is 401, the right one (any user name) downloads', async () => {
      const none = await anon('GET', path);
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Basic realm="Stockroom share"/);
      expect(none.headers['content-type']).toMatch(/^text\/plain/);
      expect(none.text).not.toContain('the shared report');
      const wrong = await anon('GET', path, { Authorization: basicAuth('x', 'guess') });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toMatch(/^Basic realm="Stockroom share"/);
      const right = await anon('GET', path, { Authorization: basicAuth('anyone', 'open sesame') });
      expect(right.status).toBe(200);
      expect(right.body.equals(report)).toBe(true);
      const empty = await anon('GET', path, { Authorization: basicAuth('', 'open sesame') });
      expect(empty.status).toBe(200);
    });

    it('throttles repeated wrong passwords from one address (429 with Retry-After), even the right one', async () => {
      const from = '127.0.0.7';
      for (let i = 0; i < 3; i++) {
        expect((await anon('GET', path, { Authorization: basicAuth('x', `guess-${i}`) }, from)).status).toBe(401);
      }
      const throttled = await anon('GET', path, { Authorization: basicAuth('x', 'guess-again') }, from);
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      const right = await anon('GET', path, { Authorization: basicAuth('x', 'open sesame') }, from);
      expect(right.status).toBe(429);
      // Another address is not affected.
      const elsewhere = await anon('GET', path, { Authorization: basicAuth('x', 'open sesame') }, '127.0.0.8');
      expect(elsewhere.status).toBe(200);
    });
  });

  describe('maxDownloads', () => {
    it('counts only GETs from byte 0, atomically; then 410', async () => {
      const { id, url } = await share('docs/report.txt', { maxDownloads: 2 });
      const path = target(url);
      expect((await anon('HEAD', path)).status).toBe(200);
      expect((await anon('GET', path, { Range: 'bytes=10-' })).status).toBe(206);
      expect((await anon('GET', path, { Range: 'bytes=5-9' })).status).toBe(206);
      // A conditional GET answered 304 delivers nothing: not counted either.
      expect((await anon('GET', path, { 'If-None-Match': `"${sha1(report)}"` })).status).toBe(304);
      expect((await anon('GET', path)).status).toBe(200); // 1
      expect((await anon('GET', path, { Range: 'bytes=0-3' })).status).toBe(206); // 2
      const gone = await anon('GET', path);
      expect(gone.status).toBe(410);
      expect(gone.headers['content-type']).toMatch(/^text\/plain/);
      expect(gone.text).toMatch(/used as many times/);
      // A resumed download is over too: the link is used up.
      expect((await anon('GET', path, { Range: 'bytes=10-' })).status).toBe(410);
      const listed = (await list()).find((s) => s.id === id);
      expect(listed).toMatchObject({ downloads: 2, maxDownloads: 2, state: 'exhausted' });
    });

    it('eight downloads at once of a link allowing three: exactly three are served', async () => {
      const { url } = await share('docs/report.txt', { maxDownloads: 3 });
      const answers = await Promise.all(Array.from({ length: 8 }, () => anon('GET', target(url))));
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 410, 410, 410, 410, 410]);
    });

    it('a link without a limit counts its downloads too (in batches: the list shows them)', async () => {
      const { id, url } = await share('docs/report.txt');
      for (let i = 0; i < 3; i++) expect((await anon('GET', target(url))).status).toBe(200);
      expect((await anon('GET', target(url), { Range: 'bytes=3-' })).status).toBe(206);
      expect((await anon('HEAD', target(url))).status).toBe(200);
      expect((await list()).find((s) => s.id === id)).toMatchObject({
        downloads: 3,
        maxDownloads: null,
        state: 'active',
      });
    });

    it('a folder link counts each file downloaded from it and each archive; not its indexes', async () => {
      const { id, url } = await share('folder', { maxDownloads: 2 });
      const base = target(url);
      expect((await anon('GET', `${base}/`)).status).toBe(200);
      expect((await anon('GET', `${base}/sub/`)).status).toBe(200);
      expect((await anon('GET', `${base}/inner.txt`)).status).toBe(200);
      expect((await anon('GET', `${base}/?format=zip`)).status).toBe(200);
      expect((await anon('GET', `${base}/inner.txt`)).status).toBe(410);
      expect((await anon('GET', `${base}/`)).status).toBe(410);
      expect((await list()).find((s) => s.id === id)?.downloads).toBe(2);
    });
  });

  describe('ends: expiry, revocation, moved or deleted files', () => {
    it('expired → 410', async () => {
      const { id, url } = await share('docs/report.txt', { expiresInMinutes: 1 });
      expect((await anon('GET', target(url))).status).toBe(200);
      const clock = t.app.get(Clock);
      clock.travel(61_000);
      try {
        const res = await anon('GET', target(url));
        expect(res.status).toBe(410);
        expect(res.text).toMatch(/expired/);
        expect((await list()).find((s) => s.id === id)?.state).toBe('expired');
      } finally {
        clock.travel(-61_000);
      }
    });

    it('revoked → 410 at once; revoking again is fine', async () => {
      const { id, url } = await share('docs/report.txt', {}, as('sharer'));
      expect((await anon('GET', target(url))).status).toBe(200);
      expect((await api('DELETE', `/api/shares/${id}`, undefined, as('sharer'))).status).toBe(204);
      const res = await anon('GET', target(url));
      expect(res.status).toBe(410);
      expect(res.text).toMatch(/revoked/);
      expect((await api('DELETE', `/api/shares/${id}`, undefined, as('sharer'))).status).toBe(204);
      const listed = (await list(as('sharer'))).find((s) => s.id === id);
      expect(listed?.state).toBe('revoked');
      expect(listed?.endedAt).not.toBeNull();
    });

    it('a moved file ends its link (410), as does a deleted one, even when a new file takes its place', async () => {
      await upload('docs/moving.txt', 'moving');
      await upload('docs/doomed.txt', 'doomed');
      const moving = await share('docs/moving.txt');
      const doomed = await share('docs/doomed.txt');
      const folder = await upload('movingdir/x.txt', 'x').then(() => share('movingdir'));
      expect((await anon('GET', target(moving.url))).status).toBe(200);
      expect((await api('POST', `/endpoints/${FEED}/move/docs/moving.txt`, { to: 'docs/moved.txt' })).status).toBe(201);
      expect((await api('POST', `/endpoints/${FEED}/move/movingdir`, { to: 'moveddir' })).status).toBe(201);
      expect((await raw(t, 'DELETE', `/endpoints/${FEED}/content/docs/doomed.txt`)).status).toBe(200);
      for (const url of [moving.url, doomed.url, `${folder.url}/`, `${folder.url}/x.txt`]) {
        const res = await anon('GET', target(url));
        expect([url, res.status]).toEqual([url, 410]);
        expect(res.text).toMatch(/moved or deleted/);
      }
      // A new file at the old path is another file: the link stays ended.
      await upload('docs/doomed.txt', 'a newcomer');
      expect((await anon('GET', target(doomed.url))).status).toBe(410);
      const states = new Map((await list()).map((s) => [s.id, s]));
      expect(states.get(moving.id)?.state).toBe('ended');
      expect(states.get(doomed.id)?.state).toBe('ended');
      expect(states.get(doomed.id)?.endedAt).not.toBeNull();
      // Overwriting a shared file keeps it the same file: its link serves the new content.
      await upload('docs/kept.txt', 'v1');
      const kept = await share('docs/kept.txt');
      expect((await raw(t, 'POST', `/endpoints/${FEED}/content/docs/kept.txt`, { body: 'v2' })).status).toBe(201);
      expect((await anon('GET', target(kept.url))).text).toBe('v2');
    });

    it('answers only GET and HEAD, in plain text', async () => {
      const { url } = await share('docs/report.txt');
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const res = await anon(method, target(url));
        expect([method, res.status]).toEqual([method, 404]);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
      }
      expect((await anon('GET', target(url))).status).toBe(200);
    });

    it('an unknown or malformed token is 404 (plain text), whatever it looks like', async () => {
      const { url } = await share('docs/report.txt');
      const token = new URL(url).pathname.split('/')[2];
      const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
      for (const path of [`/s/${flipped}`, '/s/short', `/s/${token}x`, `/s/${'A'.repeat(43)}/`, '/s/%00']) {
        const res = await anon('GET', path);
        expect([path, res.status]).toEqual([path, 404]);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
      }
    });
  });

  describe('listing and revoking', () => {
    it('the creator sees their own links, the directory managers and Administer all of them', async () => {
      const mine = await share('docs/report.txt', { password: 'pw', maxDownloads: 5 }, as('sharer'));
      const theirs = await share('docs/report.txt', {}, as('other'));
      const sharerSees = await list(as('sharer'));
      expect(sharerSees.map((s) => s.id)).toContain(mine.id);
      expect(sharerSees.map((s) => s.id)).not.toContain(theirs.id);
      expect(sharerSees.every((s) => s.createdBy === 'sharer')).toBe(true);
      const listed = sharerSees.find((s) => s.id === mine.id);
      expect(listed).toEqual({
        id: mine.id,
        feed: FEED,
        path: 'docs/report.txt',
        kind: 'file',
        createdBy: 'sharer',
        createdAt: expect.any(String),
        expiresAt: mine.expiresAt,
        maxDownloads: 5,
        downloads: 0,
        hasPassword: true,
        endedAt: null,
        state: 'active',
      });
      expect(JSON.stringify(sharerSees)).not.toContain(new URL(mine.url).pathname.split('/')[2]);
      for (const who of [as('manager'), {}]) {
        const ids = (await list(who)).map((s) => s.id);
        expect(ids).toEqual(expect.arrayContaining([mine.id, theirs.id]));
      }
      expect(await list(as('downloader'))).toEqual([]);
      expect((await api('GET', '/api/shares', undefined)).status).toBe(400);
      expect((await raw(t.url, 'GET', `/api/shares?feed=${FEED}`)).status).toBe(401);
      expect((await api('GET', `/api/shares?feed=${HIDDEN}`, undefined, as('sharer'))).status).toBe(404);
    });

    it('only the creator, the managers and Administer revoke; anyone else is told there is no such link', async () => {
      const a = await share('docs/report.txt', {}, as('sharer'));
      const b = await share('docs/report.txt', {}, as('sharer'));
      for (const who of [as('other'), as('downloader')]) {
        const res = await api('DELETE', `/api/shares/${a.id}`, undefined, who);
        expect(res.status).toBe(404);
        expect(res.text).toBe(
          (await api('DELETE', '/api/shares/999999', undefined, who)).text.replace('999999', String(a.id)),
        );
      }
      expect((await raw(t.url, 'DELETE', `/api/shares/${a.id}`)).status).toBe(401);
      expect((await api('DELETE', '/api/shares/abc')).status).toBe(404);
      expect((await api('DELETE', '/api/shares/99999999999999')).status).toBe(404);
      expect((await anon('GET', target(a.url))).status).toBe(200);
      expect((await api('DELETE', `/api/shares/${a.id}`, undefined, as('manager'))).status).toBe(204);
      expect((await api('DELETE', `/api/shares/${b.id}`)).status).toBe(204);
      expect((await anon('GET', target(a.url))).status).toBe(410);
      expect((await anon('GET', target(b.url))).status).toBe(410);
    });

    it('audits creation, revocation and every use (identical uses of one second in one event)', async () => {
      const { id, url } = await share('docs/report.txt');
      const recorder = t.app.get(ShareUsageRecorder);
      await recorder.flush();
      for (let i = 0; i < 3; i++) await anon('GET', target(url));
      await recorder.flush();
      await anon('GET', target(url));
      await api('DELETE', `/api/shares/${id}`);
      // Uses are written in batches, once a second.
      await t.app.get(ShareUsageRecorder).flush();
      const events = async (action: string) => {
        const res = await api('GET', `/api/security/audit?action=${action}&feed=${FEED}`);
        return (JSON.parse(res.text) as AuditPage).events.filter((e) => (e.details as { id?: number }).id === id);
      };
      expect(await events('share.created')).toMatchObject([{ userName: 'Admin', target: 'docs/report.txt' }]);
      expect(await events('share.revoked')).toMatchObject([{ userName: 'Admin' }]);
      const uses = await events('share.used');
      for (const use of uses)
        expect(use).toMatchObject({
          userName: null,
          credential: 'share-link',
          target: 'docs/report.txt',
          details: { id, as: 'file' },
        });
      const counts = uses.map((e) => (e.details as { uses?: number }).uses ?? 1);
      // Four uses, all in the log; the three within a few milliseconds share an event (a once-a-second
      // write can split them at most once).
      expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
      expect(Math.max(...counts)).toBeGreaterThanOrEqual(2);
    });
  });

  it('a revocation on one node is seen by another on the same database (change notification)', async () => {
    const second = await startTestApp({ STOCKROOM_DATA_DIR: t.config.dataDir }, t.db);
    try {
      const { id, url } = await share('docs/report.txt');
      const path = target(url);
      expect((await raw(second.url, 'GET', path)).status).toBe(200);
      expect((await raw(second.url, 'GET', path)).status).toBe(200); // now in its cache
      expect((await api('DELETE', `/api/shares/${id}`)).status).toBe(204);
      expect((await anon('GET', path)).status).toBe(410); // at once where it was revoked
      // The other node drops its copy on PostgreSQL's change notification (as for a revoked API key).
      await eventually(async () => (await raw(second.url, 'GET', path)).status === 410, 3000);
    } finally {
      await second.close();
    }
  }, 60_000);
});
