import { Module } from '@nestjs/common';
import { AssetsModule } from '../assets/assets.module';
import { EventsModule } from '../events/events.module';
import { FeedsModule } from '../feeds/feeds.module';
import { ConnectorCacheRepository } from './connector-cache.repository';
import { ConnectorStatsRepository } from './connector-stats.repository';
import { ConnectorService } from './connector.service';
import { ConnectorsController } from './connectors.controller';

/** [ext] Connectors (issue 20): directories that fetch what they lack from an upstream. */
@Module({
  imports: [AssetsModule, FeedsModule, EventsModule],
  controllers: [ConnectorsController],
  providers: [ConnectorService, ConnectorCacheRepository, ConnectorStatsRepository],
  exports: [ConnectorService],
})
export class ConnectorsModule {}
