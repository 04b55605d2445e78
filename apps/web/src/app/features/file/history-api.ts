import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { FileVersion } from '@stockroom/contracts';
import { map, type Observable } from 'rxjs';
import { contentUrl, encodePath } from '../../shared/links';

function endpoint(operation: string, feed: string, path: string): string {
  return `/endpoints/${encodeURIComponent(feed)}/${operation}/${encodePath(path)}`;
}

/** The download link of one version: a plain link, saved as an attachment. */
export function versionUrl(feed: string, path: string, version: number): string {
  return `${contentUrl(feed, path)}?version=${version}&download=true`;
}

/** [ext] File history of a directory (issue 17): `versions/`, `restore/`, `content?version=`. */
@Injectable({ providedIn: 'root' })
export class HistoryApi {
  private readonly http = inject(HttpClient);

  /** The kept versions of one file, newest first (the current content is not among them). */
  versions(feed: string, path: string): Observable<FileVersion[]> {
    return this.http.get<FileVersion[]>(endpoint('versions', feed, path));
  }

  /** The deleted files under a folder (`?deleted=true`), each version with its `path`. */
  deleted(feed: string, folder: string): Observable<FileVersion[]> {
    return this.http.get<FileVersion[]>(endpoint('versions', feed, folder), { params: { deleted: 'true' } });
  }

  /** Makes `version` the current content again (itself kept as a new version); needs Overwrite. */
  restore(feed: string, path: string, version: number): Observable<void> {
    return this.http
      .post(endpoint('restore', feed, path), null, { params: { version }, responseType: 'text' })
      .pipe(map(() => undefined));
  }
}
