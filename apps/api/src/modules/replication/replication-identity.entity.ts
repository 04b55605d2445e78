import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * This installation's identity (one row, made on first use): every node on the database shares
 * it. `GET /api/replication/identity` answers it, so a job can tell that its "remote" is this very
 * server, whatever address reaches it.
 */
@Entity('replication_identity')
export class ReplicationIdentityEntity {
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'PK_replication_identity' })
  id!: number;

  @Column({ name: 'server_id', type: 'uuid' })
  serverId!: string;
}
