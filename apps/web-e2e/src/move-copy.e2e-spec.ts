import type { Locator, Page } from 'playwright-core';
import { ADMIN_PASSWORD, type ConsoleRun, screenshot, signIn, startConsole } from '../support/console';

const GiB = 1024 ** 3;

/** Rename, move and copy in the browser (dialog with a folder picker, drag onto a folder); policies and quota. */
describe('console: rename, move, copy and directory policies', () => {
  let run: ConsoleRun;
  let page: Page;

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: {
        Authorization: run.server.adminAuth,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const status = async (path: string) => (await api('GET', path)).status;

  const entry = (name: string): Locator => page.locator(`[data-testid="entry-row"][data-name="${name}"]`);
  const dialog = (): Locator => page.getByTestId('transfer-dialog');

  async function openAction(name: string, action: 'rename-entry' | 'move-entry' | 'copy-entry'): Promise<void> {
    await entry(name).getByTestId('entry-menu').click();
    await page.getByTestId(action).click();
    await dialog().waitFor();
  }

  beforeAll(async () => {
    run = await startConsole();
    for (const name of ['builds', 'archive']) {
      expect((await api('POST', '/api/management/feeds/create', { name, feedType: 'asset' })).ok).toBe(true);
    }
    const files: Record<string, string> = {
      'readme.txt': 'read me',
      'docs/a.txt': 'a',
      'docs/sub/b.txt': 'bb',
      'releases/v1.zip': 'PK',
      'notes.txt': 'notes',
    };
    for (const [path, content] of Object.entries(files)) {
      expect((await api('PUT', `/endpoints/builds/content/${path}`, content)).status).toBe(201);
    }
    expect((await api('PUT', '/endpoints/archive/content/notes.txt', 'older notes')).status).toBe(201);
    ({ page } = await run.open('/feeds/builds/browse'));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
    await entry('readme.txt').waitFor();
  });
  afterAll(() => run?.close());

  it('renames a file from its row menu; the listing shows the new name', async () => {
    await openAction('readme.txt', 'rename-entry');
    const name = page.getByTestId('transfer-name');
    await name.fill('docs');
    await dialog()
      .getByTestId('transfer-name-problem')
      .filter({ hasText: /already has this name/ })
      .waitFor();
    await name.fill('README.md');
    await screenshot(page, '30-rename-dialog');
    await page.getByTestId('transfer-submit').click();
    await entry('README.md').waitFor();
    await entry('readme.txt').waitFor({ state: 'detached' });
    expect(await status('/endpoints/builds/metadata/README.md')).toBe(200);
    expect(await status('/endpoints/builds/metadata/readme.txt')).toBe(404);
  });

  it('moves a folder into another folder chosen in the picker', async () => {
    await openAction('docs', 'move-entry');
    // The folder being moved cannot be its own target.
    expect(await dialog().locator('[data-testid="picker-folder"][data-name="docs"]').isDisabled()).toBe(true);
    await dialog().locator('[data-testid="picker-folder"][data-name="releases"]').click();
    await dialog().getByTestId('transfer-destination').filter({ hasText: 'builds/releases' }).waitFor();
    await screenshot(page, '31-move-dialog');
    await dialog().getByTestId('transfer-submit').click();
    await dialog().waitFor({ state: 'detached' });
    await entry('docs').waitFor({ state: 'detached' });
    expect(await status('/endpoints/builds/metadata/releases/docs/sub/b.txt')).toBe(200);
    expect(await status('/endpoints/builds/metadata/docs/a.txt')).toBe(404);
  });

  it('copies a file to another directory', async () => {
    await openAction('README.md', 'copy-entry');
    await dialog().getByTestId('transfer-directory').click();
    await page.getByRole('option', { name: 'archive', exact: true }).click();
    await dialog().getByTestId('transfer-destination').filter({ hasText: 'archive/' }).waitFor();
    await dialog().getByTestId('transfer-submit').click();
    await dialog().waitFor({ state: 'detached' });
    const copied = await api('GET', '/endpoints/archive/content/README.md');
    expect(copied.status).toBe(200);
    expect(await copied.text()).toBe('read me');
    expect(await status('/endpoints/builds/metadata/README.md')).toBe(200);
  });

  it("shows the server's 409 when the target exists, and replaces it when asked to", async () => {
    await openAction('notes.txt', 'copy-entry');
    await dialog().getByTestId('transfer-directory').click();
    await page.getByRole('option', { name: 'archive', exact: true }).click();
    await dialog().getByTestId('transfer-submit').click();
    await dialog()
      .getByTestId('transfer-error')
      .filter({ hasText: /Could not copy “notes\.txt”: .*already exists/ })
      .waitFor();
    await screenshot(page, '32-copy-conflict');
    expect(await (await api('GET', '/endpoints/archive/content/notes.txt')).text()).toBe('older notes');

    await dialog().getByTestId('transfer-overwrite').click();
    await dialog().getByTestId('transfer-submit').click();
    await dialog().waitFor({ state: 'detached' });
    expect(await (await api('GET', '/endpoints/archive/content/notes.txt')).text()).toBe('notes');
  });

  it('moves a row dropped onto a folder row', async () => {
    await entry('notes.txt').dragTo(entry('releases'));
    await entry('notes.txt').waitFor({ state: 'detached' });
    expect(await status('/endpoints/builds/metadata/releases/notes.txt')).toBe(200);
  });

  it('an administrator sets create-only and a quota; the directory list shows the quota use', async () => {
    await page.goto('/feeds/builds/manage/settings');
    await page.getByTestId('write-policy').click();
    await page.getByRole('option', { name: /^Create only/ }).click();
    await page.getByTestId('quota').fill('5');
    await page.getByTestId('quota-unit').click();
    await page.getByRole('option', { name: 'GiB', exact: true }).click();
    await page.getByTestId('settings-save').click();
    await page
      .getByTestId('quota-usage')
      .filter({ hasText: /of 5\.00 GiB used/ })
      .waitFor();
    await screenshot(page, '33-policy-settings');
    const feed = await (await api('GET', '/api/management/feeds/get/builds')).json();
    expect(feed.writePolicy).toBe('create-only');
    expect(feed.quotaBytes).toBe(5 * GiB);

    // The policy holds: a file, once written, can no longer be deleted.
    const refused = await api('DELETE', '/endpoints/builds/content/README.md');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/create-only/);

    await page.goto('/');
    const use = page.locator('[data-testid="directory-row"][data-name="builds"]').getByTestId('quota-use');
    await use.filter({ hasText: /^\s*\d+ B of 5\.00 GiB\s*$/ }).waitFor();
    expect(
      await page.locator('[data-testid="directory-row"][data-name="archive"]').getByTestId('quota-use').count(),
    ).toBe(0);
    await screenshot(page, '34-directory-quota');
  });
});
