import { AssetPathError, encodePath, parseDecodedPath, parseEncodedPath } from './asset-path';
import { isValidFeedName } from './feed-name';

describe('parseEncodedPath (spec §1)', () => {
  it('splits, ignores empty segments and decodes each segment once', () => {
    expect(parseEncodedPath('/a//b/c.txt/')).toEqual(['a', 'b', 'c.txt']);
    expect(parseEncodedPath('my%20folder/na%C3%AFve.txt')).toEqual(['my folder', 'naïve.txt']);
    expect(parseEncodedPath('%2541')).toEqual(['%41']); // decoded once, not twice
    expect(parseEncodedPath('')).toEqual([]);
  });

  it.each([
    ['..', '../x'],
    ['. segment', './x'],
    ['encoded ..', '%2e%2E/x'],
    ['%2F', 'a%2Fb'],
    ['backslash', 'a\\b'],
    ['encoded backslash', 'a%5Cb'],
    ['NUL', 'a%00'],
    ['control', 'a%1F'],
    ['DEL', 'a%7f'],
    ['malformed', 'a%zz'],
    ['long segment', 'x'.repeat(256)],
    ['long path', Array.from({ length: 9 }, () => 'y'.repeat(250)).join('/')],
  ])('rejects %s', (_name, raw) => {
    expect(() => parseEncodedPath(raw)).toThrow(AssetPathError);
  });

  it('accepts 255-byte segments and counts bytes, not characters', () => {
    expect(parseEncodedPath('x'.repeat(255))).toHaveLength(1);
    expect(() => parseDecodedPath('é'.repeat(128))).toThrow(/255 bytes/);
    expect(parseDecodedPath('é'.repeat(127))).toHaveLength(1);
  });

  it('round-trips through encodePath', () => {
    const path = 'a b/c#d/e%f/ü?.txt';
    expect(parseEncodedPath(encodePath(path)).join('/')).toBe(path);
  });
});

describe('feed names', () => {
  it('follow spec §1', () => {
    expect(isValidFeedName('Installers-2.x_final')).toBe(true);
    expect(isValidFeedName('9lives')).toBe(true);
    expect(isValidFeedName('x'.repeat(100))).toBe(true);
    for (const bad of ['', '.hidden', '-x', '_x', 'a b', 'a/b', 'x'.repeat(101), 'ä'])
      expect(isValidFeedName(bad)).toBe(false);
  });
});
