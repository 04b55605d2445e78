import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('groups')
export class GroupEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Index('ux_groups_name_lower', { unique: true })
  @Column({ name: 'name_lower', type: 'varchar', length: 100 })
  nameLower!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  /** [ext] 'builtin', or the directory/IdP that owns the membership ('ldap' | 'oidc'; read-only here). */
  @Column({ type: 'varchar', length: 16, default: 'builtin' })
  source!: 'builtin' | 'ldap' | 'oidc';
}
