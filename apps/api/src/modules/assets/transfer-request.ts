import { AssetPathError, ErrorCode, parseDecodedPath } from '@stockroom/contracts';
import { AppError, badRequest } from '../../common/errors/app-error';

/** A checked `POST move/{p}` or `POST copy/{p}` body. */
export interface TransferRequest {
  /** The target path's segments (NFC, every path rule checked). */
  to: string[];
  /** The target directory's name; absent: the same directory. */
  toDirectory?: string;
  overwrite: boolean;
}

/** Checks a move/copy body (`{"to", "toDirectory"?, "overwrite"?}`); 400 with the reason otherwise. */
export function parseTransferRequest(body: unknown): TransferRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest(
      'The body must be a JSON object: {"to": "new/path", "toDirectory"?: "name", "overwrite"?: false}.',
    );
  const { to, toDirectory, overwrite, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw badRequest(
      `Unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}: use to, toDirectory, overwrite.`,
    );
  if (typeof to !== 'string' || to.trim() === '') throw badRequest('"to" must be the new path, a non-empty string.');
  let segments: string[];
  try {
    segments = parseDecodedPath(to);
  } catch (e) {
    if (e instanceof AssetPathError) throw new AppError(ErrorCode.InvalidPath, `"to": ${e.message}`);
    throw e;
  }
  if (segments.length === 0) throw badRequest('"to" must name an item, not the directory root.');
  if (toDirectory !== undefined && toDirectory !== null && (typeof toDirectory !== 'string' || toDirectory === ''))
    throw badRequest('"toDirectory" must be a directory name.');
  if (overwrite !== undefined && overwrite !== null && typeof overwrite !== 'boolean')
    throw badRequest('"overwrite" must be true or false.');
  return {
    to: segments,
    toDirectory: typeof toDirectory === 'string' ? toDirectory : undefined,
    overwrite: overwrite === true,
  };
}
