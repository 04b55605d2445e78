import { AssetPathError, checkSegment, encodePath, MAX_PATH_BYTES, utf8Length } from '@stockroom/contracts';
import type { CacheHeader, UserMetadataValue } from '@stockroom/contracts';
import { randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { OutboundHttp, OutboundRequestError, type OutboundResponse } from '../../common/net/outbound-http';

/** Between two bytes of an answer (listings of 100k files take a while to start on a busy remote). */
const TIMEOUT_MS = 120_000;
/** A listing is JSON held in memory to compare: refuse one past this size rather than run out of memory. */
const MAX_LISTING_BYTES = 512 * 1024 * 1024;

/** A file of the remote directory, as its listing shows it (spec §3), with its path checked. */
export interface RemoteFile {
  path: string;
  size: number;
  /** Lower-case hex; absent when the remote's listing has none (then SHA-1 is compared: see sameContent). */
  sha256?: string;
  sha1?: string;
  type: string;
  userMetadata?: Record<string, UserMetadataValue>;
  cacheHeader?: CacheHeader;
}

/** A listing entry whose path cannot be a path here (`..`, control characters, absolute, too long). */
export interface RefusedEntry {
  path: string;
  reason: string;
}

/** A remote answered with an HTTP error: `status` and the start of its text body. */
export class RemoteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

interface ListedItem {
  name?: unknown;
  parent?: unknown;
  type?: unknown;
  size?: unknown;
  sha1?: unknown;
  sha256?: unknown;
  userMetadata?: unknown;
  cacheHeader?: unknown;
}

/**
 * Why a listed item's path is refused, or undefined when it is a path of ours. The remote is not
 * trusted: a name with `/`, a parent that is absolute or climbs (`..`), control characters and
 * backslashes are refused rather than normalised (normalising `/etc/x` to `etc/x` would write where
 * the remote did not say).
 */
export function remotePathProblem(parent: string, name: string): string | undefined {
  if (name === '') return 'an empty name';
  if (name.includes('/')) return `the name "${name}" contains "/"`;
  if (parent.startsWith('/') || parent.startsWith('\\')) return 'an absolute parent path';
  if (parent.endsWith('/') || parent.includes('//')) return 'an empty segment in the parent path';
  const segments = parent === '' ? [name] : [...parent.split('/'), name];
  try {
    segments.forEach(checkSegment);
  } catch (e) {
    if (e instanceof AssetPathError) return e.message;
    throw e;
  }
  if (utf8Length(segments.join('/')) > MAX_PATH_BYTES) return `longer than ${MAX_PATH_BYTES} bytes`;
  return undefined;
}

/**
 * The ProGet asset API (spec §2) of a remote directory — another Stockroom or ProGet — through
 * {@link OutboundHttp} (the outbound policy on every connection), authenticated with `X-ApiKey`.
 * Bodies stream both ways; nothing holds a whole file.
 */
export class RemoteAssetClient {
  private readonly base: string;

  constructor(
    private readonly http: OutboundHttp,
    remoteUrl: string,
    readonly feed: string,
    private readonly apiKey: string | null,
    private readonly signal?: AbortSignal,
  ) {
    this.base = `${remoteUrl.replace(/\/+$/, '')}/endpoints/${encodeURIComponent(feed)}`;
  }

  /**
   * Every file and folder of the remote directory (recursive listing), and the entries refused for
   * their path.
   */
  async list(): Promise<{ files: RemoteFile[]; folders: string[]; refused: RefusedEntry[] }> {
    // Compressed, the listing is a fraction of its size (Stockroom gzips /endpoints JSON when asked).
    const res = await this.send({
      method: 'GET',
      url: `${this.base}/dir/?recursive=true`,
      headers: { 'accept-encoding': 'gzip' },
    });
    await this.expect(res, [200], 'list');
    const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') {
      res.body.destroy();
      throw new RemoteError(200, `the remote listing came ${encoding}-encoded`);
    }
    const body = encoding === 'gzip' ? pipeline(res.body, createGunzip(), () => undefined) : res.body;
    let size = 0;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of body) {
        size += (chunk as Buffer).length;
        if (size > MAX_LISTING_BYTES) {
          body.destroy();
          res.body.destroy();
          throw new RemoteError(200, `the remote listing is larger than ${MAX_LISTING_BYTES} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('Z_')) {
        throw new RemoteError(200, 'the remote listing is not valid gzip');
      }
      throw e;
    }
    let items: unknown;
    try {
      items = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new RemoteError(200, 'the remote listing is not JSON');
    }
    if (!Array.isArray(items)) throw new RemoteError(200, 'the remote listing is not a JSON array');
    const files: RemoteFile[] = [];
    const folders: string[] = [];
    const refused: RefusedEntry[] = [];
    for (const raw of items as ListedItem[]) {
      if (typeof raw !== 'object' || raw === null) continue;
      const name = typeof raw.name === 'string' ? raw.name : '';
      const parent = typeof raw.parent === 'string' ? raw.parent : '';
      const shown = parent ? `${parent}/${name}` : name;
      const problem = remotePathProblem(parent, name);
      if (problem) {
        refused.push({ path: raw.type === 'dir' ? `${shown}/` : shown, reason: `refused remote path: ${problem}` });
        continue;
      }
      if (raw.type === 'dir') {
        folders.push(shown.normalize('NFC'));
        continue;
      }
      const hex = (v: unknown) => (typeof v === 'string' && /^[0-9a-f]+$/i.test(v) ? v.toLowerCase() : undefined);
      files.push({
        path: shown.normalize('NFC'),
        size: typeof raw.size === 'number' && raw.size >= 0 ? raw.size : 0,
        sha256: hex(raw.sha256),
        sha1: hex(raw.sha1),
        type: typeof raw.type === 'string' ? raw.type : 'application/octet-stream',
        userMetadata:
          typeof raw.userMetadata === 'object' && raw.userMetadata !== null
            ? (raw.userMetadata as Record<string, UserMetadataValue>)
            : undefined,
        cacheHeader:
          typeof raw.cacheHeader === 'object' && raw.cacheHeader !== null
            ? (raw.cacheHeader as CacheHeader)
            : undefined,
      });
    }
    return { files, folders, refused };
  }

  /** A file's bytes as they stream in, with its media type and length. The caller consumes or destroys `body`. */
  async download(path: string): Promise<{ body: Readable; contentType?: string; contentLength?: number }> {
    const res = await this.send({ method: 'GET', url: this.contentUrl(path) });
    await this.expect(res, [200], `download "${path}"`);
    const length = Number(res.headers['content-length']);
    return {
      body: res.body,
      contentType: res.headers['content-type'],
      contentLength: Number.isSafeInteger(length) ? length : undefined,
    };
  }

  /**
   * The SHA-1 a remote's download headers state (`ETag: "<sha1>"`, spec §2), for a listing that gives
   * no hash: one `HEAD`, no body. Undefined when the remote says nothing usable.
   */
  async etagSha1(path: string): Promise<string | undefined> {
    const res = await this.send({ method: 'HEAD', url: this.contentUrl(path) });
    res.body.resume();
    if (res.status !== 200) return undefined;
    const tag = /^(?:W\/)?"?([0-9a-f]{40})"?$/i.exec(String(res.headers.etag ?? '').trim());
    return tag ? tag[1].toLowerCase() : undefined;
  }

  /** Creates or overwrites a file from a stream (one `POST content/`). */
  async upload(path: string, body: Readable, opts: { contentType: string; contentLength: number }): Promise<void> {
    const res = await this.send({
      method: 'POST',
      url: this.contentUrl(path),
      headers: { 'Content-Type': opts.contentType, 'Content-Length': String(opts.contentLength) },
      body,
    });
    await this.expect(res, [200, 201], `upload "${path}"`);
    res.body.resume();
  }

  /**
   * Creates or overwrites a file with the chunked protocol (spec §4): one `POST` per part, each part
   * opened (streamed) only when it is sent, then `multipart=complete`. For files too large for one
   * request through proxies and timeouts; the file appears on the remote only at completion.
   */
  async uploadInParts(
    path: string,
    size: number,
    partSize: number,
    openPart: (start: number, end: number) => Promise<Readable>,
    contentType: string,
  ): Promise<void> {
    const id = `stockroom-replication-${randomUUID()}`;
    const totalParts = Math.max(1, Math.ceil(size / partSize));
    for (let index = 0; index < totalParts; index++) {
      const offset = index * partSize;
      const length = Math.min(partSize, size - offset);
      const body = await openPart(offset, offset + length - 1);
      const query = new URLSearchParams({
        multipart: 'upload',
        id,
        index: String(index),
        offset: String(offset),
        totalSize: String(size),
        partSize: String(length),
        totalParts: String(totalParts),
      });
      try {
        const res = await this.send({
          method: 'POST',
          url: `${this.contentUrl(path)}?${query}`,
          headers: {
            'Content-Length': String(length),
            ...(index === 0 ? { 'Content-Type': contentType } : { 'Content-Type': 'application/octet-stream' }),
          },
          body,
        });
        await this.expect(res, [200, 201], `upload part ${index} of "${path}"`);
        res.body.resume();
      } finally {
        body.destroy();
      }
    }
    const res = await this.send({
      method: 'POST',
      url: `${this.contentUrl(path)}?${new URLSearchParams({ multipart: 'complete', id })}`,
      headers: { 'Content-Length': '0' },
      body: '',
    });
    await this.expect(res, [200, 201], `complete the upload of "${path}"`);
    res.body.resume();
  }

  /** Sets a file's media type, user metadata (replacing the remote's) and cache setting (spec §5). */
  async setMetadata(
    path: string,
    m: { type: string; userMetadata: Record<string, UserMetadataValue>; cacheHeader: CacheHeader },
  ): Promise<void> {
    const res = await this.send({
      method: 'POST',
      url: `${this.base}/metadata/${encodePath(path)}`,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...m, userMetadataUpdateMode: 'replace' }),
    });
    await this.expect(res, [200, 201, 204], `set the metadata of "${path}"`);
    res.body.resume();
  }

  /** `POST dir/{path}`: the folder and its parents (fine when it exists). */
  async createFolder(path: string): Promise<void> {
    const res = await this.send({ method: 'POST', url: `${this.base}/dir/${encodePath(path)}` });
    await this.expect(res, [200, 201], `create the folder "${path}"`);
    res.body.resume();
  }

  /** `POST delete/{path}?recursive=false`: an empty folder (a RemoteError 400 when it is not empty). */
  async deleteFolder(path: string): Promise<void> {
    const res = await this.send({ method: 'POST', url: `${this.base}/delete/${encodePath(path)}?recursive=false` });
    await this.expect(res, [200, 204], `delete the folder "${path}"`);
    res.body.resume();
  }

  async delete(path: string): Promise<void> {
    const res = await this.send({ method: 'DELETE', url: this.contentUrl(path) });
    await this.expect(res, [200, 204, 404], `delete "${path}"`);
    res.body.resume();
  }

  private contentUrl(path: string): string {
    return `${this.base}/content/${encodePath(path)}`;
  }

  private send(req: {
    method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
    url: string;
    headers?: Record<string, string>;
    body?: string | Readable;
  }): Promise<OutboundResponse> {
    return this.http.request({
      ...req,
      headers: { ...req.headers, ...(this.apiKey ? { 'X-ApiKey': this.apiKey } : {}) },
      timeoutMs: TIMEOUT_MS,
      signal: this.signal,
    });
  }

  /** Throws a {@link RemoteError} with the remote's own words for any other status. */
  private async expect(res: OutboundResponse, ok: number[], what: string): Promise<void> {
    if (ok.includes(res.status)) return;
    let text = '';
    for await (const chunk of res.body) {
      if (text.length < 500) text += (chunk as Buffer).toString('utf8');
    }
    const said = text.trim().slice(0, 300);
    throw new RemoteError(res.status, `the remote could not ${what}: ${res.status}${said ? ` ${said}` : ''}`);
  }
}

/** A failure's message for the run log (the remote's words, an unreachable host, a refused address). */
export function failureReason(e: unknown): string {
  if (e instanceof RemoteError || e instanceof OutboundRequestError) return e.message;
  return (e as Error)?.message ?? String(e);
}
