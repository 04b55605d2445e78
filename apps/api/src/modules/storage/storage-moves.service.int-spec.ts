import { Privilege } from '@stockroom/contracts';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ADMIN_KEY, createServiceModule, ServiceModule } from '../../../test/support/service-module';
import { addFile } from '../../../test/support/service-fixtures';
import { eventually } from '../../../test/support/fixtures';
import { UnitOfWork } from '../../database/unit-of-work';
import { AssetsRepository } from '../assets/assets.repository';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { StorageMovesService } from './storage-moves.service';
import { StorageDescriptor, StorageService } from './storage.service';

/** A move run by the service: switch, copy and verify, complete (old copies queued) or fail and retry. */
describe('StorageMovesService', () => {
  let s: ServiceModule;
  let feeds: FeedsService;
  let moves: StorageMovesService;
  let storage: StorageService;
  let uow: UnitOfWork;

  beforeAll(async () => {
    s = await createServiceModule({ STOCKROOM_STORAGE_MOVE_GRACE_SECONDS: '0' });
    feeds = s.module.get(FeedsService);
    moves = s.module.get(StorageMovesService);
    storage = s.module.get(StorageService);
    uow = s.module.get(UnitOfWork);
  });
  afterAll(() => s?.close());

  const disk = (name: string): StorageDescriptor =>
    storage.sealed({ id: 'disk', properties: { Path: join(s.config.dataDir, name) } });
  const readBlob = async (where: StorageDescriptor, key: string): Promise<string | null> => {
    if (!(await storage.providerForDescriptor(where).stat(key))) return null;
    const chunks: Buffer[] = [];
    for await (const c of await storage.providerForDescriptor(where).read(key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString();
  };
  /** A directory on its default disk with files `names` (blob content = the name). */
  const feedWithFiles = async (names: string[]): Promise<{ feed: FeedEntity; keys: string[] }> => {
    const name = `move-${randomUUID().slice(0, 8)}`;
    await feeds.create(ADMIN_KEY, { name, feedType: 'asset' });
    const feed = await feeds.requireFor(ADMIN_KEY, Privilege.View, name);
    const keys = names.map((n) => `blobs/${randomUUID()}-${n}`);
    await uow.run(async (tx) => {
      for (let i = 0; i < names.length; i++)
        await addFile(s.module.get(AssetsRepository), tx, feed.id, names[i], keys[i], Buffer.from(names[i]));
    });
    for (let i = 0; i < names.length; i++)
      await storage.providerFor(feed).write(keys[i], Readable.from([Buffer.from(names[i])]));
    return { feed, keys };
  };
  const settled = async (feed: FeedEntity) => {
    await eventually(async () => (await moves.unfinished(feed, true))?.state !== 'copying', 20_000);
    return moves.list(ADMIN_KEY, feed.name);
  };

  it('switches at once, copies and checks every file, then drops the old storage and its copies', async () => {
    const { feed, keys } = await feedWithFiles(['a.txt', 'b.txt', 'c.txt']);
    const old = storage.descriptorFor(feed);
    const target = disk(`target-${feed.id}`);
    const move = await moves.change(ADMIN_KEY, feed, target);
    expect(move).toMatchObject({ state: 'copying', totalFiles: 3, totalBytes: 15, feed: feed.name });
    const during = await uow.run((tx) => feeds.lockStorage(tx, feed.id));
    expect(during).toEqual({ current: target, previous: old });

    moves.runSoon();
    const [done] = await settled(feed);
    expect(done).toMatchObject({ id: move?.id, state: 'completed', copiedFiles: 3, copiedBytes: 15, failedFiles: 0 });
    expect(await uow.run((tx) => feeds.lockStorage(tx, feed.id))).toEqual({ current: target, previous: null });
    for (const key of keys) expect(await readBlob(target, key)).toBe(key.split('-').pop());
    // The old copies were queued (grace 0 here) and go with the next sweep.
    // (A sweep started by the move may hold some rows: this one skips those, so wait for both.)
    await storage.sweep();
    await eventually(async () => (await Promise.all(keys.map((k) => readBlob(old, k)))).every((b) => b === null));
  });

  it('fails a move whose file cannot be copied, keeps reading the old storage, and completes on retry', async () => {
    const { feed, keys } = await feedWithFiles(['ok.txt', 'lost.txt']);
    const old = storage.descriptorFor(feed);
    await storage.providerForDescriptor(old).delete(keys[1]);
    const target = disk(`target-${feed.id}`);
    const move = await moves.change(ADMIN_KEY, feed, target);
    if (!move) throw new Error('no move started');
    moves.runSoon();
    const [failed] = await settled(feed);
    expect(failed).toMatchObject({ id: move?.id, state: 'failed', copiedFiles: 1, failedFiles: 1 });
    expect(failed.errors.map((e) => e.path)).toEqual(['lost.txt']);
    expect((await uow.run((tx) => feeds.lockStorage(tx, feed.id))).previous).toEqual(old);
    // Another storage is refused while this one has not finished.
    await expect(moves.change(ADMIN_KEY, feed, disk(`third-${feed.id}`))).rejects.toThrow(/still moving/);

    await storage.providerForDescriptor(old).write(keys[1], Readable.from([Buffer.from('lost.txt')]));
    expect(await moves.retry(ADMIN_KEY, move.id)).toMatchObject({ state: 'copying', copiedFiles: 0 });
    const [retried] = await settled(feed);
    expect(retried).toMatchObject({ id: move?.id, state: 'completed', copiedFiles: 2, failedFiles: 0 });
    expect(await readBlob(target, keys[1])).toBe('lost.txt');
    await expect(moves.retry(ADMIN_KEY, move.id)).rejects.toThrow(/Only a failed move/);
  });

  it('switches an empty directory without a move', async () => {
    const { feed } = await feedWithFiles([]);
    expect(await moves.change(ADMIN_KEY, feed, disk(`empty-${feed.id}`))).toBeUndefined();
    expect(await uow.run((tx) => feeds.lockStorage(tx, feed.id))).toEqual({
      current: disk(`empty-${feed.id}`),
      previous: null,
    });
    expect(await moves.list(ADMIN_KEY, feed.name)).toEqual([]);
  });

  it('keeps the copies a move brings back to a storage that still had them queued for deletion', async () => {
    const { feed, keys } = await feedWithFiles(['back.txt']);
    // An earlier move away from `back` left its copies there, queued for deletion after a grace period.
    const back = disk(`back-${feed.id}`);
    await uow.run((tx) => storage.enqueueDeletion(tx, back, keys, 3600));
    const queued = () => s.dataSource.query(`SELECT 1 FROM blob_deletions WHERE blob_key = ANY($1)`, [keys]);
    expect(await queued()).toHaveLength(1);
    await moves.change(ADMIN_KEY, feed, back);
    expect(await queued()).toEqual([]);
  });
});
