import type { IncomingHttpHeaders } from 'node:http';
import { parse as parseCookies } from 'cookie';
import type { SignedRequest } from './signed-urls.service';

export const SESSION_COOKIE = 'stockroom_session';
/** Angular's HttpClient sends this cookie's value back in `X-XSRF-TOKEN` by itself. */
export const CSRF_COOKIE = 'XSRF-TOKEN';
export const CSRF_HEADER = 'x-xsrf-token';

/** What the caller presented, before anything is looked up (spec §6, first match wins). */
export type Credential =
  | { kind: 'none' }
  | { kind: 'key'; key: string; via: 'x-apikey' | 'x-proget-apikey' | 'basic' | 'query' }
  /**
   * Basic user:password, or `X-ApiKey: user:password` (pgutil's pseudo-key): never a key, since
   * no key contains ":" (generated keys are base64url; chosen ones may not hold it).
   */
  | { kind: 'password'; userName: string; password: string; via: 'basic' | 'x-apikey' }
  | { kind: 'session'; token: string }
  | { kind: 'malformed'; reason: string }
  /** A signed download URL: the URL is the credential (see `SignedUrlsService`). */
  | { kind: 'signed-url'; request: SignedRequest };

/** Everything a caller presents to authentication, whatever the protocol that carried it. */
export interface PresentedCredentials {
  credential: Credential;
  /** Where the caller connects from (audit, login throttling). */
  address: string;
  /** The CSRF token the caller sent back (console sessions; header X-XSRF-TOKEN over HTTP). */
  csrfToken?: string;
}

/**
 * A custom header's value as the client meant it. Node joins a repeated header with ", " (some
 * clients send X-ApiKey twice) and hands its bytes over one char per byte (latin1), while curl
 * and pgutil send UTF-8: a value that decodes cleanly as UTF-8 is read as UTF-8.
 */
function headerValue(value: string | string[] | undefined): string | undefined {
  let v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const repeats = v.split(', ');
  if (repeats.length > 1 && repeats.every((r) => r === repeats[0])) v = repeats[0];
  // eslint-disable-next-line no-control-regex
  if (/[^\u0000-\u007f]/.test(v)) {
    const utf8 = Buffer.from(v, 'latin1').toString('utf8');
    if (!utf8.includes('\ufffd')) v = utf8;
  }
  return v.trim();
}

function splitUserPassword(value: string): [string, string] | undefined {
  const colon = value.indexOf(':');
  return colon < 0 ? undefined : [value.slice(0, colon), value.slice(colon + 1)];
}

export function readCredential(headers: IncomingHttpHeaders, queryKey: string | undefined): Credential {
  const xApiKey = headerValue(headers['x-apikey']);
  if (xApiKey !== undefined) {
    if (xApiKey === '') return { kind: 'malformed', reason: 'The X-ApiKey header is empty.' };
    const pair = splitUserPassword(xApiKey);
    if (pair) return { kind: 'password', userName: pair[0], password: pair[1], via: 'x-apikey' };
    return { kind: 'key', key: xApiKey, via: 'x-apikey' };
  }
  const progetKey = headerValue(headers['x-proget-apikey']);
  if (progetKey !== undefined) {
    if (progetKey === '') return { kind: 'malformed', reason: 'The X-ProGet-ApiKey header is empty.' };
    return { kind: 'key', key: progetKey, via: 'x-proget-apikey' };
  }
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^basic\s+(\S*)\s*$/i.exec(authorization);
    if (!match) {
      return /^basic\b/i.test(authorization)
        ? { kind: 'malformed', reason: 'Malformed Basic credentials.' }
        : { kind: 'malformed', reason: 'Only Basic authentication is supported here.' };
    }
    const encoded = match[1];
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 === 1) {
      return { kind: 'malformed', reason: 'Malformed Basic credentials: not base64.' };
    }
    const pair = splitUserPassword(Buffer.from(encoded, 'base64').toString('utf8'));
    if (!pair || pair[0] === '')
      return { kind: 'malformed', reason: 'Malformed Basic credentials: expected user:password.' };
    const [userName, password] = pair;
    if (userName.toLowerCase() === 'api') return { kind: 'key', key: password, via: 'basic' };
    return { kind: 'password', userName, password, via: 'basic' };
  }
  if (queryKey !== undefined) {
    if (queryKey === '') return { kind: 'malformed', reason: 'The key query parameter is empty.' };
    return { kind: 'key', key: queryKey, via: 'query' };
  }
  const cookieHeader = headers.cookie;
  if (cookieHeader) {
    const token = parseCookies(cookieHeader)[SESSION_COOKIE];
    if (token) return { kind: 'session', token };
  }
  return { kind: 'none' };
}
