import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FeedEntity } from '../feeds/feed.entity';

/**
 * [ext] What a directory's connector knows of one path: a file it fetched (`sha1` of the content it
 * stored, with the upstream's validators), or a remembered 404 (`sha1` null, until `missing_until`).
 * A file whose current content is not `sha1` was uploaded locally: the connector leaves it alone.
 */
@Entity('connector_cache')
export class ConnectorCacheEntity {
  @PrimaryColumn({ name: 'feed_id', type: 'integer', primaryKeyConstraintName: 'pk_connector_cache' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id', foreignKeyConstraintName: 'fk_connector_cache_feed' })
  feed?: FeedEntity;

  @PrimaryColumn({ name: 'path_lower', type: 'text', primaryKeyConstraintName: 'pk_connector_cache' })
  pathLower!: string;

  @Column({ type: 'varchar', length: 40, nullable: true })
  sha1!: string | null;

  @Column({ type: 'text', nullable: true })
  etag!: string | null;

  /** The upstream's Last-Modified header, as it sent it (sent back in If-Modified-Since). */
  @Column({ name: 'last_modified', type: 'text', nullable: true })
  lastModified!: string | null;

  @Column({ name: 'fetched_at', type: 'timestamptz' })
  fetchedAt!: Date;

  @Column({ name: 'validated_at', type: 'timestamptz' })
  validatedAt!: Date;

  @Column({ name: 'missing_until', type: 'timestamptz', nullable: true })
  missingUntil!: Date | null;
}
