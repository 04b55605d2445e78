import type {
  ChangePasswordRequest,
  CreateGroupRequest,
  CreatePrivilegeRuleRequest,
  CreateRoleRequest,
  CreateUserRequest,
  LdapTestRequest,
  LoginRequest,
  UpdateGroupRequest,
  UpdateRoleRequest,
  UpdateUserRequest,
} from '@stockroom/contracts';
import { PASSWORD_MAX } from '@stockroom/contracts';
import {
  AnyValue,
  OptionalBoolean,
  OptionalString,
  OptionalStrings,
  RequiredString,
} from '../../common/http/body-fields';
import { IgnoresUnknownFields } from '../../common/http/body-validation.pipe';

/*
 * Request bodies of the security API. Types and lengths are checked at the edge; name rules,
 * password length, privilege names and values matched case-insensitively (`type`, `principalType`)
 * stay in the services, which also use them for names that do not come from a body.
 */

/** One over the limit: the service then says "must be 8-1024 characters" rather than "too long". */
const PASSWORD_FIELD = PASSWORD_MAX + 1;

/** `POST /api/security/login`. */
export class LoginDto implements LoginRequest {
  @RequiredString(1000)
  userName!: string;

  @RequiredString(5000)
  password!: string;
}

/** [ext] `POST /api/security/ldap/test` (issue 19). */
export class LdapTestDto implements LdapTestRequest {
  @RequiredString(1000)
  userName!: string;

  @RequiredString(5000)
  password!: string;
}

/** `POST /api/security/me/password`. */
export class ChangePasswordDto implements ChangePasswordRequest {
  @RequiredString(PASSWORD_FIELD)
  currentPassword!: string;

  @RequiredString(PASSWORD_FIELD)
  newPassword!: string;
}

/** `POST /api/security/users`. */
export class CreateUserDto implements CreateUserRequest {
  @RequiredString(1000)
  userName!: string;

  @RequiredString(PASSWORD_FIELD)
  password!: string;

  @OptionalString(200)
  displayName?: string;

  @OptionalString(320)
  email?: string;

  @OptionalBoolean()
  enabled?: boolean;

  @OptionalStrings()
  groups?: string[];
}

/** `PATCH /api/security/users/{name}`: `userName` may be sent, unchanged (the service refuses a new one). */
export class UpdateUserDto implements UpdateUserRequest {
  @OptionalString(1000)
  userName?: string;

  @OptionalString(PASSWORD_FIELD)
  password?: string;

  @OptionalString(200)
  displayName?: string;

  @OptionalString(320)
  email?: string;

  @OptionalBoolean()
  enabled?: boolean;

  @OptionalStrings()
  groups?: string[];
}

/** `POST /api/security/groups`. */
export class CreateGroupDto implements CreateGroupRequest {
  @RequiredString(1000)
  name!: string;

  @OptionalString(2000)
  description?: string;

  @OptionalStrings()
  members?: string[];
}

/** `PATCH /api/security/groups/{name}`. */
export class UpdateGroupDto implements UpdateGroupRequest {
  @OptionalString(1000)
  name?: string;

  @OptionalString(2000)
  description?: string;

  @OptionalStrings()
  members?: string[];
}

/** `POST /api/security/roles`: `privileges` is required by the service (its message names the choices). */
export class CreateRoleDto implements Omit<CreateRoleRequest, 'privileges'> {
  @RequiredString(1000)
  name!: string;

  @OptionalString(2000)
  description?: string;

  @OptionalStrings()
  privileges?: string[];
}

/** `PATCH /api/security/roles/{name}`. */
export class UpdateRoleDto implements Omit<UpdateRoleRequest, 'privileges'> {
  @OptionalString(1000)
  name?: string;

  @OptionalString(2000)
  description?: string;

  @OptionalStrings()
  privileges?: string[];
}

/** `POST /api/security/privileges`; `principalType` is matched case-insensitively by the service. */
export class CreatePrivilegeRuleDto implements Partial<Record<keyof CreatePrivilegeRuleRequest, unknown>> {
  @RequiredString(20)
  principalType!: string;

  @RequiredString(1000)
  principalName!: string;

  @RequiredString(1000)
  role!: string;

  @OptionalString(1000)
  feed?: string;

  @OptionalBoolean()
  deny?: boolean;
}

/**
 * ProGet's ApiKeyInfo as `POST /api/api-keys/create` (pgutil `apikeys create`) and
 * `POST /api/security/api-keys` take it. pgutil sends the whole object (id, createdAt, … too):
 * what we don't read is dropped. `type`, `logging` and `packagePermissions` are matched
 * case-insensitively by the service.
 */
@IgnoresUnknownFields()
export class CreateApiKeyDto {
  @OptionalString(20)
  type?: string;

  @OptionalString(200)
  displayName?: string;

  @OptionalString(2000)
  description?: string;

  @OptionalString(20)
  logging?: string;

  @OptionalString(100)
  expiration?: string;

  @OptionalStrings()
  systemApis?: string[];

  @OptionalString(1000)
  feed?: string;

  /** Refused when set (there are no feed groups here): any value reaches the service. */
  @AnyValue()
  feedGroup?: unknown;

  @OptionalStrings()
  packagePermissions?: string[];

  @OptionalString(1000)
  user?: string;

  /** A secret chosen by the caller (else one is generated). */
  @OptionalString(1000)
  key?: string;
}
