import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { createDataSource } from '../../database/data-source';
import { UnitOfWork } from '../../database/unit-of-work';
import { FeedsRepository } from '../feeds/feeds.repository';
import { MoveRow, StorageMovesRepository } from './storage-moves.repository';
import type { StorageDescriptor } from './storage.service';

const FROM: StorageDescriptor = { id: 'disk', properties: { Path: '/srv/old' } };
const TO: StorageDescriptor = { id: 'disk', properties: { Path: '/srv/new' } };

/** The storage-move bookkeeping on PostgreSQL: start, lease, progress, complete or fail, retry. */
describe('StorageMovesRepository', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let moves: StorageMovesRepository;
  let uow: UnitOfWork;
  let feedId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await createDataSource(db.url).initialize();
    moves = new StorageMovesRepository(dataSource);
    uow = new UnitOfWork(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db.drop();
  });

  beforeEach(async () => {
    await dataSource.query(`DELETE FROM storage_moves`);
    const feed = await new FeedsRepository(dataSource).insert({
      name: `moves-${randomUUID().slice(0, 8)}`,
      description: '',
      active: true,
      retentionRules: [],
      retentionRulesEnabled: false,
      retentionDryRun: false,
      inlineContent: false,
      writePolicy: 'allow',
      quotaBytes: null,
    });
    if (!feed) throw new Error('the directory was not created');
    feedId = feed.id;
  });

  const start = (id = randomUUID()) =>
    uow.run((tx) =>
      moves.insert(tx, {
        id,
        feed_id: feedId,
        source: FROM,
        target: TO,
        started_by: 'Admin',
        total_files: 3,
        total_bytes: '30',
      }),
    );
  const progress = (cursor: string, files: number, errors: { path: string; message: string }[] = []) => ({
    cursor,
    files,
    bytes: files * 10,
    errors,
  });

  it('starts a move copying, unfinished and first in the directory’s list', async () => {
    const older = await start();
    await uow.run((tx) => moves.finish(tx, older.id, 'completed'));
    const move = await start();
    expect(move).toMatchObject({ state: 'copying', feed_id: feedId, source: FROM, target: TO, cursor: '0' });
    expect((await moves.unfinishedOfFeed(feedId))?.id).toBe(move.id);
    expect((await moves.listOfFeed(feedId)).map((m) => m.id)).toEqual([move.id, older.id]);
    expect((await moves.find(move.id))?.total_bytes).toBe('30');
    expect(await moves.find(randomUUID())).toBeUndefined();
  });

  it('leases a move to one node at a time; another node takes it once the lease is released', async () => {
    const move = await start();
    expect((await moves.claim('node-a', 60))?.id).toBe(move.id);
    expect(await moves.claim('node-b', 60)).toBeUndefined();
    // Only the holder records progress.
    expect(await moves.recordProgress(move.id, 'node-b', progress('1', 1), 100, 60)).toBe(false);
    expect(await moves.recordProgress(move.id, 'node-a', progress('1', 1), 100, 60)).toBe(true);
    await moves.releaseLeases('node-a');
    const taken = await moves.claim('node-b', 60);
    // It carries on where node-a stopped.
    expect(taken).toMatchObject({ id: move.id, cursor: '1', copied_files: 1 });
    expect(await moves.recordProgress(move.id, 'node-a', progress('2', 1), 100, 60)).toBe(false);
  });

  it('gives a move whose lease ran out (a stalled node) to another node', async () => {
    const move = await start();
    await moves.claim('stalled', 0);
    expect((await moves.claim('healthy', 60))?.id).toBe(move.id);
  });

  it('adds up progress and keeps the first errors only', async () => {
    const move = await start();
    await moves.claim('node', 60);
    const error = (n: number) => ({ path: `f${n}`, message: 'refused' });
    await moves.recordProgress(move.id, 'node', progress('5', 2, [error(1), error(2)]), 3, 60);
    await moves.recordProgress(move.id, 'node', progress('9', 1, [error(3), error(4)]), 3, 60);
    await moves.recordProgress(move.id, 'node', progress('12', 0, [error(5)]), 3, 60);
    const row = (await moves.find(move.id)) as MoveRow;
    expect(row).toMatchObject({ cursor: '12', copied_files: 3, copied_bytes: '30', failed_files: 5 });
    expect(row.errors.map((e) => e.path)).toEqual(['f1', 'f2', 'f3', 'f4']);
  });

  it('completes only for the node holding the lease, and frees the lease', async () => {
    const move = await start();
    await moves.claim('node', 60);
    expect(await uow.run((tx) => moves.lockLeased(tx, move.id, 'other'))).toBeUndefined();
    await uow.run(async (tx) => {
      expect((await moves.lockLeased(tx, move.id, 'node'))?.id).toBe(move.id);
      await moves.finish(tx, move.id, 'completed');
    });
    const row = await moves.find(move.id);
    expect(row).toMatchObject({ state: 'completed' });
    expect(row?.finished_at).not.toBeNull();
    expect(await moves.unfinishedOfFeed(feedId)).toBeUndefined();
    expect(await moves.claim('node', 60)).toBeUndefined();
  });

  it('retries a failed move from the start, and only a failed one', async () => {
    const move = await start();
    await moves.claim('node', 60);
    await moves.recordProgress(move.id, 'node', progress('7', 2, [{ path: 'x', message: 'no' }]), 100, 60);
    await uow.run((tx) => moves.finish(tx, move.id, 'failed'));
    expect((await moves.unfinishedOfFeed(feedId))?.state).toBe('failed');
    expect(await moves.claim('node', 60)).toBeUndefined();
    const retried = await moves.restart(move.id);
    expect(retried).toMatchObject({ state: 'copying', cursor: '0', copied_files: 0, failed_files: 0, errors: [] });
    expect(retried?.finished_at).toBeNull();
    expect(await moves.restart(move.id)).toBeUndefined();
    expect((await moves.claim('node', 60))?.id).toBe(move.id);
  });

  it('points an unfinished move at new credentials for the same location, not a completed one', async () => {
    const done = await start();
    await uow.run((tx) => moves.finish(tx, done.id, 'completed'));
    const running = await start();
    const rotated: StorageDescriptor = { id: 'disk', properties: { Path: '/srv/new', Note: 'rotated' } };
    await uow.run((tx) => moves.retarget(tx, feedId, rotated));
    expect((await moves.find(running.id))?.target).toEqual(rotated);
    expect((await moves.find(done.id))?.target).toEqual(TO);
  });

  it('keeps a move’s progress across a restart (a new connection pool carries on)', async () => {
    const move = await start();
    await moves.claim('before', 60);
    await moves.recordProgress(move.id, 'before', progress('4', 2), 100, 60);
    await moves.releaseLeases('before');
    const restarted = await createDataSource(db.url).initialize();
    try {
      const claimed = await new StorageMovesRepository(restarted).claim('after', 60);
      expect(claimed).toMatchObject({ id: move.id, cursor: '4', copied_files: 2, state: 'copying' });
    } finally {
      await restarted.destroy();
    }
  });

  it('goes with its directory', async () => {
    const move = await start();
    await uow.run((tx) => new FeedsRepository(dataSource).delete(tx, feedId));
    expect(await moves.find(move.id)).toBeUndefined();
  });
});
