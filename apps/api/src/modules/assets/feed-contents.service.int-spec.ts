import { Privilege } from '@stockroom/contracts';
import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, createServiceModule, ServiceModule } from '../../../test/support/service-module';
import { addFile, contentOf } from '../../../test/support/service-fixtures';
import { UnitOfWork } from '../../database/unit-of-work';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AssetsRepository } from './assets.repository';
import { FeedContentsService } from './feed-contents.service';
import { MultipartRepository } from './multipart.repository';

/** What the feeds and storage modules ask of a directory's files and uploads, on PostgreSQL. */
describe('FeedContentsService', () => {
  let s: ServiceModule;
  let contents: FeedContentsService;
  let items: AssetsRepository;
  let uow: UnitOfWork;
  let feeds: FeedsService;

  beforeAll(async () => {
    s = await createServiceModule();
    contents = s.module.get(FeedContentsService);
    items = s.module.get(AssetsRepository);
    uow = s.module.get(UnitOfWork);
    feeds = s.module.get(FeedsService);
  });
  afterAll(() => s?.close());

  const newFeed = async (): Promise<FeedEntity> => {
    const name = `contents-${randomUUID().slice(0, 8)}`;
    await feeds.create(ADMIN_KEY, { name, feedType: 'asset' });
    return feeds.requireFor(ADMIN_KEY, Privilege.View, name);
  };

  it('counts each directory’s files and bytes (folders not counted), an empty one not at all', async () => {
    const a = await newFeed();
    const b = await newFeed();
    const empty = await newFeed();
    await uow.run(async (tx) => {
      await addFile(items, tx, a.id, 'x/one.bin', 'blobs/a1', Buffer.alloc(10));
      await addFile(items, tx, a.id, 'x/y/two.bin', 'blobs/a2', Buffer.alloc(5));
      await addFile(items, tx, b.id, 'three.bin', 'blobs/b1', Buffer.alloc(7));
    });
    const stats = await contents.stats([a.id, b.id, empty.id]);
    expect(stats.get(a.id)).toEqual({ fileCount: 2, totalBytes: 15 });
    expect(stats.get(b.id)).toEqual({ fileCount: 1, totalBytes: 7 });
    expect(stats.has(empty.id)).toBe(false);
    expect(await uow.run((tx) => contents.statsOf(tx, empty.id))).toEqual({ fileCount: 0, totalBytes: 0 });
    expect(await contents.stats([])).toEqual(new Map());
    expect(await contents.hasFiles(a.id)).toBe(true);
    expect(await contents.hasFiles(empty.id)).toBe(false);
    expect((await uow.run((tx) => contents.blobKeys(tx, a.id))).sort()).toEqual(['blobs/a1', 'blobs/a2']);
  });

  it('pages a directory’s files for a move by id, and tells a file overwritten or deleted since', async () => {
    const feed = await newFeed();
    await uow.run(async (tx) => {
      for (let i = 0; i < 5; i++) await addFile(items, tx, feed.id, `f${i}.bin`, `blobs/f${i}`, Buffer.from(`${i}`));
    });
    const first = await contents.filesToCopy(feed.id, '0', 3);
    const rest = await contents.filesToCopy(feed.id, first[first.length - 1].id, 3);
    expect([...first, ...rest].map((f) => f.path)).toEqual(['f0.bin', 'f1.bin', 'f2.bin', 'f3.bin', 'f4.bin']);
    expect(first[0]).toMatchObject({
      blobKey: 'blobs/f0',
      size: 1,
      sha256: contentOf('x', Buffer.from('0')).hashes.sha256,
    });
    expect(await contents.filesToCopy(feed.id, rest[rest.length - 1].id, 3)).toEqual([]);

    expect(await contents.stillHolds(first[0])).toBe(true);
    await uow.run((tx) => items.replaceFile(tx, first[0].id, contentOf('blobs/new', Buffer.from('new')), new Date()));
    expect(await contents.stillHolds(first[0])).toBe(false);
    await uow.run((tx) => items.deleteSubtree(tx, feed.id, 'f1.bin'));
    expect(await contents.stillHolds(first[1])).toBe(false);
  });

  it('lists a directory’s unfinished chunked uploads and where their parts are', async () => {
    const feed = await newFeed();
    const storage = { id: 'disk' as const, properties: { Path: '/elsewhere' } };
    await uow.run((tx) =>
      s.module.get(MultipartRepository).insert(tx, {
        id: randomUUID(),
        feed_id: feed.id,
        client_id: 'c1',
        path: 'big.bin',
        path_lower: 'big.bin',
        total_size: '100',
        total_parts: 2,
        blob_key: 'blobs/big',
        storage_upload_id: 'upload-1',
        media_type: null,
        storage,
      }),
    );
    expect(await uow.run((tx) => contents.openUploads(tx, feed.id))).toEqual([
      { blobKey: 'blobs/big', storageUploadId: 'upload-1', storage },
    ]);
  });
});
