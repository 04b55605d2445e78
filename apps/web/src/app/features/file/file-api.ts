import { HttpClient, HttpHeaders, type HttpResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { AssetItem, AssetMetadataUpdate, SignedUrl, SignedUrlRequest } from '@stockroom/contracts';
import { map, type Observable, switchMap } from 'rxjs';
import { contentUrl, encodePath } from '../../shared/links';

/** The first bytes of a file, as text, for the preview. */
export interface TextPreview {
  text: string;
  /** The file is longer than what was fetched. */
  truncated: boolean;
}

/** How many bytes the text preview fetches. */
export const PREVIEW_BYTES = 64 * 1024;

function endpoint(operation: string, feed: string, path: string): string {
  return `/endpoints/${encodeURIComponent(feed)}/${operation}/${encodePath(path)}`;
}

/** One file of an asset directory: `/endpoints/{feed}/metadata|content/{path}` (spec §2, §3, §5). */
@Injectable({ providedIn: 'root' })
export class FileApi {
  private readonly http = inject(HttpClient);

  /** `GET metadata/{p}`: the item JSON (404 when missing). */
  metadata(feed: string, path: string): Observable<AssetItem> {
    return this.http.get<AssetItem>(endpoint('metadata', feed, path));
  }

  /** `POST metadata/{p}`: media type, user metadata, cache setting (needs Add). */
  updateMetadata(feed: string, path: string, update: AssetMetadataUpdate): Observable<void> {
    return this.http
      .post(endpoint('metadata', feed, path), update, { responseType: 'text' })
      .pipe(map(() => undefined));
  }

  /** `DELETE content/{p}`: deletes the file (needs Delete); fine when already gone. */
  delete(feed: string, path: string): Observable<void> {
    return this.http.delete(contentUrl(feed, path), { responseType: 'text' }).pipe(map(() => undefined));
  }

  /**
   * `POST /api/signed-urls` [ext]: a short-lived URL for the file's current content that needs no
   * cookie, on the server's content origin when it has one. Downloads and previews use it, so that
   * a file opened by the console never runs next to the session. `download` asks for an attachment.
   */
  signedUrl(feed: string, path: string, download = false): Observable<string> {
    const body: SignedUrlRequest = { feed, path, ...(download ? { download } : {}) };
    return this.http.post<SignedUrl>('/api/signed-urls', body).pipe(map((signed) => signed.url));
  }

  /**
   * The first {@link PREVIEW_BYTES} of a file as text (`Range: bytes=0-…`), through a signed URL
   * (bound to the content's version, so a cached copy of an older content is never shown). The
   * server counts this as a download: it counts every GET that delivers the first byte.
   */
  textPreview(feed: string, path: string): Observable<TextPreview> {
    return this.signedUrl(feed, path).pipe(
      switchMap((url) =>
        this.http.get(url, {
          headers: new HttpHeaders({ Range: `bytes=0-${PREVIEW_BYTES - 1}` }),
          responseType: 'text',
          observe: 'response',
        }),
      ),
      map((response) => ({ text: response.body ?? '', truncated: isTruncated(response) })),
    );
  }
}

/** 206 with `Content-Range: bytes 0-65535/123456` means there is more; 200 is the whole file. */
function isTruncated(response: HttpResponse<string>): boolean {
  if (response.status !== 206) return false;
  const match = /\/(\d+)\s*$/.exec(response.headers.get('Content-Range') ?? '');
  return match ? Number(match[1]) > PREVIEW_BYTES : true;
}
