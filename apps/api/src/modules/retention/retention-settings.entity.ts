import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The installation's retention settings: one row (id 1), shared by every node. */
@Entity('retention_settings')
export class RetentionSettingsEntity {
  @PrimaryColumn({ type: 'smallint' })
  id!: number;

  /** A cron expression (5 or 6 fields); '' = no scheduled runs. */
  @Column({ type: 'varchar', length: 200 })
  schedule!: string;

  /** IANA time zone the schedule is read in. */
  @Column({ type: 'varchar', length: 100 })
  timezone!: string;

  /** Every run only logs what it would delete. */
  @Column({ name: 'dry_run', type: 'boolean' })
  dryRun!: boolean;

  /** Runs and previews older than this are forgotten. */
  @Column({ name: 'history_days', type: 'int' })
  historyDays!: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
