import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { ReplicationMode } from '@stockroom/contracts';
import { FeedEntity } from '../feeds/feed.entity';

/**
 * [ext] A replication job (issue 20): a local directory, a remote asset directory (another Stockroom
 * or ProGet), what to do (pull, push, mirror), the remote's API key (encrypted at rest, see
 * StorageSecrets), and a cron schedule ('' = on demand only). Goes with its directory.
 */
@Entity('replication_jobs')
@Index('ix_replication_jobs_feed', ['feedId'])
export class ReplicationJobEntity {
  @PrimaryGeneratedColumn({ type: 'int', primaryKeyConstraintName: 'PK_replication_jobs' })
  id!: number;

  @Column({ name: 'feed_id', type: 'int' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id', foreignKeyConstraintName: 'FK_replication_jobs_feed' })
  feed?: FeedEntity;

  @Column({ name: 'remote_url', type: 'text' })
  remoteUrl!: string;

  @Column({ name: 'remote_feed', type: 'varchar', length: 100 })
  remoteFeed!: string;

  @Column({ type: 'varchar', length: 10 })
  mode!: ReplicationMode;

  /** Encrypted (`enc:v1:…`); null when the remote needs no key. */
  @Column({ name: 'api_key', type: 'text', nullable: true })
  apiKey!: string | null;

  @Column({ type: 'varchar', length: 200, default: '' })
  schedule!: string;

  @Column({ type: 'boolean', default: false })
  deletes!: boolean;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
