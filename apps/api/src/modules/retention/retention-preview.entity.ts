import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FeedEntity } from '../feeds/feed.entity';

/**
 * A frozen evaluation of a directory's rules: what they selected at `evaluatedAt`, file by file
 * (`retention_candidates`). Applying it deletes exactly those files; every run makes one first.
 */
@Entity('retention_previews')
@Index('ix_retention_previews_feed', ['feedId', 'createdAt'])
export class RetentionPreviewEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'feed_id', type: 'int' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id' })
  feed?: FeedEntity;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;

  /** The time the rules were checked against ("now" of "30 days ago"). */
  @Column({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt!: Date;

  @Column({ type: 'jsonb' })
  rules!: unknown[];

  /** Totals: files, bytes, scannedFiles, scannedBytes, perRule. Stored with the candidates, in one transaction. */
  @Column({ type: 'jsonb' })
  totals!: Record<string, unknown>;
}
