import { isConsolePath } from './console-routes';

describe('isConsolePath', () => {
  it.each(['/', '/sign-in', '/feeds/x/browse/a/b', '/feeds/x/files/a%20b.txt', '/admin', '/admin/users'])(
    '%s is a console page',
    (path) => expect(isConsolePath(path)).toBe(true),
  );

  it.each(['/dav/x', '/s/abc', '/metrics', '/api/feeds', '/endpoints/x/dir', '/Admin/users', '/feedsx', '/account'])(
    '%s is not',
    (path) => expect(isConsolePath(path)).toBe(false),
  );
});
