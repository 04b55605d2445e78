import { Module } from '@nestjs/common';
import { AssetsModule } from '../assets/assets.module';
import { FeedsModule } from '../feeds/feeds.module';
import { AccessModule } from '../security/access.module';
import { DavLocksRepository } from './dav-locks.repository';
import { DavLocksService } from './dav-locks.service';
import { DavPropertiesRepository } from './dav-properties.repository';
import { DavController } from './dav.controller';
import { DavService } from './dav.service';

/** WebDAV at /dav/ (issue 18): a protocol over the asset services, with its own properties and locks. */
@Module({
  imports: [AssetsModule, FeedsModule, AccessModule],
  controllers: [DavController],
  providers: [DavService, DavLocksService, DavLocksRepository, DavPropertiesRepository],
})
export class DavModule {}
