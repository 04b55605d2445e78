import { CacheScope, covers, EVERYTHING, ItemKeys, scopesOfNotification, SECURITY_SCOPES } from './cache-scope';

describe('covers', () => {
  const items = (directoryId: number, path: string): CacheScope => ({ kind: 'items', directoryId, path });

  it('everything covers every key', () => {
    expect(covers(EVERYTHING, { namespace: 'key', key: 'k' })).toBe(true);
    expect(covers(EVERYTHING, { directoryId: 1, path: 'a' })).toBe(true);
  });

  it('a namespace covers its own keys only, and no item', () => {
    const login: CacheScope = { kind: 'namespace', namespace: 'login' };
    expect(covers(login, { namespace: 'login', key: 'x' })).toBe(true);
    expect(covers(login, { namespace: 'key', key: 'x' })).toBe(false);
    expect(covers(login, { directoryId: 1, path: 'x' })).toBe(false);
  });

  it("an item path covers that path and what is below it in its directory, not its namesakes' or others'", () => {
    expect(covers(items(1, 'a/b'), { directoryId: 1, path: 'a/b' })).toBe(true);
    expect(covers(items(1, 'a/b'), { directoryId: 1, path: 'a/b/c.txt' })).toBe(true);
    expect(covers(items(1, 'a/b'), { directoryId: 1, path: 'a/bc' })).toBe(false);
    expect(covers(items(1, 'a/b'), { directoryId: 1, path: 'a' })).toBe(false);
    expect(covers(items(1, 'a/b'), { directoryId: 2, path: 'a/b' })).toBe(false);
    expect(covers(items(1, 'a/b'), { namespace: 'feed', key: 'a/b' })).toBe(false);
    expect(covers(items(1, ''), { directoryId: 1, path: 'z' })).toBe(true);
    expect(covers(items(1, ''), { directoryId: 11, path: 'z' })).toBe(false);
  });
});

describe('scopesOfNotification', () => {
  it('a security table: every security namespace, and no items', () => {
    for (const table of ['feeds', 'users', 'groups', 'group_members', 'roles', 'privilege_rules', 'api_keys']) {
      expect(scopesOfNotification(table)).toEqual(SECURITY_SCOPES);
    }
    expect(SECURITY_SCOPES.map((s) => (s.kind === 'namespace' ? s.namespace : s.kind)).sort()).toEqual([
      'feed',
      'key',
      'login',
      'rules',
    ]);
  });

  it('the login throttle, share links, webhooks: their own namespace only', () => {
    expect(scopesOfNotification('login_throttle')).toEqual([{ kind: 'namespace', namespace: 'login' }]);
    expect(scopesOfNotification('shares')).toEqual([{ kind: 'namespace', namespace: 'share' }]);
    expect(scopesOfNotification('webhooks')).toEqual([{ kind: 'namespace', namespace: 'webhook' }]);
  });

  it('asset items: the paths named, or the whole directory', () => {
    expect(scopesOfNotification('asset_items:12:["a","a/b c.txt","x:\\"y"]')).toEqual([
      { kind: 'items', directoryId: 12, path: 'a' },
      { kind: 'items', directoryId: 12, path: 'a/b c.txt' },
      { kind: 'items', directoryId: 12, path: 'x:"y' },
    ]);
    expect(scopesOfNotification('asset_items:7')).toEqual([{ kind: 'items', directoryId: 7, path: '' }]);
  });

  it('anything else clears everything: a truncate, an unknown table, a garbled payload', () => {
    for (const payload of [
      'asset_items',
      'retention_rules',
      '',
      'asset_items:x',
      'asset_items:3:[1]',
      'asset_items:3:[',
    ]) {
      expect([payload, scopesOfNotification(payload)]).toEqual([payload, [EVERYTHING]]);
    }
  });
});

describe('ItemKeys', () => {
  const keys = (cache: ItemKeys<string>, entries: [number, string][]) =>
    entries.filter(([d, p]) => cache.get(d, p) !== undefined).map(([d, p]) => `${d}/${p}`);
  const all: [number, string][] = [
    [1, 'a'],
    [1, 'a/b'],
    [1, 'a/b/c.txt'],
    [1, 'a/bc.txt'],
    [1, 'ab'],
    [1, 'z.txt'],
    [12, 'a/b'],
  ];
  const filled = () => {
    const cache = new ItemKeys<string>();
    for (const [d, p] of all) cache.set(d, p, `${d}/${p}`, 100);
    return cache;
  };

  it("a file's path drops that path only", () => {
    const cache = filled();
    cache.deleteSubtree(1, 'a/bc.txt');
    expect(keys(cache, all)).toEqual(['1/a', '1/a/b', '1/a/b/c.txt', '1/ab', '1/z.txt', '12/a/b']);
  });

  it("a folder's path drops it and everything below it, not its namesakes with a longer name", () => {
    const cache = filled();
    cache.deleteSubtree(1, 'a/b');
    expect(keys(cache, all)).toEqual(['1/a', '1/a/bc.txt', '1/ab', '1/z.txt', '12/a/b']);
    cache.deleteSubtree(1, 'a');
    expect(keys(cache, all)).toEqual(['1/ab', '1/z.txt', '12/a/b']);
  });

  it("'' drops the whole directory and no other", () => {
    const cache = filled();
    cache.deleteSubtree(1, '');
    expect(keys(cache, all)).toEqual(['12/a/b']);
    cache.deleteSubtree(2, '');
    expect(keys(cache, all)).toEqual(['12/a/b']);
  });

  it('keeps at most `max`, dropping the least recently used, and still finds what is below a folder', () => {
    const cache = new ItemKeys<string>();
    cache.set(1, 'a/x', 'x', 3);
    cache.set(1, 'a/y', 'y', 3);
    cache.set(1, 'b', 'b', 3);
    expect(cache.get(1, 'a/x')).toBe('x'); // now the most recently used
    cache.set(1, 'a/z', 'z', 3); // a/y goes
    expect(cache.size).toBe(3);
    expect(
      keys(cache, [
        [1, 'a/x'],
        [1, 'a/y'],
        [1, 'b'],
        [1, 'a/z'],
      ]),
    ).toEqual(['1/a/x', '1/b', '1/a/z']);
    cache.deleteSubtree(1, 'a');
    expect(
      keys(cache, [
        [1, 'a/x'],
        [1, 'b'],
        [1, 'a/z'],
      ]),
    ).toEqual(['1/b']);
    expect(cache.size).toBe(1);
  });

  it('clear drops everything', () => {
    const cache = filled();
    cache.clear();
    expect(cache.size).toBe(0);
    expect(keys(cache, all)).toEqual([]);
  });
});
