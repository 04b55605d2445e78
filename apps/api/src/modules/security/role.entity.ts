import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Privilege } from '@stockroom/contracts';

/** A named bundle of privilege attributes: the four built-in roles, or a custom one. */
@Entity('roles')
export class RoleEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Index('ux_roles_name_lower', { unique: true })
  @Column({ name: 'name_lower', type: 'varchar', length: 100 })
  nameLower!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'text', array: true })
  privileges!: Privilege[];

  @Column({ name: 'built_in', type: 'boolean', default: false })
  builtIn!: boolean;
}
