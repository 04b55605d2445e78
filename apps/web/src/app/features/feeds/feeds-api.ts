import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Feed } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

const BASE = '/api/management/feeds';

/** Asset directories (ProGet "feeds"). */
@Injectable({ providedIn: 'root' })
export class FeedsApi {
  private readonly http = inject(HttpClient);

  /** The directories the caller may view. */
  list(): Observable<Feed[]> {
    return this.http.get<Feed[]>(`${BASE}/list`);
  }
}
