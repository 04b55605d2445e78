import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { type CreatedShare, Privilege, type Share, type ShareRequest } from '@stockroom/contracts';
import { map, type Observable } from 'rxjs';

const BASE = '/api/shares';

/** The caller may create share links in a directory whose `privileges` are these: Download and [ext] Feeds_ShareAsset. */
export function maySharePaths(privileges: readonly Privilege[] | undefined): boolean {
  return !!privileges && privileges.includes(Privilege.ShareAsset) && privileges.includes(Privilege.Download);
}

/**
 * [ext] Share links (issue 18): a link serving a file or a folder without an account, until it
 * expires, is revoked or has been downloaded `maxDownloads` times.
 */
@Injectable({ providedIn: 'root' })
export class SharesApi {
  private readonly http = inject(HttpClient);

  /** The answer carries the link's URL (its token), this once. */
  create(request: ShareRequest): Observable<CreatedShare> {
    return this.http.post<CreatedShare>(BASE, request);
  }

  /** A directory's links the caller may see (the managers see all, a creator their own). */
  list(feed: string): Observable<Share[]> {
    return this.http.get<Share[]>(BASE, { params: { feed } });
  }

  /** Ends the link at once: it answers 410 from then on. */
  revoke(id: number): Observable<void> {
    return this.http.delete(`${BASE}/${id}`).pipe(map(() => undefined));
  }
}
