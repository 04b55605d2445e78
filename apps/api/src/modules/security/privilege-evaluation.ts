import { FeedKeyPermission, Privilege } from '@stockroom/contracts';

/** One rule that applies to the caller, as the access query returns it. */
export interface ApplicableRule {
  privileges: readonly Privilege[];
  deny: boolean;
  /** null = global. */
  feedId: number | null;
  /** 2 = the user, 1 = a group the user is in, 0 = a pseudo-group. */
  principalRank: number;
}

const ALL_PRIVILEGES = Object.values(Privilege);

/**
 * Spec §9 precedence, per privilege attribute: among the rules granting or denying it, the most
 * specific wins — directory scope over global, then user over group over pseudo-group — and at
 * equal specificity deny beats allow. No rule: not held.
 */
export function effectivePrivileges(rules: readonly ApplicableRule[], feedId: number | null): Set<Privilege> {
  const held = new Set<Privilege>();
  for (const privilege of ALL_PRIVILEGES) {
    let best = -1;
    let denied = false;
    for (const rule of rules) {
      if (rule.feedId !== null && rule.feedId !== feedId) continue;
      if (!rule.privileges.includes(privilege)) continue;
      const rank = (rule.feedId === null ? 0 : 10) + rule.principalRank;
      if (rank > best) {
        best = rank;
        denied = rule.deny;
      } else if (rank === best && rule.deny) {
        denied = true;
      }
    }
    if (best >= 0 && !denied) held.add(privilege);
  }
  return held;
}

/** A feed key's permissions (ProGet's names) as privilege attributes; `delete` = overwrite/delete. */
export function feedKeyPrivileges(permissions: readonly FeedKeyPermission[]): Set<Privilege> {
  const held = new Set<Privilege>();
  for (const permission of permissions) {
    if (permission === 'view') held.add(Privilege.View).add(Privilege.Download);
    if (permission === 'add') held.add(Privilege.Add);
    if (permission === 'delete') held.add(Privilege.Overwrite).add(Privilege.Delete);
    // `promote` has no meaning for asset directories; kept on the key for ProGet clients.
  }
  return held;
}

/** What a system key's `systemApis` grant: full control by default, feed APIs only if so limited. */
export function systemKeyPrivileges(systemApis: readonly string[]): Privilege[] {
  const apis = systemApis.map((a) => a.toLowerCase());
  if (apis.length === 0 || apis.includes('full-control') || apis.includes('fullcontrol')) return ALL_PRIVILEGES;
  if (apis.includes('feeds') || apis.includes('feed-management'))
    return ALL_PRIVILEGES.filter((p) => p !== Privilege.Administer);
  return [];
}
