import type { TestApp } from '../../api/test/support/test-app';
import { type ConsoleRun, startConsole } from '../support/console';

/** How the server hands out the console: what a browser's first visit and later visits cost. */
describe('console: serving the built console', () => {
  let run: ConsoleRun;
  let server: TestApp;

  beforeAll(async () => {
    run = await startConsole();
    server = run.server;
  });
  afterAll(() => run?.close());

  it('deep links get index.html; hashed scripts are gzipped and cached for good; index.html is not', async () => {
    const page = await fetch(`${server.url}/feeds/anything/browse/a/b`, {
      headers: { Accept: 'text/html', 'Accept-Encoding': 'gzip' },
    });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<app-root');
    expect(page.headers.get('cache-control') ?? '').not.toMatch(/immutable/);

    const script = html.match(/src="(main-[A-Z0-9]{8}\.js)"/)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${server.url}/${script}`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('WebDAV, share links and /metrics give their own answers, never the console', async () => {
    const dav = await fetch(`${server.url}/dav/x`, { headers: { Accept: 'text/html' } });
    expect(dav.status).toBe(401); // WebDAV's Basic challenge, which mount tools wait for
    expect(dav.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await dav.text()).not.toContain('<app-root');
    const share = await fetch(`${server.url}/s/abc`, { headers: { Accept: 'text/html' } });
    expect(share.status).toBe(404); // no such share link
    expect(await share.text()).not.toContain('<app-root');
    const metrics = await fetch(`${server.url}/metrics`, { headers: { Accept: 'text/html' } });
    expect(metrics.status).toBe(401);
    expect(await metrics.text()).not.toContain('<app-root');
    const admin = await fetch(`${server.url}/admin/users`, { headers: { Accept: 'text/html' } });
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('<app-root');
  });

  it('asset downloads are never recompressed (exact bytes and length)', async () => {
    await fetch(`${server.url}/api/management/feeds/create`, {
      method: 'POST',
      headers: { Authorization: server.adminAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'plain', feedType: 'asset' }),
    });
    const text = 'compressible '.repeat(1000);
    await fetch(`${server.url}/endpoints/plain/content/a.txt`, {
      method: 'PUT',
      headers: { Authorization: server.adminAuth },
      body: text,
    });
    const res = await fetch(`${server.url}/endpoints/plain/content/a.txt`, {
      headers: { Authorization: server.adminAuth, 'Accept-Encoding': 'gzip' },
    });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('content-length')).toBe(String(text.length));
  });
});
