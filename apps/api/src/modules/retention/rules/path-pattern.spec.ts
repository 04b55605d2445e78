import { AppError } from '../../../common/errors/app-error';
import { checkPathPattern, compilePathPattern } from './path-pattern';

function matches(pattern: string, path: string): boolean {
  return compilePathPattern(pattern)(path);
}

describe('compilePathPattern', () => {
  describe('a pattern without "/" matches the file name in any folder', () => {
    it.each([
      ['*.zip', 'x.zip', true],
      ['*.zip', 'a/b/x.zip', true],
      ['*.zip', 'a/b/x.ZIP', true],
      ['*.zip', 'a/b/x.zip.sha256', false],
      ['*.zip', 'a.zip/readme.txt', false],
      ['app.zip', 'builds/1.2/app.zip', true],
      ['app.zip', 'builds/1.2/myapp.zip', false],
      ['APP-*.TAR.GZ', 'x/app-1.2.tar.gz', true],
    ])('%s vs %s → %s', (pattern, path, expected) => {
      expect(matches(pattern, path)).toBe(expected);
    });
  });

  describe('a pattern with "/" matches the whole path from the root', () => {
    it.each([
      ['builds/*.zip', 'builds/x.zip', true],
      ['builds/*.zip', 'builds/1.2/x.zip', false],
      ['builds/*.zip', 'old/builds/x.zip', false],
      ['/builds/*.zip', 'builds/x.zip', true],
      ['/builds/*.zip', 'old/builds/x.zip', false],
      ['/app.zip', 'app.zip', true],
      ['/app.zip', 'builds/app.zip', false],
      ['Builds/*/App.Zip', 'builds/1.2/app.zip', true],
    ])('%s vs %s → %s', (pattern, path, expected) => {
      expect(matches(pattern, path)).toBe(expected);
    });
  });

  describe('"*" stays within a name, "**" spans folders', () => {
    it.each([
      ['builds/*', 'builds/a/x.zip', false],
      ['builds/**', 'builds/a/x.zip', true],
      ['builds/**', 'builds/x.zip', true],
      ['builds/**', 'builds', false],
      ['builds/**', 'other/x.zip', false],
      ['builds/**/*.zip', 'builds/x.zip', true],
      ['builds/**/*.zip', 'builds/a/b/x.zip', true],
      ['builds/**/*.zip', 'builds/a/b/x.txt', false],
      ['builds/**/*.zip', 'other/builds/x.zip', false],
      ['**/test', 'test', true],
      ['**/test', 'a/test', true],
      ['**/test', 'a/b/test', true],
      ['**/test', 'a/contest', false],
      ['**/*.log', 'a/b/c.log', true],
      ['**', 'anything/at/all.txt', true],
      ['a/**/b/**/c', 'a/b/c', true],
      ['a/**/b/**/c', 'a/x/b/y/z/c', true],
      ['a/**/b/**/c', 'a/x/y/c', false],
      ['*/x.zip', 'a/x.zip', true],
      ['*/x.zip', 'a/b/x.zip', false],
    ])('%s vs %s → %s', (pattern, path, expected) => {
      expect(matches(pattern, path)).toBe(expected);
    });
  });

  describe('"?" is one character of a name', () => {
    it.each([
      ['v?.zip', 'v1.zip', true],
      ['v?.zip', 'v10.zip', false],
      ['v?.zip', 'v.zip', false],
      ['a?b', 'x/a/b', false],
      ['a?b', 'x/a.b', true],
      ['?.txt', 'é.txt', true],
    ])('%s vs %s → %s', (pattern, path, expected) => {
      expect(matches(pattern, path)).toBe(expected);
    });
  });

  describe('everything else is literal', () => {
    it.each([
      ['setup [x64] (v2).exe', 'dl/setup [x64] (v2).exe', true],
      ['setup [x64] (v2).exe', 'dl/setup x (v2).exe', false],
      ['setup [x64] (v2).exe', 'dl/setup 6 (v2).exe', false],
      ['[abc].txt', 'a.txt', false],
      ['[abc].txt', '[abc].txt', true],
      ['{a,b}.txt', 'a.txt', false],
      ['{a,b}.txt', '{a,b}.txt', true],
      ['a(b|c)', 'ab', false],
      ['a(b|c)', 'a(b|c)', true],
      ['*(v2).exe', 'setup (v2).exe', true],
      ['?(v2).exe', 'x(v2).exe', true],
      ['?(v2).exe', 'v2.exe', false],
      ['+(a).txt', '+(a).txt', true],
      ['+(a).txt', 'a.txt', false],
      ['@(a).txt', 'a.txt', false],
      ['x!y.txt', 'x!y.txt', true],
      ['a+b.txt', 'a+b.txt', true],
      ['a+b.txt', 'aab.txt', false],
      ['a.b', 'axb', false],
      ['a.b', 'a.b', true],
      ['$1^2', '$1^2', true],
      ['*.tar.gz', 'x.tar.gz', true],
      ['*.tar.gz', 'x.tarXgz', false],
      ['.hidden', 'a/.hidden', true],
      ['*', 'a/.hidden', true],
    ])('%s vs %s → %s', (pattern, path, expected) => {
      expect(matches(pattern, path)).toBe(expected);
    });
  });

  it('is case-insensitive beyond ASCII', () => {
    expect(matches('ÄRGER.txt', 'a/ärger.TXT')).toBe(true);
  });

  it('throws 400 for an invalid pattern', () => {
    expect(() => compilePathPattern('a//b')).toThrow(AppError);
    expect(() => compilePathPattern('a//b')).toThrow('The path pattern "a//b" contains an empty folder name');
  });
});

describe('checkPathPattern', () => {
  it.each(['*.zip', 'builds/**', '/builds/*.zip', '**/test', 'setup [x64] (v2).exe', 'a b/c d.txt'])(
    'accepts %s',
    (pattern) => {
      expect(checkPathPattern(pattern)).toBeUndefined();
    },
  );

  it('accepts 1000 characters and rejects 1001', () => {
    expect(checkPathPattern('x'.repeat(1000))).toBeUndefined();
    expect(checkPathPattern('x'.repeat(1001))).toBe('is longer than 1000 characters');
  });

  it.each([
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['a\tb', 'contains a control character'],
    ['a\nb', 'contains a control character'],
    ['builds\\*.zip', 'contains a backslash: separate folders with /'],
    ['a//b', 'contains an empty folder name'],
    ['//a', 'contains an empty folder name'],
    ['builds/', 'ends with "/"'],
    ['/', 'names no file'],
    ['!*.zip', 'negations are not supported here; use keepPackageIds'],
    ['a**b', '"**" must be a whole segment'],
    ['builds/**.zip', '"**" must be a whole segment'],
    ['***', '"**" must be a whole segment'],
  ])('rejects %j: %s', (pattern, problem) => {
    expect(checkPathPattern(pattern)).toContain(problem);
  });
});
