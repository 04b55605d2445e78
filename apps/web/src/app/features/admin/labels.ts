import { AuditAction, Privilege } from '@stockroom/contracts';
import type { IdentitySource } from '@stockroom/contracts';

/** Privilege attributes as people read them, in the order the console lists them. */
export const PRIVILEGE_LABELS: Readonly<Record<Privilege, string>> = {
  [Privilege.View]: 'View directories',
  [Privilege.Download]: 'Download files',
  [Privilege.Add]: 'Upload files',
  [Privilege.Overwrite]: 'Overwrite files',
  [Privilege.Delete]: 'Delete files',
  [Privilege.ShareAsset]: 'Share links',
  [Privilege.ManageFeed]: 'Manage directories',
  [Privilege.Administer]: 'Administer Stockroom',
};

export const ALL_PRIVILEGES = Object.values(Privilege);

export function privilegeLabel(privilege: Privilege | string): string {
  return PRIVILEGE_LABELS[privilege as Privilege] ?? privilege;
}

export const AUDIT_ACTION_LABELS: Readonly<Record<AuditAction, string>> = {
  [AuditAction.LoginSucceeded]: 'Signed in',
  [AuditAction.LoginFailed]: 'Sign-in failed',
  [AuditAction.Logout]: 'Signed out',
  [AuditAction.PasswordChanged]: 'Password changed',
  [AuditAction.UserCreated]: 'User created',
  [AuditAction.UserUpdated]: 'User changed',
  [AuditAction.UserDeleted]: 'User deleted',
  [AuditAction.GroupCreated]: 'Group created',
  [AuditAction.GroupUpdated]: 'Group changed',
  [AuditAction.GroupDeleted]: 'Group deleted',
  [AuditAction.RoleCreated]: 'Role created',
  [AuditAction.RoleUpdated]: 'Role changed',
  [AuditAction.RoleDeleted]: 'Role deleted',
  [AuditAction.PrivilegeGranted]: 'Privilege rule added',
  [AuditAction.PrivilegeRevoked]: 'Privilege rule removed',
  [AuditAction.ApiKeyCreated]: 'API key created',
  [AuditAction.ApiKeyRevoked]: 'API key revoked',
  [AuditAction.FeedCreated]: 'Directory created',
  [AuditAction.FeedUpdated]: 'Directory changed',
  [AuditAction.FeedDeleted]: 'Directory deleted',
  [AuditAction.FeedPolicyChanged]: 'Directory policy changed',
  [AuditAction.StorageChanged]: 'Storage changed',
  [AuditAction.AssetUploaded]: 'File uploaded',
  [AuditAction.AssetOverwritten]: 'File overwritten',
  [AuditAction.AssetRestored]: 'File version restored',
  [AuditAction.AssetDeleted]: 'File deleted',
  [AuditAction.AssetMoved]: 'Moved or renamed',
  [AuditAction.AssetCopied]: 'Copied',
  [AuditAction.FolderCreated]: 'Folder created',
  [AuditAction.MetadataUpdated]: 'Metadata changed',
  [AuditAction.ArchiveImported]: 'Archive imported',
  [AuditAction.RetentionRunStarted]: 'Retention run',
  [AuditAction.RetentionSettingsChanged]: 'Retention settings changed',
  [AuditAction.ShareCreated]: 'Share link created',
  [AuditAction.ShareRevoked]: 'Share link revoked',
  [AuditAction.ShareUsed]: 'Share link used',
  [AuditAction.SsoRefused]: 'Single sign-on refused',
  [AuditAction.SsoUserCreated]: 'User created at first sign-in',
  [AuditAction.SsoUserDisabled]: 'Directory user disabled',
  [AuditAction.WebhookCreated]: 'Webhook created',
  [AuditAction.WebhookUpdated]: 'Webhook changed',
  [AuditAction.WebhookDeleted]: 'Webhook deleted',
  [AuditAction.ReplicationCreated]: 'Replication job created',
  [AuditAction.ReplicationDeleted]: 'Replication job deleted',
  [AuditAction.ReplicationRunStarted]: 'Replication run',
};

export function auditActionLabel(action: AuditAction | string): string {
  return AUDIT_ACTION_LABELS[action as AuditAction] ?? action;
}

/** Where a user or group comes from (issue 19), as the console names it. */
export const SOURCE_LABELS: Readonly<Record<IdentitySource, string>> = {
  builtin: 'Built-in',
  ldap: 'LDAP',
  oidc: 'OIDC',
};

/** Absent (an older server): built in. */
export function sourceLabel(source: IdentitySource | undefined): string {
  return SOURCE_LABELS[source ?? 'builtin'] ?? source;
}

/** A user or group owned by a directory or identity provider (membership read-only, no password here). */
export function isExternal(principal: { source?: IdentitySource }): boolean {
  return principal.source !== undefined && principal.source !== 'builtin';
}
