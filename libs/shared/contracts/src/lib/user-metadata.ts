/** User metadata rules (spec §5): the server enforces them; the console checks them as you type. */

/** A key: an HTTP header token of 1–100 characters (it may be sent as a response header). */
export const METADATA_KEY_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** A value sent as a response header: printable single-line Latin-1. */
export const METADATA_HEADER_VALUE_PATTERN = /^[\t\x20-\x7e\x80-\xff]*$/;
export const MAX_METADATA_VALUE = 4096;
/** Headers the server owns (or that would change how the response is framed or trusted). */
export const RESERVED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'accept-ranges',
  'age',
  'allow',
  'cache-control',
  'connection',
  'content-disposition',
  'content-encoding',
  'content-length',
  'content-range',
  'content-type',
  'date',
  'etag',
  'expires',
  'keep-alive',
  'last-modified',
  'location',
  'proxy-authenticate',
  'retry-after',
  'set-cookie',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'vary',
  'www-authenticate',
  'x-proget-version',
]);
