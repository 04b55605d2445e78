import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { WebhookDeliveryState, WebhookEventType } from '@stockroom/contracts';
import { WebhookEntity } from './webhook.entity';

/**
 * [ext] One event for one webhook (issue 20), with the exact body it is sent (a snapshot: the event
 * row may be gone). `pending` until a 2xx (`delivered`) or a day of failures from the first attempt
 * (`failed`). A node sending it holds a lease (`leaseToken` until `leaseUntil`): one that crashed
 * loses its claim when the lease ends, and another node sends it again (at-least-once).
 */
@Entity('webhook_deliveries')
@Index('ix_webhook_deliveries_due', ['nextAttemptAt'], { where: `"state" = 'pending'` })
@Index('ix_webhook_deliveries_webhook', ['webhookId', 'id'])
@Index('ux_webhook_deliveries_event', ['webhookId', 'eventId'], { unique: true })
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'PK_webhook_deliveries' })
  id!: string;

  @Column({ name: 'webhook_id', type: 'uuid' })
  webhookId!: string;

  @ManyToOne(() => WebhookEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhook_id', foreignKeyConstraintName: 'FK_webhook_deliveries_webhook' })
  webhook?: WebhookEntity;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 40 })
  eventType!: WebhookEventType;

  /** The JSON body exactly as sent (and signed). */
  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'varchar', length: 10, default: 'pending' })
  state!: WebhookDeliveryState;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When the current day of retries began (the first attempt, or a redelivery); null = not tried yet. */
  @Column({ name: 'first_attempt_at', type: 'timestamptz', nullable: true })
  firstAttemptAt!: Date | null;

  /** Due at (pending only). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'lease_token', type: 'uuid', nullable: true })
  leaseToken!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'last_status', type: 'int', nullable: true })
  lastStatus!: number | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;
}
