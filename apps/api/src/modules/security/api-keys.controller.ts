import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Req } from '@nestjs/common';
import { ApiKeyInfo } from '@stockroom/contracts';
import type { Request } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { CreateApiKeyDto } from './security-requests.dto';
import { badRequest } from '../../common/errors/app-error';
import { Query } from '../../common/http/query';
import { ApiKeysService } from './api-keys.service';
import { ApiTags } from '@nestjs/swagger';
import { Answers, QueryParam } from '../../openapi/api-docs.decorators';

const LENIENT = 'A value starting with `true` (any case) is true.';

/**
 * API keys, twice: ProGet's shape that pgutil's `apikeys` commands use (`/api/api-keys/…`) and
 * plain REST (`/api/security/api-keys`). Who may do what is decided per key in the service.
 */
@ApiTags('API keys')
@Controller('api')
@Access.authenticated()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Answers(200, 'ApiKeyInfo', 'Created; `key` is shown this once')
  @Post('api-keys/create')
  @HttpCode(200)
  createProGet(@Actor() actor: Principal, @Body() body: CreateApiKeyDto): Promise<ApiKeyInfo> {
    return this.keys.create(actor, body);
  }

  @Answers(200, ['ApiKeyInfo'])
  @Get('api-keys/list')
  listProGet(@Actor() actor: Principal): Promise<ApiKeyInfo[]> {
    return this.keys.list(actor, false);
  }

  @Answers(200, undefined, 'Revoked')
  @QueryParam('id', "The key's id.", 'integer', true)
  @Post('api-keys/delete')
  @HttpCode(200)
  deleteProGet(@Actor() actor: Principal, @Req() req: Request): Promise<void> {
    const id = Query.fromUrl(req.originalUrl).int('id');
    if (id === undefined) throw badRequest('"id" is required.');
    return this.keys.revoke(actor, id);
  }

  @Answers(200, ['ApiKeyInfo'])
  @QueryParam('includeRevoked', 'List revoked keys too. ' + LENIENT, 'boolean')
  @Get('security/api-keys')
  list(@Actor() actor: Principal, @Req() req: Request): Promise<ApiKeyInfo[]> {
    return this.keys.list(actor, Query.fromUrl(req.originalUrl).bool('includeRevoked'));
  }

  @Answers(201, 'ApiKeyInfo', 'Created; `key` is shown this once')
  @Post('security/api-keys')
  @HttpCode(201)
  create(@Actor() actor: Principal, @Body() body: CreateApiKeyDto): Promise<ApiKeyInfo> {
    return this.keys.create(actor, body);
  }

  @Answers(204, undefined, 'Revoked')
  @Delete('security/api-keys/:id')
  @HttpCode(204)
  revoke(@Actor() actor: Principal, @Param('id', ParseIntPipe) id: number): Promise<void> {
    return this.keys.revoke(actor, id);
  }
}
