import type { ApiKeyInfo, Group, Role, User } from '@stockroom/contracts';
import type { ApiKeyEntity } from './api-key.entity';
import type { GroupEntity } from './group.entity';
import type { RoleEntity } from './role.entity';
import type { UserEntity } from './user.entity';

export function toUser(user: UserEntity, groups: string[]): User {
  return {
    userName: user.userName,
    displayName: user.displayName,
    email: user.email,
    enabled: user.enabled,
    groups,
    createdAt: user.createdAt.toISOString(),
    source: user.source,
    lastSignInAt: user.lastSignInAt ? user.lastSignInAt.toISOString() : null,
  };
}

export function toGroup(group: GroupEntity, members: string[]): Group {
  return { name: group.name, description: group.description, members, source: group.source };
}

export function toRole(role: RoleEntity): Role {
  return { name: role.name, description: role.description, privileges: role.privileges, builtIn: role.builtIn };
}

/** Never carries the secret: only the create answer adds it, once. */
export function toApiKeyInfo(key: ApiKeyEntity): ApiKeyInfo {
  const info: ApiKeyInfo = {
    id: key.id,
    type: key.type,
    displayName: key.displayName,
    description: key.description,
    logging: key.logging as ApiKeyInfo['logging'],
    createdAt: key.createdAt.toISOString(),
    createdBy: key.createdBy,
  };
  if (key.type === 'System') info.systemApis = key.systemApis;
  if (key.type === 'Feed') {
    info.packagePermissions = key.feedPermissions;
    if (key.feed) info.feed = key.feed.name;
  }
  if (key.type === 'Personal' && key.user) info.user = key.user.userName;
  if (key.expiresAt) info.expiration = key.expiresAt.toISOString();
  if (key.lastUsedAt) info.lastUsedAt = key.lastUsedAt.toISOString();
  if (key.revokedAt) info.revokedAt = key.revokedAt.toISOString();
  return info;
}
