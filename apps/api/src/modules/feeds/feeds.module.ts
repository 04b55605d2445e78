import { Module } from '@nestjs/common';
import { SecurityModule } from '../security/security.module';
import { StorageModule } from '../storage/storage.module';
import { FeedsController } from './feeds.controller';
import { FeedsRepository } from './feeds.repository';
import { FeedsService } from './feeds.service';

@Module({
  imports: [StorageModule, SecurityModule],
  controllers: [FeedsController],
  providers: [FeedsService, FeedsRepository],
  exports: [FeedsService],
})
export class FeedsModule {}
