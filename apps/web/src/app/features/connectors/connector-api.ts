import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { AssetItem, ConnectorStatus } from '@stockroom/contracts';
import { type Observable, map } from 'rxjs';
import { endpointUrl } from '../browse/browse-api';
import { type Entry, toEntry } from '../browse/entries';

/**
 * [ext] A directory's upstream (issue 20): its status (`GET /api/connectors/{feed}/status`, Manage)
 * and, for `stockroom` connectors, what the upstream offers (`dir/{folder}?upstream=true`). The
 * settings themselves are the feed JSON's `connector` (FeedsApi.update; Administer).
 */
@Injectable({ providedIn: 'root' })
export class ConnectorApi {
  private readonly http = inject(HttpClient);

  status(feed: string): Observable<ConnectorStatus> {
    return this.http.get<ConnectorStatus>(`/api/connectors/${encodeURIComponent(feed)}/status`);
  }

  /** The upstream's folder, as the normal listing (nothing is fetched or cached by listing). */
  upstreamListing(feed: string, folder: string): Observable<Entry[]> {
    return this.http
      .get<AssetItem[]>(endpointUrl(feed, 'dir', folder), { params: { upstream: 'true' } })
      .pipe(map((items) => items.map((item) => toEntry(item, folder))));
  }
}
