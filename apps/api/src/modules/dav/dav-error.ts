import { ArgumentsHost, Catch } from '@nestjs/common';
import { ErrorCode } from '@stockroom/contracts';
import type { Request, Response } from 'express';
import { errorHeaders, PlainTextErrorsFilter } from '../../common/errors/all-exceptions.filter';
import { AppError } from '../../common/errors/app-error';
import { translateDatabaseError } from '../../common/errors/database-errors';
import { davErrorXml } from './dav-xml';

/**
 * A WebDAV answer that has no code of its own in the rest of the server (409 for a missing parent,
 * 412, 423, 424, 502, 507 …), optionally with a DAV: precondition element for a `<D:error>` body.
 */
export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly condition?: string,
  ) {
    super(message);
    this.name = 'DavError';
  }
}

/**
 * Errors under /dav: plain text (as /endpoints), or `<D:error>` XML where RFC 4918/4331 name a
 * precondition — a quota refusal is 507 with `DAV:quota-not-exceeded`. Never JSON, never a stack.
 */
@Catch()
export class DavErrorsFilter extends PlainTextErrorsFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const e = translateDatabaseError(exception);
    let dav: DavError | undefined;
    if (e instanceof DavError) dav = e;
    else if (e instanceof AppError && e.code === ErrorCode.QuotaExceeded)
      dav = new DavError(507, e.message, 'quota-not-exceeded');
    if (!dav || res.headersSent || res.destroyed) return super.catch(exception, host);
    // The refusal's own headers (a body left unread closes the connection).
    if (e instanceof AppError)
      for (const [name, value] of Object.entries(errorHeaders(e.details, req))) res.setHeader(name, value);
    res.removeHeader('ETag');
    res.removeHeader('Content-Length');
    res.status(dav.status);
    if (dav.condition) {
      res.type('application/xml; charset=utf-8').send(req.method === 'HEAD' ? undefined : davErrorXml(dav.condition));
    } else {
      res.type('text/plain; charset=utf-8').send(req.method === 'HEAD' ? undefined : dav.message);
    }
  }
}
