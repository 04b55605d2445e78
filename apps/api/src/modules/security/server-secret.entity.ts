import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Secrets of the installation that every node must share (several nodes share one database but not
 * a data folder): e.g. the key that signs download URLs. Generated once, on the first start.
 */
@Entity('server_secrets')
export class ServerSecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'bytea' })
  value!: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
