import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import type { CurrentPrincipal } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { noMaterialAnimations } from '../../testing/material';
import { ADMIN, ANONYMOUS_ME } from '../../testing/principals';
import { ADMIN_ROUTES } from './admin.routes';

const ALICE: CurrentPrincipal = {
  authenticated: true,
  userName: 'alice',
  displayName: 'Alice',
  credential: 'session',
  privileges: [],
};

describe('ADMIN_ROUTES and AdminLayout', () => {
  let backend: HttpTestingController;
  let harness: RouterTestingHarness;

  async function open(url: string, principal: CurrentPrincipal): Promise<HTMLElement> {
    const refreshed = TestBed.inject(AuthStore).refresh();
    backend.expectOne('/api/security/me').flush(principal);
    await refreshed;
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url);
    await harness.fixture.whenStable();
    return harness.fixture.nativeElement as HTMLElement;
  }

  function navItems(page: HTMLElement): string[] {
    return Array.from(page.querySelectorAll('[data-testid^=admin-nav-]')).map(
      (a) => a.getAttribute('data-testid') ?? '',
    );
  }

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([{ path: 'admin', children: ADMIN_ROUTES }]),
        provideHttpClient(),
        provideHttpClientTesting(),
        noMaterialAnimations,
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('sends /admin to the users page and offers every page to an administrator', async () => {
    const page = await open('/admin', ADMIN);
    expect(TestBed.inject(Router).url).toBe('/admin/users');
    expect(navItems(page)).toEqual([
      'admin-nav-users',
      'admin-nav-groups',
      'admin-nav-roles',
      'admin-nav-privileges',
      'admin-nav-sso',
      'admin-nav-api-keys',
      'admin-nav-audit',
      'admin-nav-retention',
      'admin-nav-replication',
      'admin-nav-webhooks',
    ]);
    backend.expectOne('/api/security/users').flush([]);
    backend.expectOne('/api/security/groups').flush([]);
    await harness.fixture.whenStable();
    expect(page.querySelector('h1')?.textContent).toBe('Administration');
    expect(page.querySelector('[data-testid=admin-nav-users]')?.getAttribute('aria-current')).toBe('page');
    expect(page.querySelector('h2')?.textContent).toBe('Users');
  });

  it('tells a user without Administer that the page is for administrators, asking the server nothing', async () => {
    const page = await open('/admin/users', ALICE);
    backend.expectNone('/api/security/users');
    expect(page.querySelector('[data-testid=admin-forbidden]')?.textContent).toContain(
      'This page needs the Administer privilege',
    );
    expect(navItems(page)).toEqual(['admin-nav-api-keys']);
  });

  it('lets a user without Administer manage their API keys', async () => {
    const page = await open('/admin/api-keys', ALICE);
    backend.expectOne('/api/security/api-keys').flush([]);
    await harness.fixture.whenStable();
    expect(page.querySelector('[data-testid=admin-forbidden]')).toBeNull();
    expect(page.querySelector('h1')?.textContent).toBe('Your account');
    expect(page.querySelector('[data-testid=create-api-key]')).not.toBeNull();
    expect(page.textContent).toContain('You have no API keys yet.');
  });

  it('asks an anonymous visitor to sign in', async () => {
    const page = await open('/admin/api-keys', ANONYMOUS_ME);
    backend.expectNone('/api/security/api-keys');
    const link = page.querySelector('[data-testid=admin-sign-in] a') as HTMLAnchorElement;
    expect(link.getAttribute('href')).toBe('/sign-in?returnUrl=%2Fadmin%2Fapi-keys');
  });
});
