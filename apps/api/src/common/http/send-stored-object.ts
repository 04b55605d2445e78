import { attachmentDisposition } from './attachment';
import { isActiveMediaType, mustBeAttachment, setUserContentHeaders } from './content-safety';
import type { IncomingMessage, ServerResponse } from 'node:http';
import rangeParser from 'range-parser';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange } from '@stockroom/storage';
import { ErrorCode } from '@stockroom/contracts';
import { AppError } from '../errors/app-error';
import { streamBody } from './stream-body';

/** What a download service hands to HTTP: the object's facts and a way to open its bytes. */
export interface StoredObjectResponse {
  size: number;
  mediaType: string;
  /** SHA-1 hex: the strong ETag. */
  sha1: string;
  lastModified: Date;
  cacheControl: string;
  headers: Record<string, string>;
  /** The file's name: what an attachment is saved as. */
  fileName: string;
  /** Set when the caller asked for `Content-Disposition: attachment`. */
  attachmentName?: string;
  /**
   * The directory lets active types (HTML, SVG, script…) render inline (`inlineContent`); they are
   * still sandboxed. Otherwise they are always attachments.
   */
  inlineContent?: boolean;
  open(range?: ByteRange): Promise<Readable>;
  /** Set for small files: their whole content, from memory once read (ranges are cut from it). */
  smallContent?(): Promise<Buffer>;
  /**
   * Set when the file is to be fetched from its store directly: a short-lived URL that answers
   * with this object's Content-Type and the given Content-Disposition (when there is one).
   */
  directUrl?(options: { contentDisposition?: string }): Promise<string>;
  /** Called once a GET starts delivering the file (from its first byte, or by redirect). */
  delivered?(): void;
  /**
   * [ext] The bytes are still arriving from a connector's upstream (issue 20): no ETag (`sha1` is not
   * known yet), no validators or ranges (200 in full), and `size` -1 when the upstream did not say
   * (sent chunked). A body that fails mid-way cuts the connection: it is never complete.
   */
  live?: boolean;
}

const wholeSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

function parseHttpDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

function etagMatches(header: string, sha1: string): boolean {
  return header
    .split(',')
    .map((t) =>
      t
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase(),
    )
    .some((t) => t === '*' || t === sha1);
}

function isNotModified(req: IncomingMessage, obj: StoredObjectResponse): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return etagMatches(inm, obj.sha1);
  const ims = parseHttpDate(req.headers['if-modified-since']);
  return ims !== undefined && wholeSeconds(obj.lastModified) <= ims;
}

/** `If-Range` holds an ETag or a date; the range applies only when it still matches. */
function ifRangeAllows(req: IncomingMessage, obj: StoredObjectResponse): boolean {
  const value = req.headers['if-range'] as string | undefined;
  if (value === undefined) return true;
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith('W/') || /^[0-9a-f]{40}$/i.test(v)) {
    return !v.startsWith('W/') && etagMatches(v, obj.sha1);
  }
  const date = parseHttpDate(v);
  return date !== undefined && date === wholeSeconds(obj.lastModified);
}

function pickRange(req: IncomingMessage, obj: StoredObjectResponse): ByteRange | undefined {
  const header = req.headers.range;
  if (!header || !ifRangeAllows(req, obj)) return undefined;
  const parsed = rangeParser(obj.size, header, { combine: true });
  if (parsed === -2) return undefined; // malformed: ignore, answer in full
  if (parsed === -1) {
    throw new AppError(ErrorCode.RangeNotSatisfiable, `Range not satisfiable: the file is ${obj.size} bytes.`, {
      rangeSize: obj.size,
    });
  }
  if (parsed.type !== 'bytes' || parsed.length !== 1) return undefined; // multi-range: 200 full
  return { start: parsed[0].start, end: parsed[0].end };
}

/**
 * Whether {@link sendStoredObject} would answer this request with the file from its first byte: a GET
 * that is not a 304, with no range or a range from byte 0 (a share link counts only those, issue 18).
 */
export function deliversFromStart(req: IncomingMessage, obj: StoredObjectResponse): boolean {
  if (req.method !== 'GET' || isNotModified(req, obj)) return false;
  try {
    const range = pickRange(req, obj);
    return range === undefined || range.start === 0;
  } catch {
    return false; // 416: nothing is delivered
  }
}

/**
 * Owns every HTTP detail of sending a stored file: validators and 304, Range/If-Range and 206/416,
 * HEAD, Cache-Control and metadata headers, streaming with abort propagation, and the
 * content-safety headers (user content never runs as the console: see content-safety.ts).
 */
export async function sendStoredObject(
  req: IncomingMessage,
  res: ServerResponse,
  obj: StoredObjectResponse,
): Promise<void> {
  for (const [name, value] of Object.entries(obj.headers)) res.setHeader(name, value);
  if (!obj.live) res.setHeader('ETag', `"${obj.sha1}"`);
  res.setHeader('Last-Modified', obj.lastModified.toUTCString());
  res.setHeader('Cache-Control', obj.cacheControl);
  // `public` is the spec's default; a shared cache must still not hand one caller's file to
  // another whose credentials differ (API key headers are invisible to caches otherwise).
  res.setHeader('Vary', 'Authorization, X-ApiKey, X-ProGet-ApiKey, Cookie');
  res.setHeader('Accept-Ranges', 'bytes');
  const inlineAllowed = obj.inlineContent === true;
  setUserContentHeaders(res, { inlineAllowed });
  const attachment = mustBeAttachment(obj.mediaType, { asked: obj.attachmentName !== undefined, inlineAllowed });
  const disposition = attachment ? attachmentDisposition(obj.attachmentName ?? obj.fileName) : undefined;

  if (obj.live) return sendLive(req, res, obj, disposition);
  if (isNotModified(req, obj)) {
    res.statusCode = 304;
    res.end();
    return;
  }

  // Active content shown inline (a directory with `inlineContent`) is never redirected: the
  // store's origin could not sandbox it, so it is streamed from here with the sandbox CSP.
  const inlineActive = !attachment && isActiveMediaType(obj.mediaType);
  if (req.method === 'GET' && obj.directUrl && !inlineActive) {
    // The URL is short-lived and signed: no cache may keep the redirect. Range and validators
    // travel with the client to the store, which answers them itself — with the same
    // Content-Disposition, so an active type is a download there too.
    const location = await obj.directUrl({ contentDisposition: disposition });
    res.setHeader('Cache-Control', 'no-store');
    res.writeHead(302, { Location: location, 'Content-Length': 0 }).end();
    obj.delivered?.();
    return;
  }

  const range = pickRange(req, obj);
  res.setHeader('Content-Type', obj.mediaType);
  if (disposition !== undefined) res.setHeader('Content-Disposition', disposition);
  if (range) {
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${obj.size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.statusCode = 200;
    res.setHeader('Content-Length', String(obj.size));
  }

  if (req.method === 'HEAD' || obj.size === 0) {
    res.end();
    return;
  }
  if (obj.smallContent) {
    const content = await obj.smallContent();
    if (!range || range.start === 0) obj.delivered?.();
    res.end(range ? content.subarray(range.start, range.end + 1) : content);
    return;
  }
  const body = await obj.open(range);
  if (!range || range.start === 0) obj.delivered?.();
  const length = range ? range.end - range.start + 1 : obj.size;
  try {
    await streamBody(body, res, length);
  } catch (e) {
    // A client that goes away mid-download is not a server error.
    if ((e as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' || res.destroyed) return;
    throw e;
  }
}

/** A body still arriving from an upstream: in full, chunked when its size is unknown, cut on failure. */
async function sendLive(
  req: IncomingMessage,
  res: ServerResponse,
  obj: StoredObjectResponse,
  disposition: string | undefined,
): Promise<void> {
  res.statusCode = 200;
  res.setHeader('Content-Type', obj.mediaType);
  if (disposition !== undefined) res.setHeader('Content-Disposition', disposition);
  if (obj.size >= 0) res.setHeader('Content-Length', String(obj.size));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const body = await obj.open();
  obj.delivered?.();
  try {
    await pipeline(body, res);
  } catch (e) {
    if (!res.destroyed) res.destroy(e as Error);
    if ((e as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw e;
  }
}
