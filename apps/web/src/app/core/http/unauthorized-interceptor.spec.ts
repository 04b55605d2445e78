import { HttpClient, HttpContext, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { ADMIN, UNAUTHORIZED } from '../../testing/principals';
import { AuthStore } from '../auth/auth-store';
import { HANDLES_UNAUTHORIZED } from './http-context';
import { unauthorizedInterceptor } from './unauthorized-interceptor';

@Component({ template: '' })
class Blank {}

describe('unauthorizedInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let router: Router;
  let auth: AuthStore;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([
          { path: 'sign-in', component: Blank },
          { path: '**', component: Blank },
        ]),
        provideHttpClient(withInterceptors([unauthorizedInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    router = TestBed.inject(Router);
    auth = TestBed.inject(AuthStore);
    await router.navigateByUrl('/feeds/installers?path=a%20b');
  });

  afterEach(() => backend.verify());

  /** Answers a signed-in /me so the store has a user to forget. */
  async function signedIn(): Promise<void> {
    const refreshed = auth.refresh();
    backend.expectOne('/api/security/me').flush(ADMIN);
    await refreshed;
  }

  it('sends a 401 to the sign-in page with the current URL to come back to', async () => {
    await signedIn();
    let failed = false;
    http.get('/api/management/feeds/list').subscribe({ error: () => (failed = true) });
    backend.expectOne('/api/management/feeds/list').flush({ code: 'unauthorized', message: 'Sign in.' }, UNAUTHORIZED);
    await new Promise((resolve) => setTimeout(resolve));

    expect(failed).toBe(true);
    expect(router.url).toBe('/sign-in?returnUrl=%2Ffeeds%2Finstallers%3Fpath%3Da%2520b');
    expect(router.parseUrl(router.url).queryParamMap.get('returnUrl')).toBe('/feeds/installers?path=a%20b');
    expect(auth.signedIn()).toBe(false);
    expect(auth.principal()?.authenticated).toBe(false);
  });

  it('does not redirect from the sign-in page itself', async () => {
    await router.navigateByUrl('/sign-in?returnUrl=%2Fsomewhere');
    const navigate = jest.spyOn(router, 'navigateByUrl');
    http.get('/api/management/feeds/list').subscribe({ error: () => undefined });
    backend.expectOne('/api/management/feeds/list').flush({ code: 'unauthorized', message: 'no' }, UNAUTHORIZED);
    await new Promise((resolve) => setTimeout(resolve));

    expect(navigate).not.toHaveBeenCalled();
    expect(router.url).toBe('/sign-in?returnUrl=%2Fsomewhere');
  });

  it('leaves a 401 to requests that handle it themselves (the sign-in form)', async () => {
    await signedIn();
    const navigate = jest.spyOn(router, 'navigateByUrl');
    http
      .post('/api/security/login', {}, { context: new HttpContext().set(HANDLES_UNAUTHORIZED, true) })
      .subscribe({ error: () => undefined });
    backend.expectOne('/api/security/login').flush({ code: 'unauthorized', message: 'wrong' }, UNAUTHORIZED);
    await new Promise((resolve) => setTimeout(resolve));

    expect(navigate).not.toHaveBeenCalled();
    expect(auth.signedIn()).toBe(true);
  });

  it('does not redirect on other errors (403 is "signed in, but not allowed")', async () => {
    await signedIn();
    const navigate = jest.spyOn(router, 'navigateByUrl');
    http.get('/api/management/feeds/list').subscribe({ error: () => undefined });
    backend
      .expectOne('/api/management/feeds/list')
      .flush({ code: 'forbidden', message: 'no' }, { status: 403, statusText: 'Forbidden' });
    await new Promise((resolve) => setTimeout(resolve));

    expect(navigate).not.toHaveBeenCalled();
    expect(auth.signedIn()).toBe(true);
  });
});
