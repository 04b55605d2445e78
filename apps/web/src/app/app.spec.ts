import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import type { Feed } from '@stockroom/contracts';
import { App } from './app';
import { ExternalNavigation } from './core/auth/external-navigation';
import { appConfig } from './app.config';
import { noMaterialAnimations } from './testing/material';
import { ADMIN, ANONYMOUS_ME, UNAUTHORIZED } from './testing/principals';

const FEEDS: Feed[] = [
  {
    name: 'installers',
    feedType: 'asset',
    description: 'setup files',
    active: true,
    retentionRules: [],
    retentionRulesEnabled: false,
  },
];

/** The whole console (routes, shell, interceptors) over a testing backend. */
describe('App', () => {
  let backend: HttpTestingController;
  let router: Router;
  let root: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [...appConfig.providers, provideHttpClientTesting(), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    router = TestBed.inject(Router);
    root = TestBed.createComponent(App).nativeElement as HTMLElement;
    document.body.appendChild(root);
  });

  afterEach(() => {
    backend.verify();
    root.remove();
  });

  async function settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve));
      await TestBed.inject(ApplicationRef).whenStable();
    }
  }

  async function start(url: string, me: typeof ADMIN): Promise<void> {
    await router.navigateByUrl(url);
    await settle();
    backend.expectOne('/api/security/me').flush(me);
    await settle();
  }

  function toolbar(): HTMLElement {
    return root.querySelector('mat-toolbar') as HTMLElement;
  }

  function button(text: string, within: ParentNode = document): HTMLElement {
    const found = Array.from(within.querySelectorAll<HTMLElement>('button, a')).find((b) =>
      b.textContent?.includes(text),
    );
    if (!found) throw new Error(`no button "${text}"`);
    return found;
  }

  it('lists the asset directories on the home page', async () => {
    await start('/', ANONYMOUS_ME);
    backend.expectOne('/api/management/feeds/list').flush(FEEDS);
    await settle();
    const link = root.querySelector('main [data-testid=directory-row] a') as HTMLAnchorElement;
    expect(link.textContent?.trim()).toBe('installers');
    expect(link.getAttribute('href')).toBe('/feeds/installers/browse');
  });

  it('shows the API error message for the directories', async () => {
    await start('/', ADMIN);
    backend
      .expectOne('/api/management/feeds/list')
      .flush({ code: 'internal', message: 'boom' }, { status: 500, statusText: 'Error' });
    await settle();
    expect(root.querySelector('main [role=alert]')?.textContent).toContain('boom');
  });

  it('offers anonymous users a sign-in link that comes back to the current page', async () => {
    await start('/', ANONYMOUS_ME);
    backend.expectOne('/api/management/feeds/list').flush([]);
    await settle();
    const signIn = button('Sign in', toolbar()) as HTMLAnchorElement;
    expect(signIn.getAttribute('href')).toBe('/sign-in?returnUrl=%2F');
    expect(toolbar().textContent).toContain('Stockroom');
    expect(root.querySelector('main')?.textContent).toContain('No directories are open to anonymous users.');
  });

  it('on a 401 goes to sign-in, then back, reloads the list and shows who is signed in', async () => {
    await start('/', ANONYMOUS_ME);
    backend.expectOne('/api/management/feeds/list').flush({ code: 'unauthorized', message: 'Sign in.' }, UNAUTHORIZED);
    await settle();
    expect(router.url).toBe('/sign-in?returnUrl=%2F');
    backend.expectOne('/api/security/sso').flush({ ldap: { enabled: false }, oidc: { enabled: false } });
    // No "Sign in" link on the sign-in page itself.
    expect(toolbar().querySelector('a.sign-in')).toBeNull();

    const inputs = root.querySelectorAll<HTMLInputElement>('main input');
    inputs[0].value = 'Admin';
    inputs[0].dispatchEvent(new Event('input'));
    inputs[1].value = 'admin-pass-123';
    inputs[1].dispatchEvent(new Event('input'));
    root.querySelector('main form')?.dispatchEvent(new Event('submit'));
    await settle();
    backend.expectOne('/api/security/login').flush(ADMIN);
    await settle();

    expect(router.url).toBe('/');
    backend.expectOne('/api/management/feeds/list').flush(FEEDS);
    await settle();
    expect(root.querySelector('main [data-testid=directory-row] a')?.textContent?.trim()).toBe('installers');
    expect(toolbar().textContent).toContain('Administrator');
  });

  it("shows the user's menu: change password opens the dialog", async () => {
    await start('/', ADMIN);
    backend.expectOne('/api/management/feeds/list').flush(FEEDS);
    await settle();
    expect(toolbar().querySelector('a.sign-in')).toBeNull();
    button('Administrator', toolbar()).click();
    await settle();
    button('Change password').click();
    await settle();
    expect(document.querySelector('mat-dialog-container h2')?.textContent).toContain('Change password');
  });

  it('closes the dialog and goes to sign-in when the session has ended (401)', async () => {
    await start('/', ADMIN);
    backend.expectOne('/api/management/feeds/list').flush(FEEDS);
    await settle();
    button('Administrator', toolbar()).click();
    await settle();
    button('Change password').click();
    await settle();
    const dialog = document.querySelector('mat-dialog-container') as HTMLElement;
    dialog.querySelectorAll('input[type=password]').forEach((input, i) => {
      (input as HTMLInputElement).value = i === 0 ? 'old-pass-1' : 'new-pass-12';
      input.dispatchEvent(new Event('input'));
    });
    dialog.querySelector('form')?.dispatchEvent(new Event('submit'));
    await settle();
    backend.expectOne('/api/security/me/password').flush({ code: 'unauthorized', message: 'Sign in.' }, UNAUTHORIZED);
    await settle();

    expect(router.url).toBe('/sign-in?returnUrl=%2F');
    backend.expectOne('/api/security/sso').flush({ ldap: { enabled: false }, oidc: { enabled: false } });
    expect(document.querySelector('mat-dialog-container')).toBeNull();
    expect(toolbar().textContent).not.toContain('Administrator');
  });

  it('signs out from the menu, then offers sign-in and reloads the list as anonymous', async () => {
    document.cookie = 'XSRF-TOKEN=csrf-1; path=/';
    await start('/', ADMIN);
    backend.expectOne('/api/management/feeds/list').flush(FEEDS);
    await settle();
    button('Administrator', toolbar()).click();
    await settle();
    button('Sign out').click();
    await settle();
    const logout = backend.expectOne('/api/security/logout');
    expect(logout.request.headers.get('X-XSRF-TOKEN')).toBe('csrf-1');
    logout.flush(null, { status: 204, statusText: 'No Content' });
    await settle();

    backend.expectOne('/api/management/feeds/list').flush([]);
    await settle();
    expect(toolbar().textContent).not.toContain('Administrator');
    expect(button('Sign in', toolbar())).toBeTruthy();
    document.cookie = 'XSRF-TOKEN=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
  });

  it('after signing out a single sign-on user, offers to end the identity provider’s session', async () => {
    const go = jest.spyOn(TestBed.inject(ExternalNavigation), 'go').mockImplementation(() => undefined);
    await start('/', ADMIN);
    backend.expectOne('/api/management/feeds/list').flush(FEEDS);
    await settle();
    button('Administrator', toolbar()).click();
    await settle();
    button('Sign out').click();
    await settle();
    backend.expectOne('/api/security/logout').flush({ endSessionUrl: 'https://id.example.com/logout?x=1' });
    await settle();
    backend.expectOne('/api/management/feeds/list').flush([]);
    await settle();

    expect(button('Sign in', toolbar())).toBeTruthy();
    const snackBar = document.querySelector('mat-snack-bar-container') as HTMLElement;
    expect(snackBar.textContent).toContain('Your single sign-on session is still open.');
    expect(go).not.toHaveBeenCalled();
    button('Sign out there too', snackBar).click();
    await settle();
    expect(go).toHaveBeenCalledWith('https://id.example.com/logout?x=1');
  });
});
