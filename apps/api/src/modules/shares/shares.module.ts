import { Module } from '@nestjs/common';
import { AssetsModule } from '../assets/assets.module';
import { AuditModule } from '../audit/audit.module';
import { FeedsModule } from '../feeds/feeds.module';
import { AccessModule } from '../security/access.module';
import { ShareFastPath } from './share-fast-path';
import { ShareLinksController } from './share-links.controller';
import { SharesController } from './shares.controller';
import { ShareUsageRecorder } from './share-usage-recorder';
import { SharesRepository } from './shares.repository';
import { SharesService } from './shares.service';

/** [ext] Share links (issue 18): `/api/shares` to manage them, `/s/{token}` to use them. */
@Module({
  imports: [AssetsModule, FeedsModule, AccessModule, AuditModule],
  controllers: [SharesController, ShareLinksController],
  providers: [SharesRepository, SharesService, ShareFastPath, ShareUsageRecorder],
  exports: [ShareFastPath],
})
export class SharesModule {}
