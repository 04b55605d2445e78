import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { ConnectorStatus } from '@stockroom/contracts';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { Answers } from '../../openapi/api-docs.decorators';
import { ConnectorService } from './connector.service';

/** [ext] `GET /api/connectors/{feed}/status`: how a directory's upstream is doing (Manage Feed). */
@ApiTags('Connectors')
@Controller('api/connectors')
@Access.directory()
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorService) {}

  @Answers(200, 'ConnectorStatus', "The directory's connector, its cache and its counters")
  @Get(':feed/status')
  status(@Actor() actor: Principal, @Param('feed') feed: string): Promise<ConnectorStatus> {
    return this.connectors.status(actor, feed);
  }
}
