import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Failed password attempts per user name and per client address, in the database so every node
 * counts the same failures.
 */
@Entity('login_throttle')
export class LoginThrottleEntity {
  /** `user:<lower name>` or `addr:<address>`. */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  key!: string;

  @Column({ type: 'int' })
  failures!: number;

  @Column({ name: 'window_started_at', type: 'timestamptz' })
  windowStartedAt!: Date;
}
