import { Slapd } from '../../api/test/support/slapd';
import { ADMIN_PASSWORD, type ConsoleRun, screenshot, signIn, startConsole } from '../support/console';

/**
 * The console with a real directory (a private slapd, issue 19): a directory user signs in with the
 * password form; the administrator sees where users and groups come from and tests an LDAP login.
 */
describe('console: single sign-on with LDAP', () => {
  let slapd: Slapd;
  let run: ConsoleRun;

  beforeAll(async () => {
    slapd = await Slapd.start(
      [{ uid: 'ann', password: 'ann-directory-pw', cn: 'Ann Lee', mail: 'ann@example.org' }],
      [
        { cn: 'developers', people: ['ann'] },
        { cn: 'engineering', groups: ['developers'] },
      ],
    );
    run = await startConsole(slapd.env());
  });
  afterAll(async () => {
    await run?.close();
    await slapd?.stop();
  });

  it('a directory user signs in with the password form', async () => {
    const { page } = await run.open('/');
    await signIn(page, 'ann', 'ann-directory-pw');
    expect((await page.locator('button.user-menu').textContent())?.trim()).toContain('Ann Lee');
  });

  it('the administrator sees the LDAP settings and tests a login', async () => {
    const { page } = await run.open('/');
    await signIn(page, 'Admin', ADMIN_PASSWORD);
    await page.goto('/admin/sso');
    const ldap = page.getByTestId('sso-ldap');
    await ldap.getByText(slapd.url).waitFor();
    await page.getByTestId('sso-oidc').getByText('Not configured').waitFor();

    const tool = page.getByTestId('ldap-test');
    await tool.getByLabel('User name').fill('ann');
    await tool.getByLabel('Password').fill('ann-directory-pw');
    await tool.getByRole('button', { name: 'Test LDAP login' }).click();
    const result = page.getByTestId('ldap-test-result');
    await result.getByText(/^Signed in in \d+ ms\.$/).waitFor();
    expect(await result.textContent()).toContain('uid=ann,ou=people,dc=example,dc=org');
    expect(await result.textContent()).toContain('Ann Lee');
    expect(await result.textContent()).toContain('developers');
    expect(await result.textContent()).toContain('engineering');
    await screenshot(page, 'sso-ldap-test');

    await tool.getByLabel('User name').fill('ann');
    await tool.getByLabel('Password').fill('not-the-password');
    await tool.getByRole('button', { name: 'Test LDAP login' }).click();
    const refused = result.getByRole('alert');
    await refused.waitFor();
    expect((await refused.textContent())?.trim()).toMatch(/^Failed: .+\.$/s);
    expect(await result.textContent()).not.toContain('Signed in');
  });

  it('the users and groups lists show what comes from the directory', async () => {
    const { page } = await run.open('/');
    await signIn(page, 'Admin', ADMIN_PASSWORD);
    await page.goto('/admin/users');
    const ann = page.locator('[data-testid=user-row][data-name=ann]');
    await ann.waitFor();
    expect((await ann.getByTestId('user-source').textContent())?.trim()).toBe('LDAP');
    expect(await ann.textContent()).toContain('developers');
    expect(await ann.textContent()).not.toContain('Never');
    await screenshot(page, 'sso-ldap-users');

    await page.getByRole('button', { name: 'Edit ann' }).click();
    const dialog = page.getByTestId('user-dialog');
    await dialog.getByTestId('external-user').waitFor();
    expect(await dialog.getByLabel('New password').count()).toBe(0);
    expect(await dialog.getByTestId('external-groups').textContent()).toContain('developers');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.goto('/admin/groups');
    const developers = page.locator('[data-testid=group-row][data-name=developers]');
    await developers.waitFor();
    expect((await developers.getByTestId('group-source').textContent())?.trim()).toBe('LDAP');
  });
});
