import { ArchiveError, displayName } from './archive-error';

export type ArchiveFormat = 'zip' | 'tgz';

/**
 * Parses the `format` query value (case-insensitive `zip` or `tgz`). Absent or empty gives
 * `undefined` (the caller picks a default or sniffs the body); anything else is a 400.
 */
export function parseArchiveFormat(value: string | undefined): ArchiveFormat | undefined {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return undefined;
  const lower = trimmed.toLowerCase();
  if (lower === 'zip' || lower === 'tgz') return lower;
  throw new ArchiveError(400, `Unsupported format "${displayName(trimmed)}": use zip or tgz.`);
}

/** Recognises an archive from its first bytes: `PK\x03\x04` (or `PK\x05\x06`, an empty zip) or gzip's `\x1f\x8b`. */
export function sniffArchiveFormat(head: Buffer): ArchiveFormat | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b) {
    if ((head[2] === 0x03 && head[3] === 0x04) || (head[2] === 0x05 && head[3] === 0x06)) return 'zip';
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tgz';
  return null;
}
