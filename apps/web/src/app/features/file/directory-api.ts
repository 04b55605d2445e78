import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Feed } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

/** The directory a file lives in: `GET /api/management/feeds/get/{name}` (spec §7). */
@Injectable({ providedIn: 'root' })
export class DirectoryApi {
  private readonly http = inject(HttpClient);

  /** The directory, with the caller's [ext] `privileges` on it (when the server sends them). */
  get(feed: string): Observable<Feed> {
    return this.http.get<Feed>(`/api/management/feeds/get/${encodeURIComponent(feed)}`);
  }
}
