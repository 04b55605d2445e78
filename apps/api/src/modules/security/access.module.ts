import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AccessService } from './access.service';
import { AuthenticationService } from './authentication.service';
import { IdentityRepository } from './identity.repository';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordService } from './password.service';
import { ServerSecretsRepository } from './server-secrets.repository';
import { SignedUrlsService } from './signed-urls.service';

/**
 * Who is calling and what they may do: used by the auth guard and by every service that checks a
 * directory privilege. Depends on nothing but the audit log, so every module can import it.
 */
@Module({
  imports: [AuditModule],
  providers: [
    AccessService,
    AuthenticationService,
    IdentityRepository,
    LoginThrottleService,
    PasswordService,
    ServerSecretsRepository,
    SignedUrlsService,
  ],
  exports: [AccessService, AuthenticationService, LoginThrottleService, PasswordService, SignedUrlsService],
})
export class AccessModule {}
