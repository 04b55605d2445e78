import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import type { Tx } from '../../database/unit-of-work';
import { GroupMemberEntity } from './group-member.entity';
import { GroupEntity } from './group.entity';
import { UserEntity } from './user.entity';

/**
 * `users`, `groups` and `group_members` (a membership belongs to both: one owner for the three).
 * Records an administrator edits one at a time: TypeORM's entity API; raw SQL only for inserts that
 * must not race on a name and for the membership read models, which the entity API would load
 * row by row.
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Serialises first-start creation of the Admin user across nodes, until `tx` ends. */
  async lockFirstAdmin(tx: Tx): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('stockroom:first-admin'))`);
  }

  countUsers(tx: Tx): Promise<number> {
    return tx.count(UserEntity);
  }

  listUsers(): Promise<UserEntity[]> {
    return this.dataSource.getRepository(UserEntity).find({ order: { nameLower: 'ASC' } });
  }

  findUser(name: string, tx: Tx = this.dataSource.manager): Promise<UserEntity | null> {
    return tx.findOneBy(UserEntity, { nameLower: lower(name) });
  }

  findUserById(id: number): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ id });
  }

  findUsers(tx: Tx, names: string[]): Promise<UserEntity[]> {
    return tx.findBy(UserEntity, { nameLower: In(names.map(lower)) });
  }

  /** Inserts unless the name is taken; null when it is. */
  async insertUser(
    tx: Tx,
    values: Pick<UserEntity, 'userName' | 'displayName' | 'email' | 'enabled' | 'passwordHash'>,
  ): Promise<UserEntity | null> {
    const rows: { id: number }[] = await tx.query(
      `INSERT INTO users (user_name, name_lower, display_name, email, enabled, password_hash)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name_lower) DO NOTHING RETURNING id`,
      [values.userName, lower(values.userName), values.displayName, values.email, values.enabled, values.passwordHash],
    );
    return rows.length ? tx.findOneByOrFail(UserEntity, { id: rows[0].id }) : null;
  }

  saveUser(tx: Tx, user: UserEntity): Promise<UserEntity> {
    return tx.save(UserEntity, user);
  }

  async deleteUser(tx: Tx, id: number): Promise<void> {
    await tx.delete(UserEntity, { id });
  }

  /** Group names per user id. */
  async groupsOfUsers(userIds: number[]): Promise<Map<number, string[]>> {
    const rows: { userId: number; name: string }[] = await this.dataSource.query(
      `SELECT m.user_id AS "userId", g.name FROM group_members m JOIN groups g ON g.id = m.group_id
        WHERE m.user_id = ANY($1) ORDER BY g.name_lower`,
      [userIds],
    );
    const result = new Map<number, string[]>();
    for (const r of rows) result.set(r.userId, [...(result.get(r.userId) ?? []), r.name]);
    return result;
  }

  async setGroupsOfUser(tx: Tx, userId: number, groupIds: number[]): Promise<void> {
    await tx.delete(GroupMemberEntity, { userId });
    if (groupIds.length)
      await tx.insert(
        GroupMemberEntity,
        groupIds.map((groupId) => ({ groupId, userId })),
      );
  }

  listGroups(): Promise<GroupEntity[]> {
    return this.dataSource.getRepository(GroupEntity).find({ order: { nameLower: 'ASC' } });
  }

  findGroup(name: string, tx: Tx = this.dataSource.manager): Promise<GroupEntity | null> {
    return tx.findOneBy(GroupEntity, { nameLower: lower(name) });
  }

  findGroups(tx: Tx, names: string[]): Promise<GroupEntity[]> {
    return tx.findBy(GroupEntity, { nameLower: In(names.map(lower)) });
  }

  async insertGroup(tx: Tx, values: Pick<GroupEntity, 'name' | 'description'>): Promise<GroupEntity | null> {
    const rows: { id: number }[] = await tx.query(
      `INSERT INTO groups (name, name_lower, description) VALUES ($1, $2, $3)
       ON CONFLICT (name_lower) DO NOTHING RETURNING id`,
      [values.name, lower(values.name), values.description],
    );
    return rows.length ? tx.findOneByOrFail(GroupEntity, { id: rows[0].id }) : null;
  }

  saveGroup(tx: Tx, group: GroupEntity): Promise<GroupEntity> {
    return tx.save(GroupEntity, group);
  }

  async deleteGroup(tx: Tx, id: number): Promise<void> {
    await tx.delete(GroupEntity, { id });
  }

  /** Member names per group id. */
  async membersOfGroups(groupIds: number[]): Promise<Map<number, string[]>> {
    const rows: { groupId: number; name: string }[] = await this.dataSource.query(
      `SELECT m.group_id AS "groupId", u.user_name AS name FROM group_members m JOIN users u ON u.id = m.user_id
        WHERE m.group_id = ANY($1) ORDER BY u.name_lower`,
      [groupIds],
    );
    const result = new Map<number, string[]>();
    for (const r of rows) result.set(r.groupId, [...(result.get(r.groupId) ?? []), r.name]);
    return result;
  }

  async setMembersOfGroup(tx: Tx, groupId: number, userIds: number[]): Promise<void> {
    await tx.delete(GroupMemberEntity, { groupId });
    if (userIds.length)
      await tx.insert(
        GroupMemberEntity,
        userIds.map((userId) => ({ groupId, userId })),
      );
  }
}

export function lower(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
