import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { AssetItem, AssetTransferRequest, AssetTransferResult } from '@stockroom/contracts';
import { type Observable, map } from 'rxjs';
import { encodePath } from '../../shared/links';
import { type Entry, toEntry } from './entries';

export type ArchiveFormat = 'zip' | 'tgz';

/** `move` renames or moves an item (a folder with everything inside); `copy` copies it. */
export type TransferKind = 'move' | 'copy';

/** `/endpoints/{feed}/{operation}/{path}`; the root is `…/{operation}/`. */
export function endpointUrl(feed: string, operation: string, path: string): string {
  return `/endpoints/${encodeURIComponent(feed)}/${operation}/${encodePath(path)}`;
}

/** The whole folder (subfolders included) as an archive: a plain download link. */
export function exportUrl(feed: string, folder: string, format: ArchiveFormat): string {
  return `${endpointUrl(feed, 'export', folder)}?format=${format}&recursive=true`;
}

/** Where an archive is posted to expand into `folder` (format sniffed by the server when absent). */
export function importUrl(feed: string, folder: string, format: ArchiveFormat | undefined, overwrite: boolean): string {
  const query = [format ? `format=${format}` : '', `overwrite=${overwrite}`].filter(Boolean).join('&');
  return `${endpointUrl(feed, 'import', folder)}?${query}`;
}

/** The asset API of one directory's folders (spec §2); the directory itself comes from `FeedsApi`. */
@Injectable({ providedIn: 'root' })
export class BrowseApi {
  private readonly http = inject(HttpClient);

  /** The folder's own files and subfolders (`[]` when it does not exist: see {@link item}). */
  list(feed: string, folder: string): Observable<Entry[]> {
    return this.http
      .get<AssetItem[]>(endpointUrl(feed, 'dir', folder))
      .pipe(map((items) => items.map((item) => toEntry(item, folder))));
  }

  /** One item's JSON; 404 when missing. */
  item(feed: string, path: string): Observable<AssetItem> {
    return this.http.get<AssetItem>(endpointUrl(feed, 'metadata', path));
  }

  /** Creates the folder (and its parents); fine when it exists. */
  createFolder(feed: string, path: string): Observable<unknown> {
    return this.http.post(endpointUrl(feed, 'dir', path), null, { responseType: 'text' });
  }

  /**
   * Deletes a folder with everything inside (`POST delete/{p}?recursive=true`) or a file
   * (`DELETE content/{p}`, which refuses to delete a folder that took the file's place meanwhile).
   */
  delete(feed: string, entry: Pick<Entry, 'path' | 'folder'>): Observable<unknown> {
    return entry.folder
      ? this.http.post(`${endpointUrl(feed, 'delete', entry.path)}?recursive=true`, null, { responseType: 'text' })
      : this.http.delete(endpointUrl(feed, 'content', entry.path), { responseType: 'text' });
  }

  /**
   * `POST move|copy/{path}` [ext]: moves (renames) or copies a file or a whole folder to `request.to`,
   * in this directory or `request.toDirectory`. Refusals (409 target exists, 400, 403, 413) come back
   * as text the server wrote for the user: show them with `errorMessage`.
   */
  transfer(
    feed: string,
    kind: TransferKind,
    path: string,
    request: AssetTransferRequest,
  ): Observable<AssetTransferResult> {
    return this.http.post<AssetTransferResult>(endpointUrl(feed, kind, path), request);
  }
}
