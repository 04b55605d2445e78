import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { ReplicationRunFile } from '@stockroom/contracts';
import { ReplicationRunEntity } from './replication-run.entity';

/** One file a run copied, deleted, failed on, or refused (a hostile remote path): one row per path and run. */
@Entity('replication_run_files')
export class ReplicationRunFileEntity {
  @PrimaryColumn({ name: 'run_id', type: 'bigint', primaryKeyConstraintName: 'PK_replication_run_files' })
  runId!: string;

  @ManyToOne(() => ReplicationRunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'FK_replication_run_files_run' })
  run?: ReplicationRunEntity;

  @PrimaryColumn({ name: 'path_lower', type: 'text', primaryKeyConstraintName: 'PK_replication_run_files' })
  pathLower!: string;

  @Column({ type: 'text' })
  path!: string;

  @Column({ type: 'varchar', length: 10 })
  outcome!: ReplicationRunFile['outcome'];

  @Column({ type: 'bigint', default: 0 })
  size!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
