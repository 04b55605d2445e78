import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { FeedsModule } from '../feeds/feeds.module';
import { AccessModule } from './access.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { PrivilegesController } from './privileges.controller';
import { PrivilegesService } from './privileges.service';
import { SecurityDataModule } from './security-data.module';
import { SessionController } from './session.controller';
import { SessionsService } from './sessions.service';
import { ExternalRefreshScheduler } from './external-refresh.scheduler';
import { SsoController } from './sso.controller';
import { SsoService } from './sso.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** Managing security: users, groups, roles, rules, API keys, sessions, the first Admin. */
@Module({
  imports: [AccessModule, AuditModule, FeedsModule, SecurityDataModule],
  controllers: [SessionController, SsoController, UsersController, PrivilegesController, ApiKeysController],
  providers: [
    ExternalRefreshScheduler,
    SsoService,
    UsersService,
    PrivilegesService,
    ApiKeysService,
    SessionsService,
    AdminBootstrapService,
  ],
})
export class SecurityModule {}
