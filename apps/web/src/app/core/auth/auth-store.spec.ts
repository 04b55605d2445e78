import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ADMIN, ANONYMOUS_ME, UNAUTHORIZED } from '../../testing/principals';
import { AuthStore } from './auth-store';
import { appConfig } from '../../app.config';

describe('AuthStore', () => {
  let auth: AuthStore;
  let backend: HttpTestingController;

  beforeEach(() => {
    // The app's own HTTP setup (interceptors, XSRF), with the testing backend underneath.
    TestBed.configureTestingModule({ providers: [...appConfig.providers, provideHttpClientTesting()] });
    auth = TestBed.inject(AuthStore);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    backend.verify();
    document.cookie = 'XSRF-TOKEN=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
  });

  it('knows nobody until the server says who is there', async () => {
    expect(auth.principal()).toBeUndefined();
    expect(auth.userName()).toBeUndefined();
    const refreshed = auth.refresh();
    const req = backend.expectOne('/api/security/me');
    expect(req.request.method).toBe('GET');
    expect(req.request.headers.get('X-Requested-With')).toBe('XMLHttpRequest');
    req.flush(ANONYMOUS_ME);
    await refreshed;
    expect(auth.signedIn()).toBe(false);
    expect(auth.userName()).toBeNull();
  });

  it('signs in with the user name and password and remembers the principal', async () => {
    const signedIn = auth.signIn({ userName: 'Admin', password: 'secret-123' });
    const req = backend.expectOne('/api/security/login');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ userName: 'Admin', password: 'secret-123' });
    expect(req.request.headers.get('X-Requested-With')).toBe('XMLHttpRequest');
    req.flush(ADMIN);
    await expect(signedIn).resolves.toEqual(ADMIN);
    expect(auth.signedIn()).toBe(true);
    expect(auth.displayName()).toBe('Administrator');
  });

  it('offers a password change only to users whose password is ours (not a directory or an IdP)', async () => {
    expect(auth.hasOwnPassword()).toBe(false);
    for (const [source, own] of [
      [undefined, true],
      ['builtin', true],
      ['ldap', false],
      ['oidc', false],
    ] as const) {
      const refreshed = auth.refresh();
      backend.expectOne('/api/security/me').flush({ ...ADMIN, source });
      await refreshed;
      expect(auth.hasOwnPassword()).toBe(own);
    }
    const refreshed = auth.refresh();
    backend.expectOne('/api/security/me').flush(ANONYMOUS_ME);
    await refreshed;
    expect(auth.hasOwnPassword()).toBe(false);
  });

  it('rejects a wrong password with the server answer and stays signed out', async () => {
    const signedIn = auth.signIn({ userName: 'Admin', password: 'nope' });
    backend.expectOne('/api/security/login').flush({ code: 'unauthorized', message: 'Wrong.' }, UNAUTHORIZED);
    await expect(signedIn).rejects.toMatchObject({ status: 401, error: { message: 'Wrong.' } });
    expect(auth.signedIn()).toBe(false);
  });

  it('echoes the XSRF-TOKEN cookie in X-XSRF-TOKEN when signing out', async () => {
    document.cookie = 'XSRF-TOKEN=csrf-abc; path=/';
    const signedOut = auth.signOut();
    const req = backend.expectOne('/api/security/logout');
    expect(req.request.method).toBe('POST');
    expect(req.request.headers.get('X-XSRF-TOKEN')).toBe('csrf-abc');
    expect(req.request.headers.get('X-Requested-With')).toBe('XMLHttpRequest');
    req.flush(null, { status: 204, statusText: 'No Content' });
    await signedOut;
    expect(auth.principal()).toMatchObject({ authenticated: false });
  });

  it.each([
    [
      { endSessionUrl: 'https://id.example.com/logout?id_token_hint=x' },
      'https://id.example.com/logout?id_token_hint=x',
    ],
    [{}, undefined],
    [{ endSessionUrl: 'javascript:alert(1)' }, undefined],
    [{ endSessionUrl: 'not a url' }, undefined],
  ])('signs out and hands back the identity provider’s end-session URL (%j)', async (answer, expected) => {
    const signedOut = auth.signOut();
    backend.expectOne('/api/security/logout').flush(answer);
    await expect(signedOut).resolves.toBe(expected);
    expect(auth.principal()).toMatchObject({ authenticated: false });
  });

  it('changes the password with the XSRF token and keeps the session', async () => {
    const signedIn = auth.signIn({ userName: 'Admin', password: 'old-pass-1' });
    backend.expectOne('/api/security/login').flush(ADMIN);
    await signedIn;
    document.cookie = 'XSRF-TOKEN=csrf-xyz; path=/';
    const changed = auth.changePassword({ currentPassword: 'old-pass-1', newPassword: 'new-pass-2' });
    const req = backend.expectOne('/api/security/me/password');
    expect(req.request.body).toEqual({ currentPassword: 'old-pass-1', newPassword: 'new-pass-2' });
    expect(req.request.headers.get('X-XSRF-TOKEN')).toBe('csrf-xyz');
    req.flush(null, { status: 204, statusText: 'No Content' });
    await changed;
    expect(auth.signedIn()).toBe(true);
  });

  it('carries on as anonymous when /me fails', async () => {
    const refreshed = auth.refresh();
    backend.expectOne('/api/security/me').flush(null, { status: 503, statusText: 'Unavailable' });
    await refreshed;
    expect(auth.principal()).toMatchObject({ authenticated: false });
  });
});
