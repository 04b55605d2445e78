import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A blob whose row is gone and whose bytes must be removed. Written in the same transaction as
 * the delete/overwrite, so reclaiming storage survives crashes and restarts.
 */
@Entity('blob_deletions')
export class BlobDeletionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** The storage settings the blob lives in (a snapshot: the feed may be gone). */
  @Column({ type: 'jsonb' })
  storage!: Record<string, unknown>;

  @Column({ name: 'blob_key', type: 'varchar', length: 1024 })
  blobKey!: string;

  /** Not swept before this time (a finished storage move leaves readers of the old copy a grace period). */
  @Column({ name: 'not_before', type: 'timestamptz', default: () => 'now()' })
  notBefore!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
