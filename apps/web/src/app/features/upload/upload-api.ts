import { Injectable, inject } from '@angular/core';
import type { AssetItem, MultipartStatus } from '@stockroom/contracts';
import { encodePath } from '../../shared/links';
import { type TransportResponse, UploadTransport } from './upload-transport';

/** One part of a chunked upload (spec §4): `index`, byte `offset` and `size` within `totalSize`. */
export interface PartRequest {
  id: string;
  index: number;
  offset: number;
  size: number;
  totalSize: number;
  totalParts: number;
}

/** An HTTP answer that is not a success, with the text to show. */
export class UploadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

/** 0 (no answer), timeouts, throttling and server-side trouble: worth trying again after a pause. */
export function isTransient(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/** What to tell the user about a failed request: the server's own text when it sent one. */
export function failureMessage(response: TransportResponse): string {
  if (response.status === 401) return 'Your session ended: sign in and retry.';
  if (response.status === 0) return 'The server could not be reached. Check your connection and retry.';
  const text = response.body.trim();
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
        return parsed.message;
      }
    } catch {
      // Not JSON after all: show the text.
    }
  }
  return text && text.length < 500 ? text : `The server answered ${response.status}.`;
}

function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * The asset content endpoints the upload queue uses (`/endpoints/{feed}/content|metadata/{path}`).
 * Through {@link UploadTransport} rather than HttpClient: uploads need progress events, and one
 * transport keeps the error handling (and the specs' fake) the same for every request of an upload.
 */
@Injectable({ providedIn: 'root' })
export class UploadApi {
  private readonly transport = inject(UploadTransport);

  /** The file at `path`, or undefined when nothing is there (404). */
  async metadata(feed: string, path: string, signal?: AbortSignal): Promise<AssetItem | undefined> {
    const response = await this.transport.send({ method: 'GET', url: this.url(feed, 'metadata', path), signal });
    if (response.status === 404) return undefined;
    if (!ok(response.status)) throw new UploadError(response.status, failureMessage(response));
    return JSON.parse(response.body) as AssetItem;
  }

  /**
   * Lower-cased paths of every file in `folder` (`GET dir/{folder}`), at any depth when `recursive`.
   * A listing answers `[]` for a folder that does not exist: checking for files this way, unlike
   * `GET metadata/{path}`, costs no 404 (which the browser would log) when they are new.
   */
  async filesUnder(feed: string, folder: string, recursive = true): Promise<Set<string>> {
    const url = `/endpoints/${encodeURIComponent(feed)}/dir/${encodePath(folder)}${folder ? '/' : ''}${recursive ? '?recursive=true' : ''}`;
    const response = await this.transport.send({ method: 'GET', url });
    if (!ok(response.status)) throw new UploadError(response.status, failureMessage(response));
    const items = JSON.parse(response.body) as Pick<AssetItem, 'name' | 'parent' | 'type'>[];
    return new Set(
      items.filter((i) => i.type !== 'dir').map((i) => (i.parent ? `${i.parent}/${i.name}` : i.name).toLowerCase()),
    );
  }

  /** A whole file in one request: PUT creates only (400 when it exists), POST creates or overwrites. */
  upload(
    feed: string,
    path: string,
    file: Blob,
    overwrite: boolean,
    onProgress: (loaded: number) => void,
    signal: AbortSignal,
  ): Promise<TransportResponse> {
    return this.transport.send({
      method: overwrite ? 'POST' : 'PUT',
      url: this.url(feed, 'content', path),
      body: file,
      onProgress,
      signal,
    });
  }

  part(
    feed: string,
    path: string,
    part: PartRequest,
    body: Blob,
    contentType: string | undefined,
    onProgress: (loaded: number) => void,
    signal: AbortSignal,
  ): Promise<TransportResponse> {
    const query = new URLSearchParams({
      multipart: 'upload',
      id: part.id,
      index: String(part.index),
      offset: String(part.offset),
      totalSize: String(part.totalSize),
      partSize: String(part.size),
      totalParts: String(part.totalParts),
    });
    return this.transport.send({
      method: 'POST',
      url: `${this.url(feed, 'content', path)}?${query}`,
      body,
      // The media type rides on the first part (a slice has none of its own).
      headers: { 'Content-Type': contentType || 'application/octet-stream' },
      onProgress,
      signal,
    });
  }

  complete(feed: string, path: string, id: string, signal: AbortSignal): Promise<TransportResponse> {
    const query = new URLSearchParams({ multipart: 'complete', id });
    return this.transport.send({ method: 'POST', url: `${this.url(feed, 'content', path)}?${query}`, signal });
  }

  /** [ext] Which parts the server holds; undefined when it knows no such upload (404). */
  async status(feed: string, path: string, id: string, signal: AbortSignal): Promise<MultipartStatus | undefined> {
    const query = new URLSearchParams({ multipart: 'status', id });
    const response = await this.transport.send({
      method: 'GET',
      url: `${this.url(feed, 'content', path)}?${query}`,
      signal,
    });
    if (response.status === 404) return undefined;
    if (!ok(response.status)) throw new UploadError(response.status, failureMessage(response));
    return JSON.parse(response.body) as MultipartStatus;
  }

  /** [ext] Drops an unfinished chunked upload and its stored parts (404 when the server has none). */
  async abort(feed: string, path: string, id: string): Promise<void> {
    const query = new URLSearchParams({ multipart: 'abort', id });
    const response = await this.transport.send({ method: 'POST', url: `${this.url(feed, 'content', path)}?${query}` });
    if (!ok(response.status) && response.status !== 404) {
      throw new UploadError(response.status, failureMessage(response));
    }
  }

  private url(feed: string, operation: 'content' | 'metadata', path: string): string {
    return `/endpoints/${encodeURIComponent(feed)}/${operation}/${encodePath(path)}`;
  }
}
