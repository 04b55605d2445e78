import { JoinColumn, ManyToOne, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { CacheHeader } from '@stockroom/contracts';
import { FeedEntity } from '../feeds/feed.entity';

export type AssetKind = 'file' | 'dir';

export interface StoredUserMetadata {
  value: string;
  includeInResponseHeader: boolean;
}

/**
 * A file or folder of a directory. The tree lives here; storage only holds blobs under
 * server-generated keys. `path_lower`/`parent_lower` use the C collation so that one B-tree
 * serves equality, prefix (LIKE 'a/%') and ordered scans.
 */
@Entity('asset_items')
@Index('ux_asset_items_path', ['feedId', 'pathLower'], { unique: true })
@Index('ix_asset_items_parent', ['feedId', 'parentLower', 'kind', 'nameLower'])
export class AssetItemEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'feed_id', type: 'int' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id' })
  feed?: FeedEntity;

  @Column({ type: 'text' })
  path!: string;

  @Column({ name: 'path_lower', type: 'text', collation: 'C' })
  pathLower!: string;

  /** '' at the root. */
  @Column({ name: 'parent_lower', type: 'text', collation: 'C' })
  parentLower!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'name_lower', type: 'text', collation: 'C' })
  nameLower!: string;

  @Column({ type: 'varchar', length: 4 })
  kind!: AssetKind;

  @Column({ type: 'bigint', nullable: true })
  size!: string | null;

  @Column({ name: 'media_type', type: 'varchar', length: 255, nullable: true })
  mediaType!: string | null;

  /** Indexed: the storage janitor asks whether any file names a blob. */
  @Index('ix_asset_items_blob_key')
  @Column({ name: 'blob_key', type: 'varchar', length: 1024, nullable: true })
  blobKey!: string | null;

  @Column({ type: 'char', length: 32, nullable: true })
  md5!: string | null;

  @Column({ type: 'char', length: 40, nullable: true })
  sha1!: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  sha256!: string | null;

  @Column({ type: 'char', length: 128, nullable: true })
  sha512!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'modified_at', type: 'timestamptz' })
  modifiedAt!: Date;

  @Column({ name: 'user_metadata', type: 'jsonb', nullable: true })
  userMetadata!: Record<string, StoredUserMetadata> | null;

  @Column({ name: 'cache_header', type: 'jsonb', nullable: true })
  cacheHeader!: CacheHeader | null;

  /**
   * A 0-byte file's creator (principalKey), until it is replaced: the one replacement a create-only
   * directory allows (the empty-POST-then-upload habit of clients, spec §8).
   */
  @Column({ name: 'placeholder_by', type: 'varchar', length: 200, nullable: true })
  placeholderBy!: string | null;

  @Column({ name: 'download_count', type: 'bigint', default: 0 })
  downloadCount!: string;

  @Column({ name: 'last_downloaded_at', type: 'timestamptz', nullable: true })
  lastDownloadedAt!: Date | null;
}
