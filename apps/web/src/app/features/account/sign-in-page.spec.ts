import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { SsoSettings } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { requestedWithInterceptor } from '../../core/http/requested-with-interceptor';
import { unauthorizedInterceptor } from '../../core/http/unauthorized-interceptor';
import { ADMIN, UNAUTHORIZED } from '../../testing/principals';
import { SignInPage } from './sign-in-page';

@Component({ template: '<p>elsewhere</p>' })
class Elsewhere {}

describe('SignInPage', () => {
  let backend: HttpTestingController;
  let harness: RouterTestingHarness;
  let page: HTMLElement;

  const NO_SSO: SsoSettings = { ldap: { enabled: false }, oidc: { enabled: false } };
  const KEYCLOAK: SsoSettings = {
    ldap: { enabled: false },
    oidc: {
      enabled: true,
      issuer: 'https://id.example.com/realms/acme',
      clientId: 'stockroom',
      providerName: 'Keycloak',
      loginUrl: '/api/security/oidc/login',
    },
  };

  /** Opens the page; it asks which single sign-on is configured (none unless told). */
  async function open(url: string, sso: SsoSettings | 'fails' = NO_SSO): Promise<void> {
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url, SignInPage);
    const settings = backend.expectOne('/api/security/sso');
    expect(settings.request.method).toBe('GET');
    if (sso === 'fails') settings.flush('down', { status: 503, statusText: 'Service Unavailable' });
    else settings.flush(sso);
    await harness.fixture.whenStable();
    page = harness.routeNativeElement as HTMLElement;
  }

  function ssoLink(): HTMLAnchorElement | null {
    return page.querySelector('[data-testid=sso-sign-in] a');
  }

  function input(label: string): HTMLInputElement {
    const field = Array.from(page.querySelectorAll('mat-form-field')).find((f) =>
      f.querySelector('mat-label')?.textContent?.includes(label),
    );
    const element = field?.querySelector('input');
    if (!element) throw new Error(`no input labelled ${label}`);
    return element;
  }

  function type(element: HTMLInputElement, value: string): void {
    element.value = value;
    element.dispatchEvent(new Event('input'));
  }

  function submitButton(): HTMLButtonElement {
    return page.querySelector('button[type=submit]') as HTMLButtonElement;
  }

  async function signIn(userName: string, password: string): Promise<void> {
    type(input('User name'), userName);
    type(input('Password'), password);
    page.querySelector('form')?.dispatchEvent(new Event('submit'));
    harness.detectChanges();
  }

  /** Lets the submit handler finish (it awaits the request, then navigates) and renders. */
  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    await harness.fixture.whenStable();
  }

  function alertText(): string {
    return page.querySelector('[role=alert]')?.textContent?.trim() ?? '';
  }

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([
          { path: 'sign-in', component: SignInPage },
          { path: '**', component: Elsewhere },
        ]),
        provideHttpClient(withInterceptors([requestedWithInterceptor, unauthorizedInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('has labelled fields with autocomplete hints and focuses the user name', async () => {
    await open('/sign-in');
    const userName = input('User name');
    const password = input('Password');
    expect(userName.labels?.[0]?.textContent).toContain('User name');
    expect(userName.getAttribute('autocomplete')).toBe('username');
    expect(password.labels?.[0]?.textContent).toContain('Password');
    expect(password.getAttribute('autocomplete')).toBe('current-password');
    expect(password.type).toBe('password');
    expect(document.activeElement).toBe(userName);
  });

  it('posts the credentials, is disabled meanwhile, then goes back to returnUrl', async () => {
    await open('/sign-in?returnUrl=%2Ffeeds%3Fx%3D1');
    await signIn('Admin', 'admin-pass-123');

    const req = backend.expectOne('/api/security/login');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ userName: 'Admin', password: 'admin-pass-123' });
    expect(req.request.headers.get('X-Requested-With')).toBe('XMLHttpRequest');
    expect(submitButton().disabled).toBe(true);
    expect(submitButton().textContent).toContain('Signing in');

    req.flush(ADMIN);
    await settle();
    expect(TestBed.inject(Router).url).toBe('/feeds?x=1');
    expect(TestBed.inject(AuthStore).displayName()).toBe('Administrator');
  });

  it("shows the server's message on 401 and stays on the page", async () => {
    await open('/sign-in?returnUrl=%2F');
    await signIn('Admin', 'wrong');
    backend
      .expectOne('/api/security/login')
      .flush({ code: 'unauthorized', message: 'The user name or password is wrong.' }, UNAUTHORIZED);
    await settle();

    expect(alertText()).toBe('The user name or password is wrong.');
    expect(TestBed.inject(Router).url).toBe('/sign-in?returnUrl=%2F');
    expect(submitButton().disabled).toBe(false);
    expect(document.activeElement).toBe(input('Password'));
    expect(input('Password').selectionEnd).toBe('wrong'.length);
  });

  it("shows the server's message when throttled (429)", async () => {
    await open('/sign-in');
    await signIn('Admin', 'wrong');
    backend
      .expectOne('/api/security/login')
      .flush(
        { code: 'too_many_requests', message: 'Too many failed sign-in attempts; try again in 15 minute(s).' },
        { status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': '900' } },
      );
    await settle();
    expect(alertText()).toBe('Too many failed sign-in attempts; try again in 15 minute(s).');
  });

  it('asks for both fields before calling the server', async () => {
    await open('/sign-in');
    page.querySelector('form')?.dispatchEvent(new Event('submit'));
    harness.detectChanges();
    backend.expectNone('/api/security/login');
    expect(page.textContent).toContain('Enter your user name.');
    expect(page.textContent).toContain('Enter your password.');
  });

  it.each(['//evil.example/x', '/\\evil.example/x', 'https://evil.example/', '/sign-in?returnUrl=%2F'])(
    'goes home instead of to %s',
    async (returnUrl) => {
      await open(`/sign-in?returnUrl=${encodeURIComponent(returnUrl)}`);
      await signIn('Admin', 'admin-pass-123');
      backend.expectOne('/api/security/login').flush(ADMIN);
      await settle();
      expect(TestBed.inject(Router).url).toBe('/');
    },
  );

  it('offers "Sign in with …" when OpenID Connect is configured, coming back to returnUrl', async () => {
    await open('/sign-in?returnUrl=%2Ffeeds%2Fprivate-stuff%3Fx%3D1', KEYCLOAK);
    const link = ssoLink();
    expect(link?.textContent?.trim()).toBe('Sign in with Keycloak');
    expect(link?.getAttribute('href')).toBe('/api/security/oidc/login?returnTo=%2Ffeeds%2Fprivate-stuff%3Fx%3D1');
    // The password form is still there, next to it.
    expect(input('User name')).toBeTruthy();
  });

  it('names the issuer’s host when the provider has no name, and never returns to another site', async () => {
    await open(`/sign-in?returnUrl=${encodeURIComponent('//evil.example/x')}`, {
      ...KEYCLOAK,
      oidc: { ...KEYCLOAK.oidc, providerName: undefined },
    });
    expect(ssoLink()?.textContent?.trim()).toBe('Sign in with id.example.com');
    expect(ssoLink()?.getAttribute('href')).toBe('/api/security/oidc/login?returnTo=%2F');
  });

  it('offers no single sign-on when it is not configured', async () => {
    await open('/sign-in');
    expect(ssoLink()).toBeNull();
  });

  it('offers no single sign-on, and no error, when the settings cannot be read', async () => {
    await open('/sign-in', 'fails');
    expect(ssoLink()).toBeNull();
    expect(alertText()).toBe('');
  });

  it('shows the error a failed sign-on callback brings back', async () => {
    await open('/sign-in?returnUrl=%2F&error=The%20identity%20provider%20refused%20the%20sign-in.', KEYCLOAK);
    expect(alertText()).toBe('The identity provider refused the sign-in.');
    expect(ssoLink()).not.toBeNull();
  });
});
