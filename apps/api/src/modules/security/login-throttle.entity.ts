import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Failed password attempts per (user name, client address) and per client address, in the
 * database so every node counts the same failures (see LoginThrottleService).
 */
@Entity('login_throttle')
export class LoginThrottleEntity {
  /** `pair:<sha-256 of lower name and address>` or `addr:<address>`. */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  key!: string;

  @Column({ type: 'int' })
  failures!: number;

  /** The first failure of the current run (counts start over after a window without failures). */
  @Column({ name: 'window_started_at', type: 'timestamptz' })
  windowStartedAt!: Date;

  /** Delays are timed from here. */
  @Column({ name: 'last_failed_at', type: 'timestamptz' })
  lastFailedAt!: Date;
}
