import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../support/test-app';

const INDEX = '<!doctype html><html><body><app-root></app-root><script src="main-ABCD1234.js"></script></body></html>';
const HTML = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

/**
 * The console answers its own deep links only: any other top-level path (a later protocol such as
 * WebDAV at /dav, share links at /s) gets the API's 404, never the console page; /metrics is the API's own.
 */
describe('console fallback: index.html for the console routes only', () => {
  let t: TestApp;
  let consoleDir: string;

  beforeAll(async () => {
    consoleDir = await mkdtemp(join(tmpdir(), 'stockroom-console-'));
    await writeFile(join(consoleDir, 'index.html'), INDEX);
    await writeFile(join(consoleDir, 'main-ABCD1234.js'), 'console.log("console");'.repeat(100));
    t = await startTestApp({ STOCKROOM_CONSOLE_DIR: consoleDir });
  });
  afterAll(async () => {
    await t?.close();
    await rm(consoleDir, { recursive: true, force: true });
  });

  it.each([
    '/',
    '/feeds/x/browse/a/b',
    '/feeds/x/files/a.txt',
    '/feeds/x/manage/retention',
    '/admin/users',
    '/sign-in?returnUrl=%2F',
  ])('a console deep link (%s) gets index.html', async (path) => {
    const res = await fetch(`${t.url}${path}`, { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toBe(INDEX);
    // The console's security headers, as before.
    expect(res.headers.get('content-security-policy')).toBeTruthy();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each(['/dav/x', '/s/abc', '/metricsx', '/unknown', '/account'])(
    'any other path (%s) gets the API 404, not the console page',
    async (path) => {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(`${t.url}${path}`, { method, headers: HTML });
        // WebDAV answers an anonymous caller with its Basic challenge (a directory's existence is secret).
        expect(res.status).toBe(path.startsWith('/dav/') ? 401 : 404);
        expect(res.headers.get('content-type')).not.toMatch(/text\/html/);
        expect(await res.text()).not.toContain('<app-root');
      }
    },
  );

  it('the API documentation (/api/docs, /api/openapi.json) is its own, not the console page', async () => {
    const docs = await fetch(`${t.url}/api/docs`, { headers: HTML });
    expect(docs.status).toBe(200);
    const page = await docs.text();
    expect(page).toContain('swagger-ui');
    expect(page).not.toContain('<app-root');
    const document = await fetch(`${t.url}/api/openapi.json`, { headers: HTML });
    expect(document.status).toBe(200);
    expect(((await document.json()) as { openapi: string }).openapi).toMatch(/^3\./);
  });

  it('/metrics answers metrics (or asks for credentials), never the console page', async () => {
    for (const method of ['GET', 'HEAD']) {
      const anonymous = await fetch(`${t.url}/metrics`, { method, headers: HTML });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).not.toMatch(/text\/html/);
      expect(await anonymous.text()).not.toContain('<app-root');
    }
    const admin = await fetch(`${t.url}/metrics`, { headers: { ...HTML, Authorization: t.adminAuth } });
    expect(admin.status).toBe(200);
    expect(admin.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await admin.text()).toContain('stockroom_http_requests_total');
  });

  it('console assets are still served (gzip when asked, hashed names cached for good)', async () => {
    const res = await fetch(`${t.url}/main-ABCD1234.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('API paths keep their own 404s', async () => {
    const api = await fetch(`${t.url}/api/unknown`, { headers: HTML });
    expect(api.status).toBe(404);
    expect(await api.text()).not.toContain('<app-root');
  });
});
