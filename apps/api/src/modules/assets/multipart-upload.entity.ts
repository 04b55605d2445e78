import {
  JoinColumn,
  ManyToOne,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { FeedEntity } from '../feeds/feed.entity';

/**
 * A chunked upload in progress. All state is here and in shared storage so any node can take
 * any part, and complete.
 */
@Entity('multipart_uploads')
@Index('ux_multipart_uploads_client_id', ['feedId', 'clientId'], { unique: true })
export class MultipartUploadEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'feed_id', type: 'int' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id' })
  feed?: FeedEntity;

  /** The `id` the client chose. */
  @Column({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  @Column({ type: 'text' })
  path!: string;

  @Column({ name: 'path_lower', type: 'text', collation: 'C' })
  pathLower!: string;

  @Column({ name: 'total_size', type: 'bigint' })
  totalSize!: string;

  @Column({ name: 'total_parts', type: 'int' })
  totalParts!: number;

  @Column({ name: 'blob_key', type: 'varchar', length: 1024 })
  blobKey!: string;

  /**
   * The directory's storage when the upload was opened (its parts live there even if the
   * directory moves meanwhile; completion copies the file to the new storage).
   */
  @Column({ type: 'jsonb', nullable: true })
  storage!: Record<string, unknown> | null;

  /** The storage provider's own upload handle. */
  @Column({ name: 'storage_upload_id', type: 'varchar', length: 1024 })
  storageUploadId!: string;

  @Column({ name: 'media_type', type: 'varchar', length: 255, nullable: true })
  mediaType!: string | null;

  /** Bytes [0, hashedBytes) are folded into hashState (parts that arrived in order). */
  @Column({ name: 'hashed_bytes', type: 'bigint', default: 0 })
  hashedBytes!: string;

  /** Serialized incremental hash states (base64 per algorithm), or null before any. */
  @Column({ name: 'hash_state', type: 'jsonb', nullable: true })
  hashState!: Record<string, string> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
