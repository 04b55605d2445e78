import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import type { Tx } from '../../database/unit-of-work';
import { GroupMemberEntity } from './group-member.entity';
import { GroupEntity } from './group.entity';
import { UserEntity } from './user.entity';

export type ExternalSource = 'ldap' | 'oidc';

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

  /** [ext] The user an external identity signed in as before (issue 19). */
  findUserByExternalId(tx: Tx, source: ExternalSource, externalId: string): Promise<UserEntity | null> {
    return tx.findOneBy(UserEntity, { source, externalId });
  }

  /** [ext] External users of a source (the scheduled refresh). */
  listExternalUsers(source: ExternalSource): Promise<UserEntity[]> {
    return this.dataSource.getRepository(UserEntity).find({ where: { source }, order: { id: 'ASC' } });
  }

  /** [ext] Inserts a just-in-time user unless the name is taken (by anyone); null when it is. */
  async insertExternalUser(
    tx: Tx,
    values: Pick<UserEntity, 'userName' | 'displayName' | 'email' | 'externalId' | 'lastSignInAt'> & {
      source: ExternalSource;
    },
  ): Promise<UserEntity | null> {
    const rows: { id: number }[] = await tx.query(
      `INSERT INTO users (user_name, name_lower, display_name, email, enabled, password_hash, source, external_id, last_sign_in_at)
       VALUES ($1, $2, $3, $4, true, '', $5, $6, $7) ON CONFLICT (name_lower) DO NOTHING RETURNING id`,
      [
        values.userName,
        lower(values.userName),
        values.displayName,
        values.email,
        values.source,
        values.externalId,
        values.lastSignInAt,
      ],
    );
    return rows.length ? tx.findOneByOrFail(UserEntity, { id: rows[0].id }) : null;
  }

  /** [ext] Inserts an external group unless the name is taken; null when it is. */
  async insertExternalGroup(tx: Tx, name: string, source: ExternalSource): Promise<GroupEntity | null> {
    const rows: { id: number }[] = await tx.query(
      `INSERT INTO groups (name, name_lower, description, source) VALUES ($1, $2, '', $3)
       ON CONFLICT (name_lower) DO NOTHING RETURNING id`,
      [name, lower(name), source],
    );
    return rows.length ? tx.findOneByOrFail(GroupEntity, { id: rows[0].id }) : null;
  }

  /**
   * [ext] Sets a user's memberships among the groups of one source (the directory's answer), leaving
   * their other memberships (built-in groups) alone. True when something changed.
   */
  async setExternalGroupsOfUser(tx: Tx, userId: number, source: ExternalSource, groupIds: number[]): Promise<boolean> {
    const removed: unknown[] = await tx.query(
      `DELETE FROM group_members m USING groups g
        WHERE m.group_id = g.id AND m.user_id = $1 AND g.source = $2 AND NOT (g.id = ANY($3::int[]))
        RETURNING m.group_id`,
      [userId, source, groupIds],
    );
    const added: unknown[] = groupIds.length
      ? await tx.query(
          `INSERT INTO group_members (group_id, user_id) SELECT unnest($2::int[]), $1
           ON CONFLICT DO NOTHING RETURNING group_id`,
          [userId, groupIds],
        )
      : [];
    return removed.length > 0 || added.length > 0;
  }

  /** [ext] The external groups (not built-in) a user belongs to. */
  externalGroupsOfUser(tx: Tx, userId: number): Promise<GroupEntity[]> {
    return tx
      .createQueryBuilder(GroupEntity, 'g')
      .innerJoin(GroupMemberEntity, 'm', 'm.group_id = g.id')
      .where('m.user_id = :userId', { userId })
      .andWhere(`g.source <> 'builtin'`)
      .getMany();
  }

  /** [ext] Those of `groupIds` that are external groups. */
  externalGroupsAmong(tx: Tx, groupIds: number[]): Promise<GroupEntity[]> {
    if (groupIds.length === 0) return Promise.resolve([]);
    return tx
      .createQueryBuilder(GroupEntity, 'g')
      .where('g.id IN (:...groupIds)', { groupIds })
      .andWhere(`g.source <> 'builtin'`)
      .getMany();
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
