import { Module } from '@nestjs/common';
import { AssetsDataModule } from '../assets/assets-data.module';
import { FeedsModule } from '../feeds/feeds.module';
import { AccessModule } from '../security/access.module';
import { AuditModule } from '../audit/audit.module';
import { StorageMovesController, StorageSettingsController } from './storage-settings.controller';
import { StorageMovesRepository } from './storage-moves.repository';
import { StorageMovesService } from './storage-moves.service';
import { StorageSettingsService } from './storage-settings.service';
import { StorageModule } from './storage.module';

/** The storage API; separate from StorageModule, which feeds import (and this imports feeds). */
@Module({
  imports: [StorageModule, FeedsModule, AssetsDataModule, AccessModule, AuditModule],
  controllers: [StorageSettingsController, StorageMovesController],
  providers: [StorageSettingsService, StorageMovesService, StorageMovesRepository],
})
export class StorageSettingsModule {}
