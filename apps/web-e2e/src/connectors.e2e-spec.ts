import { readFile } from 'node:fs/promises';
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
 * A directory's connector in the console (issue 20): set up against a second Stockroom server, its
 * upstream browsed from the browse view, a file fetched through it, and the status (cached files,
 * hit rate, last fetch) in the Connector tab.
 */
describe('console: connectors', () => {
  let run: ConsoleRun;
  let remote: TestApp;
  let page: Page;
  let remoteKey: string;

  const call = (server: TestApp, method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { Authorization: server.adminAuth, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** Waits for the status the Connector tab asks for after `action` (Refresh, a save). */
  async function statusAfter(action: () => Promise<void>): Promise<void> {
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/connectors/proxy/status'));
    await action();
    expect((await answered).status()).toBe(200);
  }

  beforeAll(async () => {
    remote = await startTestApp();
    expect(
      (await call(remote, 'POST', '/api/management/feeds/create', { name: 'upstream', feedType: 'asset' })).ok,
    ).toBe(true);
    expect((await call(remote, 'PUT', '/endpoints/upstream/content/tools/a.txt', 'tool a')).status).toBe(201);
    expect((await call(remote, 'PUT', '/endpoints/upstream/content/tools/b.txt', 'tool b')).status).toBe(201);
    const key = await call(remote, 'POST', '/api/api-keys/create', {
      type: 'Feed',
      feed: 'upstream',
      packagePermissions: ['view'],
    });
    expect(key.status).toBe(200);
    remoteKey = ((await key.json()) as { key: string }).key;

    run = await startConsole();
    expect(
      (await call(run.server, 'POST', '/api/management/feeds/create', { name: 'proxy', feedType: 'asset' })).ok,
    ).toBe(true);
    ({ page } = await run.open('/feeds/proxy/manage/connector'));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  let remoteClosed = false;
  afterAll(async () => {
    await run?.close();
    if (!remoteClosed) await remote?.close();
  });

  it('an administrator adds a stockroom connector with an API key; it reads back masked', async () => {
    await page.getByTestId('connector-none').waitFor();
    await page.getByTestId('connector-add').click();
    await page.getByTestId('connector-type').click();
    await page.getByRole('option', { name: /Stockroom or ProGet/ }).click();
    await page.getByTestId('connector-url').fill(`${remote.url}/endpoints/upstream/`);
    await page.getByTestId('connector-auth').click();
    await page.getByRole('option', { name: /API key/ }).click();
    await page.getByTestId('connector-api-key').fill(remoteKey);
    await screenshot(page, '67-connector-form');
    expect(await accessibilityProblems(page)).toEqual([]);
    await statusAfter(() => page.getByTestId('connector-save').click());
    await page.getByTestId('connector-status').waitFor();
    expect(await page.getByTestId('connector-cached').innerText()).toBe('0 (0 B)');
    expect(await page.getByTestId('connector-api-key').inputValue()).toBe('********');
    const saved = (await (await call(run.server, 'GET', '/api/management/feeds/get/proxy')).json()) as {
      connector: { type: string; apiKey: string };
    };
    expect(saved.connector).toMatchObject({ type: 'stockroom', apiKey: '********' });
  });

  it('browses the upstream from the browse view and fetches a file through the connector', async () => {
    await page.getByTestId('connector-browse-upstream').click();
    const upstream = page.getByTestId('upstream');
    await upstream.locator('[data-testid=upstream-row][data-name=tools]').waitFor();
    // The local listing is still empty: listing the upstream fetches nothing.
    expect(await (await call(run.server, 'GET', '/endpoints/proxy/dir/')).json()).toEqual([]);
    await upstream.locator('[data-testid=upstream-row][data-name=tools]').getByRole('button').click();
    await upstream.locator('[data-testid=upstream-row][data-name="b.txt"]').waitFor();
    expect(
      await upstream
        .getByTestId('upstream-row')
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['name'])),
    ).toEqual(['a.txt', 'b.txt']);
    await screenshot(page, '68-connector-upstream');
    expect(await accessibilityProblems(page)).toEqual([]);

    const download = page.waitForEvent('download');
    await upstream.locator('[data-testid=upstream-row][data-name="a.txt"]').getByTestId('upstream-fetch').click();
    const file = await (await download).path();
    expect(await readFile(file, 'utf8')).toBe('tool a');
    // Kept here now: a second request is served locally (a hit).
    const again = await call(run.server, 'GET', '/endpoints/proxy/content/tools/a.txt');
    expect(await again.text()).toBe('tool a');

    await page.getByTestId('toggle-upstream').click();
    await page.getByTestId('listing').getByText('tools', { exact: true }).waitFor();
  });

  it('shows the cache and the hit rate in the Connector tab', async () => {
    await page.goto('/feeds/proxy/manage/connector');
    await page.getByTestId('connector-status').waitFor();
    await statusAfter(() => page.getByTestId('connector-status-refresh').click());
    expect(await page.getByTestId('connector-cached').innerText()).toBe('1 (6 B)');
    expect(await page.getByTestId('connector-hit-rate').innerText()).toBe('50 % (1 hit, 1 miss)');
    expect(await page.getByTestId('connector-errors').innerText()).toBe('0');
    expect(await page.getByTestId('connector-last-fetch').innerText()).not.toBe('—');
    expect(await page.getByTestId('connector-last-error').innerText()).toBe('None');
    await screenshot(page, '69-connector-status');
    expect(await accessibilityProblems(page)).toEqual([]);
  });
  it('shows the last error once the upstream is gone, and still serves what is cached', async () => {
    await remote.close();
    remoteClosed = true;
    expect((await call(run.server, 'GET', '/endpoints/proxy/content/tools/b.txt')).status).toBe(502);
    const cached = await call(run.server, 'GET', '/endpoints/proxy/content/tools/a.txt');
    expect(await cached.text()).toBe('tool a');

    await statusAfter(() => page.getByTestId('connector-status-refresh').click());
    expect(await page.getByTestId('connector-errors').innerText()).toBe('1');
    expect(await page.getByTestId('connector-last-error').innerText()).toMatch(/ — \/tools\/b\.txt, /);
    expect(await page.getByTestId('connector-cached').innerText()).toBe('1 (6 B)');
    await screenshot(page, '70-connector-last-error');
    expect(await accessibilityProblems(page)).toEqual([]);
  });
});
