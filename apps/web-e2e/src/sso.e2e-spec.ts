import {
  ADMIN_PASSWORD,
  accessibilityProblems,
  type ConsoleRun,
  screenshot,
  signIn,
  startConsole,
} from '../support/console';

/**
 * Single sign-on in the console (issue 19) on a server without LDAP or OpenID Connect configured:
 * what an administrator sees. Sign-in through a real directory or identity provider is tested with
 * slapd and oidc-provider elsewhere.
 */
describe('console: single sign-on, not configured', () => {
  let run: ConsoleRun;

  beforeAll(async () => {
    run = await startConsole();
    const created = await fetch(`${run.server.url}/api/security/users`, {
      method: 'POST',
      headers: { Authorization: run.server.adminAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ userName: 'erin', password: 'erin-Passw0rd', displayName: 'Erin' }),
    });
    expect(created.status).toBe(201);
  });
  afterAll(() => run?.close());

  it('the sign-in page offers only the password form, and shows an error a failed callback brings back', async () => {
    const { page } = await run.open('/sign-in?returnUrl=%2F');
    await page.getByLabel('User name').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('link', { name: /^Sign in with/ }).count()).toBe(0);

    await page.goto('/sign-in?returnUrl=%2F&error=The%20sign-in%20was%20cancelled.');
    await page.getByRole('alert').filter({ hasText: 'The sign-in was cancelled.' }).waitFor();
    // The password form still works.
    await page.getByLabel('User name').fill('Admin');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
  });

  it('Administration › Single sign-on says both kinds are not configured', async () => {
    const { page } = await run.open('/');
    await signIn(page, 'Admin', ADMIN_PASSWORD);
    await page.goto('/admin');
    await page.getByTestId('admin-nav-sso').click();
    await page.getByRole('heading', { name: 'Single sign-on', level: 2 }).waitFor();
    const ldap = page.getByTestId('sso-ldap');
    const oidc = page.getByTestId('sso-oidc');
    await ldap.getByText('Not configured').waitFor();
    await oidc.getByText('Not configured').waitFor();
    expect(await ldap.getByRole('heading').textContent()).toBe('LDAP / Active Directory');
    expect(await oidc.getByRole('heading').textContent()).toBe('OpenID Connect');
    // No directory: nothing to test a login against.
    expect(await page.getByTestId('ldap-test').count()).toBe(0);
    await screenshot(page, 'sso-not-configured');
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it('the users list shows where each user comes from', async () => {
    const { page } = await run.open('/');
    await signIn(page, 'Admin', ADMIN_PASSWORD);
    await page.goto('/admin/users');
    const erin = page.locator('[data-testid=user-row][data-name=erin]');
    await erin.waitFor();
    await page.getByRole('columnheader', { name: 'Source' }).waitFor();
    await page.getByRole('columnheader', { name: 'Last sign-in' }).waitFor();
    expect((await erin.getByTestId('user-source').textContent())?.trim()).toBe('Built-in');
    expect(
      (await page.locator('[data-testid=user-row][data-name=Admin]').getByTestId('user-source').textContent())?.trim(),
    ).toBe('Built-in');
    // A built-in user keeps the password field.
    await page.getByRole('button', { name: 'Edit erin' }).click();
    await page.getByLabel('New password').waitFor();
    await screenshot(page, 'users-with-source');
  });
});
