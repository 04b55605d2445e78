import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { AppConfig, loadConfig } from '../../config/app-config';
import { createDataSource } from '../../database/data-source';
import { UnitOfWork } from '../../database/unit-of-work';
import { StorageMetrics } from '../observability/storage-metrics';
import { BlobDeletionRow, BlobDeletionsRepository } from './blob-deletions.repository';
import { StorageDescriptor, StorageService } from './storage.service';

/** The blob deletion queue on PostgreSQL: enqueue, claim, done, and what survives a restart. */
describe('blob deletion queue', () => {
  let db: TestDatabase;
  let dataDir: string;
  let config: AppConfig;
  let dataSource: DataSource;
  let queue: BlobDeletionsRepository;
  let uow: UnitOfWork;
  let oldDisk: StorageDescriptor;
  let newDisk: StorageDescriptor;

  const storageService = (ds: DataSource) =>
    new StorageService(config, new UnitOfWork(ds), new BlobDeletionsRepository(ds), new StorageMetrics(new Registry()));
  const queued = async (): Promise<string[]> =>
    (await dataSource.query(`SELECT blob_key FROM blob_deletions ORDER BY id`)).map(
      (r: { blob_key: string }) => r.blob_key,
    );
  const put = async (storage: StorageService, where: StorageDescriptor, key: string) =>
    storage.providerForDescriptor(where).write(key, Readable.from([Buffer.from(key)]));
  const exists = async (storage: StorageService, where: StorageDescriptor, key: string) =>
    (await storage.providerForDescriptor(where).stat(key)) !== null;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'stockroom-int-deletions-'));
    config = loadConfig({ STOCKROOM_DATA_DIR: dataDir });
    oldDisk = { id: 'disk', properties: { Path: join(dataDir, 'old') } };
    newDisk = { id: 'disk', properties: { Path: join(dataDir, 'new') } };
    dataSource = await createDataSource(db.url).initialize();
    queue = new BlobDeletionsRepository(dataSource);
    uow = new UnitOfWork(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => dataSource.query(`DELETE FROM blob_deletions`));

  it('claims due deletions only, not those still in their grace period', async () => {
    await uow.run(async (tx) => {
      await queue.enqueue(tx, oldDisk, ['due-1', 'due-2']);
      await queue.enqueue(tx, oldDisk, ['later'], 3600);
    });
    const claimed = await uow.run((tx) => queue.claimDue(tx, 10));
    expect(claimed.map((r) => r.blob_key)).toEqual(['due-1', 'due-2']);
    expect(claimed[0].storage).toEqual(oldDisk);
  });

  it('queues nothing when the transaction that deleted the files rolls back', async () => {
    await expect(
      uow.run(async (tx) => {
        await queue.enqueue(tx, oldDisk, ['rolled-back']);
        throw new Error('the delete failed');
      }),
    ).rejects.toThrow('the delete failed');
    expect(await queued()).toEqual([]);
  });

  it('gives rows claimed by one sweeper to no other until it is done (nodes sweep together)', async () => {
    await uow.run((tx) => queue.enqueue(tx, oldDisk, ['a', 'b', 'c', 'd']));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first: BlobDeletionRow[] = [];
    let firstClaimed!: () => void;
    const claimedByFirst = new Promise<void>((resolve) => (firstClaimed = resolve));
    const firstSweeper = uow.run(async (tx) => {
      first = await queue.claimDue(tx, 2);
      firstClaimed();
      await held;
      await queue.remove(
        tx,
        first.map((r) => r.id),
      );
    });
    await claimedByFirst;
    const second = await uow.run(async (tx) => {
      const rows = await queue.claimDue(tx, 10);
      await queue.remove(
        tx,
        rows.map((r) => r.id),
      );
      return rows;
    });
    release();
    await firstSweeper;
    expect(first.map((r) => r.blob_key)).toEqual(['a', 'b']);
    expect(second.map((r) => r.blob_key)).toEqual(['c', 'd']);
    expect(await queued()).toEqual([]);
  });

  it('cancels the deletions of blobs used again, from every storage, and says which keys are queued', async () => {
    await uow.run(async (tx) => {
      await queue.enqueue(tx, oldDisk, ['kept', 'gone']);
      await queue.enqueue(tx, newDisk, ['kept']);
    });
    expect(await queue.queued(['kept', 'gone', 'never'])).toEqual(new Set(['kept', 'gone']));
    await uow.run((tx) => queue.cancel(tx, ['kept']));
    expect(await queued()).toEqual(['gone']);
    expect(await queue.queued([])).toEqual(new Set());
  });

  it('deletes a directory’s blobs from both storages of a running move, then forgets them', async () => {
    const storage = storageService(dataSource);
    for (const key of ['blob-1', 'blob-2']) {
      await put(storage, oldDisk, key);
      await put(storage, newDisk, key);
    }
    await uow.run((tx) => storage.enqueueDeletion(tx, { current: newDisk, previous: oldDisk }, ['blob-1', 'blob-2']));
    expect(await queued()).toHaveLength(4);
    expect(await storage.sweep()).toBe(4);
    for (const where of [oldDisk, newDisk])
      for (const key of ['blob-1', 'blob-2']) expect(await exists(storage, where, key)).toBe(false);
    expect(await queued()).toEqual([]);
  });

  it('leaves a blob in its grace period, and keeps a deletion that failed for the next sweep', async () => {
    const storage = storageService(dataSource);
    await put(storage, oldDisk, 'grace');
    await uow.run(async (tx) => {
      await storage.enqueueDeletion(tx, oldDisk, ['grace'], 3600);
      // Not a valid key for a disk storage: its deletion fails.
      await storage.enqueueDeletion(tx, oldDisk, ['../outside']);
    });
    expect(await storage.sweep()).toBe(0);
    expect(await exists(storage, oldDisk, 'grace')).toBe(true);
    expect((await queued()).sort()).toEqual(['../outside', 'grace']);
  });

  it('survives a restart: what one process queued, the next one deletes', async () => {
    const before = await createDataSource(db.url).initialize();
    const storageBefore = storageService(before);
    await put(storageBefore, oldDisk, 'orphan');
    await new UnitOfWork(before).run((tx) => storageBefore.enqueueDeletion(tx, oldDisk, ['orphan']));
    await before.destroy();

    const after = await createDataSource(db.url).initialize();
    try {
      const storageAfter = storageService(after);
      expect(await storageAfter.sweep()).toBe(1);
      expect(await exists(storageAfter, oldDisk, 'orphan')).toBe(false);
      expect(await queued()).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
});
