import { badRequest } from '../../../common/errors/app-error';

const MAX_PATTERN_LENGTH = 1000;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// Every RegExp metacharacter except the wildcards `*` and `?`, which are translated instead.
const REGEX_META = /[.+^${}()|[\]\\/]/g;

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

/**
 * Compiles a pattern (see {@link checkPathPattern}) into a case-insensitive test of a file's path
 * (`builds/1.2/app.zip`: no leading slash). Throws 400 when the pattern is invalid.
 *
 * Not picomatch: even with nobrace/nobracket/noextglob/nonegate it still reads `(a|b)`, `*(x)`
 * and `?(x)` as regex groups, and `[x64]` in `setup [x64] (v2).exe` stops matching itself; file
 * names like that are common, so the three wildcards are translated to an anchored RegExp here.
 */
export function compilePathPattern(pattern: string): (path: string) => boolean {
  const problem = checkPathPattern(pattern);
  if (problem) throw badRequest(`The path pattern "${pattern}" ${problem}.`);
  const body = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  const segments = body.split('/');
  let source: string;
  if (segments.length === 1 && !pattern.startsWith('/') && body !== '**') {
    // A bare name matches the last segment wherever it is, without slicing each path.
    source = `(?:^|/)${segmentSource(body)}$`;
  } else {
    source = '^';
    segments.forEach((segment, i) => {
      const last = i === segments.length - 1;
      if (segment !== '**') source += segmentSource(segment) + (last ? '' : '/');
      else if (!last)
        source += '(?:[^/]+/)*'; // zero or more whole folders, each with its slash
      else source += '.+'; // everything below (alone: every path)
    });
    source += '$';
  }
  const regex = new RegExp(source, 'isu');
  return (path) => regex.test(path);
}

function segmentSource(segment: string): string {
  return segment.replace(REGEX_META, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
}
