import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { CreateFeedRequest, Feed, UpdateFeedRequest } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

const BASE = '/api/management/feeds';

/**
 * [ext] A directory's file history (issue 17): overwritten or deleted files keep numbered versions;
 * `keep` versions per path (0 keeps none), `keepDays` (0: no age limit). An update replaces it whole.
 * Mirrors `FileHistorySettings` of the contracts, which arrives with the history branch.
 */
export interface FileHistorySettings {
  enabled: boolean;
  keep: number;
  keepDays: number;
}

/** The history defaults of the server: off, 10 versions, no age limit. */
export const FILE_HISTORY_DEFAULTS: FileHistorySettings = { enabled: false, keep: 10, keepDays: 0 };

/** A directory with the [ext] fields the console reads beyond `Feed`. */
export type FeedDetails = Feed & { fileHistory?: FileHistorySettings };

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
