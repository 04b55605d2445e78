import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AuditAction, CredentialKind } from '@stockroom/contracts';

/** Who did what, when, from where, with which kind of credential. Never holds a secret. */
@Entity('audit_events')
@Index('ix_audit_events_at', ['at'])
@Index('ix_audit_events_user', ['userNameLower', 'id'])
@Index('ix_audit_events_feed', ['feedLower', 'id'])
@Index('ix_audit_events_action', ['action', 'id'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'varchar', length: 40 })
  action!: AuditAction;

  @Column({ name: 'user_name', type: 'varchar', length: 200, nullable: true })
  userName!: string | null;

  @Column({ name: 'user_name_lower', type: 'varchar', length: 200, nullable: true })
  userNameLower!: string | null;

  @Column({ type: 'varchar', length: 20 })
  credential!: CredentialKind;

  @Column({ type: 'varchar', length: 64, default: '' })
  address!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  feed!: string | null;

  @Column({ name: 'feed_lower', type: 'varchar', length: 100, nullable: true })
  feedLower!: string | null;

  @Column({ type: 'text', nullable: true })
  target!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details!: Record<string, unknown>;
}
