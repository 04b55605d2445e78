import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
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

  async function open(url: string): Promise<void> {
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url, SignInPage);
    await harness.fixture.whenStable();
    page = harness.routeNativeElement as HTMLElement;
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
});
