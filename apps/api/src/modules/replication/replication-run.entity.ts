import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { ReplicationRunState } from '@stockroom/contracts';
import { ReplicationJobEntity } from './replication-job.entity';

/**
 * One run of a job. Copied, deleted and failed files are counted from its per-file log
 * (replication_run_files), which is written as each file lands: a run taken over after a crash
 * carries on from there without counting or sending anything twice. `compared_files` and
 * `skipped_files` are the last pass's. A scheduled run is unique per job and slot (several nodes
 * ticking make one run).
 */
@Entity('replication_runs')
@Index('ix_replication_runs_job', ['jobId', 'id'])
@Index('ux_replication_runs_slot', ['jobId', 'slot'], { unique: true, where: '"slot" IS NOT NULL' })
@Index('ix_replication_runs_running', ['id'], { where: `"state" = 'running'` })
export class ReplicationRunEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'PK_replication_runs' })
  id!: string;

  @Column({ name: 'job_id', type: 'int' })
  jobId!: number;

  @ManyToOne(() => ReplicationJobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'FK_replication_runs_job' })
  job?: ReplicationJobEntity;

  @Column({ type: 'varchar', length: 20 })
  trigger!: 'manual' | 'scheduled';

  @Column({ type: 'timestamptz', nullable: true })
  slot!: Date | null;

  @Column({ type: 'varchar', length: 20 })
  state!: ReplicationRunState;

  @Column({ name: 'started_by', type: 'varchar', length: 200 })
  startedBy!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'compared_files', type: 'int', default: 0 })
  comparedFiles!: number;

  @Column({ name: 'skipped_files', type: 'int', default: 0 })
  skippedFiles!: number;

  @Column({ type: 'int', default: 0 })
  resumed!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
