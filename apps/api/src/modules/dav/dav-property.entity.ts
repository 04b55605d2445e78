import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AssetItemEntity } from '../assets/asset-item.entity';

/**
 * A WebDAV dead property (RFC 4918 §4) of one item: set by PROPPATCH, kept apart from the user
 * metadata (never a response header), following the item on MOVE (same row id) and gone with it.
 */
@Entity('dav_properties')
export class DavPropertyEntity {
  @PrimaryColumn({ name: 'item_id', type: 'bigint', primaryKeyConstraintName: 'pk_dav_properties' })
  itemId!: string;

  @ManyToOne(() => AssetItemEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'item_id', foreignKeyConstraintName: 'fk_dav_properties_item' })
  item?: AssetItemEntity;

  /** The property's XML namespace URI ('' for none). */
  @PrimaryColumn({ type: 'varchar', length: 1024, primaryKeyConstraintName: 'pk_dav_properties' })
  namespace!: string;

  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: 'pk_dav_properties' })
  name!: string;

  /** The property element's content as XML text (namespaces declared inside). */
  @Column({ type: 'text' })
  value!: string;
}
