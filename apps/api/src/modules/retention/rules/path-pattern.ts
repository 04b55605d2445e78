import { checkPathPattern } from '@stockroom/contracts';
import { badRequest } from '../../../common/errors/app-error';

export { checkPathPattern };

// Every RegExp metacharacter except the wildcards `*` and `?`, which are translated instead.
const REGEX_META = /[.+^${}()|[\]\\/]/g;

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
