import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { FeedEntity } from '../feeds/feed.entity';

export type ShareKind = 'file' | 'folder';

/**
 * [ext] A share link (issue 18). Only the token's SHA-256 is stored. The link is bound to the item it
 * was made for (`itemId` at `pathLower`; null for a whole directory): another item there, or none,
 * and the link has ended.
 */
@Entity('shares')
@Index('ix_shares_feed', ['feedId', 'id'])
export class ShareEntity {
  @PrimaryGeneratedColumn({ primaryKeyConstraintName: 'PK_shares' })
  id!: number;

  @Column({ name: 'feed_id', type: 'int' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id', foreignKeyConstraintName: 'FK_shares_feed' })
  feed?: FeedEntity;

  /** As stored in the directory ('' for the whole directory). */
  @Column({ type: 'text' })
  path!: string;

  @Column({ name: 'path_lower', type: 'text', collation: 'C' })
  pathLower!: string;

  @Column({ name: 'item_id', type: 'bigint', nullable: true })
  itemId!: string | null;

  @Column({ type: 'varchar', length: 6 })
  kind!: ShareKind;

  @Index('ux_shares_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash!: Buffer;

  /** The creator's name, as shown. */
  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;

  /** The creator as `principalKey` says (`user:5`, `key:3`): who may see and revoke it as its creator. */
  @Column({ name: 'created_by_key', type: 'varchar', length: 60 })
  createdByKey!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'max_downloads', type: 'int', nullable: true })
  maxDownloads!: number | null;

  @Column({ type: 'int', default: 0 })
  downloads!: number;

  /** argon2id (PasswordService), or null for a link without a password. */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** When the link was found to have lost its item (moved, deleted, replaced by another). */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}
