import {
  AssetPathError,
  checkNewName,
  decomposedForm,
  encodePath,
  newNameProblem,
  parseDecodedPath,
  parseEncodedPath,
} from './asset-path';
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

describe('NFC normalisation (spec §1 [ext])', () => {
  const nfc = 'caf\u00e9.txt';
  const nfd = 'cafe\u0301.txt';

  it('parses composed and decomposed forms to the same NFC segment', () => {
    expect(parseEncodedPath(encodeURIComponent(nfd))).toEqual([nfc]);
    expect(parseEncodedPath(encodeURIComponent(nfc))).toEqual([nfc]);
    expect(parseDecodedPath(`dir/${nfd}`)).toEqual(['dir', nfc]);
  });

  it('gives the decomposed form of a path only when it differs', () => {
    expect(decomposedForm(['dir', nfc])).toEqual(['dir', nfd]);
    expect(decomposedForm(['dir', 'plain.txt'])).toBeUndefined();
  });
});

describe('names being created (spec §1 [ext])', () => {
  it.each([
    ['a\u202eb.txt', /Invalid name "a<U\+202E>b\.txt": bidirectional control characters \(U\+202E\)/],
    ['a\u2066b', /bidirectional control characters \(U\+2066\)/],
    ['a\u200fb', /bidirectional control characters \(U\+200F\)/],
    ['a\u061cb', /bidirectional control characters \(U\+061C\)/],
    ['a\u200bb', /Invalid name "a<U\+200B>b": zero-width characters \(U\+200B\)/],
    ['\ufeffbom', /zero-width characters \(U\+FEFF\)/],
    ['a\u2060b', /zero-width characters \(U\+2060\)/],
    ['CON', /Invalid name "CON": "CON" is a reserved device name on Windows/],
    ['con.tar.gz', /Invalid name "con\.tar\.gz": "CON" is a reserved device name/],
    ['nul', /"NUL" is a reserved device name/],
    ['Aux.txt', /"AUX" is a reserved device name/],
    ['prn', /"PRN" is a reserved/],
    ['COM1', /"COM1" is a reserved/],
    ['com9.log', /"COM9" is a reserved/],
    ['LPT1.txt', /"LPT1" is a reserved/],
    ['COM\u00b9', /"COM\u00b9" is a reserved/],
    ['x.', /Invalid name "x\.": a name cannot end with a dot/],
    ['x ', /Invalid name "x ": a name cannot end with a space/],
    ['...', /cannot end with a dot/],
  ])('refuses %j with the rule in the message', (name, message) => {
    expect(newNameProblem(name)).toBeDefined();
    expect(() => checkNewName(name)).toThrow(AssetPathError);
    expect(() => checkNewName(name)).toThrow(message);
  });

  it.each(['CONSOLE', 'con-1.txt', 'COM10', 'LPT0x', 'xcon', 'nul_', '.hidden', 'a.b', 'café', 'a b', '日本語.txt'])(
    'accepts %j',
    (name) => {
      expect(newNameProblem(name)).toBeUndefined();
      expect(() => checkNewName(name)).not.toThrow();
    },
  );

  it('does not apply when a path is parsed (existing items stay reachable)', () => {
    expect(parseEncodedPath('CON/x.')).toEqual(['CON', 'x.']);
    expect(parseDecodedPath('a\u202eb')).toEqual(['a\u202eb']);
  });
});
