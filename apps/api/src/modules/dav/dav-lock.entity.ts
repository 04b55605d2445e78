import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FeedEntity } from '../feeds/feed.entity';

/**
 * A WebDAV write lock (RFC 4918 §6-7), in PostgreSQL so that every node honours it. Bound to a path,
 * not an item: a lock on a missing resource (lock-null) is possible and a MOVE does not take it along.
 * Rows past `expires_at` are ignored and removed lazily.
 */
@Entity('dav_locks')
@Index('ix_dav_locks_feed_path', ['feedId', 'pathLower'])
export class DavLockEntity {
  /** The UUID of `opaquelocktoken:<uuid>`. */
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_dav_locks' })
  token!: string;

  @Column({ name: 'feed_id', type: 'int' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id', foreignKeyConstraintName: 'fk_dav_locks_feed' })
  feed?: FeedEntity;

  /** The locked path as named ('' is the directory root). */
  @Column({ type: 'text' })
  path!: string;

  @Column({ name: 'path_lower', type: 'text' })
  pathLower!: string;

  @Column({ type: 'boolean' })
  exclusive!: boolean;

  /** Depth infinity: the lock covers everything below the path. */
  @Column({ type: 'boolean' })
  deep!: boolean;

  /** The client's `<D:owner>` content, as XML text. */
  @Column({ name: 'owner_xml', type: 'text' })
  ownerXml!: string;

  /** Who took it (principal key): only they may use its token. */
  @Column({ type: 'varchar', length: 300 })
  principal!: string;

  @Column({ name: 'timeout_seconds', type: 'int' })
  timeoutSeconds!: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
