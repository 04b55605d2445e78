import { JoinColumn, ManyToOne, Column, Entity, PrimaryColumn } from 'typeorm';
import { MultipartUploadEntity } from './multipart-upload.entity';

@Entity('multipart_parts')
export class MultipartPartEntity {
  @PrimaryColumn({ name: 'upload_id', type: 'uuid' })
  uploadId!: string;

  @ManyToOne(() => MultipartUploadEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'upload_id' })
  upload?: MultipartUploadEntity;

  @PrimaryColumn({ name: 'part_index', type: 'int' })
  index!: number;

  @Column({ name: 'part_offset', type: 'bigint' })
  offset!: string;

  @Column({ name: 'part_size', type: 'bigint' })
  size!: string;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  token!: string | null;
}
