import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HttpMetrics, trackHttpRequest } from '../../modules/observability/http-metrics';
import { ClientLimits, clientLimiter } from './client-limits';
import { securityHeaders } from './security-headers';

export interface EdgeOptions {
  /** The request logger (pino-http): every request gets `req.log`, and its line when configured. */
  requestLogging?: (req: IncomingMessage, res: ServerResponse) => void;
  metrics: HttpMetrics;
  limits: ClientLimits;
  /** Sent as X-ProGet-Version on every answer. */
  version: string;
  /** The separate content origin, if any (the console's CSP allows it). */
  contentOrigin?: string;
}

/** A handler after the edge: the Express app, or a fast path that may hand a request on to it. */
export type EdgeHandler = RequestListener<typeof IncomingMessage, typeof ServerResponse>;

/**
 * What every request goes through before anything can answer it, whoever answers (the Express app
 * or a fast path): its logger, its metrics (refusals included), the client limits (which may answer
 * 503 themselves), X-ProGet-Version, and the security headers of its path — the console's CSP and
 * framing rules, or the user-content sandbox on /endpoints (the download helper refines it per file).
 * Returns the server's `request` listener.
 */
export function httpEdge(options: EdgeOptions, handler: EdgeHandler): EdgeHandler {
  const admit = clientLimiter(options.limits);
  const headers = securityHeaders({ contentOrigin: options.contentOrigin });
  const { requestLogging, metrics, version } = options;
  return (req, res) => {
    requestLogging?.(req, res);
    trackHttpRequest(metrics, req, res);
    if (!admit(req, res)) return;
    res.setHeader('X-ProGet-Version', version);
    headers(req, res);
    handler(req, res);
  };
}
