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

/**
 * API keys, twice: ProGet's shape that pgutil's `apikeys` commands use (`/api/api-keys/…`) and
 * plain REST (`/api/security/api-keys`). Who may do what is decided per key in the service.
 */
@Controller('api')
@Access.authenticated()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post('api-keys/create')
  @HttpCode(200)
  createProGet(@Actor() actor: Principal, @Body() body: CreateApiKeyDto): Promise<ApiKeyInfo> {
    return this.keys.create(actor, body);
  }

  @Get('api-keys/list')
  listProGet(@Actor() actor: Principal): Promise<ApiKeyInfo[]> {
    return this.keys.list(actor, false);
  }

  @Post('api-keys/delete')
  @HttpCode(200)
  deleteProGet(@Actor() actor: Principal, @Req() req: Request): Promise<void> {
    const id = Query.fromUrl(req.originalUrl).int('id');
    if (id === undefined) throw badRequest('"id" is required.');
    return this.keys.revoke(actor, id);
  }

  @Get('security/api-keys')
  list(@Actor() actor: Principal, @Req() req: Request): Promise<ApiKeyInfo[]> {
    return this.keys.list(actor, Query.fromUrl(req.originalUrl).bool('includeRevoked'));
  }

  @Post('security/api-keys')
  @HttpCode(201)
  create(@Actor() actor: Principal, @Body() body: CreateApiKeyDto): Promise<ApiKeyInfo> {
    return this.keys.create(actor, body);
  }

  @Delete('security/api-keys/:id')
  @HttpCode(204)
  revoke(@Actor() actor: Principal, @Param('id', ParseIntPipe) id: number): Promise<void> {
    return this.keys.revoke(actor, id);
  }
}
