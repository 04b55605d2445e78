import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { WebhookEventType } from '@stockroom/contracts';

/**
 * [ext] The transactional outbox (issue 20): one row per change, written in the same transaction as
 * the change itself, so an event exists exactly when its change committed. Webhook deliveries are
 * made from these rows (`dispatchedAt` set once they are); nothing else reads them.
 */
@Entity('change_events')
@Index('ix_change_events_undispatched', ['occurredAt'], { where: '"dispatched_at" IS NULL' })
export class ChangeEventEntity {
  /** A UUID: the delivery id receivers see (`X-Stockroom-Delivery`). */
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_change_events' })
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  type!: WebhookEventType;

  /** The directory's id when the event belongs to one (no foreign key: the event outlives a deleted directory). */
  @Column({ name: 'feed_id', type: 'int', nullable: true })
  feedId!: number | null;

  /** The directory's name when the event happened. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  directory!: string | null;

  @Column({ type: 'text', nullable: true })
  path!: string | null;

  @Column({ type: 'varchar', length: 200 })
  actor!: string;

  /** The item as the listing JSON shows it (AssetItem), or null. */
  @Column({ type: 'jsonb', nullable: true })
  item!: Record<string, unknown> | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details!: Record<string, unknown>;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** When the webhooks dispatcher made this event's deliveries; null = not yet. */
  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true })
  dispatchedAt!: Date | null;
}
