import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { provideRouter } from '@angular/router';
import type { SsoSettings } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { SsoPage } from './sso-page';

const NONE: SsoSettings = { ldap: { enabled: false }, oidc: { enabled: false } };

const BOTH: SsoSettings = {
  ldap: {
    enabled: true,
    url: 'ldaps://dc1.example.com:636',
    startTls: false,
    userBase: 'ou=people,dc=example,dc=com',
    userFilter: '(uid={username})',
    groupBase: 'ou=groups,dc=example,dc=com',
    groupFilter: '(member={dn})',
  },
  oidc: {
    enabled: true,
    issuer: 'https://id.example.com/realms/acme',
    clientId: 'stockroom',
    scopes: 'openid profile email groups',
    groupsClaim: 'groups',
    usernameClaim: 'preferred_username',
    providerName: 'Keycloak',
    loginUrl: '/api/security/oidc/login',
    redirectUri: 'https://stockroom.example.com/api/security/oidc/callback',
  },
};

describe('SsoPage', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<SsoPage>;

  async function open(settings: SsoSettings): Promise<HTMLElement> {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(SsoPage);
    fixture.detectChanges();
    backend.expectOne({ method: 'GET', url: '/api/security/sso' }).flush(settings);
    await fixture.whenStable();
    return fixture.nativeElement as HTMLElement;
  }

  afterEach(() => backend.verify());

  /** A settings block as label → value. */
  function block(page: HTMLElement, testId: string): Record<string, string> {
    const section = page.querySelector(`[data-testid=${testId}]`) as HTMLElement;
    const terms = Array.from(section.querySelectorAll('dt')).map((dt) => dt.textContent?.trim() ?? '');
    const values = Array.from(section.querySelectorAll('dd')).map((dd) => dd.textContent?.trim() ?? '');
    return Object.fromEntries(terms.map((t, i) => [t, values[i]]));
  }

  async function runTest(userName: string, password: string): Promise<void> {
    const loader = TestbedHarnessEnvironment.loader(fixture);
    const [user, pass] = await loader.getAllHarnesses(MatInputHarness);
    await user.setValue(userName);
    await pass.setValue(password);
    await (await loader.getHarness(MatButtonHarness.with({ text: 'Test LDAP login' }))).click();
  }

  /** Lets the test handler finish (it awaits the request) and renders. */
  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
  }

  function result(page: HTMLElement): string {
    return page.querySelector('[data-testid=ldap-test-result]')?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
  }

  it('says "not configured" for both kinds, and offers no LDAP test', async () => {
    const page = await open(NONE);
    expect(page.querySelector('[data-testid=sso-ldap]')?.textContent).toContain('Not configured');
    expect(page.querySelector('[data-testid=sso-oidc]')?.textContent).toContain('Not configured');
    expect(page.querySelector('[data-testid=ldap-test]')).toBeNull();
  });

  it('shows the LDAP and OpenID Connect settings', async () => {
    const page = await open(BOTH);
    expect(block(page, 'sso-ldap')).toEqual({
      Server: 'ldaps://dc1.example.com:636',
      StartTLS: 'No',
      'User base': 'ou=people,dc=example,dc=com',
      'User filter': '(uid={username})',
      'Group base': 'ou=groups,dc=example,dc=com',
      'Group filter': '(member={dn})',
    });
    expect(block(page, 'sso-oidc')).toMatchObject({
      Provider: 'Keycloak',
      Issuer: 'https://id.example.com/realms/acme',
      'Client ID': 'stockroom',
      'Groups claim': 'groups',
      'User name claim': 'preferred_username',
      'Redirect URI': 'https://stockroom.example.com/api/security/oidc/callback',
    });
    expect(page.textContent).not.toContain('Not configured');
  });

  it('shows an unset LDAP setting as a dash', async () => {
    const page = await open({ ...BOTH, ldap: { enabled: true, url: 'ldap://dir:389' } });
    expect(block(page, 'sso-ldap')).toMatchObject({ Server: 'ldap://dir:389', 'Group base': '—' });
  });

  it('tests an LDAP login and shows what the directory says', async () => {
    const page = await open(BOTH);
    await runTest('ann.lee', 'secret-pw');
    const post = backend.expectOne({ method: 'POST', url: '/api/security/ldap/test' });
    expect(post.request.body).toEqual({ userName: 'ann.lee', password: 'secret-pw' });
    post.flush({
      ok: true,
      dn: 'uid=ann.lee,ou=people,dc=example,dc=com',
      displayName: 'Ann Lee',
      email: 'ann@example.com',
      groups: ['developers', 'everyone-in-it'],
      elapsedMs: 42,
    });
    await settle();
    expect(result(page)).toContain('Signed in in 42 ms.');
    expect(block(page, 'ldap-test-result')).toEqual({
      DN: 'uid=ann.lee,ou=people,dc=example,dc=com',
      'Display name': 'Ann Lee',
      Email: 'ann@example.com',
      Groups: 'developerseveryone-in-it',
    });
    const tags = page.querySelectorAll('[data-testid=ldap-test-result] .tag');
    expect(Array.from(tags).map((t) => t.textContent)).toEqual(['developers', 'everyone-in-it']);
    // The password is not kept in the form.
    const [, pass] = await TestbedHarnessEnvironment.loader(fixture).getAllHarnesses(MatInputHarness);
    expect(await pass.getValue()).toBe('');
    // …without calling the emptied field an error.
    expect(page.textContent).not.toContain('Enter the password.');
  });

  it('shows why a test login failed', async () => {
    const page = await open(BOTH);
    await runTest('ann.lee', 'wrong');
    backend
      .expectOne('/api/security/ldap/test')
      .flush({ ok: false, error: 'Wrong password', dn: 'uid=ann.lee,ou=people,dc=example,dc=com', elapsedMs: 7 });
    await settle();
    expect(result(page)).toContain('Failed: Wrong password (7 ms).');
    expect(page.querySelector('[data-testid=ldap-test-result] [role=alert]')).not.toBeNull();
  });

  it('shows the server’s reason when the test cannot run', async () => {
    const page = await open(BOTH);
    await runTest('ann.lee', 'pw');
    backend
      .expectOne('/api/security/ldap/test')
      .flush(
        { code: 'service_unavailable', message: 'The directory cannot be reached.' },
        { status: 503, statusText: 'Service Unavailable' },
      );
    await settle();
    expect(result(page)).toBe('The test could not run: The directory cannot be reached.');
  });

  it('asks for both fields before calling the server', async () => {
    const page = await open(BOTH);
    await (
      await TestbedHarnessEnvironment.loader(fixture).getHarness(MatButtonHarness.with({ text: 'Test LDAP login' }))
    ).click();
    backend.expectNone('/api/security/ldap/test');
    expect(page.textContent).toContain('Enter a user name.');
    expect(page.textContent).toContain('Enter the password.');
  });

  it('says so when the settings cannot be loaded', async () => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(SsoPage);
    fixture.detectChanges();
    backend
      .expectOne('/api/security/sso')
      .flush({ code: 'internal', message: 'boom' }, { status: 500, statusText: 'Error' });
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('[role=alert]')?.textContent).toContain('boom');
  });
});
