import { DataSource } from 'typeorm';
import { UnitOfWork } from '../../database/unit-of-work';
import { createServiceModule, ServiceModule } from '../../../test/support/service-module';
import { ChangeEventEntity } from './change-event.entity';
import { ChangeEventsService } from './change-events.service';

/** The transactional outbox (issue 20) on real PostgreSQL: an event exists exactly when its change committed. */
describe('ChangeEventsService', () => {
  let s: ServiceModule;
  let events: ChangeEventsService;
  let unitOfWork: UnitOfWork;
  const stored = async () =>
    (await s.module.get(DataSource).getRepository(ChangeEventEntity).find()).map((e) => e.path).sort();

  beforeAll(async () => {
    s = await createServiceModule();
    events = s.module.get(ChangeEventsService);
    unitOfWork = s.module.get(UnitOfWork);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('keeps the events of a committed change and never those of one that rolled back', async () => {
    await unitOfWork.run((tx) => events.publish(tx, [{ type: 'file.created', path: 'kept.txt', actor: 'test' }]));
    await expect(
      unitOfWork.run(async (tx) => {
        await events.publish(tx, [{ type: 'file.created', path: 'rolled-back.txt', actor: 'test' }]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await stored()).toEqual(['kept.txt']);
  });

  it('dispatches each event once, and not at all when the dispatching transaction fails', async () => {
    await events.publishNow({ type: 'file.deleted', path: 'one.txt', actor: 'test' });
    const seen: string[] = [];
    await expect(
      events.dispatch(100, async (_tx, batch) => {
        seen.push(...batch.map((e) => e.path ?? ''));
        throw new Error('the deliveries could not be written');
      }),
    ).rejects.toThrow('could not be written');
    // Not marked: handed over again, then never again.
    const handled: string[] = [];
    const take = () => events.dispatch(100, async (_tx, batch) => void handled.push(...batch.map((e) => e.path ?? '')));
    const [a, b] = await Promise.all([take(), take()]);
    expect(a + b).toBe(2);
    expect(handled.sort()).toEqual(['kept.txt', 'one.txt']);
    expect(await take()).toBe(0);
    expect(seen.sort()).toEqual(['kept.txt', 'one.txt']);
  });
  it('keeps every event of a change that makes many (an archive import of 7,000 files)', async () => {
    const many = Array.from({ length: 7000 }, (_, i) => ({
      type: 'file.created' as const,
      path: `import/file-${i}.txt`,
      actor: 'test',
      item: { name: `file-${i}.txt`, size: i },
    }));
    const ids = await unitOfWork.run((tx) => events.publish(tx, many));
    expect(new Set(ids).size).toBe(7000);
    const count = await s.module
      .get(DataSource)
      .getRepository(ChangeEventEntity)
      .createQueryBuilder('e')
      .where("e.path LIKE 'import/%'")
      .getCount();
    expect(count).toBe(7000);
  });
});
