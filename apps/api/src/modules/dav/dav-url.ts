import { AssetPathError, ErrorCode, parseEncodedPath } from '@stockroom/contracts';
import { AppError, badRequest } from '../../common/errors/app-error';
import { DavError } from './dav-error';

/** What a `/dav/…` URL names: the root (no directory), a directory's root, or an item path in it. */
export interface DavUrl {
  /** Undefined: `/dav/` itself, the collection of directories. */
  feedName?: string;
  /** Each segment percent-decoded exactly once. */
  segments: string[];
  /** The URL ended with '/'. */
  trailingSlash: boolean;
}

export const DAV_PREFIX = '/dav';

/** Reads the path of a `/dav` URL as sent (raw, decoded once per segment); 400 for a bad one. */
export function parseDavPath(rawPath: string): DavUrl {
  // A fragment is never sent by a browser; a client that sends one means something else than the item.
  if (rawPath.includes('#')) throw badRequest('A request URI may not hold a fragment (#).');
  const q = rawPath.indexOf('?');
  const pathname = q < 0 ? rawPath : rawPath.slice(0, q);
  if (pathname !== DAV_PREFIX && !pathname.startsWith(`${DAV_PREFIX}/`))
    throw new AppError(ErrorCode.NotFound, 'Not a WebDAV path: WebDAV lives under /dav/.');
  const rest = pathname.slice(DAV_PREFIX.length + 1);
  const trailingSlash = pathname.endsWith('/');
  const raw = rest.split('/').filter((s) => s !== '');
  for (const part of raw) {
    // Dot segments and encoded separators are refused rather than resolved: a path names one item.
    if (/^(\.|\.\.|%2e|%2e%2e|\.%2e|%2e\.)$/i.test(part)) throw badRequest('Paths may not hold "." or ".." segments.');
    if (/%2f|%5c/i.test(part)) throw badRequest('Paths may not hold encoded separators (%2F, %5C).');
  }
  if (raw.length === 0) return { segments: [], trailingSlash: true };
  let feedName: string;
  try {
    feedName = decodeURIComponent(raw[0]);
  } catch {
    throw badRequest('Invalid directory name: malformed percent-encoding.');
  }
  let segments: string[];
  try {
    segments = parseEncodedPath(raw.slice(1).join('/'));
  } catch (e) {
    if (e instanceof AssetPathError) throw new AppError(ErrorCode.InvalidPath, e.message);
    throw e;
  }
  return { feedName, segments, trailingSlash };
}

/**
 * A `Destination` header's target (RFC 4918 §10.3): an absolute path, or an absolute URL whose host is
 * one of ours (the request's Host, or the public base URL's); another server is 502.
 */
export function parseDestination(header: string | undefined, ourHosts: readonly string[]): DavUrl {
  if (header === undefined || header.trim() === '') throw badRequest('The Destination header is required.');
  const value = header.trim();
  let path: string;
  if (value.startsWith('/')) {
    path = value;
  } else {
    const m = /^https?:\/\/([^/?#]+)(.*)$/i.exec(value);
    if (!m) throw badRequest('Destination must be an absolute URL or an absolute path.');
    const host = m[1].replace(/^[^@]*@/, '').toLowerCase();
    if (!ourHosts.some((h) => h.toLowerCase() === host))
      throw new DavError(502, `Destination is on another server (${host}); only this one is served.`);
    path = m[2] || '/';
  }
  if (path !== DAV_PREFIX && !path.startsWith(`${DAV_PREFIX}/`))
    throw new DavError(502, 'Destination must be under /dav/ on this server.');
  return parseDavPath(path);
}

/** The href of an item: each segment percent-encoded, collections ending with '/'. */
export function davHref(feedName: string | undefined, segments: readonly string[], collection: boolean): string {
  if (feedName === undefined) return `${DAV_PREFIX}/`;
  const parts = [feedName, ...segments].map(encodeSegment);
  return `${DAV_PREFIX}/${parts.join('/')}${collection ? '/' : ''}`;
}

function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
