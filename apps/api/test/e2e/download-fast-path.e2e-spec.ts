import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DownloadFastPath } from '../../src/modules/assets/download-fast-path';
import { bytes, createFeed, sha1 } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { ADMIN_PASSWORD, basicAuth, startTestApp, TestApp } from '../support/test-app';

/** Headers that legitimately differ between two answers of the same thing. */
const PER_ANSWER = new Set(['date', 'connection', 'keep-alive', 'set-cookie']);

function comparable(res: RawResponse): { status: number; headers: IncomingHttpHeaders; body: string } {
  const headers = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !PER_ANSWER.has(name)));
  return { status: res.status, headers, body: res.body.toString('base64') };
}

/**
 * GET/HEAD of content is answered outside Express and Nest (DownloadFastPath) for API keys, Basic
 * and anonymous callers; console sessions still go through Express. Both must answer byte for byte
 * alike — headers included —, errors too, and a wrong password must count once.
 */
describe('the download fast path answers exactly as the Express path', () => {
  let t: TestApp;
  let cookie: string;
  const big = bytes(300 * 1024);

  beforeAll(async () => {
    t = await startTestApp({ STOCKROOM_LOGIN_FAILURES_PER_USER: '2' });
    await createFeed(t, 'files');
    const files: Record<string, Buffer | string> = {
      'a.txt': 'hello, world\n',
      'page.html': '<script>alert(1)</script>',
      'pic.svg': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      'docs/big.bin': big,
      'empty.bin': '',
    };
    for (const [path, body] of Object.entries(files)) {
      const put = await raw(t, 'POST', `/endpoints/files/content/${path}`, { body });
      expect(put.status).toBe(201);
    }
    const login = await raw(t.url, 'POST', '/api/security/login', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userName: 'Admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
    cookie = cookies.join('; ');
  });

  afterAll(() => t?.close());

  const etag = `"${sha1(big)}"`;
  const cases: [string, string, Record<string, string>][] = [
    ['GET', '/endpoints/files/content/a.txt', {}],
    ['HEAD', '/endpoints/files/content/a.txt', {}],
    ['GET', '/endpoints/files/content/A.TXT', {}],
    ['GET', '/endpoints/files/content/page.html', {}],
    ['GET', '/endpoints/files/content/pic.svg', {}],
    ['GET', '/endpoints/files/content/a.txt?download=true', {}],
    ['GET', '/endpoints/files/content/docs/big.bin', {}],
    ['GET', '/endpoints/files/content/docs/big.bin', { Range: 'bytes=100-99999' }],
    ['GET', '/endpoints/files/content/docs/big.bin', { Range: 'bytes=-10' }],
    ['GET', '/endpoints/files/content/docs/big.bin', { Range: 'bytes=999999999-' }],
    ['GET', '/endpoints/files/content/docs/big.bin', { 'If-None-Match': etag }],
    ['GET', '/endpoints/files/content/docs/big.bin', { 'If-Range': '"other"', Range: 'bytes=0-9' }],
    ['GET', '/endpoints/files/content/empty.bin', {}],
    ['GET', '/endpoints/files/content/missing.txt', {}],
    ['GET', '/endpoints/files/content/docs', {}],
    ['GET', '/endpoints/files/content/', {}],
    ['GET', '/endpoints/nope/content/a.txt', {}],
    ['GET', '/endpoints/files/content/%2e%2e/secret', {}],
    ['HEAD', '/endpoints/files/content/missing.txt', {}],
  ];

  it.each(cases)('%s %s %j: same status, headers and body', async (method, path, headers) => {
    const fast = await raw(t.url, method, path, { headers: { ...headers, Authorization: t.adminAuth } });
    const express = await raw(t.url, method, path, { headers: { ...headers, Cookie: cookie } });
    expect(comparable(fast)).toEqual(comparable(express));
  });

  describe('what it answers itself and what it hands on', () => {
    let server: Server;
    let url: string;
    const handedOn: string[] = [];

    beforeAll(async () => {
      // The app's own fast path in front of a stand-in for Express that records what reaches it.
      server = createServer(
        t.app.get(DownloadFastPath).wrap((req, res) => {
          handedOn.push(`${req.method} ${req.url}`);
          res.writeHead(299).end();
        }),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(() => new Promise((resolve) => server.close(resolve)));

    beforeEach(() => (handedOn.length = 0));

    it('serves downloads by Basic and API key itself', async () => {
      const res = await raw(url, 'GET', '/endpoints/files/content/a.txt', { headers: { Authorization: t.adminAuth } });
      expect(res.status).toBe(200);
      expect(res.text).toBe('hello, world\n');
      const created = await raw(t, 'POST', '/api/api-keys/create', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'Feed', feed: 'files', packagePermissions: ['view'] }),
      });
      const { key } = JSON.parse(created.text) as { key: string };
      const byKey = await raw(url, 'GET', '/endpoints/files/content/docs/big.bin', { headers: { 'X-ApiKey': key } });
      expect(byKey.status).toBe(200);
      expect(byKey.body.equals(big)).toBe(true);
      expect(
        (await raw(url, 'HEAD', '/endpoints/files/content/a.txt', { headers: { Authorization: t.adminAuth } })).status,
      ).toBe(200);
      expect(handedOn).toEqual([]);
    });

    it.each<[string, string, Record<string, string>]>([
      ['GET', '/endpoints/files/content/a.txt', { Cookie: 'stockroom_session=x' }],
      ['GET', '/endpoints/files/content/missing.txt', {}],
      ['GET', '/endpoints/files/content/a.txt?multipart=status&id=x', {}],
      ['GET', '/endpoints/files/dir/', {}],
      ['POST', '/endpoints/files/content/a.txt', {}],
      ['GET', '/endpoints/files/content/a.txt?expires=1&signature=x', {}],
      ['GET', '/endpoints/files/content/a.txt', { 'Content-Length': '3' }],
      ['GET', '/api/security/me', {}],
    ])('hands %s %s %j on untouched', async (method, path, headers) => {
      const res = await raw(url, method, path, {
        // A session cookie is the credential only when no other is sent.
        headers: headers['Cookie'] ? headers : { Authorization: t.adminAuth, ...headers },
        body: headers['Content-Length'] ? 'abc' : undefined,
      });
      expect(res.status).toBe(299);
      expect(handedOn).toEqual([`${method} ${path}`]);
    });
  });

  // Last: it leaves the Admin delayed from this address.
  it('a wrong password counts once (the guard reuses the fast path authentication)', async () => {
    const wrong = { Authorization: basicAuth('Admin', 'not-the-password') };
    // Two failures are free (STOCKROOM_LOGIN_FAILURES_PER_USER=2); counted twice, the second would be delayed.
    expect((await raw(t.url, 'GET', '/endpoints/files/content/a.txt', { headers: wrong })).status).toBe(401);
    expect((await raw(t.url, 'GET', '/endpoints/files/content/a.txt', { headers: wrong })).status).toBe(401);
    expect((await raw(t.url, 'GET', '/endpoints/files/content/a.txt', { headers: wrong })).status).toBe(429);
  });
});
