import { Privilege } from '@stockroom/contracts';
import { BLOB_PREFIX } from '@stockroom/storage';
import { Readable } from 'node:stream';
import { ADMIN_KEY, createServiceModule, ServiceModule } from '../../../test/support/service-module';
import { addFile } from '../../../test/support/service-fixtures';
import { UnitOfWork } from '../../database/unit-of-work';
import { FeedsService } from '../feeds/feeds.service';
import { StorageService } from '../storage/storage.service';
import { AssetsRepository } from './assets.repository';
import { MultipartJanitorService } from './multipart-janitor.service';

/**
 * Orphan blobs in a store: the janitor removes those that no file, upload or queued deletion
 * names (the queue is the storage module's: asked through StorageService).
 */
describe('MultipartJanitorService store leftovers', () => {
  let s: ServiceModule;

  beforeAll(async () => {
    s = await createServiceModule();
  });
  afterAll(() => s?.close());

  it('removes unreferenced blobs and leaves those of files and those queued for deletion', async () => {
    const feeds = s.module.get(FeedsService);
    const storage = s.module.get(StorageService);
    const uow = s.module.get(UnitOfWork);
    await feeds.create(ADMIN_KEY, { name: 'janitor', feedType: 'asset' });
    const feed = await feeds.requireFor(ADMIN_KEY, Privilege.View, 'janitor');
    const provider = storage.providerFor(feed);
    const key = (name: string) => `${BLOB_PREFIX}${name}`;
    for (const name of ['of-a-file', 'queued', 'orphan'])
      await provider.write(key(name), Readable.from([Buffer.from(name)]));
    await uow.run(async (tx) => {
      await addFile(s.module.get(AssetsRepository), tx, feed.id, 'kept.txt', key('of-a-file'), Buffer.from('x'));
      await storage.enqueueDeletion(tx, storage.descriptorFor(feed), [key('queued')], 3600);
    });

    const removed = await s.module.get(MultipartJanitorService).removeStoreLeftovers(0);

    expect(removed).toMatchObject({ blobs: 1, failures: [] });
    expect(await provider.stat(key('orphan'))).toBeNull();
    expect(await provider.stat(key('of-a-file'))).not.toBeNull();
    expect(await provider.stat(key('queued'))).not.toBeNull();
  });
});
