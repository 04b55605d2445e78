/** User metadata rules (spec §5): the server enforces them; the console checks them as you type. */

/** A key: an HTTP header token of 1–100 characters (it may be sent as a response header). */
export const METADATA_KEY_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** A value sent as a response header: printable single-line Latin-1. */
export const METADATA_HEADER_VALUE_PATTERN = /^[\t\x20-\x7e\x80-\xff]*$/;
export const MAX_METADATA_VALUE = 4096;
/**
 * Per-file response headers come from an allowlist (spec §5): `X-…` names outside the reserved ones
 * below, and `Content-Language`. Everything else — Content-Disposition, Content-Type, CORS, CSP,
 * HSTS, Refresh, Link, Set-Cookie, Clear-Site-Data, Content-Location, framing — either changes how
 * a browser treats the file or the site (a file could open itself to other origins, wipe the
 * console's storage, redirect, or lift the sandbox the server puts on user content), or how the
 * response is framed; the server owns those. Checked when metadata is written and again when a
 * file is served (rows written before the allowlist existed are filtered too).
 */
const ALLOWED_OTHER_HEADERS: ReadonlySet<string> = new Set(['content-language']);

/**
 * `X-…` names that browsers, proxies or this server give a meaning: security switches (a file
 * must not relax or fake them), proxy controls (`X-Accel-Redirect` and `X-Sendfile` make nginx or
 * Apache serve another file), client-address and credential headers, and our own.
 */
const RESERVED_X_HEADERS: ReadonlySet<string> = new Set([
  'x-frame-options',
  'x-content-type-options',
  'x-xss-protection',
  'x-content-security-policy',
  'x-webkit-csp',
  'x-powered-by',
  'x-dns-prefetch-control',
  'x-permitted-cross-domain-policies',
  'x-download-options',
  'x-ua-compatible',
  'x-sendfile',
  'x-lighttpd-send-file',
  'x-real-ip',
  'x-request-id',
  'x-apikey',
  'x-xsrf-token',
  'x-csrf-token',
  'x-http-method-override',
]);
const RESERVED_X_PREFIXES: readonly string[] = ['x-forwarded-', 'x-proget-', 'x-accel-', 'x-stockroom-'];

/** At most this many bytes of header names and values per file (each header's name + value). */
export const MAX_RESPONSE_HEADER_BYTES = 8 * 1024;

/** Why a metadata key cannot be sent as a response header, or undefined when it can. */
export function responseHeaderProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (ALLOWED_OTHER_HEADERS.has(lower)) return undefined;
  if (!lower.startsWith('x-')) return 'only X-… names and Content-Language can be sent as response headers';
  if (RESERVED_X_HEADERS.has(lower) || RESERVED_X_PREFIXES.some((p) => lower.startsWith(p))) {
    return `${name} is reserved (browsers, proxies or the server give it a meaning)`;
  }
  return undefined;
}

/** The bytes a header costs against {@link MAX_RESPONSE_HEADER_BYTES}. */
export function responseHeaderBytes(name: string, value: string): number {
  // Values are Latin-1 (METADATA_HEADER_VALUE_PATTERN): one byte per character.
  return name.length + value.length;
}

/**
 * The response headers a file's metadata may add, as they are served: allowed names with valid
 * values, in their stored order, until the per-file cap (the rest are left out).
 */
export function allowedResponseHeaders(
  metadata: Record<string, { value: string; includeInResponseHeader?: boolean }> | null | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  let bytes = 0;
  for (const [name, m] of Object.entries(metadata ?? {})) {
    if (!m?.includeInResponseHeader || typeof m.value !== 'string') continue;
    if (!METADATA_KEY_PATTERN.test(name) || responseHeaderProblem(name) !== undefined) continue;
    if (!METADATA_HEADER_VALUE_PATTERN.test(m.value)) continue;
    bytes += responseHeaderBytes(name, m.value);
    if (bytes > MAX_RESPONSE_HEADER_BYTES) break;
    headers[name] = m.value;
  }
  return headers;
}
