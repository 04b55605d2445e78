import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreateRoleRequest, Role, UpdateRoleRequest } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

const BASE = '/api/security/roles';

/** Roles: anyone signed in reads them; Administer changes the custom ones. */
@Injectable({ providedIn: 'root' })
export class RolesApi {
  private readonly http = inject(HttpClient);

  list(): Observable<Role[]> {
    return this.http.get<Role[]>(BASE);
  }

  create(request: CreateRoleRequest): Observable<Role> {
    return this.http.post<Role>(BASE, request);
  }

  update(name: string, request: UpdateRoleRequest): Observable<Role> {
    return this.http.patch<Role>(`${BASE}/${encodeURIComponent(name)}`, request);
  }

  delete(name: string): Observable<void> {
    return this.http.delete<void>(`${BASE}/${encodeURIComponent(name)}`);
  }
}
