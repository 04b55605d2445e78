import { PathUrlSerializer } from './path-url-serializer';

describe('PathUrlSerializer', () => {
  const serializer = new PathUrlSerializer();

  it('reads parentheses in a path as part of the name', () => {
    const tree = serializer.parse('/feeds/installers/files/tools/setup (1).exe?x=(y)');
    const segments = tree.root.children['primary'].segments.map((s) => s.path);
    expect(segments).toEqual(['feeds', 'installers', 'files', 'tools', 'setup (1).exe']);
    expect(tree.queryParams).toEqual({ x: '(y)' });
  });

  it('writes them back encoded, so the URL reads the same way again', () => {
    const url = serializer.serialize(serializer.parse('/feeds/a/files/build (2)/log (3).txt'));
    expect(url).toBe('/feeds/a/files/build%20%282%29/log%20%283%29.txt');
    expect(serializer.serialize(serializer.parse(url))).toBe(url);
  });
});
