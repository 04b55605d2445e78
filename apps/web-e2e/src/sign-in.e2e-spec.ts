import { ADMIN_PASSWORD, accountMenu, type ConsoleRun, screenshot, signIn, startConsole } from '../support/console';

describe('console: signing in and out', () => {
  let run: ConsoleRun;

  beforeAll(async () => {
    run = await startConsole();
  });
  afterAll(() => run?.close());

  it('a wrong password says so; the right one signs in and sign-out signs out', async () => {
    const { page } = await run.open('/');
    await page.locator('mat-toolbar a.sign-in').click();
    await page.getByLabel('User name').fill('Admin');
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByRole('alert'), /user name or password/i);
    await screenshot(page, '01-sign-in-error');

    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await accountMenu(page).waitFor();
    await page.getByRole('heading', { name: 'Asset directories', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');

    await accountMenu(page).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.locator('mat-toolbar a.sign-in').waitFor();
  });

  it('a deep link that needs a user leads to sign-in and back to the same place', async () => {
    await fetch(`${run.server.url}/api/management/feeds/create`, {
      method: 'POST',
      headers: { Authorization: run.server.adminAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'private-stuff', feedType: 'asset' }),
    });
    const { page } = await run.open('/feeds/private-stuff/manage/settings');
    await page.waitForURL(/\/sign-in\?returnUrl=/);
    await signIn(page, 'Admin', ADMIN_PASSWORD);
    await page.waitForURL((url) => url.pathname === '/feeds/private-stuff/manage/settings');
  });
});

async function expectText(locator: import('playwright-core').Locator, pattern: RegExp): Promise<void> {
  await locator.filter({ hasText: pattern }).first().waitFor();
  expect(await locator.filter({ hasText: pattern }).first().textContent()).toMatch(pattern);
}
