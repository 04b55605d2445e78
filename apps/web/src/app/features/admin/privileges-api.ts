import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreatePrivilegeRuleRequest, PrivilegeRule } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

const BASE = '/api/security/privileges';

/** Privilege rules: principal + role + scope + allow/deny. All of them need Administer. */
@Injectable({ providedIn: 'root' })
export class PrivilegesApi {
  private readonly http = inject(HttpClient);

  /** All rules, or (with `feed`) only those scoped to that directory (Manage Feed there is enough). */
  list(feed?: string): Observable<PrivilegeRule[]> {
    return this.http.get<PrivilegeRule[]>(BASE, feed === undefined ? {} : { params: { feed } });
  }

  /** `feed: null` is a global rule (every directory). */
  create(request: CreatePrivilegeRuleRequest): Observable<PrivilegeRule> {
    return this.http.post<PrivilegeRule>(BASE, request);
  }

  delete(id: number): Observable<void> {
    return this.http.delete<void>(`${BASE}/${id}`);
  }
}
