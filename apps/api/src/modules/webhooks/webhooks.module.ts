import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { FeedsModule } from '../feeds/feeds.module';
import { AccessModule } from '../security/access.module';
import { StorageSecrets } from '../storage/storage-secrets';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDelivererService } from './webhook-deliverer.service';
import { WebhookDispatcherService } from './webhook-dispatcher.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/** [ext] Webhooks (issue 20): `/api/webhooks`, and the dispatcher and deliverer working from the outbox. */
@Module({
  imports: [EventsModule, FeedsModule, AccessModule, AuditModule],
  controllers: [WebhooksController],
  providers: [
    WebhooksRepository,
    WebhookDeliveriesRepository,
    WebhooksService,
    WebhookDispatcherService,
    WebhookDelivererService,
    // Secrets encrypted with the key storage credentials use (STOCKROOM_ENCRYPTION_KEY or data/encryption.key).
    {
      provide: StorageSecrets,
      useFactory: (config: AppConfig) => StorageSecrets.load(config.encryptionKey, config.dataDir),
      inject: [APP_CONFIG],
    },
  ],
  exports: [WebhookDispatcherService, WebhookDelivererService],
})
export class WebhooksModule {}
