import { type ConsoleRun, startConsole } from '../support/console';

/**
 * The API documentation page (issue 15) in Chromium: swagger-ui renders every operation of the
 * document under the page's own Content-Security-Policy (no inline script, no eval), and "Try it
 * out" reaches the API from the page.
 */
describe('API documentation: /api/docs in Chromium', () => {
  let run: ConsoleRun;

  beforeAll(async () => {
    run = await startConsole();
  });
  afterAll(() => run?.close());

  it('renders every operation, without a CSP violation or a script error, and runs a request', async () => {
    const document = (await (await fetch(`${run.server.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const methods = ['get', 'put', 'post', 'delete', 'head', 'patch'];
    const operations = Object.values(document.paths).reduce((n, item) => n + methods.filter((m) => item[m]).length, 0);

    const { page } = await run.open('/api/docs');
    const scriptErrors: string[] = [];
    page.on('pageerror', (e) => scriptErrors.push(e.message));
    await page.reload({ waitUntil: 'networkidle' });
    expect(run.cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('Stockroom');
    expect(await page.locator('.opblock').count()).toBe(operations);

    // "Try it out" on GET /api/security/me: the request leaves the page (connect-src) and is answered.
    const me = page.locator('.opblock', { has: page.locator('[data-path="/api/security/me"]') });
    await me.locator('.opblock-summary').click();
    await me.getByRole('button', { name: 'Try it out' }).click();
    await me.getByRole('button', { name: 'Execute' }).click();
    const status = me.locator('.live-responses-table tr.response .response-col_status');
    await status.waitFor({ timeout: 15_000 });
    expect(await status.innerText()).toContain('200');

    expect(run.cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });
});
