import { Injectable } from '@nestjs/common';
import {
  AuditAction,
  ErrorCode,
  Group,
  PASSWORD_MAX,
  PASSWORD_MIN,
  principalNameProblem,
  User,
  userNameProblem,
} from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { AppError, badRequest } from '../../common/errors/app-error';
import { UnitOfWork, type Tx } from '../../database/unit-of-work';
import { AuditService } from '../audit/audit.service';
import { ensureAnAdministratorRemains } from './administrators';
import { AuthenticationService } from './authentication.service';
import { PasswordService } from './password.service';
import { toGroup, toUser } from './security.mapper';
import type {
  ChangePasswordDto,
  CreateGroupDto,
  CreateUserDto,
  UpdateGroupDto,
  UpdateUserDto,
} from './security-requests.dto';
import { PrivilegesRepository } from './privileges.repository';
import { SessionsRepository } from './sessions.repository';
import { UsersRepository } from './users.repository';
import type { UserEntity } from './user.entity';

export function checkPassword(password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw badRequest(`"${field}" must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters long.`);
  }
}

function checkUserName(name: string, field = 'userName'): string {
  const normalized = name.normalize('NFC');
  const problem = userNameProblem(normalized);
  if (problem) throw badRequest(`Invalid ${field} "${name}": ${problem}.`);
  return normalized;
}

function checkGroupName(name: string): string {
  const normalized = name.normalize('NFC');
  const problem = principalNameProblem(normalized);
  if (problem) {
    throw badRequest(`Invalid group name "${name}": ${problem}.`);
  }
  if (['anonymous', 'authenticated', 'everyone'].includes(normalized.toLowerCase())) {
    throw badRequest(`"${name}" is a built-in pseudo-group; choose another name.`);
  }
  return normalized;
}

/** The built-in user directory and groups (Administer only, except one's own password). */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly privileges: PrivilegesRepository,
    private readonly passwords: PasswordService,
    private readonly authentication: AuthenticationService,
    private readonly audit: AuditService,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async listUsers(): Promise<User[]> {
    const users = await this.users.listUsers();
    const groups = await this.users.groupsOfUsers(users.map((u) => u.id));
    return users.map((u) => toUser(u, groups.get(u.id) ?? []));
  }

  async getUser(name: string): Promise<User> {
    const user = await this.requireUser(name);
    return toUser(user, (await this.users.groupsOfUsers([user.id])).get(user.id) ?? []);
  }

  async createUser(actor: Principal, input: CreateUserDto): Promise<User> {
    const userName = checkUserName(input.userName);
    checkPassword(input.password);
    const passwordHash = await this.passwords.hash(input.password);
    const groupNames = input.groups ?? [];
    const user = await this.unitOfWork.run(async (tx) => {
      const created = await this.users.insertUser(tx, {
        userName,
        displayName: input.displayName ?? userName,
        email: input.email ?? '',
        enabled: input.enabled ?? true,
        passwordHash,
      });
      if (!created) throw new AppError(ErrorCode.AlreadyExists, `A user named "${userName}" already exists.`);
      await this.users.setGroupsOfUser(tx, created.id, await this.groupIds(tx, groupNames));
      return created;
    });
    await this.audit.record(actor, AuditAction.UserCreated, { target: user.userName });
    return this.getUser(user.userName);
  }

  /** Partial: fields left out (or null) keep their value. */
  async updateUser(actor: Principal, name: string, input: UpdateUserDto): Promise<User> {
    const user = await this.requireUser(name);
    const newName = input.userName ?? undefined;
    if (newName !== undefined && newName.normalize('NFC') !== user.userName) {
      throw badRequest('"userName" cannot be changed; create a new user instead.');
    }
    const password = input.password ?? undefined;
    if (password !== undefined && user.source !== 'builtin') {
      throw badRequest(
        `"${user.userName}" signs in through ${user.source.toUpperCase()}: their password is not Stockroom's to set.`,
      );
    }
    if (password !== undefined) checkPassword(password);
    const groupNames = input.groups ?? undefined;
    const enabled = input.enabled ?? undefined;
    if (enabled === false && actor.userId === user.id) throw badRequest('You cannot disable your own account.');
    user.displayName = input.displayName ?? user.displayName;
    user.email = input.email ?? user.email;
    user.enabled = enabled ?? user.enabled;
    if (password !== undefined) user.passwordHash = await this.passwords.hash(password);
    await this.unitOfWork.run(async (tx) => {
      await this.users.saveUser(tx, user);
      if (groupNames) {
        const ids = await this.groupIds(tx, groupNames);
        await this.checkExternalMembershipsKept(tx, user.id, ids);
        await this.users.setGroupsOfUser(tx, user.id, ids);
      }
      // A new password or a disabled account signs the user out everywhere.
      if (password !== undefined || !user.enabled) await this.sessions.deleteSessionsOfUser(tx, user.id);
      if (groupNames || enabled === false) await ensureAnAdministratorRemains(this.privileges, tx);
    });
    const changed = Object.keys(input).filter((k) => k !== 'password');
    await this.audit.record(actor, AuditAction.UserUpdated, {
      target: user.userName,
      details: { changed: password !== undefined ? [...changed, 'password'] : changed },
    });
    return this.getUser(user.userName);
  }

  /** A signed-in user changes their own password, proving the current one. */
  async changeOwnPassword(actor: Principal, input: ChangePasswordDto): Promise<void> {
    if (actor.kind !== 'user' || actor.userId === undefined) {
      throw badRequest('Only a signed-in user can change their password (API keys have none).');
    }
    const { currentPassword: current, newPassword: next } = input;
    checkPassword(next, 'newPassword');
    if (!(await this.authentication.checkPassword(actor.userId, actor.name, current, actor.address))) {
      throw new AppError(ErrorCode.Forbidden, 'The current password is wrong.');
    }
    const user = await this.requireUser(actor.name);
    if (user.source !== 'builtin') {
      throw badRequest(`You sign in through ${user.source.toUpperCase()}: change your password there.`);
    }
    user.passwordHash = await this.passwords.hash(next);
    await this.unitOfWork.run(async (tx) => {
      await this.users.saveUser(tx, user);
      await this.sessions.deleteSessionsOfUser(tx, user.id);
    });
    await this.audit.record(actor, AuditAction.PasswordChanged, { target: user.userName });
  }

  async deleteUser(actor: Principal, name: string): Promise<void> {
    const user = await this.requireUser(name);
    if (actor.userId === user.id) throw badRequest('You cannot delete your own account.');
    await this.unitOfWork.run(async (tx) => {
      await this.users.deleteUser(tx, user.id);
      await ensureAnAdministratorRemains(this.privileges, tx);
    });
    await this.audit.record(actor, AuditAction.UserDeleted, { target: user.userName });
  }

  async listGroups(): Promise<Group[]> {
    const groups = await this.users.listGroups();
    const members = await this.users.membersOfGroups(groups.map((g) => g.id));
    return groups.map((g) => toGroup(g, members.get(g.id) ?? []));
  }

  async getGroup(name: string): Promise<Group> {
    const group = await this.users.findGroup(name);
    if (!group) throw new AppError(ErrorCode.NotFound, `Group "${name}" was not found.`);
    return toGroup(group, (await this.users.membersOfGroups([group.id])).get(group.id) ?? []);
  }

  async createGroup(actor: Principal, input: CreateGroupDto): Promise<Group> {
    const name = checkGroupName(input.name);
    const members = input.members ?? [];
    await this.unitOfWork.run(async (tx) => {
      const group = await this.users.insertGroup(tx, { name, description: input.description ?? '' });
      if (!group) throw new AppError(ErrorCode.AlreadyExists, `A group named "${name}" already exists.`);
      await this.users.setMembersOfGroup(tx, group.id, await this.userIds(tx, members));
    });
    await this.audit.record(actor, AuditAction.GroupCreated, { target: name, details: { members } });
    return this.getGroup(name);
  }

  async updateGroup(actor: Principal, name: string, input: UpdateGroupDto): Promise<Group> {
    const members = input.members ?? undefined;
    const group = await this.users.findGroup(name);
    if (!group) throw new AppError(ErrorCode.NotFound, `Group "${name}" was not found.`);
    const newName = input.name ?? undefined;
    if (newName !== undefined && newName.normalize('NFC') !== group.name) {
      throw badRequest('"name" cannot be changed; create a new group instead.');
    }
    if (members && group.source !== 'builtin') {
      throw badRequest(
        `The members of "${group.name}" come from ${group.source.toUpperCase()} (refreshed at each sign-in): they cannot be changed here.`,
      );
    }
    group.description = input.description ?? group.description;
    await this.unitOfWork.run(async (tx) => {
      await this.users.saveGroup(tx, group);
      if (members) {
        await this.users.setMembersOfGroup(tx, group.id, await this.userIds(tx, members));
        await ensureAnAdministratorRemains(this.privileges, tx);
      }
    });
    await this.audit.record(actor, AuditAction.GroupUpdated, { target: group.name, details: { members } });
    return this.getGroup(group.name);
  }

  async deleteGroup(actor: Principal, name: string): Promise<void> {
    const group = await this.users.findGroup(name);
    if (!group) throw new AppError(ErrorCode.NotFound, `Group "${name}" was not found.`);
    await this.unitOfWork.run(async (tx) => {
      await this.users.deleteGroup(tx, group.id);
      await ensureAnAdministratorRemains(this.privileges, tx);
    });
    await this.audit.record(actor, AuditAction.GroupDeleted, { target: group.name });
  }

  async requireUser(name: string): Promise<UserEntity> {
    const user = await this.users.findUser(name);
    if (!user) throw new AppError(ErrorCode.NotFound, `User "${name}" was not found.`);
    return user;
  }

  /**
   * [ext] Membership of external groups is the directory's (issue 19): a user's new group list must keep
   * exactly their current external groups (built-in groups may change).
   */
  private async checkExternalMembershipsKept(tx: Tx, userId: number, groupIds: number[]): Promise<void> {
    const current = await this.users.externalGroupsOfUser(tx, userId);
    const target = await this.users.externalGroupsAmong(tx, groupIds);
    const added = target.find((g) => !current.some((c) => c.id === g.id));
    const removed = current.find((g) => !target.some((t) => t.id === g.id));
    const changed = added ?? removed;
    if (changed) {
      throw badRequest(
        `The members of "${changed.name}" come from ${changed.source.toUpperCase()} (refreshed at each sign-in): they cannot be changed here.`,
      );
    }
  }

  private async groupIds(tx: Tx, names: string[]): Promise<number[]> {
    const groups = await this.users.findGroups(tx, names);
    const missing = names.find((n) => !groups.some((g) => g.nameLower === n.normalize('NFC').toLowerCase()));
    if (missing !== undefined) throw badRequest(`Group "${missing}" does not exist.`);
    return groups.map((g) => g.id);
  }

  private async userIds(tx: Tx, names: string[]): Promise<number[]> {
    const users = await this.users.findUsers(tx, names);
    const missing = names.find((n) => !users.some((u) => u.nameLower === n.normalize('NFC').toLowerCase()));
    if (missing !== undefined) throw badRequest(`User "${missing}" does not exist.`);
    return users.map((u) => u.id);
  }
}
