import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AccessService } from './access.service';
import { AuthenticationService } from './authentication.service';
import { ExternalIdentitiesService } from './external-identities.service';
import { LdapService } from './ldap.service';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordService } from './password.service';
import { SecurityDataModule } from './security-data.module';
import { SignedUrlsService } from './signed-urls.service';

const PROVIDERS = [
  AccessService,
  AuthenticationService,
  ExternalIdentitiesService,
  LdapService,
  LoginThrottleService,
  PasswordService,
  SignedUrlsService,
];

/**
 * Who is calling and what they may do: used by the auth guard and by every service that checks a
 * directory privilege. Depends on nothing but the audit log and the security tables, so every module can import it.
 */
@Module({
  imports: [AuditModule, SecurityDataModule],
  providers: PROVIDERS,
  exports: PROVIDERS,
})
export class AccessModule {}
