import { AssetPathError, ErrorCode, parseEncodedPath } from '@stockroom/contracts';
import { AppError } from '../../common/errors/app-error';
import { Query } from '../../common/http/query';

/** What `/endpoints/{directory}/{operation}/{path}?{query}` names (spec §2). */
export interface EndpointsUrl {
  feedName: string;
  /** Lower-case. */
  operation: string;
  /** The path's segments, each percent-decoded exactly once. */
  segments: string[];
  query: Query;
}

/**
 * Reads an asset-API URL as sent (the raw URL, so that percent-decoding happens exactly once, per
 * segment). Throws the API's 400 for an undecodable directory name or an invalid path.
 */
export function parseEndpointsUrl(url: string): EndpointsUrl {
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const [, , feedRaw = '', operation = '', ...rest] = pathname.split('/');
  let feedName: string;
  try {
    feedName = decodeURIComponent(feedRaw);
  } catch {
    throw new AppError(ErrorCode.BadRequest, 'Invalid directory name.');
  }
  let segments: string[];
  try {
    segments = parseEncodedPath(rest.join('/'));
  } catch (e) {
    if (e instanceof AssetPathError) throw new AppError(ErrorCode.InvalidPath, e.message);
    throw e;
  }
  return { feedName, operation: operation.toLowerCase(), segments, query: new Query(q < 0 ? '' : url.slice(q + 1)) };
}
