import { Injectable } from '@nestjs/common';
import type { PrincipalType } from '@stockroom/contracts';
import { DataSource, In, IsNull } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Tx } from '../../database/unit-of-work';
import { ApiKeyEntity } from './api-key.entity';
import type { ApplicableRule } from './privilege-evaluation';
import { GroupMemberEntity } from './group-member.entity';
import { GroupEntity } from './group.entity';
import { PrivilegeRuleEntity } from './privilege-rule.entity';
import { RoleEntity } from './role.entity';
import { SessionEntity } from './session.entity';
import { UserEntity } from './user.entity';

/** A rule with its principal and role by name; its directory by id (names are the feeds module's). */
export interface RuleRow {
  id: number;
  principalType: PrincipalType;
  principalName: string;
  role: string;
  feedId: number | null;
  deny: boolean;
}

const RULE_VIEW = `
  SELECT pr.id,
         CASE WHEN pr.user_id IS NOT NULL THEN 'user' WHEN pr.group_id IS NOT NULL THEN 'group' ELSE 'pseudo' END
           AS "principalType",
         COALESCE(u.user_name, g.name, pr.pseudo_group) AS "principalName",
         r.name AS role, pr.feed_id AS "feedId", pr.deny
    FROM privilege_rules pr
    JOIN roles r ON r.id = pr.role_id
    LEFT JOIN users u ON u.id = pr.user_id
    LEFT JOIN groups g ON g.id = pr.group_id`;

/**
 * Users, groups, roles, rules, keys and sessions: everything security manages (IdentityRepository
 * has the hot read paths of authentication).
 *
 * Style (the security module's): TypeORM's entity API. Users, groups, roles and rules are records
 * an administrator edits one at a time and the services work on the entities; raw SQL only for
 * read models that join several tables (rule views, memberships) and set-wise deletes, which the
 * entity API would do row by row. Directory names are the feeds module's: rules carry feed ids.
 */
@Injectable()
export class SecurityRepository {
  constructor(private readonly dataSource: DataSource) {}

  // Users and groups

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

  // Roles and rules

  listRoles(): Promise<RoleEntity[]> {
    return this.dataSource.getRepository(RoleEntity).find({ order: { builtIn: 'DESC', nameLower: 'ASC' } });
  }

  findRole(name: string, tx: Tx = this.dataSource.manager): Promise<RoleEntity | null> {
    return tx.findOneBy(RoleEntity, { nameLower: lower(name) });
  }

  async insertRole(values: Pick<RoleEntity, 'name' | 'description' | 'privileges'>): Promise<RoleEntity | null> {
    const rows: { id: number }[] = await this.dataSource.query(
      `INSERT INTO roles (name, name_lower, description, privileges, built_in) VALUES ($1, $2, $3, $4, false)
       ON CONFLICT (name_lower) DO NOTHING RETURNING id`,
      [values.name, lower(values.name), values.description, values.privileges],
    );
    return rows.length ? this.dataSource.getRepository(RoleEntity).findOneByOrFail({ id: rows[0].id }) : null;
  }

  saveRole(tx: Tx, role: RoleEntity): Promise<RoleEntity> {
    return tx.save(RoleEntity, role);
  }

  async deleteRole(id: number): Promise<void> {
    await this.dataSource.getRepository(RoleEntity).delete({ id });
  }

  countRulesUsingRole(roleId: number): Promise<number> {
    return this.dataSource.getRepository(PrivilegeRuleEntity).countBy({ roleId });
  }

  /** Rules with names resolved, by id; `feedId` undefined = all, null = global only. */
  listRules(feedId?: number | null): Promise<RuleRow[]> {
    return this.dataSource.query(
      `${RULE_VIEW} WHERE ($1::boolean OR pr.feed_id IS NOT DISTINCT FROM $2::int)
        ORDER BY pr.id`,
      [feedId === undefined, feedId ?? null],
    );
  }

  /** One rule with names resolved. */
  async ruleView(id: number): Promise<RuleRow | null> {
    const rows: RuleRow[] = await this.dataSource.query(`${RULE_VIEW} WHERE pr.id = $1`, [id]);
    return rows[0] ?? null;
  }

  findRule(id: number): Promise<PrivilegeRuleEntity | null> {
    return this.dataSource.getRepository(PrivilegeRuleEntity).findOneBy({ id });
  }

  async insertRule(
    values: Pick<PrivilegeRuleEntity, 'userId' | 'groupId' | 'pseudoGroup' | 'roleId' | 'feedId' | 'deny'>,
    tx: Tx = this.dataSource.manager,
  ): Promise<number> {
    const result = await tx.insert(PrivilegeRuleEntity, values);
    return (result.identifiers[0] as { id: number }).id;
  }

  async deleteRule(tx: Tx, id: number): Promise<void> {
    await tx.delete(PrivilegeRuleEntity, { id });
  }

  /**
   * For every enabled user, the global rules about Administer that apply to them (directly,
   * through a group, or through Authenticated/Everyone). Serialised with other security changes
   * by a transaction-scoped advisory lock, so two concurrent changes cannot each remove "the
   * other" administrator.
   */
  async globalAdministerRules(tx: Tx): Promise<(ApplicableRule & { userId: number })[]> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('stockroom:administrators'))`);
    return tx.query(
      `SELECT u.id AS "userId", r.privileges, pr.deny, pr.feed_id AS "feedId",
              CASE WHEN pr.user_id IS NOT NULL THEN 2 WHEN pr.group_id IS NOT NULL THEN 1 ELSE 0 END AS "principalRank"
         FROM users u
         JOIN privilege_rules pr ON pr.feed_id IS NULL
              AND (pr.user_id = u.id
                   OR pr.group_id IN (SELECT group_id FROM group_members WHERE user_id = u.id)
                   OR pr.pseudo_group IN ('Authenticated', 'Everyone'))
         JOIN roles r ON r.id = pr.role_id
        WHERE u.enabled AND 'Admin_ConfigureProGet' = ANY(r.privileges)`,
    );
  }

  // API keys

  async insertKey(values: Partial<ApiKeyEntity>): Promise<ApiKeyEntity> {
    const result = await this.dataSource
      .getRepository(ApiKeyEntity)
      .insert(values as QueryDeepPartialEntity<ApiKeyEntity>);
    return this.findKey((result.identifiers[0] as { id: number }).id) as Promise<ApiKeyEntity>;
  }

  findKey(id: number): Promise<ApiKeyEntity | null> {
    return this.dataSource
      .getRepository(ApiKeyEntity)
      .findOne({ where: { id }, relations: { feed: true, user: true } });
  }

  listKeys(filter: { userId?: number; feedId?: number; includeRevoked: boolean }): Promise<ApiKeyEntity[]> {
    return this.dataSource.getRepository(ApiKeyEntity).find({
      where: {
        ...(filter.userId !== undefined ? { userId: filter.userId } : {}),
        ...(filter.feedId !== undefined ? { feedId: filter.feedId } : {}),
        ...(filter.includeRevoked ? {} : { revokedAt: IsNull() }),
      },
      relations: { feed: true, user: true },
      order: { id: 'ASC' },
    });
  }

  async revokeKey(id: number): Promise<boolean> {
    const result = await this.dataSource.query(
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [id],
    );
    return (result as [unknown, number])[1] > 0;
  }

  // Sessions

  async insertSession(values: Pick<SessionEntity, 'tokenHash' | 'csrfToken' | 'userId' | 'address'>): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).insert({ ...values, lastSeenAt: new Date() });
  }

  /** Sessions past their idle or absolute limit. */
  async purgeExpiredSessions(idleMinutes: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM sessions WHERE last_seen_at < now() - make_interval(mins => $1) OR created_at < now() - interval '7 days'`,
      [idleMinutes],
    );
  }

  async deleteSession(id: number): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).delete({ id });
  }

  async deleteSessionsOfUser(tx: Tx, userId: number): Promise<void> {
    await tx.delete(SessionEntity, { userId });
  }
}

export function lower(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
