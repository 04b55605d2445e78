/**
 * Item path rules of the asset API (spec §1). Pure functions: shared by the API and the console.
 *
 * A path is a list of segments relative to the directory root. Segments are case-preserving;
 * comparisons use {@link lowerPath}.
 */

export const MAX_SEGMENT_BYTES = 255;
export const MAX_PATH_BYTES = 2048;

export class AssetPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssetPathError';
  }
}

const encoder = new TextEncoder();
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

/** Throws {@link AssetPathError} when one decoded segment breaks the rules. */
export function checkSegment(segment: string): void {
  if (segment === '.' || segment === '..') {
    throw new AssetPathError(`Invalid path: "${segment}" is not allowed as a path segment.`);
  }
  if (segment.includes('/')) {
    throw new AssetPathError('Invalid path: an encoded "/" (%2F) is not allowed inside a path segment.');
  }
  if (segment.includes('\\')) {
    throw new AssetPathError('Invalid path: "\\" is not allowed in a path.');
  }
  if (CONTROL.test(segment)) {
    throw new AssetPathError('Invalid path: control characters are not allowed in a path.');
  }
  if (utf8Length(segment) > MAX_SEGMENT_BYTES) {
    throw new AssetPathError(`Invalid path: a segment is longer than ${MAX_SEGMENT_BYTES} bytes.`);
  }
}

function checkWhole(segments: string[]): string[] {
  if (utf8Length(segments.join('/')) > MAX_PATH_BYTES) {
    throw new AssetPathError(`Invalid path: longer than ${MAX_PATH_BYTES} bytes.`);
  }
  return segments;
}

/**
 * Parses a path as it arrives in a URL (still percent-encoded). Empty segments (leading,
 * trailing, doubled `/`) are ignored; each segment is percent-decoded exactly once.
 */
export function parseEncodedPath(raw: string): string[] {
  const segments: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      throw new AssetPathError('Invalid path: malformed percent-encoding.');
    }
    checkSegment(decoded);
    segments.push(decoded);
  }
  return checkWhole(segments);
}

/** Parses an already-decoded path (archive entries, JSON bodies). `/` separates segments. */
export function parseDecodedPath(path: string): string[] {
  const segments = path.split('/').filter((s) => s !== '');
  segments.forEach(checkSegment);
  return checkWhole(segments);
}

/** The case-insensitive comparison key of a path (spec §1: `Docs/A.txt` = `docs/a.TXT`). */
export function lowerPath(path: string): string {
  return path.toLowerCase();
}

/** Encodes a path for use in a URL: each segment percent-encoded, joined by `/`. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => encodeURIComponent(s))
    .join('/');
}
