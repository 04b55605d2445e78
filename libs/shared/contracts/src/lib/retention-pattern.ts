/** Retention path patterns (spec: README "Retention"): checked by the server and by the console. */

const MAX_PATTERN_LENGTH = 1000;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The problem with a retention path pattern, or undefined when it is fine.
 *
 * Patterns: `*` = any characters within a name, `?` = one character, `**` as a whole segment =
 * any number of folders; everything else is literal; no `/` = a file name in any folder.
 */
export function checkPathPattern(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'is empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  if (CONTROL.test(pattern)) return 'contains a control character';
  if (pattern.includes('\\')) return 'contains a backslash: separate folders with /';
  if (pattern.startsWith('!')) return 'starts with "!": negations are not supported here; use keepPackageIds';
  const body = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  if (body === '') return 'names no file (only "/")';
  if (body.endsWith('/')) return 'ends with "/": to match everything in a folder, end it with "/**"';
  const segments = body.split('/');
  if (segments.includes('')) return 'contains an empty folder name ("//")';
  if (segments.some((s) => s !== '**' && s.includes('**')))
    return 'uses "**" inside a name: "**" must be a whole segment (as in "a/**/b"); use "*" within a name';
  return undefined;
}
