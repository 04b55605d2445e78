import { create as contentDisposition } from 'content-disposition';

/**
 * `Content-Disposition: attachment` (RFC 6266, with `filename*` for non-ASCII names). The library
 * leaves token-like names bare; the spec (and some clients) expect them quoted.
 */
export function attachmentDisposition(fileName: string): string {
  return contentDisposition(fileName, { type: 'attachment' }).replace(
    /^attachment; filename=([^";]+)$/,
    'attachment; filename="$1"',
  );
}
