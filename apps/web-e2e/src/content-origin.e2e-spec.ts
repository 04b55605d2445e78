import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { ADMIN_PASSWORD, type ConsoleRun, screenshot, signIn, startConsole } from '../support/console';

/**
 * [ext] A server with a separate content origin (STOCKROOM_CONTENT_URL, issue 13): the console at
 * 127.0.0.1 downloads and previews files through signed URLs on localhost — another host name, so the
 * session cookie never goes there and is never needed there.
 */
describe('console: downloads and previews on the separate content origin', () => {
  let run: ConsoleRun;
  let context: BrowserContext;
  let page: Page;
  let main: string;
  let content: string;
  const requests: Request[] = [];
  const notes = 'hello from the content origin\n';
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="teal"/>' +
    '<script>document.title = "ran"</script></svg>';

  const api = (method: string, path: string, body?: string) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: { Authorization: run.server.adminAuth, 'Content-Type': 'application/json' },
      body,
    });

  beforeAll(async () => {
    // The server must know its own port: it is taken first and handed to the server.
    run = await startConsole((port) => {
      main = `http://127.0.0.1:${port}`;
      content = `http://localhost:${port}`;
      return { STOCKROOM_BASE_URL: main, STOCKROOM_CONTENT_URL: content };
    });
    expect(run.server.url).toBe(main);
    await api('POST', '/api/management/feeds/create', JSON.stringify({ name: 'docs', feedType: 'asset' }));
    expect((await api('PUT', '/endpoints/docs/content/notes.txt', notes)).status).toBe(201);
    const upload = await fetch(`${main}/endpoints/docs/content/logo.svg`, {
      method: 'PUT',
      headers: { Authorization: run.server.adminAuth, 'Content-Type': 'image/svg+xml' },
      body: svg,
    });
    expect(upload.status).toBe(201);
    ({ context, page } = await run.open('/'));
    page.on('request', (r) => requests.push(r));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(() => run?.close());

  /** Requests the page made for a file's content. */
  const contentRequests = (name: string) => requests.filter((r) => r.url().includes(`/endpoints/docs/content/${name}`));

  it('previews a text file from the content origin, without the cookie', async () => {
    await page.goto('/feeds/docs/files/notes.txt');
    await page.getByTestId('preview-text').filter({ hasText: 'hello from the content origin' }).waitFor();
    const fetched = contentRequests('notes.txt').filter((r) => r.method() === 'GET');
    expect(fetched.length).toBeGreaterThan(0);
    for (const r of fetched) {
      expect(r.url().startsWith(`${content}/endpoints/docs/content/notes.txt?`)).toBe(true);
      expect((await r.allHeaders())['cookie']).toBeUndefined();
    }
    // The session lives on the console's host name only.
    expect((await context.cookies(main)).map((c) => c.name)).toContain('stockroom_session');
    expect(await context.cookies(content)).toEqual([]);
    // The displayed URL (for scripts) stays the API's own.
    expect(await page.getByTestId('download-url').inputValue()).toBe(`${main}/endpoints/docs/content/notes.txt`);
  });

  it('shows an image from the content origin', async () => {
    await page.goto('/feeds/docs/files/logo.svg');
    const image = page.getByTestId('preview-image');
    await image.waitFor();
    expect((await image.getAttribute('src'))?.startsWith(`${content}/endpoints/docs/content/logo.svg?`)).toBe(true);
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="preview-image"]');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    expect(await page.title()).not.toBe('ran');
    await screenshot(page, 'content-origin-image');
  });

  it('downloads from the content origin', async () => {
    await page.goto('/feeds/docs/files/notes.txt');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-file').click()]);
    expect(download.url().startsWith(`${content}/endpoints/docs/content/notes.txt?`)).toBe(true);
    expect(download.suggestedFilename()).toBe('notes.txt');
    expect(await readFile((await download.path()) as string, 'utf8')).toBe(notes);
    // The console is still there.
    expect(new URL(page.url()).pathname).toBe('/feeds/docs/files/notes.txt');
  });

  it('the content host name serves no console and no API, even to a signed-in browser', async () => {
    const res = await page.request.get(`${content}/api/security/me`);
    expect(res.status()).toBe(404);
    const unsigned = await page.request.get(`${content}/endpoints/docs/content/notes.txt`);
    expect(unsigned.status()).toBe(404);
  });
});
