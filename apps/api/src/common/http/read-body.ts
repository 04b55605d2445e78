import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { ErrorCode } from '@stockroom/contracts';
import { AppError, badRequest } from '../errors/app-error';

/** Reads a small JSON body (metadata updates, management calls) with a hard size limit. */
export async function readJsonBody(req: IncomingMessage, limitBytes = 1024 * 1024): Promise<unknown> {
  let text: string;
  // A declared length over the limit is refused before a byte is read (not after reading 1 MB of it).
  const declared = req.headers['transfer-encoding'] === undefined ? req.headers['content-length'] : undefined;
  try {
    text = await getRawBody(req, { limit: limitBytes, encoding: 'utf8', length: declared });
  } catch (e) {
    if ((e as { type?: string }).type === 'entity.too.large') {
      // The rest of the body is still on its way: close the connection rather than read it all.
      throw new AppError(ErrorCode.PayloadTooLarge, `Request body is larger than ${limitBytes} bytes.`, {
        requestAbandoned: true,
      });
    }
    throw badRequest('Could not read the request body.');
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('Request body is not valid JSON.');
  }
}

/**
 * Refuses a body that is not declared `application/json`. A browser sends `text/plain`, form and
 * multipart bodies across sites without asking, but never `application/json` (that needs a CORS
 * preflight this server does not grant): a route that takes only JSON cannot be posted to by
 * another site's page (login CSRF).
 */
export function requireJsonContentType(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new AppError(
      ErrorCode.UnsupportedMediaType,
      `Send the request body as JSON with Content-Type: application/json${type ? ` (not ${type.slice(0, 100)})` : ''}.`,
    );
  }
}
