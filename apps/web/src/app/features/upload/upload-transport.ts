import { DOCUMENT } from '@angular/common';
import { Injectable, inject } from '@angular/core';

export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Same-origin URL, e.g. `/endpoints/installers/content/a.txt?multipart=status&id=x`. */
  url: string;
  body?: Blob;
  headers?: Record<string, string>;
  /** Bytes of the body sent so far (upload progress). */
  onProgress?: (loaded: number) => void;
  signal?: AbortSignal;
}

/** Any HTTP answer, errors included; status 0 = no answer (network down, connection reset). */
export interface TransportResponse {
  status: number;
  body: string;
}

/** Thrown (as a rejection) when the request's signal aborted it. */
export function abortError(): DOMException {
  return new DOMException('The upload was cancelled.', 'AbortError');
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/**
 * The upload queue's requests, over XMLHttpRequest: HttpClient runs on fetch here (`withFetch()`),
 * which reports no upload progress. It adds what the app's interceptors add to HttpClient calls:
 * `X-Requested-With` (no browser password dialog on 401) and the session's CSRF token. Resolves
 * with every HTTP answer (the caller decides what an error means); rejects only when aborted.
 */
@Injectable({ providedIn: 'root' })
export class UploadTransport {
  private readonly document = inject(DOCUMENT);

  send(request: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const { signal } = request;
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      const xhr = new XMLHttpRequest();
      const onAbort = () => xhr.abort();
      const done = () => signal?.removeEventListener('abort', onAbort);
      xhr.open(request.method, request.url);
      xhr.responseType = 'text';
      xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
      const token = this.xsrfToken();
      if (token && request.method !== 'GET') xhr.setRequestHeader('X-XSRF-TOKEN', token);
      for (const [name, value] of Object.entries(request.headers ?? {})) xhr.setRequestHeader(name, value);
      if (request.onProgress) {
        const report = request.onProgress;
        xhr.upload.onprogress = (event) => report(event.loaded);
      }
      xhr.onload = () => {
        done();
        resolve({ status: xhr.status, body: xhr.responseText ?? '' });
      };
      xhr.onerror = xhr.ontimeout = () => {
        done();
        resolve({ status: 0, body: '' });
      };
      xhr.onabort = () => {
        done();
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      xhr.send(request.body ?? null);
    });
  }

  private xsrfToken(): string | undefined {
    for (const cookie of (this.document.cookie ?? '').split(';')) {
      const [name, ...value] = cookie.trim().split('=');
      if (name === 'XSRF-TOKEN') return decodeURIComponent(value.join('='));
    }
    return undefined;
  }
}
