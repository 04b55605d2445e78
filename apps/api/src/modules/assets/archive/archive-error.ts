/**
 * A problem with an archive body or an export request, meant for the user: the message is short,
 * names the offending entry, and never carries a stack trace. 400 = bad or unsafe archive,
 * 413 = over a size or entry-count limit.
 */
export class ArchiveError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'ArchiveError';
  }
}

// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f]/g;
const MAX_SHOWN = 200;

/** Makes an untrusted name safe to quote in a message: control characters escaped, long names cut. */
export function displayName(name: string): string {
  const shown = name.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}…` : shown;
}
