import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FeedEntity } from '../feeds/feed.entity';

const count = { to: (v: number) => v, from: (v: string | number) => Number(v) };

/** [ext] A directory's connector counters (ConnectorStatus), written by every node. */
@Entity('connector_stats')
export class ConnectorStatsEntity {
  @PrimaryColumn({ name: 'feed_id', type: 'integer', primaryKeyConstraintName: 'pk_connector_stats' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id', foreignKeyConstraintName: 'fk_connector_stats_feed' })
  feed?: FeedEntity;

  @Column({ type: 'bigint', default: 0, transformer: count })
  hits!: number;

  @Column({ type: 'bigint', default: 0, transformer: count })
  misses!: number;

  @Column({ type: 'bigint', default: 0, transformer: count })
  errors!: number;

  @Column({ name: 'last_fetch_at', type: 'timestamptz', nullable: true })
  lastFetchAt!: Date | null;

  @Column({ name: 'last_error_at', type: 'timestamptz', nullable: true })
  lastErrorAt!: Date | null;

  @Column({ name: 'last_error_path', type: 'text', nullable: true })
  lastErrorPath!: string | null;

  @Column({ name: 'last_error_message', type: 'text', nullable: true })
  lastErrorMessage!: string | null;
}
