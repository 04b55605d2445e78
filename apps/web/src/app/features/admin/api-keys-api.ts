import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ApiKeyInfo } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

const BASE = '/api/security/api-keys';

/** What the console sends to create a key (a subset of ApiKeyInfo). */
export interface CreateApiKeyRequest {
  type: ApiKeyInfo['type'];
  displayName?: string;
  description?: string;
  /** Personal keys: whose (administrators only; others always get their own). */
  user?: string;
  feed?: string;
  packagePermissions?: ApiKeyInfo['packagePermissions'];
  systemApis?: string[];
  /** ISO-8601. */
  expiration?: string;
}

/**
 * API keys. Administrators see and manage every key; anyone signed in sees their own personal keys,
 * may create more for themselves, and feed keys for the directories they manage.
 */
@Injectable({ providedIn: 'root' })
export class ApiKeysApi {
  private readonly http = inject(HttpClient);

  list(includeRevoked = false): Observable<ApiKeyInfo[]> {
    return this.http.get<ApiKeyInfo[]>(BASE, includeRevoked ? { params: { includeRevoked: 'true' } } : {});
  }

  /** The answer carries the secret (`key`), this once. */
  create(request: CreateApiKeyRequest): Observable<ApiKeyInfo> {
    return this.http.post<ApiKeyInfo>(BASE, request);
  }

  revoke(id: number): Observable<void> {
    return this.http.delete<void>(`${BASE}/${id}`);
  }
}
