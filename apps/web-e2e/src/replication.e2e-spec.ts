import type { Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  type ConsoleRun,
  accessibilityProblems,
  screenshot,
  signIn,
  startConsole,
  startTestApp,
  type TestApp,
} from '../support/console';

/**
 * Replication in the console (issue 20): a pull job made in the dialog against a second Stockroom
 * server, run now and followed until it ends, and its run with the per-file log.
 */
describe('console: replication', () => {
  let run: ConsoleRun;
  let remote: TestApp;
  let page: Page;
  let remoteKey: string;
  const files: Record<string, string> = { 'v1/app.zip': 'zip bytes of v1', 'v1/notes.txt': 'release notes' };

  const call = (server: TestApp, method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { Authorization: server.adminAuth, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    remote = await startTestApp();
    expect(
      (await call(remote, 'POST', '/api/management/feeds/create', { name: 'releases', feedType: 'asset' })).ok,
    ).toBe(true);
    for (const [path, text] of Object.entries(files)) {
      expect((await call(remote, 'PUT', `/endpoints/releases/content/${path}`, text)).status).toBe(201);
    }
    const key = await call(remote, 'POST', '/api/api-keys/create', {
      type: 'Feed',
      feed: 'releases',
      packagePermissions: ['view'],
    });
    expect(key.status).toBe(200);
    remoteKey = ((await key.json()) as { key: string }).key;

    run = await startConsole();
    expect(
      (await call(run.server, 'POST', '/api/management/feeds/create', { name: 'copy', feedType: 'asset' })).ok,
    ).toBe(true);
    ({ page } = await run.open('/admin/replication'));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await run?.close();
    await remote?.close();
  });

  it('creates a pull job against the other server in the dialog', async () => {
    await page.getByTestId('replication-empty').waitFor();
    await page.getByTestId('replication-new').click();
    const dialog = page.getByTestId('replication-dialog');
    await dialog.waitFor();
    await page.locator('.mdc-dialog--open:not(.mdc-dialog--opening)').waitFor();
    await dialog.getByTestId('replication-feed').click();
    await page.getByRole('option', { name: 'copy', exact: true }).click();
    await dialog.getByTestId('replication-remote-url').fill(remote.url);
    await dialog.getByTestId('replication-remote-feed').fill('releases');
    await dialog.getByTestId('replication-api-key').fill(remoteKey);
    await screenshot(page, '64-replication-dialog');
    expect(await accessibilityProblems(page)).toEqual([]);
    const created = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.url().endsWith('/api/replication'),
    );
    await dialog.getByTestId('replication-create').click();
    expect((await created).status()).toBe(201);
    const row = page.locator('[data-testid=replication-row][data-feed=copy]');
    await row.waitFor();
    expect(await row.getAttribute('data-last-run')).toBe('none');
    expect(await row.innerText()).toContain('releases');
  });

  it('runs the job now, follows it until it completes, and shows the run with its per-file log', async () => {
    const row = page.locator('[data-testid=replication-row][data-feed=copy]');
    await row.getByTestId('replication-run').click();
    // Over: completed (or failed, which the last run's column then says).
    await page
      .locator('[data-testid=replication-row][data-feed=copy]:is([data-last-run=completed], [data-last-run=failed])')
      .waitFor();
    expect(await row.getByTestId('replication-last-run').innerText()).toMatch(/^Completed[\s\S]*2 copied/);
    await screenshot(page, '65-replication-jobs');
    expect(await accessibilityProblems(page)).toEqual([]);
    for (const [path, text] of Object.entries(files)) {
      const local = await call(run.server, 'GET', `/endpoints/copy/content/${path}`);
      expect(local.status).toBe(200);
      expect(await local.text()).toBe(text);
    }

    await row.getByTestId('replication-runs').click();
    const dialog = page.getByTestId('replication-runs-dialog');
    const runRow = dialog.locator('[data-testid=run-row][data-state=completed]');
    await runRow.waitFor();
    expect(await runRow.getByTestId('run-copied').innerText()).toBe('2');
    await runRow.getByTestId('run-details').click();
    const detail = page.getByTestId('run-detail');
    await detail.getByTestId('run-file').first().waitFor();
    expect((await detail.getByTestId('run-counts').innerText()).replace(/\s+/g, ' ')).toContain('2 copied');
    const logged = await detail
      .getByTestId('run-file')
      .evaluateAll((rows) =>
        rows.map((r) => `${(r as HTMLElement).dataset['path']} ${(r as HTMLElement).dataset['outcome']}`),
      );
    expect(logged.sort()).toEqual(['v1/app.zip copied', 'v1/notes.txt copied']);
    await screenshot(page, '66-replication-run');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('deletes the job after a confirmation', async () => {
    const row = page.locator('[data-testid=replication-row][data-feed=copy]');
    await row.getByTestId('replication-delete').click();
    await page.getByRole('alertdialog').getByTestId('confirm').click();
    await page.getByTestId('replication-empty').waitFor();
    expect(await (await call(run.server, 'GET', '/api/replication')).json()).toEqual([]);
  });
});
