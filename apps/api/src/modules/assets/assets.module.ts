import { Module } from '@nestjs/common';
import { FeedsModule } from '../feeds/feeds.module';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { AssetEvents } from './asset-events';
import { AccessModule } from '../security/access.module';
import { StorageModule } from '../storage/storage.module';
import { AssetArchiveService } from './asset-archive.service';
import { AssetDownloadService } from './asset-download.service';
import { DownloadFastPath } from './download-fast-path';
import { AssetUploadService } from './asset-upload.service';
import { AssetsDataModule } from './assets-data.module';
import { AssetsService } from './assets.service';
import { AssetTransferService } from './asset-transfer.service';
import { DownloadCounterService } from './download-counter.service';
import { EndpointsController } from './endpoints.controller';
import { SignedUrlsController } from './signed-urls.controller';
import { MultipartJanitorService } from './multipart-janitor.service';
import { NameTwinsReport } from './name-twins.service';
import { FileHistoryService } from './file-history.service';

@Module({
  imports: [AssetsDataModule, FeedsModule, StorageModule, AccessModule, AuditModule, EventsModule],
  controllers: [EndpointsController, SignedUrlsController],
  providers: [
    AssetsService,
    AssetUploadService,
    AssetDownloadService,
    DownloadFastPath,
    AssetArchiveService,
    AssetTransferService,
    MultipartJanitorService,
    DownloadCounterService,
    NameTwinsReport,
    FileHistoryService,
    AssetEvents,
  ],
  // Every protocol (ProGet /endpoints, WebDAV, share links) calls the same services.
  exports: [
    AssetsService,
    AssetUploadService,
    AssetDownloadService,
    DownloadFastPath,
    AssetArchiveService,
    AssetTransferService,
    MultipartJanitorService,
    DownloadCounterService,
    FileHistoryService,
  ],
})
export class AssetsModule {}
