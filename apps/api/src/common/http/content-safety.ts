import type { ServerResponse } from 'node:http';

/*
 * User content must never run as the console: it is served from the console's origin, where the
 * session cookie and the CSRF token live. Every answer that carries a user's bytes (content, export)
 * gets these headers from here; `sendStoredObject` and the export answer are the only callers.
 */

/**
 * No scripts, forms, plugins or popups, and an opaque origin: whatever a browser renders cannot
 * read the console's cookies or storage, nor call its API with the session.
 */
export const USER_CONTENT_CSP = 'sandbox';

/**
 * For directories an administrator opened to inline rendering (`inlineContent`, e.g. HTML reports
 * or documentation): scripts may run, but still in an opaque origin (no `allow-same-origin`), so
 * `document.cookie` and storage throw and requests to the API go cross-origin, without the
 * SameSite session cookie and without the CSRF token. No `allow-top-navigation` (a file must not
 * replace the page around it) and no `allow-popups-to-escape-sandbox`.
 */
export const INLINE_USER_CONTENT_CSP = 'sandbox allow-scripts allow-forms allow-modals allow-popups allow-downloads';

/** Media type essences a browser renders as an active document (markup, script, XSLT). */
const ACTIVE_TYPES: ReadonlySet<string> = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/xsl',
  'text/xslt',
  'text/jscript',
  'text/livescript',
  'text/x-component',
]);
const ESSENCE = /^([a-z0-9][a-z0-9!#$&^_.+-]*)\/([a-z0-9][a-z0-9!#$&^_.+-]*)$/;

/**
 * Whether a browser could run something from a file of this type if it rendered it: HTML, XML and
 * every `+xml` (SVG, XHTML, XSLT, RSS… may carry script), any JavaScript/ECMAScript type,
 * `multipart/*` (x-mixed-replace swaps documents), and a malformed or missing type (never trust
 * what cannot be parsed). Parameters (`; charset=…`) and case do not matter.
 */
export function isActiveMediaType(mediaType: string | null | undefined): boolean {
  const essence = (mediaType ?? '').split(';')[0].trim().toLowerCase();
  const parsed = ESSENCE.exec(essence);
  if (!parsed) return true;
  const [, type, subtype] = parsed;
  return (
    ACTIVE_TYPES.has(essence) ||
    subtype === 'xml' ||
    subtype.endsWith('+xml') ||
    subtype.includes('javascript') ||
    subtype.includes('ecmascript') ||
    subtype.includes('html') ||
    type === 'multipart'
  );
}

/**
 * Whether a file is sent as an attachment: when the caller asked for a download, or when its type
 * is active and its directory does not allow active content inline.
 */
export function mustBeAttachment(mediaType: string, opts: { asked: boolean; inlineAllowed: boolean }): boolean {
  return opts.asked || (!opts.inlineAllowed && isActiveMediaType(mediaType));
}

/** The headers every answer carrying user content gets (set last: no metadata header can replace them). */
export function setUserContentHeaders(res: ServerResponse, opts: { inlineAllowed?: boolean } = {}): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', opts.inlineAllowed ? INLINE_USER_CONTENT_CSP : USER_CONTENT_CSP);
}
