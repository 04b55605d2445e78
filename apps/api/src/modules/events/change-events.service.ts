import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { WebhookEventType } from '@stockroom/contracts';
import { Clock } from '../../common/clock';
import { Tx, UnitOfWork } from '../../database/unit-of-work';
import { ChangeEventEntity } from './change-event.entity';
import { ChangeEventsRepository } from './change-events.repository';

/** A change to announce (see WebhookEventBody for how receivers see it). */
export interface ChangeEventInput {
  type: WebhookEventType;
  /** The directory it happened in (absent for global events). */
  feed?: { id: number; name: string } | null;
  path?: string | null;
  /** A user name, an API key's description, or `system`. */
  actor: string;
  /** The item as the listing JSON shows it (AssetItem). */
  item?: unknown;
  details?: Record<string, unknown>;
}

/** Which changes someone listens to (the webhooks module): a test of a type and a directory id (null: global). */
export interface ChangeEventAudience {
  listening(): Promise<(type: WebhookEventType, feedId: number | null) => boolean>;
}

/**
 * Announces changes through the transactional outbox: `publish` writes them inside the caller's
 * transaction, so they exist exactly when the change committed; the webhooks module delivers them.
 * Changes nobody listens to are not written (see {@link useAudience}).
 */
@Injectable()
export class ChangeEventsService {
  private audience?: ChangeEventAudience;

  constructor(
    private readonly repository: ChangeEventsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  /**
   * The webhooks module says which changes some webhook listens to: the others are not written (every
   * upload would pay for an event no one reads). Its answer is cached on each node and dropped when a
   * webhook changes on any node, so a new webhook hears of changes a moment after it is saved.
   */
  useAudience(audience: ChangeEventAudience): void {
    this.audience = audience;
  }

  /** Inside the change's transaction: those someone listens to. Returns the ids of those written. */
  async publish(tx: Tx, events: ChangeEventInput[]): Promise<string[]> {
    const wants = await this.audience?.listening();
    return this.write(tx, wants ? events.filter((e) => wants(e.type, e.feed?.id ?? null)) : events);
  }

  /**
   * For events with no change of their own to join (a failed fetch, a finished run, a test event):
   * rare, and written whoever listens.
   */
  async publishNow(event: ChangeEventInput): Promise<string> {
    const [id] = await this.unitOfWork.run((tx) => this.write(tx, [event]));
    return id;
  }

  private async write(tx: Tx, events: ChangeEventInput[]): Promise<string[]> {
    const now = this.clock.now();
    const rows = events.map((e) => this.toRow(e, now));
    await this.repository.insert(tx, rows);
    return rows.map((r) => r.id);
  }

  /**
   * Hands up to `limit` undispatched events, oldest first, to `handle` inside one transaction that then
   * marks them dispatched: what `handle` writes in `tx` commits with the marks, or neither does. Rows
   * another node is dispatching are skipped (SKIP LOCKED). Returns how many were handled. The commit
   * does not wait for the disk: a crash that undoes it undoes the marks too, and the events are
   * dispatched again.
   */
  async dispatch(limit: number, handle: (tx: Tx, events: ChangeEventEntity[]) => Promise<void>): Promise<number> {
    return this.unitOfWork.run(
      async (tx) => {
        const events = await this.repository.claimUndispatched(tx, limit);
        if (events.length === 0) return 0;
        await handle(tx, events);
        await this.repository.markDispatched(
          tx,
          events.map((e) => e.id),
          this.clock.now(),
        );
        return events.length;
      },
      { waitForFlush: false },
    );
  }

  /** Forgets dispatched events older than `age` ms (deliveries keep their own copy of the body). */
  pruneDispatched(ageMs: number): Promise<number> {
    return this.repository.deleteDispatchedBefore(new Date(this.clock.now().getTime() - ageMs));
  }

  private toRow(e: ChangeEventInput, now: Date): ChangeEventEntity {
    const row = new ChangeEventEntity();
    row.id = randomUUID();
    row.type = e.type;
    row.feedId = e.feed?.id ?? null;
    row.directory = e.feed?.name ?? null;
    row.path = e.path ?? null;
    row.actor = e.actor.slice(0, 200);
    row.item = (e.item as Record<string, unknown> | undefined) ?? null;
    row.details = e.details ?? {};
    row.occurredAt = now;
    row.dispatchedAt = null;
    return row;
  }
}
