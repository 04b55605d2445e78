import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A user: built in (the password is only ever stored as an argon2id hash), or created at first sign-in
 * from a directory or an identity provider (issue 19; no password hash: '').
 */
@Entity('users')
@Index('ux_users_source_external_id', ['source', 'externalId'], { unique: true })
export class UserEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_name', type: 'varchar', length: 100 })
  userName!: string;

  @Index('ux_users_name_lower', { unique: true })
  @Column({ name: 'name_lower', type: 'varchar', length: 100 })
  nameLower!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200, default: '' })
  displayName!: string;

  @Column({ type: 'varchar', length: 320, default: '' })
  email!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'password_hash', type: 'varchar', length: 200 })
  passwordHash!: string;

  /** 'builtin' | 'ldap' | 'oidc' (IdentitySource). */
  @Column({ type: 'varchar', length: 16, default: 'builtin' })
  source!: 'builtin' | 'ldap' | 'oidc';

  /** The LDAP DN, or the OIDC `iss|sub`; null for built-in users. */
  @Column({ name: 'external_id', type: 'varchar', length: 1024, nullable: true })
  externalId!: string | null;

  @Column({ name: 'last_sign_in_at', type: 'timestamptz', nullable: true })
  lastSignInAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
