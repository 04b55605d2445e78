import { Injectable } from '@nestjs/common';
import {
  AuditAction,
  ErrorCode,
  Privilege,
  PrivilegeRule,
  PseudoGroup,
  Role,
  principalNameProblem,
} from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { AppError, badRequest } from '../../common/errors/app-error';
import { UnitOfWork } from '../../database/unit-of-work';
import { AuditService } from '../audit/audit.service';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from './access.service';
import { ensureAnAdministratorRemains } from './administrators';
import { toRole } from './security.mapper';
import type { CreatePrivilegeRuleDto, CreateRoleDto, UpdateRoleDto } from './security-requests.dto';
import { PrivilegesRepository, RuleRow } from './privileges.repository';
import { UsersRepository } from './users.repository';

const PRIVILEGES = Object.values(Privilege) as string[];

/**
 * Roles (the four built-in ones and custom bundles of privilege attributes) and the rules that
 * grant or deny them. Global rules and roles are Administer's; a directory's rules may also be
 * managed by whoever holds Manage on that directory.
 */
@Injectable()
export class PrivilegesService {
  constructor(
    private readonly privileges: PrivilegesRepository,
    private readonly users: UsersRepository,
    private readonly feeds: FeedsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async listRoles(): Promise<Role[]> {
    return (await this.privileges.listRoles()).map(toRole);
  }

  async createRole(actor: Principal, input: CreateRoleDto): Promise<Role> {
    const name = input.name.normalize('NFC');
    const problem = principalNameProblem(name);
    if (problem) throw badRequest(`Invalid role name "${name}": ${problem}.`);
    const role = await this.privileges.insertRole({
      name,
      description: input.description ?? '',
      privileges: privilegesOf(input.privileges) ?? missingPrivileges(),
    });
    if (!role) throw new AppError(ErrorCode.AlreadyExists, `A role named "${name}" already exists.`);
    await this.audit.record(actor, AuditAction.RoleCreated, {
      target: role.name,
      details: { privileges: role.privileges },
    });
    return toRole(role);
  }

  async updateRole(actor: Principal, name: string, input: UpdateRoleDto): Promise<Role> {
    const role = await this.requireCustomRole(name);
    const newName = input.name ?? undefined;
    if (newName !== undefined && newName.normalize('NFC') !== role.name) throw badRequest('"name" cannot be changed.');
    role.description = input.description ?? role.description;
    role.privileges = privilegesOf(input.privileges) ?? role.privileges;
    const saved = await this.unitOfWork.run(async (tx) => {
      const result = await this.privileges.saveRole(tx, role);
      await ensureAnAdministratorRemains(this.privileges, tx);
      return result;
    });
    await this.audit.record(actor, AuditAction.RoleUpdated, {
      target: role.name,
      details: { privileges: role.privileges },
    });
    return toRole(saved);
  }

  async deleteRole(actor: Principal, name: string): Promise<void> {
    const role = await this.requireCustomRole(name);
    const uses = await this.privileges.countRulesUsingRole(role.id);
    if (uses > 0) throw badRequest(`Role "${role.name}" is used by ${uses} rule(s); remove them first.`);
    await this.privileges.deleteRole(role.id);
    await this.audit.record(actor, AuditAction.RoleDeleted, { target: role.name });
  }

  /** `feed` absent: every rule (Administer); a name: that directory's rules (Manage there). */
  async listRules(actor: Principal, feedName: string | undefined): Promise<PrivilegeRule[]> {
    if (feedName === undefined) {
      await this.access.require(actor, Privilege.Administer);
      return this.withFeedNames(await this.privileges.listRules());
    }
    const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, feedName);
    return this.withFeedNames(await this.privileges.listRules(feed.id));
  }

  async createRule(actor: Principal, input: CreatePrivilegeRuleDto): Promise<PrivilegeRule> {
    const feedName = input.feed ?? undefined;
    const feed =
      feedName === undefined ? undefined : await this.feeds.requireFor(actor, Privilege.ManageFeed, feedName);
    if (!feed) await this.access.require(actor, Privilege.Administer);

    const { principalType, principalName, role: roleName } = input;
    const role = await this.privileges.findRole(roleName);
    if (!role) throw badRequest(`Role "${roleName}" does not exist.`);
    // A directory manager may not hand out what only an administrator holds.
    if (
      feed &&
      role.privileges.includes(Privilege.Administer) &&
      !(await this.access.has(actor, Privilege.Administer))
    ) {
      throw new AppError(ErrorCode.Forbidden, 'Only an administrator can grant a role that includes Administer.');
    }
    const values = {
      userId: null as number | null,
      groupId: null as number | null,
      pseudoGroup: null as PseudoGroup | null,
      roleId: role.id,
      feedId: feed?.id ?? null,
      deny: input.deny ?? false,
    };
    switch (principalType.toLowerCase()) {
      case 'user': {
        const user = await this.users.findUser(principalName);
        if (!user) throw badRequest(`User "${principalName}" does not exist.`);
        values.userId = user.id;
        break;
      }
      case 'group': {
        const group = await this.users.findGroup(principalName);
        if (!group) throw badRequest(`Group "${principalName}" does not exist.`);
        values.groupId = group.id;
        break;
      }
      case 'pseudo': {
        const pseudo = Object.values(PseudoGroup).find((p) => p.toLowerCase() === principalName.toLowerCase());
        if (!pseudo) throw badRequest(`"principalName" must be one of ${Object.values(PseudoGroup).join(', ')}.`);
        values.pseudoGroup = pseudo;
        break;
      }
      default:
        throw badRequest('"principalType" must be user, group or pseudo.');
    }
    const id = await this.unitOfWork.run(async (tx) => {
      const inserted = await this.privileges.insertRule(values, tx);
      // A deny rule can take Administer away from the last one holding it.
      if (values.deny) await ensureAnAdministratorRemains(this.privileges, tx);
      return inserted;
    });
    const rule = await this.ruleView(id);
    await this.audit.record(actor, AuditAction.PrivilegeGranted, {
      feed: rule.feed,
      target: `${rule.principalType}:${rule.principalName}`,
      details: { role: rule.role, deny: rule.deny, ruleId: id },
    });
    return rule;
  }

  async deleteRule(actor: Principal, id: number): Promise<void> {
    const rule = await this.privileges.findRule(id);
    // Rule ids are sequential: one the caller may not manage answers exactly like a missing one.
    const notFound = new AppError(ErrorCode.NotFound, `Rule #${id} was not found.`);
    if (!rule) throw this.access.objectNotFound(actor, notFound);
    const feed = rule.feedId === null ? undefined : await this.feeds.requireById(rule.feedId);
    await this.access.requireOrNotFound(actor, feed ? Privilege.ManageFeed : Privilege.Administer, feed, notFound);
    const view = await this.ruleView(id);
    await this.unitOfWork.run(async (tx) => {
      await this.privileges.deleteRule(tx, id);
      await ensureAnAdministratorRemains(this.privileges, tx);
    });
    await this.audit.record(actor, AuditAction.PrivilegeRevoked, {
      feed: view.feed,
      target: `${view.principalType}:${view.principalName}`,
      details: { role: view.role, deny: view.deny, ruleId: id },
    });
  }

  private async ruleView(id: number): Promise<PrivilegeRule> {
    const row = await this.privileges.ruleView(id);
    if (!row) throw new AppError(ErrorCode.NotFound, `Rule #${id} was not found.`);
    return (await this.withFeedNames([row]))[0];
  }

  /** Rules as the API shows them: directory names (from the feeds module); global ones first, then by directory. */
  private async withFeedNames(rows: RuleRow[]): Promise<PrivilegeRule[]> {
    const names = await this.feeds.namesById(rows.flatMap((r) => (r.feedId === null ? [] : [r.feedId])));
    const rules = rows.map(
      (r): PrivilegeRule => ({
        id: r.id,
        principalType: r.principalType,
        principalName: r.principalName,
        role: r.role,
        feed: r.feedId === null ? null : (names.get(r.feedId) ?? null),
        deny: r.deny,
      }),
    );
    const key = (r: PrivilegeRule) => (r.feed === null ? '' : ` ${r.feed.toLowerCase()}`);
    return rules.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id));
  }

  private async requireCustomRole(name: string) {
    const role = await this.privileges.findRole(name);
    if (!role) throw new AppError(ErrorCode.NotFound, `Role "${name}" was not found.`);
    if (role.builtIn) throw badRequest(`"${role.name}" is a built-in role and cannot be changed.`);
    return role;
  }
}

/** The privilege names given (each one known, at least one), or undefined when none were sent. */
function privilegesOf(list: string[] | null | undefined): Privilege[] | undefined {
  if (list === undefined || list === null) return undefined;
  const unknown = list.find((p) => !PRIVILEGES.includes(p));
  if (unknown !== undefined) throw badRequest(`Unknown privilege "${unknown}": use ${PRIVILEGES.join(', ')}.`);
  if (list.length === 0) throw badRequest('"privileges" must name at least one privilege.');
  return [...new Set(list)] as Privilege[];
}

function missingPrivileges(): never {
  throw badRequest('"privileges" is required: name at least one privilege.');
}
