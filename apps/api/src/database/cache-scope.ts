/**
 * What CoherentCache holds besides items, by the rows each namespace's values are read from:
 * `feed` (feeds), `key` (api_keys, users), `rules` (privilege_rules, roles, groups, group_members,
 * users, feeds), `login` (users, login_throttle), [ext] `share` (shares: links without a download limit),
 * [ext] `webhook` (webhooks: which changes some webhook listens to).
 */
export type CacheNamespace = 'feed' | 'key' | 'rules' | 'login' | 'share' | 'webhook';

/**
 * What a change can have made stale: everything; one namespace; or the cached lookups of the items of
 * one directory at `path` (lower-cased) and below it — a lookup is keyed by its item's path and
 * depends on that row and its ancestors' (a folder's cache setting), so a change to a folder covers
 * everything under it and a change to a file that path only. `path` '' is the whole directory.
 * Plain data: it travels between workers as it is.
 */
export type CacheScope =
  | { kind: 'all' }
  | { kind: 'namespace'; namespace: CacheNamespace }
  | { kind: 'items'; directoryId: number; path: string };

export const EVERYTHING: CacheScope = { kind: 'all' };

/** A cached value's key: in a namespace, or an item's (directory id, lower-cased path). */
export type CacheTarget = { namespace: CacheNamespace; key: string } | { directoryId: number; path: string };

/** Whether a change in `scope` can have made the value cached under `target` stale. */
export function covers(scope: CacheScope, target: CacheTarget): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'namespace':
      return 'namespace' in target && target.namespace === scope.namespace;
    case 'items':
      return (
        'directoryId' in target &&
        target.directoryId === scope.directoryId &&
        (scope.path === '' || target.path === scope.path || target.path.startsWith(`${scope.path}/`))
      );
  }
}

/** Every namespace read from the security tables. */
export const SECURITY_SCOPES: readonly CacheScope[] = (['feed', 'key', 'rules', 'login'] as const).map((namespace) => ({
  kind: 'namespace',
  namespace,
}));

/** The tables whose change notification is their name (migration ChangeNotifications). */
const SECURITY_TABLES = new Set(['feeds', 'users', 'groups', 'group_members', 'roles', 'privilege_rules', 'api_keys']);
const LOGIN_SCOPES: readonly CacheScope[] = [{ kind: 'namespace', namespace: 'login' }];
/** [ext] Share links (migration Shares: revocations and the like, not download counts). */
export const SHARE_SCOPES: readonly CacheScope[] = [{ kind: 'namespace', namespace: 'share' }];
/** [ext] Webhooks (migration WebhookChangeNotifications). */
const WEBHOOK_SCOPES: readonly CacheScope[] = [{ kind: 'namespace', namespace: 'webhook' }];

/** The prefix of asset_items' notifications (migration ItemChangeNotifications). */
const ITEMS_PREFIX = 'asset_items:';

/**
 * The scopes a change notification names: a security table's name (every security namespace; the
 * login throttle only its own); `asset_items:<directory id>` (that directory's items) or
 * `asset_items:<directory id>:<JSON array of lower-cased paths>`. Anything else — a TRUNCATE, a
 * payload this version does not know — clears everything.
 */
export function scopesOfNotification(payload: string): readonly CacheScope[] {
  if (SECURITY_TABLES.has(payload)) return SECURITY_SCOPES;
  if (payload === 'login_throttle') return LOGIN_SCOPES;
  if (payload === 'shares') return SHARE_SCOPES;
  if (payload === 'webhooks') return WEBHOOK_SCOPES;
  if (payload.startsWith(ITEMS_PREFIX)) {
    const rest = payload.slice(ITEMS_PREFIX.length);
    const colon = rest.indexOf(':');
    const directoryId = Number(colon < 0 ? rest : rest.slice(0, colon));
    if (Number.isSafeInteger(directoryId)) {
      if (colon < 0) return [{ kind: 'items', directoryId, path: '' }];
      const paths = parsePaths(rest.slice(colon + 1));
      if (paths) return paths.map((path) => ({ kind: 'items', directoryId, path }));
    }
  }
  return [EVERYTHING];
}

function parsePaths(text: string): string[] | undefined {
  try {
    const paths: unknown = JSON.parse(text);
    if (Array.isArray(paths) && paths.every((p) => typeof p === 'string')) return paths as string[];
  } catch {
    // clears everything instead
  }
  return undefined;
}

/**
 * Values keyed by (directory id, lower-cased item path), at most `max` of them (the least recently
 * used go), deletable by subtree. Keys are `<directory id>/<path>`; for every subtree prefix
 * (`12/`, `12/a/`, `12/a/b/`…) the number of keys below it is kept, so that dropping a file's path
 * costs a map look-up and only a folder that has cached descendants is searched for them.
 */
export class ItemKeys<V> {
  private readonly entries = new Map<string, V>();
  private readonly below = new Map<string, number>();

  get size(): number {
    return this.entries.size;
  }

  get(directoryId: number, path: string): V | undefined {
    const key = `${directoryId}/${path}`;
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map order is insertion order: moved to the end, it is evicted last.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(directoryId: number, path: string, value: V, max: number): void {
    const key = `${directoryId}/${path}`;
    if (this.entries.delete(key)) {
      this.entries.set(key, value);
      return;
    }
    while (this.entries.size >= max) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    this.entries.set(key, value);
    this.count(key, 1);
  }

  /** Drops `path` and everything below it ('': the whole directory). */
  deleteSubtree(directoryId: number, path: string): void {
    if (path !== '') this.delete(`${directoryId}/${path}`);
    const prefix = path === '' ? `${directoryId}/` : `${directoryId}/${path}/`;
    if (!this.below.get(prefix)) return;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.below.clear();
  }

  private delete(key: string): void {
    if (this.entries.delete(key)) this.count(key, -1);
  }

  private count(key: string, by: 1 | -1): void {
    for (let slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
      const prefix = key.slice(0, slash + 1);
      const n = (this.below.get(prefix) ?? 0) + by;
      if (n > 0) this.below.set(prefix, n);
      else this.below.delete(prefix);
    }
  }
}
