import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort, type OidcProviders, startOidcProviders } from '../../api/test/support/oidc-providers';
import { type ServerProcess, startServerProcess } from '../../api/test/support/server-process';
import { createTestDatabase, type TestDatabase } from '../../api/test/support/test-database';
import { accountMenu, screenshot } from '../support/console';

const ROOT = resolve(__dirname, '../../..');

/**
 * Single sign-on in a real browser (issue 19): the console's "Sign in with …", the provider's own
 * login page (npm `oidc-provider`, on localhost), and back in the console (on 127.0.0.1) signed in.
 * The server runs as a child process: openid-client is ESM-only, jest cannot load it in-process.
 */
describe('console: signing in with OpenID Connect', () => {
  let db: TestDatabase;
  let providers: OidcProviders;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    providers = await startOidcProviders(base);
    server = await startServerProcess({
      DATABASE_URL: db.url,
      PORT: String(port),
      STOCKROOM_BASE_URL: base,
      STOCKROOM_CONSOLE_DIR: process.env.STOCKROOM_CONSOLE_DIR ?? join(ROOT, 'dist', 'apps', 'web', 'browser'),
      STOCKROOM_OIDC_ISSUER: providers.real,
      STOCKROOM_OIDC_CLIENT_ID: providers.clientId,
      STOCKROOM_OIDC_CLIENT_SECRET: providers.clientSecret,
      STOCKROOM_OIDC_SCOPES: 'openid profile email groups',
      STOCKROOM_OIDC_PROVIDER_NAME: 'Test IdP',
    });
    browser = await chromium.launch({
      executablePath: process.env.STOCKROOM_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await providers?.stop();
    await db?.drop();
  });

  it('"Sign in with Test IdP", sign in at the provider, land in the console signed in, where the deep link pointed; sign out of both', async () => {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto('/sign-in?returnUrl=%2Ffeeds');
      await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();

      // The provider's page, on its own host.
      await page.waitForURL((url) => url.origin === providers.real);
      await page.locator('input[name="login"]').fill('alice');
      await page.locator('input[name="password"]').fill('any password');
      await screenshot(page, 'oidc-01-provider-login');
      await page.locator('button[type="submit"]').click();

      await page.waitForURL((url) => url.origin === server.url && url.pathname === '/feeds');
      await accountMenu(page).waitFor();
      await screenshot(page, 'oidc-02-signed-in');
      const me = (await (await page.request.get('/api/security/me')).json()) as Record<string, unknown>;
      expect(me).toMatchObject({ authenticated: true, userName: 'alice', credential: 'session' });
      const cookies = await context.cookies(server.url);
      expect(cookies.find((c) => c.name === 'stockroom_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      // The state cookie was used up.
      expect(cookies.find((c) => c.name === 'stockroom_oidc')).toBeUndefined();

      // Sign-out ends the Stockroom session, then, when asked, the provider's (its confirmation page), and
      // comes back.
      await accountMenu(page).click();
      await page.getByRole('menuitem', { name: 'Sign out' }).click();
      // The console offers to end the provider's session too (the logout answer's endSessionUrl).
      await page.getByRole('button', { name: 'Sign out there too' }).click();
      await page.waitForURL((url) => url.origin === providers.real);
      await screenshot(page, 'oidc-03-provider-sign-out');
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.waitForURL((url) => url.origin === server.url);
      await page.locator('mat-toolbar a.sign-in').waitFor();
      const after = (await (await page.request.get('/api/security/me')).json()) as Record<string, unknown>;
      expect(after).toMatchObject({ authenticated: false });
      // The provider's session ended too: signing in again asks for the login once more.
      await page.goto('/sign-in');
      await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
      await page.waitForURL((url) => url.origin === providers.real);
      await page.locator('input[name="login"]').waitFor();
    } finally {
      await context.close();
    }
  });
});
