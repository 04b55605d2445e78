import { randomUUID } from 'node:crypto';
import { UnitOfWork } from '../../database/unit-of-work';
import { createServiceModule, ServiceModule } from '../../../test/support/service-module';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookEntity } from './webhook.entity';
import { WebhooksRepository } from './webhooks.repository';

/** Claims and leases on real PostgreSQL: several nodes take different deliveries; a dead node's are retaken. */
describe('WebhookDeliveriesRepository', () => {
  let s: ServiceModule;
  let deliveries: WebhookDeliveriesRepository;
  let hook: WebhookEntity;
  const t0 = new Date('2030-01-01T00:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  beforeAll(async () => {
    s = await createServiceModule();
    deliveries = s.module.get(WebhookDeliveriesRepository);
    hook = Object.assign(new WebhookEntity(), {
      id: randomUUID(),
      url: 'http://127.0.0.1:9/',
      events: ['file.created'],
      feedId: null,
      secret: 'plain',
      active: true,
      allowInternal: true,
      createdBy: 'test',
      createdAt: t0,
    });
    await s.module.get(WebhooksRepository).insert(hook);
    const event = () => ({ webhookId: hook.id, eventId: randomUUID(), eventType: 'file.created', body: '{}' });
    const none = { token: randomUUID(), count: 0, ms: 60_000 };
    await s.module.get(UnitOfWork).run((tx) => deliveries.insertMany(tx, Array.from({ length: 10 }, event), t0, none));
  });

  afterAll(async () => {
    await s?.close();
  });

  it('hands each due delivery to one claimer, retakes it when the lease ends, and ignores the late outcome', async () => {
    // Leases run on the database's clock: a node whose own clock is hours ahead does not end them early.
    const LEASE = 1_500;
    const [a, b] = await Promise.all([
      deliveries.claimDue(at(0), LEASE, randomUUID(), 6),
      deliveries.claimDue(at(0), LEASE, randomUUID(), 6),
    ]);
    const ids = [...a, ...b].map((d) => d.id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    expect(await deliveries.claimDue(at(8 * 3_600_000), LEASE, randomUUID(), 10)).toEqual([]);

    // The first claimer "crashed": after its lease, another node takes its deliveries.
    await new Promise((r) => setTimeout(r, LEASE + 100));
    const retaken = await deliveries.claimDue(at(60_000), LEASE, randomUUID(), 100);
    expect(retaken.map((d) => d.id).sort()).toEqual([...ids].sort());
    const outcome = (d: { id: string; leaseToken: string }) => ({
      id: d.id,
      leaseToken: d.leaseToken,
      state: 'delivered' as const,
      firstAttemptAt: at(61_000),
      nextAttemptAt: null,
      status: 204,
      at: at(61_000),
      latencyMs: 5,
      error: null,
    });
    // The crashed node's late answer is not recorded; the new claimer's is.
    await deliveries.recordAttempts(a.map(outcome));
    expect((await deliveries.attemptsOf(a[0].id)).length).toBe(0);
    await deliveries.recordAttempts(retaken.map(outcome));
    for (const d of retaken) {
      expect(await deliveries.find(hook.id, d.id)).toEqual(
        expect.objectContaining({ state: 'delivered', attempts: 1, leaseToken: null, lastStatus: 204 }),
      );
      expect((await deliveries.attemptsOf(d.id)).map((x) => x.status)).toEqual([204]);
    }
    expect(await deliveries.claimDue(at(200_000), LEASE, randomUUID(), 100)).toEqual([]);
  });

  it('makes the first deliveries leased to their maker (no one claims them) and none twice', async () => {
    const make = (rows: { webhookId: string; eventId: string; eventType: string; body: string }[], count: number) =>
      s.module
        .get(UnitOfWork)
        .run((tx) => deliveries.insertMany(tx, rows, at(300_000), { token: randomUUID(), count, ms: 1_500 }));
    const rows = Array.from({ length: 5 }, () => ({
      webhookId: hook.id,
      eventId: randomUUID(),
      eventType: 'file.created',
      body: '{}',
    }));
    const leased = await make(rows, 3);
    expect(leased.map((d) => d.eventId)).toEqual(rows.slice(0, 3).map((r) => r.eventId));
    // The other two are due for anyone; the leased ones only when their lease ends.
    const claimed = await deliveries.claimDue(at(300_000), 60_000, randomUUID(), 100);
    expect(claimed.map((d) => d.eventId).sort()).toEqual(
      rows
        .slice(3)
        .map((r) => r.eventId)
        .sort(),
    );
    await new Promise((r) => setTimeout(r, 1_600));
    const retaken = await deliveries.claimDue(at(300_000), 60_000, randomUUID(), 100);
    expect(retaken.map((d) => d.eventId).sort()).toEqual(
      rows
        .slice(0, 3)
        .map((r) => r.eventId)
        .sort(),
    );
    // Made again (a dispatch a crash undid, redone): nothing new.
    expect(await make(rows, 5)).toEqual([]);
    expect(await deliveries.claimDue(at(300_000), 60_000, randomUUID(), 100)).toEqual([]);
  });
});
