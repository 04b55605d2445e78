import { Privilege } from '@stockroom/contracts';
import { badRequest } from '../../common/errors/app-error';
import type { Tx } from '../../database/unit-of-work';
import { effectivePrivileges } from './privilege-evaluation';
import type { PrivilegesRepository } from './privileges.repository';

/**
 * Refuses a change (inside its transaction, before commit) that would leave no enabled user
 * holding Administer globally: nobody could manage security any more. Called by every change
 * that can take Administer away — rules, roles, group membership, disabling or deleting users.
 */
export async function ensureAnAdministratorRemains(repository: PrivilegesRepository, tx: Tx): Promise<void> {
  const rules = await repository.globalAdministerRules(tx);
  const byUser = new Map<number, typeof rules>();
  for (const rule of rules) byUser.set(rule.userId, [...(byUser.get(rule.userId) ?? []), rule]);
  for (const userRules of byUser.values()) {
    if (effectivePrivileges(userRules, null).has(Privilege.Administer)) return;
  }
  throw badRequest('This would take Administer from the last enabled user holding it; grant it to another user first.');
}
