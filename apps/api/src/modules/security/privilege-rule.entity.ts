import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { PseudoGroup } from '@stockroom/contracts';
import { FeedEntity } from '../feeds/feed.entity';
import { GroupEntity } from './group.entity';
import { RoleEntity } from './role.entity';
import { UserEntity } from './user.entity';

/**
 * principal (exactly one of user, group, pseudo-group) + role + scope (a directory, or null =
 * global) + allow/deny. Rules go with their user, group, role or directory.
 */
@Entity('privilege_rules')
@Check('ck_privilege_rules_one_principal', `num_nonnulls(user_id, group_id, pseudo_group) = 1`)
@Index('ix_privilege_rules_user', ['userId'])
@Index('ix_privilege_rules_group', ['groupId'])
@Index('ix_privilege_rules_feed', ['feedId'])
export class PrivilegeRuleEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId!: number | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ name: 'group_id', type: 'int', nullable: true })
  groupId!: number | null;

  @ManyToOne(() => GroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'group_id' })
  group?: GroupEntity;

  @Column({ name: 'pseudo_group', type: 'varchar', length: 20, nullable: true })
  pseudoGroup!: PseudoGroup | null;

  @Column({ name: 'role_id', type: 'int' })
  roleId!: number;

  @ManyToOne(() => RoleEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'role_id' })
  role?: RoleEntity;

  @Column({ name: 'feed_id', type: 'int', nullable: true })
  feedId!: number | null;

  @ManyToOne(() => FeedEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'feed_id' })
  feed?: FeedEntity;

  @Column({ type: 'boolean', default: false })
  deny!: boolean;
}
