import type { IncomingMessage, ServerResponse } from 'node:http';
import type pino from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import { cutAtShutdown } from '../http/graceful-shutdown';

const START = Symbol('stockroom.requestStart');

interface Started {
  [START]?: { at: number; written: number };
}

/**
 * A URL's path only: query strings carry signed-URL tokens and other secrets, never logged. A share
 * link's token is its path's second segment (`/s/{token}/…`): it is replaced by `***`.
 */
export function pathOnly(url: string | undefined): string {
  const raw = url ?? '';
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  return path.replace(/^\/s\/[^/]+/i, '/s/***');
}

/**
 * pino-http, first in the chain so that every request gets `req.log` (its id on every line logged
 * while it runs) and, with STOCKROOM_LOG_REQUESTS, one line when it ends: method, path (never the
 * query), status, duration and the bytes sent on the connection for it (headers included). A response that never finished is said to be aborted by the client.
 */
export function requestLogging(logger: pino.Logger, logRequests: boolean): HttpLogger {
  const middleware = pinoHttp({
    logger,
    autoLogging: logRequests,
    quietReqLogger: true,
    quietResLogger: true,
    // Only what the line needs: no headers (credentials), no query string (signed-URL tokens).
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        path: pathOnly(req.url),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'warn' : 'info'),
    customSuccessMessage: (req, res, ms) => requestLine(req, res, ms),
    customErrorMessage: (req, res) =>
      requestLine(req, res, Date.now() - ((res as ServerResponse & Started)[START]?.at ?? Date.now())),
    // The status is in `status`; an error is the connection's fate (aborted), said in the message.
    customSuccessObject: (req, res, val: Record<string, unknown>) => ({
      ...fields(req, res),
      responseTime: val['responseTime'],
    }),
    customErrorObject: (req, res, _err, val: Record<string, unknown>) => ({
      ...fields(req, res),
      responseTime: val['responseTime'],
    }),
  });
  return Object.assign((req: IncomingMessage, res: ServerResponse, next?: () => void) => {
    const socket = req.socket as typeof req.socket | null;
    (res as ServerResponse & Started)[START] = {
      at: Date.now(),
      written: socket?.bytesWritten ?? 0,
    };
    middleware(req, res, next);
  }, middleware);
}

function fields(req: IncomingMessage, res: ServerResponse): Record<string, unknown> {
  const start = (res as ServerResponse & Started)[START];
  const socket = req.socket;
  return {
    method: req.method,
    path: pathOnly((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url),
    // No answer was sent (a client that went away mid-upload): no status to report.
    status: res.headersSent ? res.statusCode : undefined,
    bytes: start && socket ? socket.bytesWritten - start.written : undefined,
    aborted: !res.writableEnded || undefined,
  };
}

function requestLine(req: IncomingMessage, res: ServerResponse, ms: number): string {
  const f = fields(req, res);
  const aborted = !f['aborted']
    ? ''
    : cutAtShutdown(req.socket)
      ? ' (cut at the shutdown deadline)'
      : ' (aborted by the client)';
  return `${String(f['method'])} ${String(f['path'])} ${String(f['status'] ?? '-')} ${ms}ms ${String(f['bytes'] ?? 0)}B${aborted}`;
}
