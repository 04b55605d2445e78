import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FeedEntity } from '../feeds/feed.entity';

/**
 * [ext] The last version number given to a path, so that numbers are never reused even after every
 * version of the path was dropped. Locked (and bumped) in the transaction that records a version.
 */
@Entity('asset_version_counters')
export class AssetVersionCounterEntity {
  @PrimaryColumn({ name: 'feed_id', type: 'int', primaryKeyConstraintName: 'pk_asset_version_counters' })
  feedId!: number;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id', foreignKeyConstraintName: 'fk_asset_version_counters_feed' })
  feed?: FeedEntity;

  @PrimaryColumn({
    name: 'path_lower',
    type: 'text',
    collation: 'C',
    primaryKeyConstraintName: 'pk_asset_version_counters',
  })
  pathLower!: string;

  @Column({ name: 'last_version', type: 'int' })
  lastVersion!: number;
}
