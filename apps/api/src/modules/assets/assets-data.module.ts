import { Module } from '@nestjs/common';
import { AssetVersionsRepository } from './asset-versions.repository';
import { AssetsRepository } from './assets.repository';
import { FeedContentsService } from './feed-contents.service';
import { MultipartRepository } from './multipart.repository';

/**
 * The asset tables' repositories and what other modules may ask of them (FeedContentsService).
 * Imports no feature module: the feeds and storage modules use it, and AssetsModule builds on it.
 */
@Module({
  providers: [AssetsRepository, AssetVersionsRepository, MultipartRepository, FeedContentsService],
  exports: [AssetsRepository, AssetVersionsRepository, MultipartRepository, FeedContentsService],
})
export class AssetsDataModule {}
