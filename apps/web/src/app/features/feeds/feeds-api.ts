import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreateFeedRequest, Feed, UpdateFeedRequest } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

const BASE = '/api/management/feeds';

/** Asset directories (ProGet "feeds"). */
@Injectable({ providedIn: 'root' })
export class FeedsApi {
  private readonly http = inject(HttpClient);

  /** The directories the caller may view, with the caller's privileges, size and storage of each. */
  list(): Observable<Feed[]> {
    return this.http.get<Feed[]>(`${BASE}/list`);
  }

  /** `stats`: with [ext] fileCount and totalBytes (the server counts the files: ask only when shown). */
  get(name: string, options: { stats?: boolean } = {}): Observable<Feed> {
    const params = options.stats ? { stats: 'true' } : undefined;
    return this.http.get<Feed>(`${BASE}/get/${encodeURIComponent(name)}`, { params });
  }

  create(request: CreateFeedRequest): Observable<Feed> {
    return this.http.post<Feed>(`${BASE}/create`, request);
  }

  /** Partial: only the fields given change; `name` renames. */
  update(name: string, request: UpdateFeedRequest): Observable<Feed> {
    return this.http.post<Feed>(`${BASE}/update/${encodeURIComponent(name)}`, request);
  }

  delete(name: string): Observable<void> {
    return this.http.delete<void>(`${BASE}/delete/${encodeURIComponent(name)}`);
  }
}
