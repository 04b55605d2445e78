import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type pino from 'pino';
import { Clock } from './common/clock';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { BodyValidationPipe } from './common/http/body-validation.pipe';
import { GracefulShutdown } from './common/http/graceful-shutdown';
import { StockroomLogger } from './common/logging/logger';
import { OutboundHttp } from './common/net/outbound-http';
import { OutboundPolicy } from './common/net/outbound-policy';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { CoherentCache, DATABASE_URL } from './database/coherent-cache.service';
import { DatabaseHealth } from './database/database-health';
import { AdvisoryLocks } from './database/advisory-locks';
import { UnitOfWork } from './database/unit-of-work';
import { dataSourceOptions } from './database/data-source';
import { InvalidateAfterWrites } from './database/invalidate-after-writes.interceptor';
import { AssetsModule } from './modules/assets/assets.module';
import { DavModule } from './modules/dav/dav.module';
import { EventsModule } from './modules/events/events.module';
import { ConnectorsModule } from './modules/connectors/connectors.module';
import { FeedsModule } from './modules/feeds/feeds.module';
import { AuditModule } from './modules/audit/audit.module';
import { HealthModule } from './modules/health/health.module';
import { ObservabilityModule } from './modules/observability/observability.module';
import { ReplicationModule } from './modules/replication/replication.module';
import { RetentionModule } from './modules/retention/retention.module';
import { AccessModule } from './modules/security/access.module';
import { AuthGuard } from './modules/security/auth.guard';
import { SecurityModule } from './modules/security/security.module';
import { SharesModule } from './modules/shares/shares.module';
import { StorageSettingsModule } from './modules/storage/storage-settings.module';
import { StorageModule } from './modules/storage/storage.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';
import { OpenApiModule } from './openapi/openapi.module';

@Module({})
export class AppModule {
  /**
   * The config is parsed before Nest starts and handed in (no second parse). `logger`: the server's
   * pino logger, which then also backs Nest's (see common/logging); absent: tests, silent.
   */
  static forRoot(config: AppConfig, databaseUrl: string, logger?: pino.Logger): DynamicModule {
    // pino-http runs first of all middleware (createApp); nestjs-pino uses its `req.log`.
    const logging = logger ? [LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true })] : [];
    return {
      module: AppModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions(databaseUrl), retryAttempts: 0 }),
        ObservabilityModule.forRoot(config),
        StorageModule,
        FeedsModule,
        AssetsModule,
        DavModule,
        HealthModule,
        AccessModule,
        AuditModule,
        SecurityModule,
        StorageSettingsModule,
        RetentionModule,
        SharesModule,
        EventsModule,
        WebhooksModule,
        ReplicationModule,
        ConnectorsModule,
        OpenApiModule,
        ...logging,
      ],
      providers: [
        ...(logger ? [StockroomLogger] : []),
        GracefulShutdown,
        { provide: APP_CONFIG, useValue: config },
        { provide: DATABASE_URL, useValue: databaseUrl },
        CoherentCache,
        UnitOfWork,
        AdvisoryLocks,
        DatabaseHealth,
        Clock,
        {
          provide: OutboundHttp,
          useFactory: (c: AppConfig) => new OutboundHttp(OutboundPolicy.parse(c.outboundAllow)),
          inject: [APP_CONFIG],
        },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: InvalidateAfterWrites },
        { provide: APP_PIPE, useClass: BodyValidationPipe },
      ],
      exports: [
        APP_CONFIG,
        DATABASE_URL,
        CoherentCache,
        UnitOfWork,
        AdvisoryLocks,
        DatabaseHealth,
        Clock,
        OutboundHttp,
      ],
    };
  }
}
