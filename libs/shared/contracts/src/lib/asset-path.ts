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
 * trailing, doubled `/`) are ignored; each segment is percent-decoded exactly once, then
 * normalised to Unicode NFC (spec §1 [ext]: `é` sent composed or decomposed is one name).
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
    decoded = decoded.normalize('NFC');
    checkSegment(decoded);
    segments.push(decoded);
  }
  return checkWhole(segments);
}

/** Parses an already-decoded path (archive entries, JSON bodies). `/` separates segments; each is NFC-normalised. */
export function parseDecodedPath(path: string): string[] {
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => s.normalize('NFC'));
  segments.forEach(checkSegment);
  return checkWhole(segments);
}

// ---- rules for names being created or renamed (spec §1 [ext]) ----
// Existing items keep working whatever their name: these apply only where a name comes into being,
// so that every stored name can be checked out on Windows, macOS and Linux and reads as it is.

/** Bidirectional controls: U+202A–U+202E (embeddings, overrides), U+2066–U+2069 (isolates), LRM, RLM, ALM. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;
/** Zero-width space, non-joiner, joiner, word joiner, byte-order mark. */
const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/;
/** Windows device names, with or without an extension (`LPT1.txt`, `con.tar.gz`), in any case. */
const RESERVED = /^(con|prn|aux|nul|com[1-9\u00b9\u00b2\u00b3]|lpt[1-9\u00b9\u00b2\u00b3])(\.|$)/i;
const INVISIBLE = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff]/g;

/** A name as it can be shown in a message: invisible controls written as `<U+202E>`. */
export function displaySegment(segment: string): string {
  return segment.replace(INVISIBLE, (c) => `<${codePoint(c)}>`);
}

function codePoint(c: string): string {
  return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why a (decoded, NFC) segment may not become a new name, or `undefined` when it may. */
export function newNameProblem(segment: string): string | undefined {
  const bidi = BIDI.exec(segment);
  if (bidi) return `bidirectional control characters (${codePoint(bidi[0])}) are not allowed in names`;
  const zeroWidth = ZERO_WIDTH.exec(segment);
  if (zeroWidth) return `zero-width characters (${codePoint(zeroWidth[0])}) are not allowed in names`;
  const reserved = RESERVED.exec(segment);
  if (reserved)
    return `"${reserved[1].toUpperCase()}" is a reserved device name on Windows (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9), with or without an extension`;
  if (segment.endsWith('.')) return 'a name cannot end with a dot';
  if (segment.endsWith(' ')) return 'a name cannot end with a space';
  return undefined;
}

/** Throws {@link AssetPathError} naming the segment and the rule when it may not become a new name. */
export function checkNewName(segment: string): void {
  const problem = newNameProblem(segment);
  if (problem) throw new AssetPathError(`Invalid name "${displaySegment(segment)}": ${problem}.`);
}

/**
 * The other Unicode form (NFD) of a parsed path's segments when it differs: items stored before names
 * were normalised may be stored decomposed, and stay reachable under the form they were stored in.
 */
export function decomposedForm(segments: string[]): string[] | undefined {
  const nfd = segments.map((s) => s.normalize('NFD'));
  return nfd.some((s, i) => s !== segments[i]) ? nfd : undefined;
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
