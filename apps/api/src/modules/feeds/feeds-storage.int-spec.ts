import { Privilege } from '@stockroom/contracts';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ADMIN_KEY, createServiceModule, ServiceModule } from '../../../test/support/service-module';
import { addFile } from '../../../test/support/service-fixtures';
import { UnitOfWork } from '../../database/unit-of-work';
import { AssetsRepository } from '../assets/assets.repository';
import { MultipartRepository } from '../assets/multipart.repository';
import { StorageDescriptor, StorageService } from '../storage/storage.service';
import type { FeedEntity } from './feed.entity';
import { FeedsService } from './feeds.service';

/** The directory's storage columns (locks, switch) and its deletion, as other modules use them. */
describe('FeedsService (storage and deletion)', () => {
  let s: ServiceModule;
  let feeds: FeedsService;
  let uow: UnitOfWork;

  beforeAll(async () => {
    s = await createServiceModule();
    feeds = s.module.get(FeedsService);
    uow = s.module.get(UnitOfWork);
  });
  afterAll(() => s?.close());

  const newFeed = async (): Promise<FeedEntity> => {
    const name = `feeds-${randomUUID().slice(0, 8)}`;
    await feeds.create(ADMIN_KEY, { name, feedType: 'asset' });
    return feeds.requireFor(ADMIN_KEY, Privilege.View, name);
  };
  const disk = (name: string): StorageDescriptor => ({
    id: 'disk',
    properties: { Path: join(s.config.dataDir, name) },
  });
  const queued = async (): Promise<{ blob_key: string; storage: StorageDescriptor }[]> =>
    s.dataSource.query(`SELECT blob_key, storage FROM blob_deletions ORDER BY blob_key, storage::text`);

  it('reads a new directory’s storage as its default folder, with no move running', async () => {
    const feed = await newFeed();
    const locked = await uow.run((tx) => feeds.lockStorage(tx, feed.id));
    expect(locked).toEqual({
      current: { id: 'disk', properties: { Path: join(s.config.dataDir, 'storage', `feed-${feed.id}`) } },
      previous: null,
    });
    expect(await uow.run((tx) => feeds.lockStorageForSwitch(tx, 999_999))).toBeUndefined();
  });

  it('switches the storage with the move’s source, then ends the move keeping the new storage', async () => {
    const feed = await newFeed();
    await uow.run(async (tx) => {
      await feeds.lockStorageForSwitch(tx, feed.id);
      await feeds.switchStorage(tx, feed.id, { storage: disk('new'), previous: disk('old') });
    });
    expect(await uow.run((tx) => feeds.lockStorage(tx, feed.id))).toEqual({
      current: disk('new'),
      previous: disk('old'),
    });
    expect((await feeds.requireById(feed.id)).storagePrevious).toEqual(disk('old'));
    await uow.run((tx) => feeds.switchStorage(tx, feed.id, { previous: null }));
    expect(await uow.run((tx) => feeds.lockStorage(tx, feed.id))).toEqual({ current: disk('new'), previous: null });
  });

  it('keeps a switch waiting while a writer holds the storage (blobs land where the row says)', async () => {
    const feed = await newFeed();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const writerLocked = new Promise<void>((resolve) => (locked = resolve));
    const writer = uow.run(async (tx) => {
      await feeds.lockStorage(tx, feed.id);
      locked();
      await held;
    });
    await writerLocked;
    // Another writer shares the lock; a switch cannot have it.
    await uow.run((tx) => feeds.lockStorage(tx, feed.id));
    await expect(
      uow.run(async (tx) => {
        await tx.query(`SET LOCAL lock_timeout = '300ms'`);
        await feeds.lockStorageForSwitch(tx, feed.id);
      }),
    ).rejects.toThrow(/lock timeout/);
    release();
    await writer;
    expect(await uow.run((tx) => feeds.lockStorageForSwitch(tx, feed.id))).toBeDefined();
  });

  it('deletes a directory with its files and uploads, queueing its blobs on both sides of a running move', async () => {
    const feed = await newFeed();
    const items = s.module.get(AssetsRepository);
    await uow.run(async (tx) => {
      await addFile(items, tx, feed.id, 'a/one.bin', 'blobs/del-1', Buffer.from('one'));
      await addFile(items, tx, feed.id, 'two.bin', 'blobs/del-2', Buffer.from('two'));
      await s.module.get(MultipartRepository).insert(tx, {
        id: randomUUID(),
        feed_id: feed.id,
        client_id: 'c1',
        path: 'big.bin',
        path_lower: 'big.bin',
        total_size: '10',
        total_parts: 1,
        blob_key: 'blobs/del-upload',
        storage_upload_id: 'u1',
        media_type: null,
        storage: null,
      });
      await feeds.switchStorage(tx, feed.id, { storage: disk('new'), previous: disk('old') });
    });
    await s.dataSource.query(`DELETE FROM blob_deletions`);
    // What is queued is looked at here; the sweep that delete starts would remove it meanwhile.
    const sweep = jest.spyOn(s.module.get(StorageService), 'sweepSoon').mockImplementation(() => undefined);
    await feeds.delete(ADMIN_KEY, feed.name);
    expect(sweep).toHaveBeenCalled();
    sweep.mockRestore();

    expect(await s.dataSource.query(`SELECT 1 FROM feeds WHERE id = $1`, [feed.id])).toEqual([]);
    expect(await s.dataSource.query(`SELECT 1 FROM asset_items WHERE feed_id = $1`, [feed.id])).toEqual([]);
    expect(await s.dataSource.query(`SELECT 1 FROM multipart_uploads WHERE feed_id = $1`, [feed.id])).toEqual([]);
    const expected = ['blobs/del-1', 'blobs/del-2'].flatMap((k) => [disk('new'), disk('old')].map((d) => [k, d]));
    const found = (await queued()).map((r) => [r.blob_key, r.storage]);
    expect(found).toHaveLength(4);
    expect(found).toEqual(expect.arrayContaining(expected));
  });
});
