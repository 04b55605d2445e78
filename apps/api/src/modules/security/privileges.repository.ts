import { Injectable } from '@nestjs/common';
import type { PrincipalType, Privilege, PseudoGroup } from '@stockroom/contracts';
import { DataSource } from 'typeorm';
import { CoherentCache } from '../../database/coherent-cache.service';
import type { Tx } from '../../database/unit-of-work';
import type { ApplicableRule } from './privilege-evaluation';
import { PrivilegeRuleEntity } from './privilege-rule.entity';
import { RoleEntity } from './role.entity';
import { lower } from './users.repository';

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
 * `roles` and `privilege_rules` (a rule cannot exist without its role: one owner for both). Roles
 * and rules are records an administrator edits one at a time: entity API. Raw SQL for the read
 * models that name a rule's principal and for the rules that apply to a caller, which read `users`,
 * `groups` and `group_members` in the same query (read only; they are UsersRepository's); the
 * latter is on every request's path and cached per node (CoherentCache). Directory names are the
 * feeds module's: rules carry feed ids.
 */
@Injectable()
export class PrivilegesRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: CoherentCache,
  ) {}

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

  /**
   * Every rule that applies to the caller (as this user, through its groups, or through the
   * pseudo-groups), at global scope and — when `feedIds` is given — on those directories; with
   * `feedIds` null, on every directory. One query.
   */
  applicableRules(
    userId: number | undefined,
    pseudoGroups: PseudoGroup[],
    feedIds: number[] | null,
  ): Promise<ApplicableRule[]> {
    const key = `${userId ?? '-'}|${pseudoGroups.join(',')}|${feedIds?.join(',') ?? '*'}`;
    return this.cache.get('rules', key, () => this.queryApplicableRules(userId, pseudoGroups, feedIds));
  }

  private async queryApplicableRules(
    userId: number | undefined,
    pseudoGroups: PseudoGroup[],
    feedIds: number[] | null,
  ): Promise<ApplicableRule[]> {
    const rows: { privileges: Privilege[]; deny: boolean; feedId: number | null; principalRank: number }[] =
      await this.dataSource.query(
        `SELECT r.privileges, pr.deny, pr.feed_id AS "feedId",
                CASE WHEN pr.user_id IS NOT NULL THEN 2 WHEN pr.group_id IS NOT NULL THEN 1 ELSE 0 END AS "principalRank"
           FROM privilege_rules pr JOIN roles r ON r.id = pr.role_id
          WHERE ($3::int[] IS NULL OR pr.feed_id IS NULL OR pr.feed_id = ANY($3::int[]))
            AND (pr.pseudo_group = ANY($2::text[])
                 OR pr.user_id = $1
                 OR pr.group_id IN (SELECT group_id FROM group_members WHERE user_id = $1))`,
        [userId ?? null, pseudoGroups, feedIds],
      );
    return rows;
  }
}
