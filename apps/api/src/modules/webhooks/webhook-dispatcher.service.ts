import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { WebhookEventType } from '@stockroom/contracts';
import { Clock } from '../../common/clock';
import type { Tx } from '../../database/unit-of-work';
import type { ChangeEventEntity } from '../events/change-event.entity';
import { ChangeEventsListener } from '../events/change-events.listener';
import { ChangeEventsService } from '../events/change-events.service';
import { LEASE_MS, WebhookDelivererService } from './webhook-deliverer.service';
import { ClaimedDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import type { WebhookEntity } from './webhook.entity';
import { eventBody } from './webhook.mapper';
import { WebhooksRepository } from './webhooks.repository';

const BATCH = 200;
const POLL_MS = 5_000;
/** How long a wake-up waits for more events to come with it. */
const DISPATCH_DELAY_MS = 100;
/** Dispatched events are kept this long (a look back when something went wrong), then dropped. */
const KEEP_DISPATCHED_MS = 7 * 24 * 3_600_000;
/** Deliveries that ended stay in the log this long. */
const KEEP_DELIVERIES_MS = 30 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

/** Whether a webhook listens to events of this type in this directory (null: global events). */
export function listensTo(
  hook: Pick<WebhookEntity, 'events' | 'feedId'>,
  type: WebhookEventType,
  feedId: number | null,
): boolean {
  return hook.events.includes(type) && (hook.feedId === null || hook.feedId === feedId);
}

/** Which active webhooks an event goes to. */
export function webhooksFor(event: ChangeEventEntity, hooks: WebhookEntity[]): WebhookEntity[] {
  if (event.type === 'webhook.test') return hooks.filter((h) => h.id === event.details['webhook']);
  return hooks.filter((h) => listensTo(h, event.type, event.feedId));
}

/**
 * Turns committed change events into deliveries, one per matching active webhook, in the same
 * transaction that marks the events dispatched (so each event is dispatched once, even by several
 * nodes: they lock different rows). Woken by the notification a commit with events sends, and by a
 * poll (a missed notification only delays). Never on a request's path.
 */
@Injectable()
export class WebhookDispatcherService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcherService.name);
  private timer?: NodeJS.Timeout;
  private pending?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private lastPrune = 0;

  constructor(
    private readonly events: ChangeEventsService,
    private readonly listener: ChangeEventsListener,
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly deliverer: WebhookDelivererService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    // Changes no active webhook listens to are not written at all.
    this.events.useAudience({
      listening: async () => {
        const subscriptions = await this.webhooks.subscriptions();
        return (type, feedId) => subscriptions.some((s) => listensTo(s, type, feedId));
      },
    });
    this.listener.subscribe(() => this.wake());
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.pending);
    await this.running;
  }

  /**
   * Dispatches soon: after DISPATCH_DELAY_MS (or right after the pass under way), so that under a
   * stream of changes each pass — one commit, one disk flush — takes many events, not one.
   */
  wake(): void {
    if (this.stopped || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.dispatchNow();
    }, DISPATCH_DELAY_MS);
    this.pending.unref();
  }

  private dispatchNow(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((e) => this.logger.warn(`Dispatching change events failed: ${(e as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.dispatchNow();
        }
      });
  }

  /** Dispatches until nothing is left (tests call it to not wait for a wake-up). */
  async drain(): Promise<void> {
    let unleased = false;
    for (;;) {
      let made: { count: number; leased: ClaimedDelivery[] } = { count: 0, leased: [] };
      const handled = await this.events.dispatch(BATCH, async (tx, events) => {
        made = await this.makeDeliveries(tx, events);
      });
      // Committed: what was made leased to this node goes out now; the rest is claimed.
      this.deliverer.start(made.leased);
      if (made.count > made.leased.length) unleased = true;
      if (handled < BATCH || this.stopped) break;
    }
    if (unleased) this.deliverer.wake();
    const now = Date.now();
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.events.pruneDispatched(KEEP_DISPATCHED_MS);
      await this.deliveries.deleteEndedBefore(new Date(this.clock.now().getTime() - KEEP_DELIVERIES_MS));
    }
  }

  /**
   * One delivery per matching webhook of each event; as many as the deliverer has free slots are made
   * leased to this node (sent once this commits, with no claim).
   */
  private async makeDeliveries(
    tx: Tx,
    events: ChangeEventEntity[],
  ): Promise<{ count: number; leased: ClaimedDelivery[] }> {
    const hooks = await this.webhooks.active(tx);
    const rows = events.flatMap((event) => {
      const matching = webhooksFor(event, hooks);
      if (matching.length === 0) return [];
      const body = eventBody(event);
      return matching.map((hook) => ({ hook, webhookId: hook.id, eventId: event.id, eventType: event.type, body }));
    });
    const token = randomUUID();
    const made = await this.deliveries.insertMany(tx, rows, this.clock.now(), {
      token,
      count: this.deliverer.freeSlots(),
      ms: LEASE_MS,
    });
    const byKey = new Map(rows.map((r) => [`${r.webhookId} ${r.eventId}`, r]));
    const leased = made.flatMap(({ id, webhookId, eventId }): ClaimedDelivery[] => {
      const row = byKey.get(`${webhookId} ${eventId}`);
      if (!row) return [];
      return [
        {
          id,
          webhookId,
          eventId,
          eventType: row.eventType,
          body: row.body,
          attempts: 0,
          firstAttemptAt: null,
          leaseToken: token,
          url: row.hook.url,
          secret: row.hook.secret,
          allowInternal: row.hook.allowInternal,
        },
      ];
    });
    return { count: rows.length, leased };
  }
}
