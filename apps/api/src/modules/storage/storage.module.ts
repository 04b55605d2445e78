import { Module } from '@nestjs/common';
import { BlobDeletionsRepository } from './blob-deletions.repository';
import { StorageService } from './storage.service';

@Module({
  providers: [StorageService, BlobDeletionsRepository],
  exports: [StorageService],
})
export class StorageModule {}
