import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { StorageMove, StorageSettings, StorageTestResult, StorageTypeInfo } from '@stockroom/contracts';
import type { Observable } from 'rxjs';

/** What is sent to save or test storage settings. */
export type StorageSettingsRequest = Pick<StorageSettings, 'id' | 'properties'>;

/** ProGet's storage API: types, a directory's settings (secrets masked), tests, and moves. */
@Injectable({ providedIn: 'root' })
export class StorageApi {
  private readonly http = inject(HttpClient);

  /** The storage types and their properties (Administer). */
  types(): Observable<StorageTypeInfo[]> {
    return this.http.get<StorageTypeInfo[]>('/api/storage');
  }

  /** The directory's settings, with its unfinished move if one runs or failed. */
  get(feed: string): Observable<StorageSettings> {
    return this.http.get<StorageSettings>('/api/storage', { params: { feed } });
  }

  /** Saves; a directory that holds files starts moving them (the answer's `move`). */
  save(feed: string, settings: StorageSettingsRequest): Observable<StorageSettings> {
    return this.http.post<StorageSettings>('/api/storage', settings, { params: { feed } });
  }

  test(feed: string, settings: StorageSettingsRequest): Observable<StorageTestResult> {
    return this.http.post<StorageTestResult>('/api/storage/test', settings, { params: { feed } });
  }

  move(id: string): Observable<StorageMove> {
    return this.http.get<StorageMove>(`/api/storage/moves/${encodeURIComponent(id)}`);
  }

  retryMove(id: string): Observable<StorageMove> {
    return this.http.post<StorageMove>(`/api/storage/moves/${encodeURIComponent(id)}/retry`, {});
  }
}
