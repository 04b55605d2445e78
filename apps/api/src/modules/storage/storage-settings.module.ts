import { Module } from '@nestjs/common';
import { FeedsModule } from '../feeds/feeds.module';
import { AccessModule } from '../security/access.module';
import { StorageSettingsController } from './storage-settings.controller';
import { StorageSettingsService } from './storage-settings.service';
import { StorageModule } from './storage.module';

/** The storage API; separate from StorageModule, which feeds import (and this imports feeds). */
@Module({
  imports: [StorageModule, FeedsModule, AccessModule],
  controllers: [StorageSettingsController],
  providers: [StorageSettingsService],
})
export class StorageSettingsModule {}
