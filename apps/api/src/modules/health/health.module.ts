import { Module } from '@nestjs/common';
import { FeedsModule } from '../feeds/feeds.module';
import { StorageModule } from '../storage/storage.module';
import { HealthController } from './health.controller';
import { StorageHealthService } from './storage-health.service';

@Module({
  imports: [FeedsModule, StorageModule],
  controllers: [HealthController],
  providers: [StorageHealthService],
})
export class HealthModule {}
