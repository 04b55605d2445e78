import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, type ConsoleRun, screenshot, signIn, startConsole } from '../support/console';

/** Keeping a directory tidy and letting scripts in: retention preview/apply, an API key shown once. */
describe('console: retention and API keys', () => {
  let run: ConsoleRun;
  let page: Page;

  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: { Authorization: run.server.adminAuth, 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    run = await startConsole();
    await api('POST', '/api/management/feeds/create', { name: 'builds', feedType: 'asset' });
    for (const name of ['a.tmp', 'b.tmp', 'keep.zip', 'nested/c.tmp']) {
      expect((await api('PUT', `/endpoints/builds/content/${name}`, `content of ${name}`)).status).toBe(201);
    }
    ({ page } = await run.open('/feeds/builds/manage/retention', { width: 1280, height: 720 }));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(() => run?.close());

  it('a rule is saved, previewed with its reasons, and applying the preview deletes exactly that list', async () => {
    await page.getByTestId('add-rule').click();
    const patterns = page.getByTestId('rule-card').first().getByTestId('delete-patterns');
    await patterns.fill('*.tmp');
    await patterns.press('Enter');
    await page.getByTestId('save-rules').click();
    await page.getByTestId('save-rules').and(page.locator('[disabled]')).waitFor();
    const feed = await (await api('GET', '/api/management/feeds/get/builds')).json();
    expect(feed.retentionRules).toEqual([{ deletePackageIds: ['*.tmp'] }]);

    await page.getByTestId('preview').click();
    await page
      .getByTestId('preview-totals')
      .filter({ hasText: /3 files/ })
      .waitFor();
    const rows = page.getByTestId('preview-row');
    expect((await rows.allInnerTexts()).map((t) => t.split(/\s/)[0]).sort()).toEqual([
      'a.tmp',
      'b.tmp',
      'nested/c.tmp',
    ]);
    expect(await rows.first().innerText()).toMatch(/\*\.tmp/);
    await screenshot(page, '13-retention-preview');

    await page.getByTestId('apply-preview').click();
    await page.getByRole('alertdialog').getByTestId('confirm').click();
    await page
      .getByTestId('run-progress')
      .filter({ hasText: /deleted 3/i })
      .waitFor();
    await screenshot(page, '14-retention-applied');
    for (const name of ['a.tmp', 'b.tmp', 'nested/c.tmp']) {
      expect((await api('GET', `/endpoints/builds/metadata/${name}`)).status).toBe(404);
    }
    expect((await api('GET', '/endpoints/builds/metadata/keep.zip')).status).toBe(200);
    await page.getByTestId('run-row').first().waitFor();
  });

  it('a new API key is shown once with a copy button, and it works', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto('/admin/api-keys');
    await page.getByTestId('create-api-key').click();
    await page.getByTestId('api-key-type-Feed').click();
    await page.getByLabel('Name').fill('ci-uploader');
    await page.getByRole('combobox', { name: 'Directory' }).click();
    await page.getByRole('option', { name: 'builds' }).click();
    await page.getByTestId('save-api-key').click();

    // The dialog renders, then binds the secret: wait for the value, not just the field.
    await page.waitForFunction(
      () =>
        ((document.querySelector('[data-testid=api-key-secret]') as HTMLInputElement | null)?.value.length ?? 0) > 20,
    );
    const secret = await page.getByTestId('api-key-secret').inputValue();
    await page.getByTestId('copy-api-key').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await screenshot(page, '15-api-key-secret');
    await page.getByTestId('close-api-key-secret').click();
    await page.locator('[data-testid="api-key-row"][data-name="ci-uploader"]').waitFor();
    expect(await page.content()).not.toContain(secret);

    const listed = await fetch(`${run.server.url}/endpoints/builds/dir/`, { headers: { 'X-ApiKey': secret } });
    expect(listed.status).toBe(200);
    expect((await listed.json()).map((i: { name: string }) => i.name)).toContain('keep.zip');
  });
});
