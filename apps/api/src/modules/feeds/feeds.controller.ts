import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Feed, Privilege } from '@stockroom/contracts';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { Query } from '../../common/http/query';
import { CreateFeedDto, UpdateFeedDto } from './feed-requests.dto';
import { FeedsService } from './feeds.service';
import { ApiTags } from '@nestjs/swagger';
import { Answers, QueryParam } from '../../openapi/api-docs.decorators';

const LENIENT = 'A value starting with `true` (any case) is true.';

/** ProGet's feed management API (spec §7). */
@ApiTags('Directories (feeds)')
@Controller('api/management/feeds')
export class FeedsController {
  constructor(private readonly feeds: FeedsService) {}

  /** Only the directories the caller may view. */
  @Answers(200, ['Feed'], 'The directories the caller may view')
  @Get('list')
  @Access.anyone()
  list(@Actor() actor: Principal): Promise<Feed[]> {
    return this.feeds.list(actor);
  }

  /** [ext] `?stats=true` adds fileCount and totalBytes (a count over the directory's files). */
  @Answers(200, 'Feed')
  @QueryParam('stats', '[ext] Add fileCount and totalBytes. ' + LENIENT, 'boolean')
  @Get('get/:name')
  @Access.directory()
  get(@Actor() actor: Principal, @Param('name') name: string, @Req() req: Request): Promise<Feed> {
    return this.feeds.get(actor, name, { stats: Query.fromUrl(req.originalUrl).bool('stats') });
  }

  @Answers(200, 'Feed')
  @Post('create')
  @Access.global(Privilege.Administer)
  @HttpCode(200)
  create(@Actor() actor: Principal, @Body() body: CreateFeedDto): Promise<Feed> {
    return this.feeds.create(actor, body);
  }

  @Answers(200, 'Feed')
  @Post('update/:name')
  @Access.directory()
  @HttpCode(200)
  update(@Actor() actor: Principal, @Param('name') name: string, @Body() body: UpdateFeedDto): Promise<Feed> {
    return this.feeds.update(actor, name, body);
  }

  @Answers(200, undefined, 'Deleted, with everything in it')
  @Delete('delete/:name')
  @Access.directory()
  @HttpCode(200)
  async delete(@Actor() actor: Principal, @Param('name') name: string): Promise<void> {
    await this.feeds.delete(actor, name);
  }
}
