import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CreatedShare, ErrorCode, Share } from '@stockroom/contracts';
import type { Request } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { AppError, badRequest } from '../../common/errors/app-error';
import { baseUrlOf } from '../../common/http/base-url';
import { Query } from '../../common/http/query';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { InvalidatesItsOwnScopes } from '../../database/invalidate-after-writes.interceptor';
import { Answers, QueryParam } from '../../openapi/api-docs.decorators';
import { ShareRequestDto } from './share-request.dto';
import { SharesService } from './shares.service';

/**
 * [ext] Share links (issue 18): `POST /api/shares` makes one (Download on the path and Feeds_ShareAsset
 * on the directory), `GET /api/shares?feed=` lists them (one's own; a directory's managers see all),
 * `DELETE /api/shares/{id}` revokes one (its creator, the directory's managers, Administer). The links
 * themselves are served under `/s/` (ShareLinksController). Nothing about links is cached, so these
 * routes clear no cache.
 */
@ApiTags('Share links')
@Controller('api/shares')
@Access.directory()
export class SharesController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly shares: SharesService,
  ) {}

  @Answers(201, 'CreatedShare')
  @Post()
  @HttpCode(201)
  @InvalidatesItsOwnScopes()
  async create(@Actor() actor: Principal, @Body() body: ShareRequestDto, @Req() req: Request): Promise<CreatedShare> {
    const created = await this.shares.create(actor, {
      feed: body.feed,
      path: body.path,
      expiresAt: body.expiresAt ?? undefined,
      expiresInMinutes: body.expiresInMinutes ?? undefined,
      maxDownloads: body.maxDownloads ?? undefined,
      password: body.password ?? undefined,
    });
    return {
      id: created.id,
      url: `${baseUrlOf(this.config, req)}/s/${created.token}`,
      expiresAt: created.expiresAt.toISOString(),
    };
  }

  @Answers(200, ['Share'])
  @QueryParam(
    'feed',
    'The directory whose links to list (your own; all of them with Manage Feed there).',
    'string',
    true,
  )
  @Get()
  list(@Actor() actor: Principal, @Req() req: Request): Promise<Share[]> {
    const feed = Query.fromUrl(req.originalUrl).get('feed');
    if (!feed) throw badRequest('"feed" is required: GET /api/shares?feed={directory}.');
    return this.shares.list(actor, feed);
  }

  @Answers(204)
  @Delete(':id')
  @HttpCode(204)
  @InvalidatesItsOwnScopes()
  revoke(@Actor() actor: Principal, @Param('id') id: string): Promise<void> {
    // Ids are secret to those who may not revoke them: anything that is not one is "not found" too.
    if (!/^[0-9]{1,9}$/.test(id))
      throw new AppError(ErrorCode.NotFound, `Share link ${id.slice(0, 20)} was not found.`);
    return this.shares.revoke(actor, Number(id));
  }
}
