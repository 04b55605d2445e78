import type { NextFunction, Request, Response } from 'express';
import { AppConfig, hostOf } from '../../config/app-config';
import { isSignedRequest } from '../../modules/security/request-credentials';

/**
 * The separate content origin (`STOCKROOM_CONTENT_URL`): the same process answers on that host name,
 * but only signed download URLs (and health checks). The console, `/api` and unsigned `/endpoints`
 * requests are refused there, so an uploaded file opened on that origin never shares it with the
 * console or its session cookie. Undefined when no content origin is configured.
 */
export function contentOriginGate(
  config: AppConfig,
): ((req: Request, res: Response, next: NextFunction) => void) | undefined {
  if (!config.contentUrl) return undefined;
  const contentHost = hostOf(config.contentUrl);
  return (req, res, next) => {
    if (req.hostname?.toLowerCase() !== contentHost) {
      next();
      return;
    }
    const method = req.method.toUpperCase();
    const read = method === 'GET' || method === 'HEAD';
    if (method === 'OPTIONS' && isSignedRequest(req.originalUrl)) {
      // The console's preview reads a signed URL from the other origin (with a Range header).
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD');
      res.setHeader('Access-Control-Allow-Headers', 'Range, If-Range, If-None-Match, If-Modified-Since');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    if ((read && isSignedRequest(req.originalUrl)) || /^\/health(\/live)?$/.test(req.path)) {
      // Nothing here is ever authenticated by a cookie.
      delete req.headers.cookie;
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    if (read && config.baseUrl && !/^\/(api|endpoints)(\/|$)/.test(req.path)) {
      // Someone opened the console on the content host name: send them to the real one.
      res.redirect(302, `${config.baseUrl}${req.originalUrl}`);
      return;
    }
    res
      .status(404)
      .type('text/plain; charset=utf-8')
      .send('Not found: this host name serves only signed download URLs; use the main address for the rest.');
  };
}
