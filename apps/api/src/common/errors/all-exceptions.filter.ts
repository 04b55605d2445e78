import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ErrorCode } from '@stockroom/contracts';
import { isStorageError, StorageErrorCode } from '@stockroom/storage';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { AppError, ErrorDetails, httpStatusOf } from './app-error';
import { cutAtShutdown } from '../http/graceful-shutdown';
import { pathOnly } from '../logging/request-logging';
import { isDatabaseUnavailable, translateDatabaseError } from './database-errors';

/** How a protocol writes an error's body: the console's `/api` JSON `{code, message}`, ProGet's text. */
export type ErrorBodyFormat = 'json' | 'text';

interface Mapped {
  status: number;
  code: ErrorCode;
  message: string;
  details: ErrorDetails;
}

/** An error's protocol-neutral details as HTTP headers. */
export function errorHeaders(details: ErrorDetails, req: Pick<Request, 'headers'>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (details.retryAfterSeconds !== undefined) headers['Retry-After'] = String(details.retryAfterSeconds);
  if (details.allowedMethods !== undefined) headers['Allow'] = details.allowedMethods.join(', ');
  // The console's own requests must not make the browser pop up its Basic sign-in dialog.
  if (details.authChallenge === 'basic' && req.headers['x-requested-with'] !== 'XMLHttpRequest') {
    headers['WWW-Authenticate'] = `Basic realm="${details.authRealm ?? 'Stockroom'}", charset="UTF-8"`;
  }
  if (details.rangeSize !== undefined) headers['Content-Range'] = `bytes */${details.rangeSize}`;
  if (details.requestAbandoned) headers['Connection'] = 'close';
  return headers;
}

/**
 * The one place errors become HTTP answers: codes to statuses, details to headers. Unknown errors
 * are logged with a request id and answer a generic 500: never a stack trace. The body is JSON
 * `{code, message}` unless the protocol says otherwise: a controller whose clients expect another
 * format binds its own subclass (`@UseFilters`), e.g. {@link PlainTextErrorsFilter} for `/endpoints`.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  protected readonly logger = new Logger('Errors');

  /** The body format; undefined for the global filter, which also answers requests no controller took. */
  protected readonly bodyFormat: ErrorBodyFormat | undefined = undefined;

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    if (clientGone(req, res)) {
      // The client closed the connection (or its body went idle and the server cut it): whatever
      // failed next — a body stream, a cursor, a query cancelled with it — is that abort, not a
      // fault of ours, and there is no one left to answer.
      const who = cutAtShutdown(req.socket) ? 'cut at the shutdown deadline' : 'aborted by the client';
      this.logger.log(`${req.method} ${pathOnly(req.originalUrl)}: ${who} (${describe(exception)})`);
      res.destroy();
      return;
    }
    const mapped = this.map(exception, req);

    if (res.headersSent) {
      // Mid-stream failure: the only honest thing left is to cut the connection.
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(errorHeaders(mapped.details, req))) res.setHeader(name, value);
    res.removeHeader('Content-Disposition');
    res.removeHeader('ETag');
    res.removeHeader('Last-Modified');
    res.removeHeader('Content-Length');
    res.status(mapped.status);
    if ((this.bodyFormat ?? defaultFormat(req)) === 'text') {
      res.type('text/plain; charset=utf-8').send(req.method === 'HEAD' ? undefined : mapped.message);
    } else {
      res.json({ code: mapped.code, message: mapped.message });
    }
  }

  private map(thrown: unknown, req: Request): Mapped {
    // A rule the database enforced (a quota trigger) outside UnitOfWork, which translates its own.
    const exception = translateDatabaseError(thrown);
    if (exception instanceof AppError) {
      if (exception.code === ErrorCode.InsufficientStorage) {
        this.logger.error(`${req.method} ${pathOnly(req.originalUrl)}: ${exception.message}`);
      }
      return {
        status: httpStatusOf(exception.code),
        code: exception.code,
        message: exception.message,
        details: exception.details,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const raw =
        typeof body === 'object' && body && 'message' in body
          ? (body as { message: unknown }).message
          : exception.message;
      const message = Array.isArray(raw) ? raw.join('; ') : String(raw);
      return {
        status,
        code: status === 404 ? ErrorCode.NotFound : status < 500 ? ErrorCode.BadRequest : ErrorCode.Internal,
        message,
        details: {},
      };
    }
    if (isStorageError(exception)) {
      switch (exception.code) {
        case StorageErrorCode.Unavailable:
        case StorageErrorCode.AccessDenied:
          // The provider's message names the blob key and the store's address: for the log only.
          this.logger.warn(`${req.method} ${pathOnly(req.originalUrl)}: storage unavailable: ${exception.message}`);
          return {
            status: 503,
            code: ErrorCode.ServiceUnavailable,
            message: 'The storage is unavailable; try again later.',
            details: {},
          };
        case StorageErrorCode.InsufficientStorage:
          // The provider's message names the blob key: for the log only.
          this.logger.error(`${req.method} ${pathOnly(req.originalUrl)}: storage full: ${exception.message}`);
          return { status: 507, code: ErrorCode.InsufficientStorage, message: 'The storage is full.', details: {} };
        case StorageErrorCode.Aborted:
          // The body failed but the connection is still there (e.g. a malformed chunked body).
          return {
            status: 400,
            code: ErrorCode.BadRequest,
            message: 'The request body ended before it was complete.',
            details: { requestAbandoned: true },
          };
        case StorageErrorCode.NotFound:
          this.logger.error(
            `${req.method} ${pathOnly(req.originalUrl)}: blob missing from storage: ${exception.message}`,
          );
          return {
            status: 503,
            code: ErrorCode.ServiceUnavailable,
            message: 'The stored file is unavailable.',
            details: {},
          };
        case StorageErrorCode.InvalidKey:
        case StorageErrorCode.SizeMismatch:
        case StorageErrorCode.Unknown:
          break; // not expected this far (services answer the ones a client causes): the 500 below
      }
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(
        `${req.method} ${pathOnly(req.originalUrl)}: database unavailable (${(exception as Error).message})`,
      );
      return {
        status: 503,
        code: ErrorCode.ServiceUnavailable,
        message: 'The database is unavailable; try again shortly.',
        details: { retryAfterSeconds: 5 },
      };
    }
    const requestId = randomUUID();
    this.logger.error(
      `[${requestId}] ${req.method} ${pathOnly(req.originalUrl)}: ${(exception as Error)?.stack ?? String(exception)}`,
    );
    return {
      status: 500,
      code: ErrorCode.Internal,
      message: `Internal server error (request id ${requestId}).`,
      details: {},
    };
  }
}

/** For the ProGet API's controllers: pgutil and ProGet clients print a text/plain error body. */
@Catch()
export class PlainTextErrorsFilter extends AllExceptionsFilter {
  protected override readonly bodyFormat: ErrorBodyFormat = 'text';
}

/**
 * JSON for a controller that declares no format. A request no controller took (an unknown path, a
 * middleware's error; Express sets `req.route` only once a route matched) is answered in the format
 * of the API whose URL space it is in, so that a ProGet client still reads text under `/endpoints/`
 * (and a share link's user under `/s/`).
 */
function defaultFormat(req: Request): ErrorBodyFormat {
  if (req.route) return 'json';
  return /^\/(endpoints|s)\//i.test(req.originalUrl) ? 'text' : 'json';
}

function clientGone(req: Request, res: Response): boolean {
  const socket = req.socket ?? res.socket;
  return socket !== null && socket !== undefined && socket.destroyed;
}

function describe(exception: unknown): string {
  const e = exception as { code?: unknown; message?: unknown } | null;
  return [e?.code, e?.message].filter((x) => typeof x === 'string' && x !== '').join(': ') || String(exception);
}
