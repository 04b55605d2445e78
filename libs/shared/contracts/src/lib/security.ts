import type { IdentitySource } from './sso';
import { Privilege } from './privileges';

/** Principals every caller belongs to without being a member (spec §9). */
export enum PseudoGroup {
  Anonymous = 'Anonymous',
  Authenticated = 'Authenticated',
  Everyone = 'Everyone',
}

/** How a caller proved who it is (spec §6), as recorded in the audit log. */
export type CredentialKind =
  | 'anonymous'
  | 'session'
  | 'password'
  | 'pseudo-key'
  | 'api-key'
  | 'signed-url'
  /** [ext] A share link's token (issue 18): who used it is unknown, only from where. */
  | 'share-link';

/** The four built-in roles (ProGet "tasks") and what they bundle. */
export const BUILT_IN_ROLES: Readonly<Record<string, readonly Privilege[]>> = {
  'View & Download': [Privilege.View, Privilege.Download],
  Publish: [Privilege.View, Privilege.Download, Privilege.Add],
  'Manage Feed': [
    Privilege.View,
    Privilege.Download,
    Privilege.Add,
    Privilege.Overwrite,
    Privilege.Delete,
    Privilege.ShareAsset,
    Privilege.ManageFeed,
  ],
  Administer: Object.values(Privilege),
};

/** User names: 1–100 characters, no control characters and no `:` (it separates user:password). */
export const USER_NAME_MAX = 100;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;

/** What is wrong with a user, group or role name, if anything. */
export function principalNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > USER_NAME_MAX) return `use 1-${USER_NAME_MAX} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f:]/.test(name)) return 'control characters and ":" are not allowed';
  if (name.trim() !== name) return 'no leading or trailing spaces';
  return undefined;
}

export function userNameProblem(name: string): string | undefined {
  if (name.toLowerCase() === 'api')
    return '"api" is reserved (Basic authentication with user "api" carries an API key)';
  return principalNameProblem(name);
}

export interface User {
  userName: string;
  displayName: string;
  email: string;
  enabled: boolean;
  groups: string[];
  createdAt: string;
  /** [ext] Built in, or created at first sign-in through LDAP / OpenID Connect (issue 19); absent: built in. */
  source?: IdentitySource;
  /** [ext] ISO-8601: the last sign-in of a user from LDAP or OpenID Connect. */
  lastSignInAt?: string | null;
}

export interface CreateUserRequest {
  userName: string;
  password: string;
  displayName?: string;
  email?: string;
  enabled?: boolean;
  groups?: string[];
}

export type UpdateUserRequest = Partial<Omit<CreateUserRequest, 'userName'>>;

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

export interface Group {
  name: string;
  description: string;
  members: string[];
  /** [ext] An LDAP or OpenID Connect group: its membership is read-only, owned by the directory or IdP (issue 19). */
  source?: IdentitySource;
}

export interface CreateGroupRequest {
  name: string;
  description?: string;
  members?: string[];
}

export type UpdateGroupRequest = Partial<Omit<CreateGroupRequest, 'name'>>;

export interface Role {
  name: string;
  description: string;
  privileges: Privilege[];
  builtIn: boolean;
}

export interface CreateRoleRequest {
  name: string;
  description?: string;
  privileges: Privilege[];
}

export type UpdateRoleRequest = Partial<Omit<CreateRoleRequest, 'name'>>;

export type PrincipalType = 'user' | 'group' | 'pseudo';

/** A rule: principal + role + scope (a directory, or null = global) + allow/deny. */
export interface PrivilegeRule {
  id: number;
  principalType: PrincipalType;
  principalName: string;
  role: string;
  feed: string | null;
  deny: boolean;
}

export type CreatePrivilegeRuleRequest = Omit<PrivilegeRule, 'id'>;

export type ApiKeyType = 'System' | 'Feed' | 'Personal';
export type FeedKeyPermission = 'view' | 'add' | 'promote' | 'delete';

/** ProGet's ApiKeyInfo (what pgutil `apikeys` sends and reads), plus our bookkeeping fields. */
export interface ApiKeyInfo {
  id: number;
  type: ApiKeyType;
  /** Only in the answer to create: the secret, shown once. */
  key?: string;
  displayName?: string;
  description?: string;
  systemApis?: string[];
  packagePermissions?: FeedKeyPermission[];
  feed?: string;
  feedGroup?: string;
  expiration?: string;
  logging?: 'None' | 'Request' | 'Response' | 'Both';
  user?: string;
  createdAt?: string;
  createdBy?: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export interface LoginRequest {
  userName: string;
  password: string;
}

/** Who the caller is and what it may do globally (the console builds its menus from this). */
export interface CurrentPrincipal {
  authenticated: boolean;
  userName: string | null;
  displayName: string;
  credential: CredentialKind;
  /** Privileges held at global scope. */
  privileges: Privilege[];
  /** [ext] Where a signed-in user comes from (issue 19): a directory or IdP user has no password here. */
  source?: IdentitySource;
}

export enum AuditAction {
  LoginSucceeded = 'login.succeeded',
  LoginFailed = 'login.failed',
  Logout = 'logout',
  PasswordChanged = 'password.changed',
  UserCreated = 'user.created',
  UserUpdated = 'user.updated',
  UserDeleted = 'user.deleted',
  GroupCreated = 'group.created',
  GroupUpdated = 'group.updated',
  GroupDeleted = 'group.deleted',
  RoleCreated = 'role.created',
  RoleUpdated = 'role.updated',
  RoleDeleted = 'role.deleted',
  PrivilegeGranted = 'privilege.granted',
  PrivilegeRevoked = 'privilege.revoked',
  ApiKeyCreated = 'apikey.created',
  ApiKeyRevoked = 'apikey.revoked',
  FeedCreated = 'feed.created',
  FeedUpdated = 'feed.updated',
  FeedDeleted = 'feed.deleted',
  /** [ext] A directory's write policy or quota changed: details `{writePolicy?, quotaBytes?}` as `{from, to}`. */
  FeedPolicyChanged = 'feed.policy_changed',
  StorageChanged = 'storage.changed',
  AssetUploaded = 'asset.uploaded',
  AssetOverwritten = 'asset.overwritten',
  AssetDeleted = 'asset.deleted',
  AssetMoved = 'asset.moved',
  AssetCopied = 'asset.copied',
  AssetRestored = 'asset.restored',
  FolderCreated = 'folder.created',
  MetadataUpdated = 'metadata.updated',
  ArchiveImported = 'archive.imported',
  RetentionRunStarted = 'retention.run',
  RetentionSettingsChanged = 'retention.settings',
  /** [ext] A share link was made (issue 18): target = the path, details `{id, kind, expiresAt, maxDownloads, password}`. */
  ShareCreated = 'share.created',
  /** [ext] A share link was revoked: details `{id}`. */
  ShareRevoked = 'share.revoked',
  /** [ext] A share link was used (a download from byte 0, a folder index, a zip): details `{id, as}`. */
  ShareUsed = 'share.used',
  /**
   * [ext] A directory/IdP sign-in was refused, or one of its groups skipped (issue 19): details
   * `{source, reason, externalId?, group?}`.
   */
  SsoRefused = 'sso.refused',
  /** [ext] A user created at first sign-in from a directory/IdP: details `{source, externalId}`. */
  SsoUserCreated = 'sso.user_created',
  /** [ext] The scheduled refresh disabled a directory user it no longer finds: details `{source, reason}`. */
  SsoUserDisabled = 'sso.user_disabled',
  /** [ext] A webhook was saved (issue 20): target = its URL, details `{id, events}`. */
  WebhookCreated = 'webhook.created',
  /** [ext] A webhook was changed: details `{id, changed}` (field names; never the secret). */
  WebhookUpdated = 'webhook.updated',
  /** [ext] A webhook was deleted: details `{id}`. */
  WebhookDeleted = 'webhook.deleted',
  /**
   * [ext] A replication job was created (issue 20): target = the remote's URL, details
   * `{id, remoteFeed, mode, deletes, schedule}` (never the API key).
   */
  ReplicationCreated = 'replication.created',
  /** [ext] A replication job was deleted: target = the remote's URL, details `{id, remoteFeed}`. */
  ReplicationDeleted = 'replication.deleted',
  /** [ext] A user started a replication run (`POST /api/replication/{id}/run`): details `{id, run, resumed}`. */
  ReplicationRunStarted = 'replication.run',
}

export interface AuditEvent {
  id: number;
  at: string;
  action: AuditAction;
  userName: string | null;
  credential: CredentialKind;
  address: string;
  feed: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `before` to read the next (older) page; absent on the last page. */
  next?: number;
}
