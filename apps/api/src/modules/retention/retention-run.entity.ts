import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { FeedEntity } from '../feeds/feed.entity';
import { RetentionPreviewEntity } from './retention-preview.entity';

export type RetentionRunKind = 'retention' | 'maintenance';
export type RetentionRunTrigger = 'manual' | 'scheduled' | 'apply';
export type RetentionRunState = 'running' | 'completed' | 'failed';

/**
 * One run: of a directory's rules (manual, scheduled, or applying a preview), or of the scheduled
 * maintenance (abandoned uploads, orphan blobs; no directory). `cursor` is how far it got through
 * its preview's candidates, so a run cut short by a crash is carried on, not started over.
 * A scheduled run is unique per directory and schedule slot (see the migration's index), which is
 * how several nodes firing at once make one run.
 */
@Entity('retention_runs')
@Index('ix_retention_runs_feed', ['feedId', 'id'])
@Index('ix_retention_runs_state', ['state'])
// (kind, COALESCE(feed_id, 0), slot) WHERE slot IS NOT NULL: an expression index, made by the migration.
@Index('ux_retention_runs_slot', { synchronize: false })
export class RetentionRunEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 12 })
  kind!: RetentionRunKind;

  @Column({ name: 'feed_id', type: 'int', nullable: true })
  feedId!: number | null;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id' })
  feed?: FeedEntity;

  @Column({ type: 'varchar', length: 12 })
  trigger!: RetentionRunTrigger;

  /** The schedule's fire time this run belongs to (scheduled runs). */
  @Column({ type: 'timestamptz', nullable: true })
  slot!: Date | null;

  @Column({ name: 'dry_run', type: 'boolean' })
  dryRun!: boolean;

  @Column({ type: 'varchar', length: 12 })
  state!: RetentionRunState;

  @Column({ name: 'preview_id', type: 'uuid', nullable: true })
  previewId!: string | null;

  @ManyToOne(() => RetentionPreviewEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'preview_id' })
  preview?: RetentionPreviewEntity;

  @Column({ name: 'started_by', type: 'varchar', length: 200 })
  startedBy!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /** Candidates handled so far (their `seq` is ≤ this). */
  @Column({ type: 'int', default: 0 })
  cursor!: number;

  @Column({ name: 'deleted_files', type: 'int', default: 0 })
  deletedFiles!: number;

  @Column({ name: 'deleted_bytes', type: 'bigint', default: 0 })
  deletedBytes!: string;

  @Column({ name: 'skipped_files', type: 'int', default: 0 })
  skippedFiles!: number;

  @Column({ name: 'folders_removed', type: 'int', default: 0 })
  foldersRemoved!: number;

  /** Times a node carried the run on after another stopped mid-way. */
  @Column({ type: 'int', default: 0 })
  resumed!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** Maintenance counts (abandoned uploads, unknown uploads, orphan blobs). */
  @Column({ type: 'jsonb', nullable: true })
  details!: Record<string, unknown> | null;
}
