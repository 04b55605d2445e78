import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RetentionPreviewEntity } from './retention-preview.entity';

/**
 * One file a preview selected, with the facts it was selected on (to skip it if they changed) and
 * why; once a run has handled it, what happened to it (the run's per-file log).
 */
@Entity('retention_candidates')
export class RetentionCandidateEntity {
  @PrimaryColumn({ name: 'preview_id', type: 'uuid' })
  previewId!: string;

  @ManyToOne(() => RetentionPreviewEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'preview_id' })
  preview?: RetentionPreviewEntity;

  /** Order in the preview (by path); runs work through it in this order. */
  @PrimaryColumn({ type: 'int' })
  seq!: number;

  @Column({ name: 'item_id', type: 'bigint' })
  itemId!: string;

  @Column({ type: 'text' })
  path!: string;

  @Column({ type: 'bigint' })
  size!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'modified_at', type: 'timestamptz' })
  modifiedAt!: Date;

  @Column({ name: 'download_count', type: 'bigint' })
  downloadCount!: string;

  @Column({ name: 'last_downloaded_at', type: 'timestamptz', nullable: true })
  lastDownloadedAt!: Date | null;

  @Column({ name: 'blob_key', type: 'varchar', length: 1024, nullable: true })
  blobKey!: string | null;

  /** 1-based index of the rule that selected the file. */
  @Column({ type: 'int' })
  rule!: number;

  @Column({ type: 'text' })
  reason!: string;

  /** null until a run handles it: 'deleted' | 'would-delete' (dry run) | 'skipped'. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  outcome!: string | null;

  /** Why a file was skipped. */
  @Column({ type: 'text', nullable: true })
  note!: string | null;
}
