import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreatePrivilegeRuleRequest, PrivilegeRule, Role } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

/** Privilege rules scoped to one directory, and the roles they can grant. */
@Injectable({ providedIn: 'root' })
export class PrivilegesApi {
  private readonly http = inject(HttpClient);

  /** The directory's rules (Manage Feed there). */
  rules(feed: string): Observable<PrivilegeRule[]> {
    return this.http.get<PrivilegeRule[]>('/api/security/privileges', { params: { feed } });
  }

  roles(): Observable<Role[]> {
    return this.http.get<Role[]>('/api/security/roles');
  }

  create(rule: CreatePrivilegeRuleRequest): Observable<PrivilegeRule> {
    return this.http.post<PrivilegeRule>('/api/security/privileges', rule);
  }

  delete(id: number): Observable<void> {
    return this.http.delete<void>(`/api/security/privileges/${id}`);
  }
}
