import { randomBytes } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  type ConsoleRun,
  accessibilityProblems,
  screenshot,
  signIn,
  startConsole,
} from '../support/console';

/** Share links in the console (issue 18): created in the dialog, used without an account, revoked in Shares. */
describe('console: share links', () => {
  let run: ConsoleRun;
  let page: Page;
  const bytes = randomBytes(50_000);

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: {
        Authorization: run.server.adminAuth,
        ...(body === undefined || Buffer.isBuffer(body) ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    });
  /** The link as a stranger uses it: no cookie, no key; on this server whatever base the URL names. */
  const anonymous = (url: string, headers: Record<string, string> = {}) => {
    const { pathname, search } = new URL(url);
    return fetch(`${run.server.url}${pathname}${search}`, { headers, redirect: 'manual' });
  };
  const dialog = (): Locator => page.getByTestId('share-dialog');
  /** A row of the Shares tab by the path it shows and links to (`/docs/report.bin`, `/docs`). */
  const shareRow = (shown: string): Locator =>
    page.getByTestId('share-row').filter({ has: page.getByRole('link', { name: shown, exact: true }) });

  /** Fills the open dialog, creates the link and reads its URL. */
  async function createLink(options: { expiry: string; maxDownloads?: string; password?: string }): Promise<string> {
    await dialog().waitFor();
    await dialog().getByTestId('share-expiry').click();
    await page.getByRole('option', { name: options.expiry, exact: true }).click();
    if (options.maxDownloads) await dialog().getByTestId('share-max-downloads').fill(options.maxDownloads);
    if (options.password) await dialog().getByTestId('share-password').fill(options.password);
    await dialog().getByTestId('share-create').click();
    const url = page.getByTestId('share-url');
    await url.waitFor();
    return url.inputValue();
  }

  beforeAll(async () => {
    run = await startConsole();
    expect((await api('POST', '/api/management/feeds/create', { name: 'handouts', feedType: 'asset' })).ok).toBe(true);
    expect((await api('PUT', '/endpoints/handouts/content/docs/report.bin', bytes)).status).toBe(201);
    expect((await api('PUT', '/endpoints/handouts/content/docs/notes.txt', Buffer.from('notes'))).status).toBe(201);
    ({ page } = await run.open('/feeds/handouts/files/docs/report.bin'));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(() => run?.close());

  let fileLink: string;

  it('creates a link to a file in the dialog; without credentials it serves the bytes', async () => {
    await page.getByTestId('share-file').click();
    await dialog().waitFor();
    // The dialog's opening animation: whole before the screenshot and the contrast checks.
    await page.locator('.mdc-dialog--open:not(.mdc-dialog--opening)').waitFor();
    await screenshot(page, '37-share-dialog');
    expect(await accessibilityProblems(page)).toEqual([]);
    fileLink = await createLink({ expiry: 'In 1 day', maxDownloads: '5' });
    expect(new URL(fileLink).pathname).toMatch(/^\/s\/[A-Za-z0-9_-]{40,}$/);
    const expires = await page.getByTestId('share-expires').innerText();
    expect(expires).toMatch(/^Expires /);
    expect(expires).toContain('At most 5 downloads.');
    await screenshot(page, '38-share-link-created');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByTestId('share-copy').click();
    await page
      .locator('mat-snack-bar-container')
      .filter({ hasText: /Copied the share link|Could not copy/ })
      .waitFor();
    await page.getByTestId('share-close').click();
    await dialog().waitFor({ state: 'detached' });

    const response = await anonymous(fileLink);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('lists the link in the Shares tab and revokes it after a confirmation; the link then answers 410', async () => {
    await page.goto('/feeds/handouts/manage/shares');
    const row = shareRow('/docs/report.bin');
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('active');
    expect((await row.getByTestId('share-downloads').innerText()).replace(/\s+/g, ' ')).toBe('1 / 5');
    expect(await row.innerText()).toMatch(/Admin/);
    await screenshot(page, '39-shares-tab');
    expect(await accessibilityProblems(page)).toEqual([]);

    await row.getByTestId('share-revoke').click();
    await page.getByRole('alertdialog').getByTestId('confirm').click();
    await row.and(page.locator('[data-state="revoked"]')).waitFor();
    expect(await row.getByTestId('share-revoke').count()).toBe(0);

    expect((await anonymous(fileLink)).status).toBe(410);
  });

  it('shares a folder with a password from the browse page', async () => {
    await page.goto('/feeds/handouts/browse/docs');
    await page.getByTestId('share-folder').click();
    const link = await createLink({ expiry: 'In 1 hour', password: 'open sesame' });
    await page.getByTestId('share-close').click();

    const challenged = await anonymous(link);
    expect(challenged.status).toBe(401);
    expect(challenged.headers.get('www-authenticate')).toMatch(/^Basic/i);
    const auth = { Authorization: `Basic ${Buffer.from('anyone:open sesame').toString('base64')}` };
    // A folder's index is at its URL with a slash (relative links); the link itself redirects there.
    const redirected = await anonymous(link, auth);
    expect([301, 302, 308]).toContain(redirected.status);
    expect(new URL(redirected.headers.get('location') ?? '', link).pathname).toBe(`${new URL(link).pathname}/`);
    const index = await anonymous(`${link}/`, auth);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('notes.txt');
    const file = await anonymous(`${link}/notes.txt`, auth);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('notes');

    await page.goto('/feeds/handouts/manage/shares');
    const row = shareRow('/docs');
    await row.waitFor();
    expect(await row.innerText()).toMatch(/Yes/);
  });

  it('offers sharing only with Feeds_ShareAsset; a sharer who does not manage sees and revokes their own links', async () => {
    expect(
      (
        await api('POST', '/api/security/roles', {
          name: 'Share',
          privileges: ['Feeds_ViewFeed', 'Feeds_DownloadPackage', 'Feeds_ShareAsset'],
        })
      ).status,
    ).toBe(201);
    for (const [userName, role] of [
      ['sharer', 'Share'],
      ['viewer', 'View & Download'],
    ]) {
      expect((await api('POST', '/api/security/users', { userName, password: `${userName}-password` })).status).toBe(
        201,
      );
      const grant = { principalType: 'user', principalName: userName, role, feed: 'handouts' };
      expect((await api('POST', '/api/security/privileges', grant)).status).toBe(201);
    }

    const { page: viewer } = await run.open('/feeds/handouts/files/docs/notes.txt');
    await signIn(viewer, 'viewer', 'viewer-password');
    await viewer.getByTestId('download-file').waitFor();
    expect(await viewer.getByTestId('share-file').count()).toBe(0);
    await viewer.goto('/feeds/handouts/browse/docs');
    await viewer.locator('[data-testid="entry-row"][data-name="notes.txt"]').waitFor();
    expect(await viewer.getByTestId('share-folder').count()).toBe(0);

    const { page: sharer } = await run.open('/feeds/handouts/files/docs/notes.txt');
    page = sharer; // the helpers above work on `page`
    await signIn(sharer, 'sharer', 'sharer-password');
    await sharer.getByTestId('share-file').click();
    const link = await createLink({ expiry: 'In 1 hour' });
    expect(await (await anonymous(link)).text()).toBe('notes');
    await sharer.getByTestId('share-list-link').click();
    const row = shareRow('/docs/notes.txt');
    await row.waitFor();
    expect(await sharer.getByTestId('manage-notice').innerText()).toContain('the share links you created');
    // Their own links only: not the administrator's folder link.
    expect(await sharer.getByTestId('share-row').count()).toBe(1);
    await row.getByTestId('share-revoke').click();
    await sharer.getByRole('alertdialog').getByTestId('confirm').click();
    await row.and(sharer.locator('[data-state="revoked"]')).waitFor();
    expect((await anonymous(link)).status).toBe(410);
  });
});
