import { Injectable, Logger } from '@nestjs/common';
import { AuditAction, CredentialKind, ErrorCode, principalNameProblem, userNameProblem } from '@stockroom/contracts';
import { AppError } from '../../common/errors/app-error';
import { CoherentCache } from '../../database/coherent-cache.service';
import { SECURITY_SCOPES } from '../../database/cache-scope';
import { UnitOfWork, type Tx } from '../../database/unit-of-work';
import { AuditService } from '../audit/audit.service';
import { ensureAnAdministratorRemains } from './administrators';
import { PrivilegesRepository } from './privileges.repository';
import { SessionsRepository } from './sessions.repository';
import type { UserEntity } from './user.entity';
import { ExternalSource, lower, UsersRepository } from './users.repository';

/** Who a directory (LDAP) or an identity provider (OIDC) says signed in (issue 19). */
export interface ExternalIdentity {
  source: ExternalSource;
  /** LDAP: the user's DN; OIDC: `iss|sub`. Unique per source. */
  externalId: string;
  userName: string;
  displayName?: string;
  email?: string;
  /** The names of the groups the user belongs to there (nested ones included). */
  groups: string[];
}

/** Group names no external group may take: Stockroom's pseudo-groups. */
export const PSEUDO_GROUPS = ['anonymous', 'authenticated', 'everyone'];

const SOURCE_LABEL: Record<ExternalSource, string> = { ldap: 'the directory (LDAP)', oidc: 'the identity provider' };

/**
 * Just-in-time users and read-only group membership for identities from a directory or an identity
 * provider. The rules (issue 19):
 * - A user is created at first sign-in with the identity's source and external id; later sign-ins
 *   update display name, e-mail and last sign-in, and set their memberships among that source's groups
 *   to what the source says (built-in groups they were added to here are left alone).
 * - A user name taken by a user of another source (a built-in user, or OIDC vs LDAP) refuses the sign-in
 *   (403, audited): never merged. An OIDC identity (another `iss|sub`) under the name of an OIDC user is
 *   refused the same way; an LDAP user whose DN changed (moved in the directory) keeps their account.
 * - An external group named like a built-in group, a group of another source, or a pseudo-group
 *   (Anonymous, Authenticated, Everyone, any case), or with a name Stockroom cannot hold, is skipped and
 *   audited: the user signs in without it (refusing the sign-in would lock out every member of a
 *   directory group someone named "Everyone"; skipping grants nothing it should not).
 * - Disabled users are refused (403). The last-administrator rule holds: a sign-in whose group changes
 *   would leave no enabled user holding Administer is refused and changes nothing.
 * - Everything runs in one transaction; the change notifications of `users`, `groups` and
 *   `group_members` make every node drop its cached rules (this node before the call returns).
 */
@Injectable()
export class ExternalIdentitiesService {
  private readonly logger = new Logger('ExternalIdentities');

  constructor(
    private readonly users: UsersRepository,
    private readonly privileges: PrivilegesRepository,
    private readonly sessions: SessionsRepository,
    private readonly audit: AuditService,
    private readonly unitOfWork: UnitOfWork,
    private readonly cache: CoherentCache,
  ) {}

  async signIn(
    identity: ExternalIdentity,
    address: string,
    credential: CredentialKind = 'session',
  ): Promise<UserEntity> {
    const who = { userName: identity.userName, credential, address };
    const refuse = async (reason: string, message: string): Promise<never> => {
      await this.audit.recordAs(who, AuditAction.SsoRefused, {
        target: identity.userName,
        details: { source: identity.source, reason, externalId: identity.externalId },
      });
      throw new AppError(ErrorCode.Forbidden, message);
    };
    const userName = identity.userName.normalize('NFC');
    const nameProblem = userNameProblem(userName);
    if (nameProblem) {
      return refuse('invalid user name', `The user name "${identity.userName}" cannot be used here: ${nameProblem}.`);
    }
    const skipped: { group: string; reason: string }[] = [];
    let created = false;
    let outcome: { user: UserEntity } | { refused: string; message: string };
    try {
      outcome = await this.unitOfWork.run(async (tx) => {
        const found = await this.findOrCreate(tx, identity, userName);
        if ('refused' in found) return found;
        const user = found.user;
        created = found.created;
        if (!user.enabled)
          return { refused: 'account disabled', message: `The account "${user.userName}" is disabled.` };
        const groupIds = await this.groupIds(tx, identity, skipped);
        const changed = await this.users.setExternalGroupsOfUser(tx, user.id, identity.source, groupIds);
        if (changed) await ensureAnAdministratorRemains(this.privileges, tx);
        user.displayName = identity.displayName?.slice(0, 200) || user.displayName || user.userName;
        user.email = identity.email?.slice(0, 320) ?? user.email;
        user.lastSignInAt = new Date();
        await this.users.saveUser(tx, user);
        await this.cache.invalidateAfterCommit(tx, SECURITY_SCOPES);
        return { user };
      });
    } catch (e) {
      if (e instanceof AppError && e.code === ErrorCode.BadRequest) {
        return refuse(
          'last administrator',
          `Signing in would take Administer from the last user holding it: ${e.message}`,
        );
      }
      throw e;
    }
    for (const s of skipped) {
      await this.audit.recordAs(who, AuditAction.SsoRefused, {
        target: identity.userName,
        details: { source: identity.source, reason: s.reason, group: s.group },
      });
    }
    if ('refused' in outcome) return refuse(outcome.refused, outcome.message);
    if (created) {
      await this.audit.recordAs(who, AuditAction.SsoUserCreated, {
        target: outcome.user.userName,
        details: { source: identity.source, externalId: identity.externalId },
      });
    }
    return outcome.user;
  }

  /**
   * The scheduled refresh of one user (no password: the source answered a lookup). `groups` null: the
   * source no longer finds or accepts the user — disabled, their sessions ended (their API keys stop
   * with it); an administrator may delete them. Returns whether anything changed.
   */
  async refresh(user: UserEntity, groups: string[] | null, reason = 'no longer found'): Promise<boolean> {
    const source = user.source as ExternalSource;
    if (groups === null) {
      if (!user.enabled) return false;
      try {
        await this.unitOfWork.run(async (tx) => {
          user.enabled = false;
          await this.users.saveUser(tx, user);
          await this.sessions.deleteSessionsOfUser(tx, user.id);
          await ensureAnAdministratorRemains(this.privileges, tx);
          await this.cache.invalidateAfterCommit(tx, SECURITY_SCOPES);
        });
      } catch (e) {
        this.logger.warn(`Not disabling "${user.userName}" (${reason}): ${(e as Error).message}`);
        return false;
      }
      await this.audit.recordAs({ userName: null, credential: 'anonymous', address: '' }, AuditAction.SsoUserDisabled, {
        target: user.userName,
        details: { source, reason },
      });
      return true;
    }
    const skipped: { group: string; reason: string }[] = [];
    const identity: ExternalIdentity = { source, externalId: user.externalId ?? '', userName: user.userName, groups };
    try {
      return await this.unitOfWork.run(async (tx) => {
        const changed = await this.users.setExternalGroupsOfUser(
          tx,
          user.id,
          source,
          await this.groupIds(tx, identity, skipped),
        );
        if (changed) {
          await ensureAnAdministratorRemains(this.privileges, tx);
          await this.cache.invalidateAfterCommit(tx, SECURITY_SCOPES);
        }
        return changed;
      });
    } catch (e) {
      this.logger.warn(`Not refreshing the groups of "${user.userName}": ${(e as Error).message}`);
      return false;
    }
  }

  private async findOrCreate(
    tx: Tx,
    identity: ExternalIdentity,
    userName: string,
  ): Promise<{ user: UserEntity; created: boolean } | { refused: string; message: string }> {
    const clash = (other: string) => ({
      refused: 'user name taken',
      message:
        `The user name "${userName}" from ${SOURCE_LABEL[identity.source]} belongs to ${other} ` +
        `in Stockroom; accounts are never merged. An administrator must rename or delete one of them.`,
    });
    const known = await this.users.findUserByExternalId(tx, identity.source, identity.externalId);
    if (known) {
      if (known.nameLower !== lower(userName)) {
        // Renamed at the source: the name Stockroom knows stays (privileges, audit, keys refer to it).
        this.logger.log(`"${known.userName}" is called "${userName}" at the source now; keeping "${known.userName}".`);
      }
      return { user: known, created: false };
    }
    const byName = await this.users.findUser(userName, tx);
    if (byName) {
      if (byName.source !== identity.source) {
        return clash(byName.source === 'builtin' ? 'a built-in user' : `a user from ${SOURCE_LABEL[byName.source]}`);
      }
      if (identity.source === 'ldap') {
        // Same directory, same name, another DN: the entry moved (a new OU); the account follows it.
        byName.externalId = identity.externalId;
        return { user: byName, created: false };
      }
      return clash('another account of the identity provider (another subject)');
    }
    const user = await this.users.insertExternalUser(tx, {
      userName,
      displayName: identity.displayName?.slice(0, 200) || userName,
      email: identity.email?.slice(0, 320) ?? '',
      source: identity.source,
      externalId: identity.externalId,
      lastSignInAt: new Date(),
    });
    if (!user) {
      // Taken between the look-up and the insert: the same identity signing in on another node (its row
      // is visible now that the insert waited for it), or someone else.
      const same = await this.users.findUserByExternalId(tx, identity.source, identity.externalId);
      if (same) return { user: same, created: false };
      return clash('another user');
    }
    return { user, created: true };
  }

  /** The ids of the source's groups named, created as needed; what cannot be used goes to `skipped`. */
  private async groupIds(
    tx: Tx,
    identity: ExternalIdentity,
    skipped: { group: string; reason: string }[],
  ): Promise<number[]> {
    const names = new Map<string, string>();
    for (const raw of identity.groups) {
      const name = raw.normalize('NFC');
      const problem = principalNameProblem(name);
      if (problem) skipped.push({ group: raw, reason: `invalid group name: ${problem}` });
      else if (PSEUDO_GROUPS.includes(name.toLowerCase())) skipped.push({ group: raw, reason: 'pseudo-group name' });
      else if (!names.has(lower(name))) names.set(lower(name), name);
    }
    const existing = await this.users.findGroups(tx, [...names.values()]);
    const ids: number[] = [];
    for (const [key, name] of names) {
      let group = existing.find((g) => g.nameLower === key) ?? null;
      if (!group) {
        group = await this.users.insertExternalGroup(tx, name, identity.source);
        group ??= await this.users.findGroup(name, tx);
      }
      if (!group) continue;
      if (group.source !== identity.source) {
        skipped.push({
          group: name,
          reason: group.source === 'builtin' ? 'named like a built-in group' : `named like a group of ${group.source}`,
        });
        continue;
      }
      ids.push(group.id);
    }
    return ids;
  }
}
