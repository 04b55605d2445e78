import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { ADMIN_PASSWORD, type ConsoleRun, screenshot, signIn, startConsole } from '../support/console';

/** File history in the console: turned on in Settings, versions on the file page, deleted files in the browser. */
describe('console: file history', () => {
  let run: ConsoleRun;
  let page: Page;

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: {
        Authorization: run.server.adminAuth,
        ...(body === undefined || typeof body === 'string' ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const content = async (path: string) => {
    const response = await api('GET', `/endpoints/notes/content/${path}`);
    return response.status === 200 ? response.text() : response.status;
  };
  const historyRow = (version: number): Locator =>
    page.locator(`[data-testid="history-row"][data-version="${version}"]`);

  beforeAll(async () => {
    run = await startConsole();
    expect((await api('POST', '/api/management/feeds/create', { name: 'notes', feedType: 'asset' })).ok).toBe(true);
    ({ page } = await run.open('/feeds/notes/manage/settings'));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(() => run?.close());

  it('turns history on in Settings', async () => {
    await page.getByTestId('history-enabled').click();
    await page.getByTestId('history-keep').fill('5');
    // The button is disabled while the save is in flight too: wait for the server's answer itself.
    const saved = page.waitForResponse((r) => r.url().includes('/api/management/feeds/update/notes'));
    await page.getByTestId('settings-save').click();
    expect((await saved).ok()).toBe(true);
    await page.getByTestId('settings-save').and(page.locator('[disabled]')).waitFor();
    const feed = await (await api('GET', '/api/management/feeds/get/notes')).json();
    expect(feed.fileHistory).toEqual({ enabled: true, keep: 5, keepDays: 0 });
  });

  it('lists the versions of an overwritten file, downloads one and restores it', async () => {
    expect((await api('PUT', '/endpoints/notes/content/docs/today.txt', 'first draft')).status).toBe(201);
    expect((await api('POST', '/endpoints/notes/content/docs/today.txt', 'second draft')).ok).toBe(true);
    await page.goto('/feeds/notes/files/docs/today.txt');
    await historyRow(1).waitFor();
    expect(await historyRow(1).innerText()).toMatch(/Admin/);
    await screenshot(page, '35-file-history');

    const download = page.waitForEvent('download');
    await historyRow(1).getByTestId('history-download').click();
    const saved = await (await download).path();
    expect(await readFile(saved, 'utf8')).toBe('first draft');

    await historyRow(1).getByTestId('history-restore').click();
    await page.getByRole('alertdialog').getByTestId('confirm').click();
    await historyRow(2).waitFor();
    expect(await content('docs/today.txt')).toBe('first draft');
    await page.getByTestId('size').filter({ hasText: '11 B' }).waitFor();
  });

  it('shows the deleted files of a folder and brings one back', async () => {
    expect((await api('DELETE', '/endpoints/notes/content/docs/today.txt')).ok).toBe(true);
    await page.goto('/feeds/notes/browse/docs');
    await page.getByTestId('toggle-deleted').click();
    const row = page.locator('[data-testid="deleted-row"][data-path="docs/today.txt"]');
    await row.waitFor();
    await screenshot(page, '36-deleted-files');
    await row.getByTestId('deleted-restore').click();
    await page.getByRole('alertdialog').getByTestId('confirm').click();
    await page.getByTestId('deleted-empty').waitFor();
    expect(await content('docs/today.txt')).toBe('first draft');
    await page.getByTestId('toggle-deleted').click();
    await page.locator('[data-testid="entry-row"][data-name="today.txt"]').waitFor();
  });
});
