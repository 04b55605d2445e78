import { Module } from '@nestjs/common';
import { ApiKeysRepository } from './api-keys.repository';
import { LoginThrottleRepository } from './login-throttle.repository';
import { PrivilegesRepository } from './privileges.repository';
import { ServerSecretsRepository } from './server-secrets.repository';
import { SessionsRepository } from './sessions.repository';
import { UsersRepository } from './users.repository';

/**
 * The security module's tables, one repository each (a repository may own a table that only
 * exists with another: group_members with users and groups, privilege_rules with roles). Shared by
 * AccessModule (the per-request path) and SecurityModule (management), so both use one instance.
 */
@Module({
  providers: [
    ApiKeysRepository,
    LoginThrottleRepository,
    PrivilegesRepository,
    ServerSecretsRepository,
    SessionsRepository,
    UsersRepository,
  ],
  exports: [
    ApiKeysRepository,
    LoginThrottleRepository,
    PrivilegesRepository,
    ServerSecretsRepository,
    SessionsRepository,
    UsersRepository,
  ],
})
export class SecurityDataModule {}
