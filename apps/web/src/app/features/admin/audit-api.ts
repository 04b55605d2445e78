import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { AuditAction, AuditPage } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

/** The filters GET /api/security/audit understands. */
export interface AuditQuery {
  actions?: AuditAction[];
  /** User name (case-insensitive, exact). */
  user?: string;
  /** Directory name (case-insensitive, exact). */
  feed?: string;
  /** ISO-8601, inclusive. */
  from?: string;
  /** ISO-8601, exclusive. */
  to?: string;
  /** 1–1000. */
  limit?: number;
  /** An event id: the page of older events (AuditPage.next). */
  before?: number;
}

/** The audit log (Administer), newest first. */
@Injectable({ providedIn: 'root' })
export class AuditApi {
  private readonly http = inject(HttpClient);

  list(query: AuditQuery): Observable<AuditPage> {
    let params = new HttpParams();
    if (query.actions?.length) params = params.set('action', query.actions.join(','));
    if (query.user) params = params.set('user', query.user);
    if (query.feed) params = params.set('feed', query.feed);
    if (query.from) params = params.set('from', query.from);
    if (query.to) params = params.set('to', query.to);
    if (query.limit !== undefined) params = params.set('limit', query.limit);
    if (query.before !== undefined) params = params.set('before', query.before);
    return this.http.get<AuditPage>('/api/security/audit', { params });
  }
}
