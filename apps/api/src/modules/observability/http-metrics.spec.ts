import { routeLabels } from './http-metrics';

describe('routeLabels: bounded labels, never a raw path', () => {
  const endpoints = { path: '/endpoints/*rest' };

  it.each([
    ['GET', '/endpoints/f/content/a/b/secret.bin', 'content'],
    ['HEAD', '/endpoints/f/content/a/b/secret.bin?download=true', 'content'],
    ['POST', '/endpoints/f/content/a/secret.bin', 'upload'],
    ['PUT', '/endpoints/f/content/a/secret.bin', 'upload'],
    ['PATCH', '/endpoints/f/content/a/secret.bin', 'upload'],
    ['DELETE', '/endpoints/f/content/a/secret.bin', 'delete'],
    ['POST', '/endpoints/f/content/a.bin?multipart=upload&id=x&index=0', 'multipart'],
    ['GET', '/endpoints/f/content/a.bin?multipart=status&id=x', 'multipart'],
  ])('%s %s → content route, operation %s', (method, originalUrl, operation) => {
    expect(routeLabels({ method, originalUrl, route: endpoints }, 200)).toEqual({
      method,
      route: '/endpoints/:feed/content/*',
      operation,
    });
  });

  it.each(['dir', 'DIR', 'metadata', 'delete', 'export', 'import'])('operation %s is its own route', (op) => {
    expect(routeLabels({ method: 'GET', originalUrl: `/endpoints/f/${op}/x/y`, route: endpoints }, 200)).toEqual({
      method: 'GET',
      route: `/endpoints/:feed/${op.toLowerCase()}/*`,
      operation: op.toLowerCase(),
    });
  });

  it('an unknown operation or method does not become a label', () => {
    expect(routeLabels({ method: 'BREW', originalUrl: '/endpoints/f/secret-op/x', route: endpoints }, 404)).toEqual({
      method: 'OTHER',
      route: '/endpoints/:feed/*',
      operation: 'unknown',
    });
  });

  it("WebDAV's methods are labels of their own", () => {
    expect(routeLabels({ method: 'propfind', originalUrl: '/dav/f/a/', route: { path: '/dav/*rest' } }, 207)).toEqual({
      method: 'PROPFIND',
      route: '/dav/*rest',
      operation: '',
    });
  });

  it('other routes keep their template; without a route: console or unmatched', () => {
    expect(
      routeLabels(
        { method: 'GET', originalUrl: '/api/security/users/bob', route: { path: '/api/security/users/:name' } },
        200,
      ),
    ).toEqual({ method: 'GET', route: '/api/security/users/:name', operation: '' });
    expect(routeLabels({ method: 'GET', originalUrl: '/main-ABCD1234.js' }, 200).route).toBe('console');
    expect(routeLabels({ method: 'GET', originalUrl: '/feeds/x/browse' }, 200).route).toBe('console');
    expect(routeLabels({ method: 'GET', originalUrl: '/nothing-here' }, 404).route).toBe('unmatched');
    expect(routeLabels({ method: 'GET', originalUrl: '/api/nope?x=1' }, 200).route).toBe('unmatched');
  });
});
