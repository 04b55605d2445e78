import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { StorageSettings, StorageTestResult, StorageTypeInfo } from '@stockroom/contracts';
import type { Request } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { badRequest } from '../../common/errors/app-error';
import { Query } from '../../common/http/query';
import { StorageSettingsService } from './storage-settings.service';

function feedOf(req: Request): string | undefined {
  return Query.fromUrl(req.originalUrl).get('feed');
}

/** `GET /api/storage` (types), `GET|POST /api/storage?feed=X`, `POST /api/storage/test?feed=X`. */
@Controller('api/storage')
@Access.directory()
export class StorageSettingsController {
  constructor(private readonly settings: StorageSettingsService) {}

  @Get()
  get(@Actor() actor: Principal, @Req() req: Request): Promise<StorageTypeInfo[] | StorageSettings> {
    const feed = feedOf(req);
    return feed === undefined ? this.settings.types(actor) : this.settings.get(actor, feed);
  }

  @Post()
  @HttpCode(200)
  set(@Actor() actor: Principal, @Req() req: Request, @Body() body: unknown): Promise<StorageSettings> {
    const feed = feedOf(req);
    if (feed === undefined) throw badRequest('"feed" is required: POST /api/storage?feed=<directory>.');
    return this.settings.set(actor, feed, body);
  }

  @Post('test')
  @HttpCode(200)
  test(@Actor() actor: Principal, @Req() req: Request, @Body() body: unknown): Promise<StorageTestResult> {
    const feed = feedOf(req);
    if (feed === undefined) throw badRequest('"feed" is required: POST /api/storage/test?feed=<directory>.');
    return this.settings.test(actor, feed, body);
  }
}
