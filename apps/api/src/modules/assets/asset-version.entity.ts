import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { CacheHeader } from '@stockroom/contracts';
import { FeedEntity } from '../feeds/feed.entity';
import type { StoredUserMetadata } from './asset-item.entity';

/**
 * [ext] A kept version of a file (file history): the content a file had before an overwrite, a
 * delete or a restore replaced it. It names the same blob the file had (no copy); the blob is
 * reclaimed when the version is dropped and nothing else names it.
 */
@Entity('asset_versions')
@Index('ux_asset_versions_path_version', ['feedId', 'pathLower', 'version'], { unique: true })
@Index('ix_asset_versions_replaced_at', ['replacedAt'])
export class AssetVersionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'pk_asset_versions' })
  id!: string;

  @Column({ name: 'feed_id', type: 'int' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id', foreignKeyConstraintName: 'fk_asset_versions_feed' })
  feed?: FeedEntity;

  @Column({ type: 'text' })
  path!: string;

  @Column({ name: 'path_lower', type: 'text', collation: 'C' })
  pathLower!: string;

  /** Per path, from 1, never reused (see AssetVersionCounterEntity). */
  @Column({ type: 'int' })
  version!: number;

  /** Indexed: reclaiming a blob asks whether any version still names it. */
  @Index('ix_asset_versions_blob_key')
  @Column({ name: 'blob_key', type: 'varchar', length: 1024 })
  blobKey!: string;

  @Column({ type: 'bigint' })
  size!: string;

  @Column({ name: 'media_type', type: 'varchar', length: 255, nullable: true })
  mediaType!: string | null;

  @Column({ type: 'char', length: 32, nullable: true })
  md5!: string | null;

  @Column({ type: 'char', length: 40, nullable: true })
  sha1!: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  sha256!: string | null;

  @Column({ type: 'char', length: 128, nullable: true })
  sha512!: string | null;

  @Column({ name: 'user_metadata', type: 'jsonb', nullable: true })
  userMetadata!: Record<string, StoredUserMetadata> | null;

  @Column({ name: 'cache_header', type: 'jsonb', nullable: true })
  cacheHeader!: CacheHeader | null;

  /** When this content was written. */
  @Column({ name: 'modified_at', type: 'timestamptz' })
  modifiedAt!: Date;

  @Column({ name: 'replaced_at', type: 'timestamptz' })
  replacedAt!: Date;

  /** A user name or an API key's description. */
  @Column({ name: 'replaced_by', type: 'text', nullable: true })
  replacedBy!: string | null;

  /** The file was deleted when this content was its current one. */
  @Column({ type: 'boolean', default: false })
  deleted!: boolean;
}
