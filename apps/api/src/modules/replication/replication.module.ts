import { Module } from '@nestjs/common';
import { AssetsModule } from '../assets/assets.module';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { FeedsModule } from '../feeds/feeds.module';
import { AccessModule } from '../security/access.module';
import { StorageModule } from '../storage/storage.module';
import { ReplicationController } from './replication.controller';
import { ReplicationIdentity } from './replication-identity.service';
import { ReplicationRepository } from './replication.repository';
import { ReplicationScheduler } from './replication-scheduler.service';
import { ReplicationService } from './replication.service';

/** [ext] Replication of asset directories with a remote Stockroom or ProGet (issue 20). */
@Module({
  imports: [AssetsModule, FeedsModule, StorageModule, AccessModule, AuditModule, EventsModule],
  controllers: [ReplicationController],
  providers: [ReplicationRepository, ReplicationIdentity, ReplicationService, ReplicationScheduler],
})
export class ReplicationModule {}
