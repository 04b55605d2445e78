import { HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { DOCUMENT, Injectable, inject } from '@angular/core';
import type { ImportResult } from '@stockroom/contracts';
import { Observable } from 'rxjs';

export type ImportEvent = { kind: 'progress'; loaded: number; total: number } | { kind: 'done'; result: ImportResult };

/** The value of a cookie of this page, or undefined. */
export function readCookie(cookies: string, name: string): string | undefined {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * Posts an archive to `import/{folder}` with upload progress. HttpClient runs on fetch() in this
 * app (withFetch), which reports no upload progress: this one request uses XMLHttpRequest, with
 * what the interceptors would add (X-Requested-With; the session's X-XSRF-TOKEN). Unsubscribing
 * aborts the upload. Fails with an HttpErrorResponse carrying the server's text.
 */
@Injectable({ providedIn: 'root' })
export class ArchiveImporter {
  private readonly document = inject(DOCUMENT);

  upload(url: string, file: Blob): Observable<ImportEvent> {
    return new Observable<ImportEvent>((subscriber) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.withCredentials = false; // same origin: cookies go along anyway
      xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
      const token = readCookie(this.document.cookie ?? '', 'XSRF-TOKEN');
      if (token) xhr.setRequestHeader('X-XSRF-TOKEN', token);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.upload.onprogress = (e) =>
        subscriber.next({ kind: 'progress', loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          let result: ImportResult;
          try {
            result = JSON.parse(xhr.responseText) as ImportResult;
          } catch {
            result = { created: 0, overwritten: 0, skipped: 0 };
          }
          subscriber.next({ kind: 'done', result });
          subscriber.complete();
        } else {
          subscriber.error(
            new HttpErrorResponse({
              error: xhr.responseText,
              status: xhr.status,
              statusText: xhr.statusText,
              url,
              headers: new HttpHeaders(),
            }),
          );
        }
      };
      xhr.onerror = () => subscriber.error(new HttpErrorResponse({ error: null, status: 0, statusText: '', url }));
      xhr.send(file);
      return () => {
        if (xhr.readyState !== XMLHttpRequest.DONE) xhr.abort();
      };
    });
  }
}
