import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { WebhookEventType } from '@stockroom/contracts';
import { FeedEntity } from '../feeds/feed.entity';

/**
 * [ext] A webhook (issue 20): where to POST which events, per directory (`feedId`) or global (null).
 * The secret is encrypted at rest (StorageSecrets, like storage credentials).
 */
@Entity('webhooks')
@Index('ix_webhooks_feed', ['feedId'])
export class WebhookEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_webhooks' })
  id!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'varchar', length: 40, array: true })
  events!: WebhookEventType[];

  /** The directory whose events it receives; null = every directory and the global events. */
  @Column({ name: 'feed_id', type: 'int', nullable: true })
  feedId!: number | null;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id', foreignKeyConstraintName: 'FK_webhooks_feed' })
  feed?: FeedEntity;

  /** Encrypted (`enc:v1:…`). */
  @Column({ type: 'text' })
  secret!: string;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /** Saved by someone with Administer: its URL may be an internal address (else deliveries go to public ones only). */
  @Column({ name: 'allow_internal', type: 'boolean', default: false })
  allowInternal!: boolean;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
