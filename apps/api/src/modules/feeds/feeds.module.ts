import { Module } from '@nestjs/common';
import { AssetsDataModule } from '../assets/assets-data.module';
import { AuditModule } from '../audit/audit.module';
import { AccessModule } from '../security/access.module';
import { StorageModule } from '../storage/storage.module';
import { FeedsController } from './feeds.controller';
import { FeedsRepository } from './feeds.repository';
import { FeedsService } from './feeds.service';
import { DirectoryPolicy } from './directory-policy.service';
import { ConnectorSecrets } from './connector-settings';

@Module({
  imports: [StorageModule, AssetsDataModule, AccessModule, AuditModule],
  controllers: [FeedsController],
  providers: [FeedsService, FeedsRepository, DirectoryPolicy, ConnectorSecrets],
  exports: [FeedsService, DirectoryPolicy],
})
export class FeedsModule {}
