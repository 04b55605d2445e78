import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { RetentionPreview, RetentionRun, RetentionSettings } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

const BASE = '/api/retention';

export interface PageRequest {
  offset?: number;
  limit?: number;
}

function pageParams(page: PageRequest): HttpParams {
  let params = new HttpParams();
  if (page.offset !== undefined) params = params.set('offset', page.offset);
  if (page.limit !== undefined) params = params.set('limit', page.limit);
  return params;
}

const dir = (name: string) => `${BASE}/${encodeURIComponent(name)}`;

/** [ext] Retention previews, runs and settings (`/api/retention/...`). */
@Injectable({ providedIn: 'root' })
export class RetentionApi {
  private readonly http = inject(HttpClient);

  /** Checks the directory's saved rules now; the answer carries the first page of files. */
  preview(directory: string, page: PageRequest): Observable<RetentionPreview> {
    return this.http.post<RetentionPreview>(`${dir(directory)}/preview`, null, { params: pageParams(page) });
  }

  getPreview(id: string, page: PageRequest): Observable<RetentionPreview> {
    return this.http.get<RetentionPreview>(`${BASE}/previews/${encodeURIComponent(id)}`, {
      params: pageParams(page),
    });
  }

  /** 202: the run, started in the background. */
  apply(directory: string, previewId: string): Observable<RetentionRun> {
    return this.http.post<RetentionRun>(`${dir(directory)}/apply`, { previewId });
  }

  /** 202: the run, started in the background. */
  run(directory: string, dryRun: boolean): Observable<RetentionRun> {
    const params = dryRun ? new HttpParams().set('dryRun', 'true') : undefined;
    return this.http.post<RetentionRun>(`${dir(directory)}/run`, null, { params });
  }

  /** Newest first; `before` = the id of the last run already shown. */
  runsOf(directory: string, opts: { limit: number; before?: number }): Observable<RetentionRun[]> {
    return this.http.get<RetentionRun[]>(`${dir(directory)}/runs`, { params: runsParams(opts) });
  }

  allRuns(opts: { limit: number; before?: number }): Observable<RetentionRun[]> {
    return this.http.get<RetentionRun[]>(`${BASE}/runs`, { params: runsParams(opts) });
  }

  /** A run with a page of its per-file log (`limit: 0` for the counters only). */
  getRun(id: number, page: PageRequest): Observable<RetentionRun> {
    return this.http.get<RetentionRun>(`${BASE}/runs/${id}`, { params: pageParams(page) });
  }

  getSettings(): Observable<RetentionSettings> {
    return this.http.get<RetentionSettings>(`${BASE}/settings`);
  }

  saveSettings(settings: Omit<RetentionSettings, 'nextRun'>): Observable<RetentionSettings> {
    return this.http.post<RetentionSettings>(`${BASE}/settings`, settings);
  }
}

function runsParams(opts: { limit: number; before?: number }): HttpParams {
  let params = new HttpParams().set('limit', opts.limit);
  if (opts.before !== undefined) params = params.set('before', opts.before);
  return params;
}
