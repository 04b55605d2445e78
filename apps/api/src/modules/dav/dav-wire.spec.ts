import { AppError } from '../../common/errors/app-error';
import { DavError } from './dav-error';
import { davHref, parseDavPath, parseDestination } from './dav-url';
import { innerXml, parseXml } from './dav-xml';
import { parseIfHeader, submittedTokens } from './if-header';

describe('If header', () => {
  it('reads tagged and untagged lists, Not, tokens and ETags', () => {
    expect(parseIfHeader('(<opaquelocktoken:a> ["x"]) (Not <DAV:no-lock>)')).toEqual([
      {
        resource: undefined,
        conditions: [
          { not: false, token: 'opaquelocktoken:a' },
          { not: false, etag: '"x"' },
        ],
      },
      { resource: undefined, conditions: [{ not: true, token: 'DAV:no-lock' }] },
    ]);
    const tagged = parseIfHeader('<http://h/dav/f/a> (<opaquelocktoken:b>) </dav/f/c> (NOT [W/"e"])');
    expect(tagged.map((l) => l.resource)).toEqual(['http://h/dav/f/a', '/dav/f/c']);
    expect(submittedTokens(tagged)).toEqual(new Set(['opaquelocktoken:b']));
  });

  it.each(['', '(', '()', '(<a>', 'garbage', '(<a>) <http://x/> (<b>)x', '(<a>) <http://x/>z'])(
    'refuses %j with 400',
    (h) => {
      expect(() => parseIfHeader(h)).toThrow(AppError);
    },
  );
});

describe('WebDAV URLs', () => {
  it('decodes each segment once and keeps the trailing slash', () => {
    expect(parseDavPath('/dav/')).toEqual({ segments: [], trailingSlash: true });
    expect(parseDavPath('/dav/my%20dir/a%2520b/c/')).toEqual({
      feedName: 'my dir',
      segments: ['a%20b', 'c'],
      trailingSlash: true,
    });
  });

  it('refuses dot segments, encoded separators and fragments', () => {
    for (const p of ['/dav/f/../x', '/dav/f/%2e%2e/x', '/dav/f/a%2Fb', '/dav/f/a%5cb', '/dav/f/a#frag'])
      expect(() => parseDavPath(p)).toThrow(AppError);
  });

  it('Destination: our host or a path under /dav/; elsewhere 502', () => {
    expect(parseDestination('http://me:8080/dav/f/x', ['me:8080']).segments).toEqual(['x']);
    expect(parseDestination('/dav/g/y%20z', []).feedName).toBe('g');
    expect(() => parseDestination('http://other/dav/f/x', ['me'])).toThrow(DavError);
    expect(() => parseDestination('/endpoints/f/content/x', ['me'])).toThrow(DavError);
    expect(() => parseDestination(undefined, ['me'])).toThrow(AppError);
  });

  it('hrefs are percent-encoded, collections end with /', () => {
    expect(davHref('my dir', ['café #1', "it's"], false)).toBe('/dav/my%20dir/caf%C3%A9%20%231/it%27s');
    expect(davHref('d', ['sub'], true)).toBe('/dav/d/sub/');
  });
});

describe('WebDAV XML', () => {
  it('refuses any DOCTYPE (no entity is ever defined or expanded)', () => {
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toThrow(AppError);
    expect(() => parseXml('<a>&undefined;</a>')).toThrow(AppError);
    expect(() => parseXml('not xml')).toThrow(AppError);
  });

  it('keeps a property value with its namespaces, to write back anywhere', () => {
    const el = parseXml(
      '<D:prop xmlns:D="DAV:" xmlns:z="urn:z"><z:p>a &amp; <z:b q="1">c</z:b><x xmlns="">d</x></z:p></D:prop>',
    );
    expect(innerXml(el.children[0])).toBe('a &amp; <b xmlns="urn:z" q="1">c</b><x xmlns="">d</x>');
  });
});
