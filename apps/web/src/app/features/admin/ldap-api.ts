import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { LdapTestRequest, LdapTestResult } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

/** `POST /api/security/ldap/test` (Administer): a sign-in against the directory that creates nothing. */
@Injectable({ providedIn: 'root' })
export class LdapApi {
  private readonly http = inject(HttpClient);

  test(request: LdapTestRequest): Observable<LdapTestResult> {
    return this.http.post<LdapTestResult>('/api/security/ldap/test', request);
  }
}
