import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { ApiKeyType, FeedKeyPermission } from '@stockroom/contracts';
import { FeedEntity } from '../feeds/feed.entity';
import { UserEntity } from './user.entity';

/** An API key. Only the SHA-256 of its secret is stored (the secret is shown once). */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 10 })
  type!: ApiKeyType;

  @Index('ux_api_keys_secret_hash', { unique: true })
  @Column({ name: 'secret_hash', type: 'bytea' })
  secretHash!: Buffer;

  @Column({ name: 'display_name', type: 'varchar', length: 200, default: '' })
  displayName!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ name: 'system_apis', type: 'text', array: true, default: () => "'{}'" })
  systemApis!: string[];

  @Column({ name: 'feed_permissions', type: 'text', array: true, default: () => "'{}'" })
  feedPermissions!: FeedKeyPermission[];

  @Column({ name: 'feed_id', type: 'int', nullable: true })
  feedId!: number | null;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id' })
  feed?: FeedEntity;

  /** Owner of a personal key. */
  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId!: number | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ type: 'varchar', length: 10, default: 'None' })
  logging!: string;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 100, default: '' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
