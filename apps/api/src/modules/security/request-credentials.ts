import { AssetPathError, parseEncodedPath } from '@stockroom/contracts';
import type { Request } from 'express';
import type { IncomingMessage } from 'node:http';
import { Query } from '../../common/http/query';
import { CSRF_HEADER, PresentedCredentials, readCredential } from './credentials';
import { SIGNED_URL_PARAMS } from './signed-url-signer';
import type { SignedRequest } from './signed-urls.service';

/** The caller's address (behind a trusted proxy, the one it reports), IPv4 without the IPv6 prefix. */
export function clientAddress(req: Request): string {
  return (req.ip ?? req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** The request carries a signature: it is a signed download, whatever else it carries. */
export function isSignedRequest(originalUrl: string, query = Query.fromUrl(originalUrl)): boolean {
  return originalUrl.startsWith('/endpoints/') && query.has(SIGNED_URL_PARAMS.signature);
}

/**
 * What an HTTP request presents to authentication (spec §6), read once at the edge so that
 * `AuthenticationService` never sees a request: a signed download URL is its own and only
 * credential (headers and cookies are then not read); otherwise the first credential that matches.
 */
export function presentedCredentials(req: Request): PresentedCredentials {
  return credentialsAt(req, req.originalUrl, clientAddress(req));
}

/**
 * The same for a request at `url` from `address`, as read before Express has seen it (the download
 * fast path works the address out as Express does: http/client-address.ts).
 */
export function credentialsAt(req: IncomingMessage, url: string, address: string): PresentedCredentials {
  const query = Query.fromUrl(url);
  if (isSignedRequest(url, query)) {
    return { address, credential: { kind: 'signed-url', request: signedRequest(req.method ?? '', url) } };
  }
  const csrf = req.headers[CSRF_HEADER];
  return {
    address,
    credential: readCredential(req.headers, query.get('key')),
    ...(typeof csrf === 'string' ? { csrfToken: csrf } : {}),
  };
}

/** `/endpoints/{dir}/{operation}/{path}?expires=…&version=…&signature=…`, each part decoded once. */
function signedRequest(method: string, url: string): SignedRequest {
  const q = url.indexOf('?');
  const query = new Query(q < 0 ? '' : url.slice(q + 1));
  const [, , feedRaw = '', operation = '', ...rest] = (q < 0 ? url : url.slice(0, q)).split('/');
  let target: SignedRequest['target'];
  try {
    target = { feed: decodeURIComponent(feedRaw), path: parseEncodedPath(rest.join('/')).join('/') };
  } catch (e) {
    if (!(e instanceof AssetPathError || e instanceof URIError)) throw e;
  }
  return {
    method: method.toUpperCase(),
    operation: operation.toLowerCase(),
    multipart: query.get('multipart'),
    target,
    expires: query.get(SIGNED_URL_PARAMS.expires),
    version: query.get(SIGNED_URL_PARAMS.version),
    signature: query.get(SIGNED_URL_PARAMS.signature) ?? '',
  };
}
