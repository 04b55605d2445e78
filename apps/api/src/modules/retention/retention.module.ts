import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { AssetsModule } from '../assets/assets.module';
import { AuditModule } from '../audit/audit.module';
import { FeedsModule } from '../feeds/feeds.module';
import { AccessModule } from '../security/access.module';
import { StorageModule } from '../storage/storage.module';
import { RetentionController } from './retention.controller';
import { RetentionScheduler } from './retention-scheduler.service';
import { RetentionSettingsService } from './retention-settings.service';
import { RetentionRepository } from './retention.repository';
import { RetentionService } from './retention.service';

/** Retention rules' previews, runs, history, settings and the scheduled sweep. */
@Module({
  imports: [AssetsModule, FeedsModule, StorageModule, AccessModule, AuditModule, EventsModule],
  controllers: [RetentionController],
  providers: [RetentionRepository, RetentionService, RetentionSettingsService, RetentionScheduler],
})
export class RetentionModule {}
