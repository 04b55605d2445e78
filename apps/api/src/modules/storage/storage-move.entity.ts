import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FeedEntity } from '../feeds/feed.entity';

/**
 * A directory's files moving from one storage to another (see StorageMovesService). The row is
 * the job's whole state: any node can pick it up after another one stopped.
 */
@Entity('storage_moves')
@Index('ix_storage_moves_feed', ['feedId', 'createdAt'])
export class StorageMoveEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'feed_id', type: 'int' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id' })
  feed?: FeedEntity;

  /** copying → completed, or → failed (then retry → copying). */
  @Column({ type: 'varchar', length: 20 })
  state!: string;

  /** Storage settings as stored (secrets encrypted). */
  @Column({ type: 'jsonb' })
  source!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  target!: Record<string, unknown>;

  @Column({ name: 'started_by', type: 'varchar', length: 255 })
  startedBy!: string;

  /** Items with an id up to this one have been handled by the current pass. */
  @Column({ type: 'bigint', default: 0 })
  cursor!: string;

  @Column({ name: 'total_files', type: 'int' })
  totalFiles!: number;

  @Column({ name: 'total_bytes', type: 'bigint' })
  totalBytes!: string;

  @Column({ name: 'copied_files', type: 'int', default: 0 })
  copiedFiles!: number;

  @Column({ name: 'copied_bytes', type: 'bigint', default: 0 })
  copiedBytes!: string;

  @Column({ name: 'failed_files', type: 'int', default: 0 })
  failedFiles!: number;

  /** The first failures of the current pass: `{path, message}`. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  errors!: { path: string; message: string }[];

  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
