import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ImportResult } from '@stockroom/contracts';
import { Observable } from 'rxjs';
import { UploadTransport, isAbort } from '../upload/upload-transport';

export type ImportEvent = { kind: 'progress'; loaded: number; total: number } | { kind: 'done'; result: ImportResult };

/**
 * Posts an archive to `import/{folder}` with upload progress, through the upload queue's transport
 * (XMLHttpRequest: HttpClient runs on fetch here, which reports no upload progress; the transport
 * adds X-Requested-With and the session's CSRF token). Unsubscribing aborts the upload. Fails with
 * an HttpErrorResponse carrying the server's text.
 */
@Injectable({ providedIn: 'root' })
export class ArchiveImporter {
  private readonly transport = inject(UploadTransport);

  upload(url: string, file: Blob): Observable<ImportEvent> {
    return new Observable<ImportEvent>((subscriber) => {
      const controller = new AbortController();
      this.transport
        .send({
          method: 'POST',
          url,
          body: file,
          headers: { 'Content-Type': 'application/octet-stream' },
          onProgress: (loaded) => subscriber.next({ kind: 'progress', loaded, total: file.size }),
          signal: controller.signal,
        })
        .then(
          (response) => {
            if (response.status >= 200 && response.status < 300) {
              subscriber.next({ kind: 'done', result: importResult(response.body) });
              subscriber.complete();
            } else {
              subscriber.error(new HttpErrorResponse({ error: response.body || null, status: response.status, url }));
            }
          },
          (e: unknown) => {
            if (!isAbort(e)) subscriber.error(e);
          },
        );
      return () => controller.abort();
    });
  }
}

function importResult(body: string): ImportResult {
  try {
    return JSON.parse(body) as ImportResult;
  } catch {
    return { created: 0, overwritten: 0, skipped: 0 };
  }
}
