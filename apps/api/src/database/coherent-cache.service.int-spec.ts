import { Client } from 'pg';
import { eventually } from '../../test/support/fixtures';
import { addFile, contentOf } from '../../test/support/service-fixtures';
import { ADMIN_KEY, createServiceModule, ServiceModule } from '../../test/support/service-module';
import { AssetsRepository } from '../modules/assets/assets.repository';
import { FeedsService } from '../modules/feeds/feeds.service';
import { CacheNamespace, CacheScope } from './cache-scope';
import { CoherentCache } from './coherent-cache.service';
import { UnitOfWork } from './unit-of-work';

/**
 * What each change drops from the cache, on a real PostgreSQL: changes made by "another node" (a
 * connection of the test's own) arrive as notifications, and drop only what they cover; this
 * node's own asset writes drop their items by the time their transaction's promise resolves.
 */
describe('CoherentCache (PostgreSQL)', () => {
  let s: ServiceModule;
  let cache: CoherentCache;
  let otherNode: Client;
  let dir: number;
  const NAMESPACES: CacheNamespace[] = ['feed', 'key', 'rules', 'login'];
  /** Directory 0 does not exist: its "barrier" entry tells when a notification sent after a change has arrived. */
  const BARRIER = 'asset_items:0:["barrier"]';
  let items: [number, string][];

  /** Reads every key; says which ones were loaded (not served from the cache). */
  const readAll = async (): Promise<string[]> => {
    const loaded: string[] = [];
    for (const namespace of NAMESPACES) {
      await cache.get(namespace, 'x', async () => loaded.push(namespace));
    }
    for (const [directoryId, path] of [...items, [0, 'barrier'] as [number, string]]) {
      await cache.getItem(directoryId, path, async () =>
        loaded.push(`${directoryId === dir ? 'd' : directoryId}/${path}`),
      );
    }
    return loaded.filter((k) => k !== '0/barrier');
  };

  /** What a change made through another connection drops, once its notification has arrived. */
  const droppedBy = async (sql: string, params: unknown[] = []): Promise<string[]> => {
    await readAll();
    expect(await readAll()).toEqual([]); // all cached
    await otherNode.query(sql, params);
    await notificationsArrived();
    return readAll();
  };

  /** Resolves once the notifications of every change committed so far have been handled. */
  const notificationsArrived = async () => {
    await otherNode.query(`SELECT pg_notify('stockroom_changes', $1)`, [BARRIER]);
    await eventually(async () => {
      let arrived = false;
      await cache.getItem(0, 'barrier', async () => (arrived = true));
      return arrived;
    });
  };

  beforeAll(async () => {
    s = await createServiceModule();
    cache = s.module.get(CoherentCache);
    await cache.onModuleInit(); // listens (the service module starts no lifecycle hooks)
    await s.module.get(FeedsService).create(ADMIN_KEY, { name: 'cached', feedType: 'asset' });
    [{ id: dir }] = await s.dataSource.query(`SELECT id FROM feeds WHERE name = 'cached'`);
    const repository = s.module.get(AssetsRepository);
    await s.module.get(UnitOfWork).run(async (tx) => {
      for (const path of ['a/b.txt', 'a/c.txt', 'z.txt'])
        await addFile(repository, tx, dir, path, path, Buffer.from(path));
    });
    items = [
      [dir, 'a'],
      [dir, 'a/b.txt'],
      [dir, 'a/c.txt'],
      [dir, 'z.txt'],
      [dir, 'new.txt'],
      [dir + 1, 'a/b.txt'],
    ];
    otherNode = new Client({ connectionString: s.db.url });
    await otherNode.connect();
  });

  afterAll(async () => {
    await otherNode?.end();
    await cache?.onApplicationShutdown();
    await s?.close();
  });

  it('a failed sign-in (login_throttle) drops the sign-in lookups only', async () => {
    expect(
      await droppedBy(
        `INSERT INTO login_throttle (key, failures, window_started_at, last_failed_at) VALUES ('p:x', 1, now(), now())`,
      ),
    ).toEqual(['login']);
  });

  it('a security table: every security namespace, no item', async () => {
    expect(await droppedBy(`UPDATE feeds SET name = name WHERE id = $1`, [dir])).toEqual(NAMESPACES);
    expect(await droppedBy(`UPDATE users SET enabled = enabled`)).toEqual(NAMESPACES);
  });

  it("a file's row: that path only; a new file: its path", async () => {
    expect(
      await droppedBy(
        `UPDATE asset_items SET media_type = 'text/plain' WHERE feed_id = $1 AND path_lower = 'a/c.txt'`,
        [dir],
      ),
    ).toEqual(['d/a/c.txt']);
    const c = contentOf('new', Buffer.from('new'));
    expect(
      await droppedBy(
        `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, size, blob_key,
           sha1, created_at, modified_at)
         VALUES ($1, 'new.txt', 'new.txt', '', 'new.txt', 'new.txt', 'file', 3, 'new', $2, now(), now())`,
        [dir, c.hashes.sha1],
      ),
    ).toEqual(['d/new.txt']);
  });

  it("a folder's row: the folder and everything below it", async () => {
    expect(
      await droppedBy(
        `UPDATE asset_items SET cache_header = '{"type":"NoCache"}' WHERE feed_id = $1 AND path_lower = 'a'`,
        [dir],
      ),
    ).toEqual(['d/a', 'd/a/b.txt', 'd/a/c.txt']);
  });

  it('many rows in one statement: the whole directory; download counts: nothing', async () => {
    const many = `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, created_at,
                    modified_at)
                  SELECT $1, 'bulk' || g, 'bulk' || g, '', 'bulk' || g, 'bulk' || g, 'dir', now(), now()
                    FROM generate_series(1, 150) AS g`;
    expect(await droppedBy(many, [dir])).toEqual(items.filter(([d]) => d === dir).map(([, p]) => `d/${p}`));
    expect(
      await droppedBy(`UPDATE asset_items SET download_count = download_count + 1, last_downloaded_at = now()`),
    ).toEqual([]);
  });

  it('a read that overlapped an invalidation covering its key is not kept; one that overlapped another is', async () => {
    const readDuring = async (scope: CacheScope): Promise<boolean> => {
      cache.invalidate();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const slow = cache.getItem(dir, 'a/b.txt', async () => gate.then(() => 'read before the change'));
      cache.invalidate([scope]);
      release();
      await slow;
      let kept = true;
      await cache.getItem(dir, 'a/b.txt', async () => (kept = false));
      return kept;
    };
    expect(await readDuring({ kind: 'items', directoryId: dir, path: 'a' })).toBe(false);
    expect(await readDuring({ kind: 'items', directoryId: dir, path: 'a/b.txt' })).toBe(false);
    expect(await readDuring({ kind: 'items', directoryId: dir, path: 'z.txt' })).toBe(true);
    expect(await readDuring({ kind: 'namespace', namespace: 'login' })).toBe(true);
    expect(await readDuring({ kind: 'all' })).toBe(false);
  });

  it("this node's own write: its items are dropped when the transaction's promise resolves; a rollback drops nothing", async () => {
    const repository = s.module.get(AssetsRepository);
    const [{ id }] = await s.dataSource.query(
      `SELECT id FROM asset_items WHERE feed_id = $1 AND path_lower = 'z.txt'`,
      [dir],
    );
    await readAll();
    await s.module
      .get(UnitOfWork)
      .run((tx) => repository.replaceFile(tx, id, contentOf('z2', Buffer.from('z2')), new Date()))
      .then(async () => expect(await readAll()).toEqual(['d/z.txt']));
    await notificationsArrived(); // the write's own notification, not to be mistaken for the rollback's
    await readAll();
    const rolledBack = s.module.get(UnitOfWork).run(async (tx) => {
      await repository.replaceFile(tx, id, contentOf('z3', Buffer.from('z3')), new Date());
      throw new Error('rolled back');
    });
    await expect(rolledBack).rejects.toThrow('rolled back');
    expect(await readAll()).toEqual([]);
  });
});
