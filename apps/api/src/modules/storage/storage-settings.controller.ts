import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { StorageMove, StorageSettings, StorageTestResult, StorageTypeInfo } from '@stockroom/contracts';
import type { Request } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { badRequest } from '../../common/errors/app-error';
import { Query } from '../../common/http/query';
import { StorageMovesService } from './storage-moves.service';
import { StorageSettingsDto } from './storage-requests.dto';
import { StorageSettingsService } from './storage-settings.service';
import { ApiTags, ApiOkResponse } from '@nestjs/swagger';
import { Answers, QueryParam } from '../../openapi/api-docs.decorators';
import { arrayOfRef, schemaRef } from '../../openapi/response-schemas';

function feedOf(req: Request): string | undefined {
  return Query.fromUrl(req.originalUrl).get('feed');
}

/** `GET /api/storage` (types), `GET|POST /api/storage?feed=X`, `POST /api/storage/test?feed=X`. */
@ApiTags('Storage')
@Controller('api/storage')
@Access.directory()
export class StorageSettingsController {
  constructor(private readonly settings: StorageSettingsService) {}

  @ApiOkResponse({
    description: "Without `feed`: the storage types (Administer); with it: that directory's settings",
    schema: { oneOf: [arrayOfRef('StorageTypeInfo'), schemaRef('StorageSettings')] },
  })
  @QueryParam('feed', 'A directory.')
  @Get()
  get(@Actor() actor: Principal, @Req() req: Request): Promise<StorageTypeInfo[] | StorageSettings> {
    const feed = feedOf(req);
    return feed === undefined ? this.settings.types(actor) : this.settings.get(actor, feed);
  }

  @Answers(200, 'StorageSettings', 'Saved; a directory with files starts a storage move')
  @QueryParam('feed', 'The directory.', 'string', true)
  @Post()
  @HttpCode(200)
  set(@Actor() actor: Principal, @Req() req: Request, @Body() body: StorageSettingsDto): Promise<StorageSettings> {
    const feed = feedOf(req);
    if (feed === undefined) throw badRequest('"feed" is required: POST /api/storage?feed=<directory>.');
    return this.settings.set(actor, feed, body);
  }

  @Answers(200, 'StorageTestResult')
  @QueryParam('feed', 'The directory.', 'string', true)
  @Post('test')
  @HttpCode(200)
  test(@Actor() actor: Principal, @Req() req: Request, @Body() body: StorageSettingsDto): Promise<StorageTestResult> {
    const feed = feedOf(req);
    if (feed === undefined) throw badRequest('"feed" is required: POST /api/storage/test?feed=<directory>.');
    // No body, or `{}`: test the saved settings (judged on what was sent, before unknown fields are dropped).
    const empty = Object.keys(req.body as object).length === 0;
    return this.settings.test(actor, feed, empty ? undefined : body);
  }
}

/**
 * [ext] Storage moves: `GET /api/storage/moves?feed=X` (newest first), `GET /api/storage/moves/{id}`
 * (progress and errors), `POST /api/storage/moves/{id}/retry` (a failed move). Manage Feed.
 */
@ApiTags('Storage')
@Controller('api/storage/moves')
@Access.directory()
export class StorageMovesController {
  constructor(private readonly moves: StorageMovesService) {}

  @Answers(200, ['StorageMove'], 'Newest first')
  @QueryParam('feed', 'The directory.', 'string', true)
  @Get()
  list(@Actor() actor: Principal, @Req() req: Request): Promise<StorageMove[]> {
    const feed = feedOf(req);
    if (feed === undefined) throw badRequest('"feed" is required: GET /api/storage/moves?feed=<directory>.');
    return this.moves.list(actor, feed);
  }

  @Answers(200, 'StorageMove')
  @Get(':id')
  get(@Actor() actor: Principal, @Param('id') id: string): Promise<StorageMove> {
    return this.moves.get(actor, id);
  }

  @Answers(200, 'StorageMove')
  @Post(':id/retry')
  @HttpCode(200)
  retry(@Actor() actor: Principal, @Param('id') id: string): Promise<StorageMove> {
    return this.moves.retry(actor, id);
  }
}
