import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreateUserRequest, UpdateUserRequest, User } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

const BASE = '/api/security/users';

/** The user directory (Administer). */
@Injectable({ providedIn: 'root' })
export class UsersApi {
  private readonly http = inject(HttpClient);

  list(): Observable<User[]> {
    return this.http.get<User[]>(BASE);
  }

  create(request: CreateUserRequest): Observable<User> {
    return this.http.post<User>(BASE, request);
  }

  update(userName: string, request: UpdateUserRequest): Observable<User> {
    return this.http.patch<User>(`${BASE}/${encodeURIComponent(userName)}`, request);
  }

  delete(userName: string): Observable<void> {
    return this.http.delete<void>(`${BASE}/${encodeURIComponent(userName)}`);
  }
}
