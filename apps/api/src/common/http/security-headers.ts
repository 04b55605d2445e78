import type { IncomingMessage, ServerResponse } from 'node:http';
import { setUserContentHeaders } from './content-safety';

export interface ConsolePolicyOptions {
  /**
   * Another origin the console shows files from (a separate content origin): it may load images,
   * media and previews from there. Absent: everything comes from the console's own origin.
   */
  contentOrigin?: string;
}

/**
 * The console's Content-Security-Policy, built here only. No inline script and no eval (the
 * build emits none: critical-CSS inlining, whose `onload` handler this would block, is off in
 * apps/web/project.json); inline styles stay allowed because Angular and Angular Material add
 * `<style>` elements and style attributes at run time. Nothing may frame the console.
 */
export function consoleContentSecurityPolicy(options: ConsolePolicyOptions = {}): string {
  const content = options.contentOrigin ? ` ${new URL(options.contentOrigin).origin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${content}`,
    `media-src 'self'${content}`,
    `connect-src 'self'${content}`,
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The API documentation page (`/api/docs`, swagger-ui): its own scripts and styles only, the
 * document and "Try it out" requests to this origin. No inline script, no eval and no inline
 * style (swagger-ui sets styles through the DOM, which CSP allows); `data:` images for its icons.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const DOCS_PATHS = /^\/api\/docs([/?#]|$)/;

/** Paths whose answers carry (or are about) user content rather than the console. */
const USER_CONTENT_PATHS = /^\/endpoints([/?#]|$)/;

/**
 * Sets the security headers every answer starts with: the console's CSP and framing rules on
 * the console, its assets and `/api` (the API documentation page has its own); the user-content sandbox on `/endpoints` (the download
 * helper refines it per file). Everything gets `nosniff` and a referrer policy.
 */
export function securityHeaders(options: ConsolePolicyOptions = {}) {
  const csp = consoleContentSecurityPolicy(options);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    res.setHeader('Referrer-Policy', 'same-origin');
    if (USER_CONTENT_PATHS.test(url)) {
      setUserContentHeaders(res);
    } else {
      res.setHeader('Content-Security-Policy', DOCS_PATHS.test(url) ? DOCS_CONTENT_SECURITY_POLICY : csp);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('X-Frame-Options', 'DENY');
    }
  };
}
