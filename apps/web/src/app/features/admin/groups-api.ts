import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreateGroupRequest, Group, UpdateGroupRequest } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

const BASE = '/api/security/groups';

/** Groups of users (Administer). */
@Injectable({ providedIn: 'root' })
export class GroupsApi {
  private readonly http = inject(HttpClient);

  list(): Observable<Group[]> {
    return this.http.get<Group[]>(BASE);
  }

  create(request: CreateGroupRequest): Observable<Group> {
    return this.http.post<Group>(BASE, request);
  }

  update(name: string, request: UpdateGroupRequest): Observable<Group> {
    return this.http.patch<Group>(`${BASE}/${encodeURIComponent(name)}`, request);
  }

  delete(name: string): Observable<void> {
    return this.http.delete<void>(`${BASE}/${encodeURIComponent(name)}`);
  }
}
