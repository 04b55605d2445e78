import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { OutboundHttp, OutboundRequestError } from './outbound-http';
import { OutboundPolicy } from './outbound-policy';

describe('OutboundHttp', () => {
  let server: Server;
  let other: Server;
  let base: string;
  let otherBase: string;
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const client = new OutboundHttp(OutboundPolicy.unrestricted);

  beforeAll(async () => {
    other = createServer((req, res) => {
      seen.push({ path: `other${req.url}`, headers: req.headers });
      res.end('other');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers });
      if (req.url === '/same') res.writeHead(302, { location: '/target' }).end();
      else if (req.url === '/away') res.writeHead(302, { location: `${otherBase}/x` }).end();
      else if (req.url === '/stall')
        res.writeHead(200, { 'content-length': '10' }).write('12345'); // never ends
      else res.end(`hello ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    client.destroy();
    server.closeAllConnections();
    other.closeAllConnections();
    await new Promise((r) => server.close(r));
    await new Promise((r) => other.close(r));
  });

  beforeEach(() => (seen.length = 0));

  it('follows a redirect within the origin, keeping credentials', async () => {
    const res = await client.request({
      url: `${base}/same`,
      timeoutMs: 5000,
      maxRedirects: 3,
      headers: { 'x-apikey': 'k' },
    });
    expect([res.status, res.url, await text(res.body)]).toEqual([200, `${base}/target`, 'hello /target']);
    expect(seen.map((s) => [s.path, s.headers['x-apikey']])).toEqual([
      ['/same', 'k'],
      ['/target', 'k'],
    ]);
  });

  it('returns a redirect unfollowed when no redirects are allowed', async () => {
    const res = await client.request({ url: `${base}/same`, timeoutMs: 5000 });
    res.body.resume();
    expect([res.status, res.headers.location]).toEqual([302, '/target']);
  });

  it('refuses a redirect to another, internal origin', async () => {
    const err = await client.request({ url: `${base}/away`, timeoutMs: 5000, maxRedirects: 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(OutboundRequestError);
    expect([err.kind, err.message]).toEqual([
      'denied',
      '127.0.0.1 is not an allowed address (STOCKROOM_OUTBOUND_ALLOW)',
    ]);
    expect(seen.map((s) => s.path)).toEqual(['/away']);
  });

  it('follows a redirect to an internal origin the allow list names, without credentials', async () => {
    const listed = new OutboundHttp(OutboundPolicy.parse('127.0.0.1'));
    try {
      const res = await listed.request({
        url: `${base}/away`,
        timeoutMs: 5000,
        maxRedirects: 3,
        headers: { authorization: 'Basic eDp5' },
      });
      expect([res.status, await text(res.body)]).toEqual([200, 'other']);
      expect(seen.map((s) => [s.path, s.headers.authorization])).toEqual([
        ['/away', 'Basic eDp5'],
        ['other/x', undefined],
      ]);
    } finally {
      listed.destroy();
    }
  });

  it('fails a body that stalls, and a host that cannot be reached', async () => {
    const res = await client.request({ url: `${base}/stall`, timeoutMs: 300 });
    expect(res.status).toBe(200);
    await expect(text(res.body)).rejects.toThrow();
    const err = await client.request({ url: 'http://127.0.0.1:1/', timeoutMs: 1000 }).catch((e) => e);
    expect([err.kind, err.message]).toEqual(['network', '127.0.0.1:1 could not be reached (ECONNREFUSED)']);
  });

  it('refuses internal addresses when public only', async () => {
    const err = await client
      .publicOnly()
      .request({ url: `${base}/x`, timeoutMs: 1000 })
      .catch((e) => e);
    expect(err.kind).toBe('denied');
    expect(seen).toEqual([]);
  });
});
