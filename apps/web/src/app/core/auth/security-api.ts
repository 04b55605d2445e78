import { HttpClient, HttpContext } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ChangePasswordRequest, CurrentPrincipal, LoginRequest, LogoutResult } from '@stockroom/contracts';
import type { Observable } from 'rxjs';
import { HANDLES_UNAUTHORIZED } from '../http/http-context';

const BASE = '/api/security';

/** The console's session resource: sign in, sign out, who am I, change my password. */
@Injectable({ providedIn: 'root' })
export class SecurityApi {
  private readonly http = inject(HttpClient);

  /** Anonymous callers get `{authenticated: false}` with 200. */
  me(): Observable<CurrentPrincipal> {
    return this.http.get<CurrentPrincipal>(`${BASE}/me`);
  }

  /** Sets the session and XSRF-TOKEN cookies. A 401 here is a wrong password, shown on the form. */
  login(request: LoginRequest): Observable<CurrentPrincipal> {
    return this.http.post<CurrentPrincipal>(`${BASE}/login`, request, {
      context: new HttpContext().set(HANDLES_UNAUTHORIZED, true),
    });
  }

  /** `{endSessionUrl}` for a user signed in through OpenID Connect: where to end the provider's session too. */
  logout(): Observable<LogoutResult | null> {
    return this.http.post<LogoutResult | null>(`${BASE}/logout`, null);
  }

  /** Ends the user's other sessions; this browser gets fresh cookies. */
  changePassword(request: ChangePasswordRequest): Observable<void> {
    return this.http.post<void>(`${BASE}/me/password`, request);
  }
}
