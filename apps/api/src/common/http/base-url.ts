import type { Request } from 'express';
import type { AppConfig } from '../../config/app-config';

/**
 * The server's public base URL (no trailing slash): `STOCKROOM_BASE_URL`, or derived from the request
 * (X-Forwarded-Proto/Host when the proxy is trusted).
 */
export function baseUrlOf(config: AppConfig, req: Request): string {
  if (config.baseUrl) return config.baseUrl;
  const forwarded = (name: string) =>
    config.trustProxy
      ? String(req.headers[name] ?? '')
          .split(',')[0]
          .trim()
      : '';
  const proto = forwarded('x-forwarded-proto') || req.protocol;
  const host = forwarded('x-forwarded-host') || req.headers.host || `localhost:${config.port}`;
  return `${proto}://${host}`;
}
